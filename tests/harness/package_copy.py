"""Copies of the mistral_actions package with modules added or changed.

`mistral-actions` discovers what is importable as ``mistral_actions``; a
copy put first on PYTHONPATH wins over the installed (editable) package, so
tests and benchmarks see the tool handle new, changed or removed modules.
"""

from pathlib import Path
import shutil

import mistral_actions

PACKAGE = Path(mistral_actions.__file__).parent


def package_copy(root, modules=None, appended=None):
    """Copy the package under root and return root (for PYTHONPATH).

    :param modules: relative path -> source text of a module to add or
        replace, e.g. ``{'generated/m0001.py': '...'}``; missing folders
        become packages.
    :param appended: relative path -> text appended to an existing module.
    """
    root = Path(root)
    target = root / 'mistral_actions'
    shutil.copytree(PACKAGE, target,
                    ignore=shutil.ignore_patterns('__pycache__'))
    for relative, text in (modules or {}).items():
        path = target / relative
        for folder in reversed(path.relative_to(target).parents[:-1]):
            (target / folder).mkdir(exist_ok=True)
            (target / folder / '__init__.py').touch()
        path.write_text(text)
    for relative, text in (appended or {}).items():
        with open(target / relative, 'a') as module:
            module.write(text)
    return root

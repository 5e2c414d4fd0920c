"""No module of tests/, bench/, tools/ or the sandbox hides a real package,
so that no launcher needs `python -P` or sys.path edits to get the real one.

A script's folder comes first on its sys.path (Mistral's one-process
launcher runs from mistral_actions/tool/sandbox), and gunicorn,
cinder-volume and nova-compute import our drivers and loaders beside the
services' own packages: a `tests/harness/mistral.py` would be imported
instead of Mistral.
Everything is derived from the files and from what a fresh interpreter of
this environment can import, not from a list kept by hand.
"""

import ast
import json
from pathlib import Path
import re
import subprocess
import sys

ROOT = Path(__file__).resolve().parents[2]
FOLDERS = ('tests', 'bench', 'tools', 'mistral_actions/tool/sandbox')
# Where launchers are written down besides Python code.
LAUNCH_CONFIGS = ('tox.ini', 'setup.cfg', '.ci/*', '*.sh')
# Module names Python gives a meaning of its own.
SPECIAL = {'__init__', '__main__'}
# `python -P`, `python3.11 -I -P`... in a command line written as text.
SAFE_PATH_FLAG = re.compile(r'\bpython[\d.]*(\s+-\w+)*\s+-\w*P\b')
# What a fresh interpreter (-I: no current folder, no PYTHONPATH) finds.
FIND = '''
import importlib.util, json, sys
found = {}
for name in sys.argv[1:]:
    spec = importlib.util.find_spec(name)
    if spec is not None:
        found[name] = spec.origin or str(spec.submodule_search_locations)
print(json.dumps(found))
'''


def python_files(root):
    """Every .py file under the folders checked, as paths below root."""
    return sorted(path.relative_to(root) for folder in FOLDERS
                  for path in (root / folder).rglob('*.py')
                  if '__pycache__' not in path.parts)


def module_names(root) -> dict:
    """Top-level name a file or package would have if its folder were on
    sys.path -> the files that would have it."""
    names = {}
    for path in python_files(root):
        name = path.parent.name if path.stem == '__init__' else path.stem
        if name not in SPECIAL and name.isidentifier():
            names.setdefault(name, []).append(str(path))
    return names


def importable(names) -> dict:
    """name -> where the environment's interpreter imports it from, for
    the names it can import without this repository on its path."""
    result = subprocess.run([sys.executable, '-I', '-c', FIND, *names],
                            capture_output=True, text=True, timeout=120,
                            cwd='/')
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


def shadowing(root) -> dict:
    """Our file -> the real module its name hides."""
    names = module_names(root)
    return {path: origin
            for name, origin in importable(sorted(names)).items()
            for path in names[name]}


def _names_safe_path(text):
    """The piece of text that runs Python with -P (or PYTHONSAFEPATH)."""
    match = SAFE_PATH_FLAG.search(text)
    if match:
        return match.group(0)
    return 'PYTHONSAFEPATH' if 'PYTHONSAFEPATH' in text else None


def _is_sys_path_edit(node) -> bool:
    """sys.path.insert(...), sys.path.append(...) and the like."""
    return (isinstance(node, ast.Call)
            and isinstance(node.func, ast.Attribute)
            and ast.unparse(node.func.value) == 'sys.path')


def path_workarounds(root) -> list:
    """'file:line: what' for each launcher flag or sys.path edit that
    only a shadowing module would need."""
    found = []
    for path in python_files(root):
        if root / path == Path(__file__):  # these checks name what they seek
            continue
        tree = ast.parse((root / path).read_text(), str(path))
        for node in ast.walk(tree):
            if isinstance(node, (ast.List, ast.Tuple)) and any(
                    isinstance(item, ast.Constant) and item.value == '-P'
                    for item in node.elts):
                found.append('%s:%d: -P in a command line' % (
                    path, node.lineno))
            elif isinstance(node, ast.Constant) and isinstance(
                    node.value, str) and _names_safe_path(node.value):
                found.append('%s:%d: %s' % (path, node.lineno,
                                            _names_safe_path(node.value)))
            elif _is_sys_path_edit(node):
                found.append('%s:%d: %s' % (path, node.lineno,
                                            ast.unparse(node)))
    for pattern in LAUNCH_CONFIGS:
        for path in sorted(root.glob(pattern)):
            if not path.is_file():
                continue
            for number, line in enumerate(path.read_text().splitlines(), 1):
                if _names_safe_path(line):
                    found.append('%s:%d: %s' % (
                        path.relative_to(root), number, line.strip()))
    return found


def test_no_module_name_hides_an_importable_one():
    assert shadowing(ROOT) == {}


def test_no_launcher_works_around_shadowing():
    assert path_workarounds(ROOT) == []


def test_the_checks_see_a_shadowing_tree(tmp_path):
    """What the harness looked like before: both checks object."""
    harness = tmp_path / 'tests' / 'harness'
    harness.mkdir(parents=True)
    (harness / '__init__.py').write_text('')
    (harness / 'mistral.py').write_text('')
    (harness / 'launcher.py').write_text(
        'import sys\n'
        "ARGV = [sys.executable, '-P', 'single.py']\n"
        "USAGE = 'python -P single.py --config-file C'\n")
    (tmp_path / 'bench').mkdir()
    (tmp_path / 'bench' / 'json.py').write_text(
        'import sys\nsys.path.insert(0, "..")\n')
    (tmp_path / 'tox.ini').write_text('commands = python3 -P x.py\n')

    hidden = shadowing(tmp_path)
    assert sorted(hidden) == ['bench/json.py', 'tests/harness/mistral.py']
    assert hidden['tests/harness/mistral.py'].endswith(
        'mistral/__init__.py')
    assert [line.split(':')[0:2] for line in path_workarounds(tmp_path)] == [
        ['bench/json.py', '2'], ['tests/harness/launcher.py', '2'],
        ['tests/harness/launcher.py', '3'], ['tox.ini', '1']]

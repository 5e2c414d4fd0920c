"""Turn one action module into the self-contained text Mistral stores.

A code source may import only what is installed on the Mistral nodes, so
the module travels with every module of its own package (and of
``mistral_actions``' helpers) that it imports, directly or through one
another, found by reading their import statements. What is left are its
external imports: the libraries the executors must have. The text starts
with a header a person can read (``mistral code-source-get``): what it
holds, from which package; the loader it ends with is
:mod:`.bundle_runtime`. The text is the same for the same files, so the
plan stays content-based: an unchanged module is never rewritten.
"""

import ast
import dataclasses
import hashlib
import importlib.util
import inspect
import os
import sys
import typing

from mistral_actions.tool import ownership
from mistral_actions.tool.pipeline import bundle_runtime

#: Packages whose modules travel inside bundles besides the package's own:
#: the library's helpers (base classes, OpenStack clients), never the tool.
SHARED_PACKAGES = ('mistral_actions',)
NEVER_BUNDLED = ('mistral_actions.tool',)

FORMAT = 1

_RUNTIME = inspect.getsource(bundle_runtime)


@dataclasses.dataclass(frozen=True)
class Bundle:
    """What a module's code source holds."""

    text: str  #: the code source's content
    files: tuple  #: (module name, file name relative to its root), sorted
    #: top-level names of the libraries it imports, ``x (optional)`` when
    #: it copes without (every import of it inside try/except ImportError)
    externals: tuple


def build(module_name: str, prefix: str,
          internal: typing.Iterable[str] = ()) -> Bundle:
    """The bundle of an (importable) action module of package ``prefix``.

    :param internal: top-level names whose modules travel with it, besides
        the module's own top-level package and :data:`SHARED_PACKAGES`.
    """
    tops = {module_name.split('.')[0], *SHARED_PACKAGES, *internal}
    modules, externals = _closure(module_name, tops)
    files = {name: (relative, text)
             for name, (relative, text) in sorted(modules.items())}
    packages = sorted(name for name, (relative, _) in files.items()
                      if relative.endswith('__init__.py'))
    digest = hashlib.sha256(repr(
        (FORMAT, module_name, sorted(files.items()))).encode()).hexdigest()
    listing = ''.join('#   %s%s\n' % (
        relative, ' (its actions)' if name == module_name else '')
        for name, (relative, _) in files.items())
    text = (
        '# mistral-actions code source %s (bundle %s)\n'
        '%s'
        '# It holds these files, each loaded under a private name so that\n'
        '# Mistral nodes need none of them installed:\n'
        '%s'
        '# It imports, from what the Mistral nodes have installed: %s\n'
        '# Written by `mistral-actions register`: change the package and\n'
        '# register again rather than editing this text.\n\n'
        '_MISTRAL_ACTIONS_BUNDLE = {\n'
        '    "format": %d,\n'
        '    "digest": %r,\n'
        '    "main": %r,\n'
        '    "packages": %r,\n'
        '    "files": {\n%s    },\n'
        '}\n\n\n%s\n\n'
        '_mistral_actions_load(_MISTRAL_ACTIONS_BUNDLE, globals())\n' % (
            module_name, digest[:12], ownership.package_header(prefix),
            listing,
            ', '.join(externals) or 'nothing but Python', FORMAT, digest,
            module_name, packages,
            ''.join('        %r: (%r, %s),\n' % (name, relative,
                                                 _literal(text))
                    for name, (relative, text) in files.items()),
            _runtime_text()))
    return Bundle(text=text,
                  files=tuple((name, relative)
                              for name, (relative, _) in files.items()),
                  externals=tuple(externals))


def _runtime_text() -> str:
    """The loader function alone, without the runtime module's docstring."""
    return _RUNTIME[_RUNTIME.index('def _mistral_actions_load'):].rstrip()


def _literal(text: str) -> str:
    """A Python literal of the text that a person can still read: a raw
    triple-quoted string where one can hold it, else repr()."""
    for quote in ("'''", '"""'):
        if quote not in text and not text.endswith(('\\', quote[0])) \
                and '\r' not in text:
            literal = 'r' + quote + text + quote
            try:
                if ast.literal_eval(literal) == text:
                    return literal
            except (SyntaxError, ValueError):
                pass
    return repr(text)


def _closure(module_name: str, tops: set) -> tuple:
    """({module name: (relative file, text)}, sorted external top-level
    names) for the module and every internal module it reaches."""
    modules = {}
    externals = {}  # top-level name -> {whether each import is optional}
    pending = [module_name]
    while pending:
        name = pending.pop()
        if name in modules:
            continue
        path, is_package = _source_file(name)
        with open(path, encoding='utf-8') as source:
            text = source.read()
        modules[name] = (_relative(name, path), text)
        parent = name.rpartition('.')[0]
        if parent and parent not in modules:
            pending.append(parent)
        package = name if is_package else parent
        for imported, optional in _imports(text, package, path):
            top = imported.split('.')[0]
            if top in tops and not imported.startswith(NEVER_BUNDLED):
                pending.extend(_existing(imported))
            elif top not in sys.stdlib_module_names and top != '__future__':
                externals.setdefault(top, set()).add(optional)
    # Optional only when every import of it is.
    return modules, sorted(top + (' (optional)' if all(kinds) else '')
                           for top, kinds in externals.items())


def _source_file(name: str) -> tuple:
    spec = importlib.util.find_spec(name)
    if spec is None or not spec.origin or not spec.origin.endswith('.py'):
        raise ImportError('cannot bundle %s: no Python source file found '
                          'for it' % name)
    return spec.origin, spec.submodule_search_locations is not None


def _relative(name: str, path: str) -> str:
    """``acme_actions/util.py`` for module ``acme_actions.util``."""
    depth = name.count('.') + (1 if path.endswith('__init__.py') else 0)
    parts = os.path.normpath(path).split(os.sep)
    return '/'.join(parts[-(depth + 1):])


def _imports(text: str, package: str, path: str) -> list:
    """(absolute name, optional) of what the module imports, anywhere in
    it; for ``from X import Y`` both X and X.Y (Y may be a module). An
    import is optional inside ``try`` that catches ImportError."""
    found = []

    def visit(node, optional):
        if isinstance(node, ast.Try) and any(
                _catches_import_error(handler) for handler in node.handlers):
            for child in node.body:
                visit(child, True)
            for child in node.handlers + node.orelse + node.finalbody:
                visit(child, optional)
            return
        if isinstance(node, ast.Import):
            found.extend((alias.name, optional) for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ''
            if node.level:
                anchor = package.rsplit('.', node.level - 1)[0] \
                    if node.level > 1 else package
                base = '%s.%s' % (anchor, base) if base else anchor
            found.append((base, optional))
            found.extend(('%s.%s' % (base, alias.name), optional)
                         for alias in node.names if alias.name != '*')
        for child in ast.iter_child_nodes(node):
            visit(child, optional)

    visit(ast.parse(text, path), False)
    return found


def _catches_import_error(handler: ast.ExceptHandler) -> bool:
    caught = handler.type
    names = caught.elts if isinstance(caught, ast.Tuple) else [caught]
    return caught is None or any(
        isinstance(name, ast.Name) and name.id in (
            'ImportError', 'ModuleNotFoundError', 'Exception')
        for name in names)


def _existing(name: str) -> list:
    """[name] when it is a module of its own (not a name inside one)."""
    try:
        return [name] if importlib.util.find_spec(name) is not None else []
    except (ImportError, ValueError):
        return []

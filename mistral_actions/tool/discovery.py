"""Find the exported action classes of a package by walking it with pkgutil.

A class is exported when ``__export__ = True`` stands in its own body (not
inherited), it is defined in the module being walked and it subclasses
``mistral_lib.actions.Action``; it is unsafe when ``__unsafe__ = True``
stands there too. The tool's own package is never walked.

Importing the modules (and mistral_lib with them) is most of a command's
start-up, so commands use :func:`discover_cached` and
:func:`validate_cached`: results are kept until a file of the package or an
installed distribution changes.
"""

import contextlib
import dataclasses
import hashlib
import importlib
import importlib.util
import inspect
import json
import os
import pkgutil
import re
import sys
import tempfile

import mistral_actions
from mistral_actions.tool import ownership
from mistral_actions.tool import specs

_SKIPPED_PACKAGES = ('mistral_actions.tool',)


def snake_case(class_name: str) -> str:
    """``AssertPowerStatus`` -> ``assert_power_status``."""
    words = re.sub(r'([A-Z]+)([A-Z][a-z])', r'\1_\2', class_name)
    return re.sub(r'([a-z0-9])([A-Z])', r'\1_\2', words).lower()


def action_name(module_name: str, class_name: str,
                package: str = 'mistral_actions',
                prefix: str = mistral_actions.PREFIX) -> str:
    """``mistral_actions.nova.servers`` + ``AssertStatus`` ->
    ``int32bit.nova.servers.assert_status``."""
    below = module_name[len(package) + 1:]
    return '.'.join(part for part in (prefix, below, snake_case(class_name))
                    if part)


def is_exported(cls, module) -> bool:
    from mistral_lib import actions as ml_actions
    return (inspect.isclass(cls)
            and cls.__dict__.get('__export__') is True
            and cls.__module__ == module.__name__
            and issubclass(cls, ml_actions.Action))


def iter_module_names(package_name: str = 'mistral_actions'):
    """Dotted names of every module of the package, tool package excluded."""
    package = importlib.import_module(package_name)
    prefix = package_name + '.'
    for info in pkgutil.walk_packages(package.__path__, prefix):
        if info.name.startswith(_SKIPPED_PACKAGES):
            continue
        if not info.ispkg:
            yield info.name


def read_module(module) -> specs.ModuleSpec:
    path = inspect.getsourcefile(module)
    with open(path, encoding='utf-8') as source:
        return specs.ModuleSpec(name=module.__name__, path=path,
                                content=source.read())


def discover(package_name: str = 'mistral_actions') -> list:
    """Every exported action of the package, sorted by name."""
    # Only here: commands that do not discover start without mistral_lib.
    from mistral_lib.utils import inspect_utils
    found = []
    for module_name in iter_module_names(package_name):
        module = importlib.import_module(module_name)
        exported = [cls for _, cls in inspect.getmembers(module)
                    if is_exported(cls, module)]
        if not exported:
            continue
        module_spec = read_module(module)
        for cls in exported:
            name = action_name(module_name, cls.__name__, package_name)
            found.append(specs.ActionSpec(
                name=name,
                class_name=cls.__name__,
                module=module_spec,
                input=inspect_utils.get_arg_list_as_str(cls.__init__),
                description=inspect_utils.get_docstring(cls) or '',
                unsafe=ownership.is_unsafe_class(cls),
            ))
    return sorted(found, key=lambda spec: spec.name)


def discover_cached(package_name: str = 'mistral_actions',
                    cache_dir=None) -> list:
    """:func:`discover`, or what it gave last time when nothing it depends
    on changed since: the package's files, the folders on sys.path (a
    distribution installed, upgraded or removed changes its folder), the
    Python and this module. The way stevedore keeps entry points."""
    cache_dir = cache_dir or _cache_dir()
    path = _cache_path(cache_dir, package_name)
    key = _cache_key(package_name)
    cached = _read_cache(path, key)
    if cached is not None:
        return _specs_from_json(cached)
    found = discover(package_name)
    if key:
        _write_cache(cache_dir, path, {
            'key': key,
            'modules': {spec.module.name: dataclasses.asdict(spec.module)
                        for spec in found},
            'actions': [dict(dataclasses.asdict(spec),
                             module=spec.module.name) for spec in found]})
    return found


def validate_cached(specs, validate, package_name: str = 'mistral_actions',
                    cache_dir=None) -> list:
    """validate(specs): its problems. Not run again for specs found clean
    before under the current key of the discovery cache: the same modules
    in the same installation give the same answer."""
    cache_dir = cache_dir or _cache_dir()
    path = _cache_path(cache_dir, package_name)
    cached = _read_cache(path, _cache_key(package_name))
    if cached is None:
        return validate(specs)
    known = {spec.name: spec for spec in _specs_from_json(cached)}
    clean = set(cached.get('clean', ()))
    if all(spec.name in clean and known.get(spec.name) == spec
           for spec in specs):
        return []
    problems = validate(specs)
    found_clean = clean | {spec.name for spec in specs
                           if not problems and known.get(spec.name) == spec}
    if found_clean != clean:
        cached['clean'] = sorted(found_clean)
        _write_cache(cache_dir, path, cached)
    return problems


def _cache_path(cache_dir, package_name) -> str:
    return os.path.join(cache_dir, 'discovery-%s.json' % package_name)


def _read_cache(path, key):
    """The cached data when it was written under this key, else None."""
    if not key:
        return None
    try:
        with open(path, encoding='utf-8') as cache:
            cached = json.load(cache)
        return cached if cached['key'] == key else None
    except (OSError, ValueError, KeyError, TypeError):
        return None


def _cache_dir() -> str:
    base = os.environ.get('XDG_CACHE_HOME') or os.path.join(
        os.path.expanduser('~'), '.cache')
    return os.path.join(base, 'mistral-actions')


def _cache_key(package_name) -> str:
    """A digest of everything discovery depends on; '' when the package
    cannot be found without importing it (then nothing is cached)."""
    try:
        found = importlib.util.find_spec(package_name)
    except (ImportError, ValueError):
        return ''
    if found is None or not found.submodule_search_locations:
        return ''
    digest = hashlib.sha256(repr((sys.version, package_name)).encode())
    folders = list(found.submodule_search_locations)
    files = [os.path.abspath(__file__), os.path.abspath(specs.__file__)]
    for folder in folders:
        for root, dirs, names in os.walk(folder):
            dirs.sort()
            files.extend(os.path.join(root, name) for name in sorted(names)
                         if name.endswith('.py'))
    # The current folder ('' on sys.path) changes all the time and holds
    # no distributions: its name is enough.
    for path in files + [entry for entry in sys.path if entry]:
        try:
            stat = os.stat(path)
        except OSError:
            stat = None
        digest.update(repr((path, stat and (stat.st_size, stat.st_mtime_ns))
                           ).encode())
    digest.update(repr(os.getcwd() if '' in sys.path else '').encode())
    return digest.hexdigest()


def _specs_from_json(cached) -> list:
    modules = {name: specs.ModuleSpec(**module)
               for name, module in cached['modules'].items()}
    return [specs.ActionSpec(**dict(action,
                                    module=modules[action['module']]))
            for action in cached['actions']]


def _write_cache(cache_dir, path, data):
    """Best effort, atomic: a reader never sees half a file."""
    try:
        os.makedirs(cache_dir, exist_ok=True)
        temporary = tempfile.NamedTemporaryFile(
            'w', dir=cache_dir, suffix='.tmp', delete=False, encoding='utf-8')
    except OSError:
        return
    try:
        with temporary:
            json.dump(data, temporary)
        os.replace(temporary.name, path)
    except OSError:
        with contextlib.suppress(OSError):
            os.unlink(temporary.name)

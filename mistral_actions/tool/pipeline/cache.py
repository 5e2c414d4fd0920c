"""What discovery found, and which of it validated clean, kept on disk until
something it depends on changes.

Importing a package's modules (and mistral_lib with them) is most of a
command's start-up; the answer only changes when a file of the package, an
installed distribution (a folder on sys.path), the Python or the tool
itself changes, so those make up the key, the way stevedore keeps its
entry point cache. Nothing here discovers or validates: the discover and
validate steps ask and tell.
"""

import contextlib
import dataclasses
import hashlib
import importlib.util
import json
import os
import sys
import tempfile
import typing

from mistral_actions.tool import specs as action_specs

#: The tool's own files whose code decides what is cached.
_TOOL_FILES = ('discover.py', 'validate.py', 'cache.py', 'bundle.py',
               'bundle_runtime.py')


def default_dir() -> str:
    """``$XDG_CACHE_HOME/mistral-actions`` (``~/.cache/...`` by default)."""
    base = os.environ.get('XDG_CACHE_HOME') or os.path.join(
        os.path.expanduser('~'), '.cache')
    return os.path.join(base, 'mistral-actions')


class DiscoveryCache:
    """The cache entry of one package under the current key.

    :param package_name: the package whose discovery is kept.
    :param cache_dir: where (default: :func:`default_dir`).
    """

    def __init__(self, package_name: str,
                 cache_dir: typing.Optional[str] = None,
                 prefix: typing.Optional[str] = None):
        self.directory = str(cache_dir or default_dir())
        self.path = os.path.join(self.directory,
                                 'discovery-%s.json' % package_name)
        self.key = key_of(package_name, prefix)
        self._data = None

    def specs(self) -> typing.Optional[list]:
        """The specs kept under the current key, or None."""
        data = self._read()
        return _specs_from_json(data) if data else None

    def store(self, found: list) -> None:
        """Keep what discovery found (forgetting what validated clean)."""
        if not self.key:
            return
        self._data = {
            'key': self.key,
            'modules': {spec.module.name: dataclasses.asdict(spec.module)
                        for spec in found},
            'actions': [dict(dataclasses.asdict(spec),
                             module=spec.module.name) for spec in found],
            'clean': []}
        self._write()

    def known_clean(self, specs: list) -> bool:
        """Whether every one of these specs validated clean before, as it
        is now, under the current key."""
        data = self._read()
        if not data:
            return False
        known = {spec.name: spec for spec in _specs_from_json(data)}
        clean = set(data.get('clean', ()))
        return all(spec.name in clean and known.get(spec.name) == spec
                   for spec in specs)

    def mark_clean(self, specs: list) -> None:
        """These specs validated clean; only those equal to the kept ones
        are remembered."""
        data = self._read()
        if not data:
            return
        known = {spec.name: spec for spec in _specs_from_json(data)}
        clean = set(data.get('clean', ()))
        found_clean = clean | {spec.name for spec in specs
                               if known.get(spec.name) == spec}
        if found_clean != clean:
            data['clean'] = sorted(found_clean)
            self._write()

    def _read(self) -> typing.Optional[dict]:
        if self._data is None and self.key:
            self._data = _read(self.path, self.key)
        return self._data

    def _write(self) -> None:
        """Best effort, atomic: a reader never sees half a file."""
        try:
            os.makedirs(self.directory, exist_ok=True)
            temporary = tempfile.NamedTemporaryFile(
                'w', dir=self.directory, suffix='.tmp', delete=False,
                encoding='utf-8')
        except OSError:
            return
        try:
            with temporary:
                json.dump(self._data, temporary)
            os.replace(temporary.name, self.path)
        except OSError:
            with contextlib.suppress(OSError):
                os.unlink(temporary.name)


def _read(path: str, key: str) -> typing.Optional[dict]:
    """The kept data when it was written under this key, else None."""
    try:
        with open(path, encoding='utf-8') as kept:
            data = json.load(kept)
        return data if data['key'] == key else None
    except (OSError, ValueError, KeyError, TypeError):
        return None


def key_of(package_name: str, prefix: typing.Optional[str] = None) -> str:
    """A digest of everything discovery depends on; '' when the package
    cannot be found without importing it (then nothing is kept)."""
    try:
        found = importlib.util.find_spec(package_name)
    except (ImportError, ValueError):
        return ''
    if found is None or not found.submodule_search_locations:
        return ''
    digest = hashlib.sha256(repr((sys.version, package_name, prefix)
                                 ).encode())
    here = os.path.dirname(os.path.abspath(__file__))
    files = [os.path.join(here, name) for name in _TOOL_FILES]
    files.append(os.path.abspath(action_specs.__file__))
    # Bundles carry the library's helpers too: their files count.
    folders = list(found.submodule_search_locations) + [
        os.path.dirname(os.path.dirname(here))]
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


def _specs_from_json(data: dict) -> list:
    modules = {name: action_specs.ModuleSpec(**dict(
        module, externals=tuple(module.get('externals', ())),
        files=tuple(tuple(item) for item in module.get('files', ()))))
        for name, module in data['modules'].items()}
    return [action_specs.ActionSpec(**dict(action,
                                           module=modules[action['module']]))
            for action in data['actions']]

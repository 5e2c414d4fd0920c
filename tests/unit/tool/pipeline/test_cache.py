"""The discovery cache: discover_cached() gives what discover() gives and
forgets it as soon as a file it depends on changes; validate_cached() does
not validate again what validated clean under the same key."""

import dataclasses
import os
import sys
import uuid

import pytest

from mistral_actions.tool.pipeline import discover as discovery
from mistral_actions.tool.pipeline import validate as validation

MODULE = '''
from mistral_lib import actions


class Greet(actions.Action):
    """Say hello."""

    __export__ = True

    def __init__(self, who, greeting="hello"):
        self.who = who
        self.greeting = greeting

    def run(self, context):
        return '%s %s' % (self.greeting, self.who)
'''


@pytest.fixture
def package(tmp_path, monkeypatch):
    """A fresh importable package with one action module; its name."""
    name = 'cache_sample_%s' % uuid.uuid4().hex[:8]
    root = tmp_path / 'root'  # on sys.path: the cache must live elsewhere
    (root / name).mkdir(parents=True)
    (root / name / '__init__.py').write_text('')
    (root / name / 'greetings.py').write_text(MODULE)
    monkeypatch.syspath_prepend(str(root))
    yield name, root / name
    for module in [m for m in sys.modules if m.startswith(name)]:
        del sys.modules[module]


def test_a_hit_gives_the_same_specs_without_importing(package, tmp_path,
                                                      monkeypatch):
    name, _ = package
    cache = tmp_path / 'cache'
    first = discovery.discover_cached(name, cache)
    assert first == discovery.discover(name)
    assert [spec.input for spec in first] == ['who, greeting="hello"']

    def no_discovery(package_name):
        raise AssertionError('discovered again although nothing changed')
    monkeypatch.setattr(discovery, 'discover', no_discovery)
    assert discovery.discover_cached(name, cache) == first


def test_a_changed_module_is_discovered_again(package, tmp_path):
    name, folder = package
    cache = tmp_path / 'cache'
    discovery.discover_cached(name, cache)
    module = folder / 'greetings.py'
    module.write_text(MODULE.replace('"hello"', '"hi"'))
    stat = module.stat()
    os.utime(module, ns=(stat.st_atime_ns, stat.st_mtime_ns + 10**9))
    del sys.modules[name + '.greetings']
    again = discovery.discover_cached(name, cache)
    assert [spec.input for spec in again] == ['who, greeting="hi"']
    assert 'greeting="hi"' in again[0].module.content
    assert 'greeting="hello"' not in again[0].module.content


def test_an_unwritable_cache_only_costs_time(package, tmp_path):
    name, _ = package
    blocker = tmp_path / 'not-a-folder'
    blocker.write_text('')
    assert discovery.discover_cached(name, blocker / 'cache') == \
        discovery.discover(name)


class Validations:
    """A validate() that counts its calls and answers as told."""

    def __init__(self, problems=()):
        self.problems = list(problems)
        self.calls = 0

    def __call__(self, specs, hidden=()):
        self.calls += 1
        return self.problems


@pytest.fixture
def counted(monkeypatch):
    """Replace the validate step by a counter; returns a function setting
    what it answers."""
    def install(problems=()):
        validate = Validations(problems)
        monkeypatch.setattr(validation, 'validate', validate)
        return validate
    return install


def test_clean_specs_are_not_validated_again(package, tmp_path, counted):
    name, folder = package
    cache = tmp_path / 'cache'
    specs = discovery.discover_cached(name, cache)
    validate = counted()
    assert validation.validate_cached(specs, name, cache) == []
    assert validation.validate_cached(specs, name, cache) == []
    assert validate.calls == 1

    module = folder / 'greetings.py'
    module.write_text(MODULE + '\n# changed\n')
    del sys.modules[name + '.greetings']
    specs = discovery.discover_cached(name, cache)
    assert validation.validate_cached(specs, name, cache) == []
    assert validate.calls == 2


def test_problems_are_never_remembered(package, tmp_path, counted):
    name, _ = package
    cache = tmp_path / 'cache'
    specs = discovery.discover_cached(name, cache)
    validate = counted(['broken'])
    for _ in range(2):
        assert validation.validate_cached(specs, name, cache) == \
            ['broken']
    assert validate.calls == 2


def test_specs_from_elsewhere_are_always_validated(package, tmp_path,
                                                   counted):
    name, _ = package
    cache = tmp_path / 'cache'
    specs = discovery.discover_cached(name, cache)
    validate = counted()
    validation.validate_cached(specs, name, cache)
    other = [dataclasses.replace(specs[0], class_name='Other')]
    validation.validate_cached(other, name, cache)
    validation.validate_cached(other, name, cache)
    assert validate.calls == 3

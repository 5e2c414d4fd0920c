"""Which packages of actions a command works on, without installing any:
entry points as installed distributions declare them, --package options,
and the clashes refused before anything is read."""

from types import SimpleNamespace

import pytest

from mistral_actions.tool import errors
from mistral_actions.tool import packages


def entry(prefix, module, version='1.0'):
    return SimpleNamespace(name=prefix, value=module,
                           dist=SimpleNamespace(version=version))


@pytest.fixture
def installed(monkeypatch):
    """Set the entry points "installed" here; the modules all import."""
    entries = []
    monkeypatch.setattr(packages.metadata, 'entry_points',
                        lambda group: list(entries) if group ==
                        packages.GROUP else [])
    monkeypatch.setattr(packages, '_importable', lambda module: True)
    return entries


def test_every_declared_package_by_default(installed):
    installed += [entry('int32bit', 'mistral_actions', '2.0'),
                  entry('acme', 'acme_actions')]
    assert packages.select() == [
        packages.Package('acme', 'acme_actions', version='1.0'),
        packages.Package('int32bit', 'mistral_actions', version='2.0')]


def test_one_distribution_seen_twice_is_one_package(installed):
    installed += [entry('acme', 'acme_actions'), entry('acme', 'acme_actions')]
    assert [p.prefix for p in packages.select()] == ['acme']


def test_two_distributions_claiming_one_prefix_are_refused(installed):
    installed += [entry('acme', 'acme_actions'),
                  entry('acme', 'rival_actions')]
    with pytest.raises(errors.ToolError) as raised:
        packages.select()
    assert str(raised.value) == (
        'two packages claim the prefix acme (acme_actions and '
        'rival_actions): give one of them another prefix with --package '
        'MODULE=PREFIX')
    with pytest.raises(errors.ToolError) as raised:
        packages.select(['acme'])
    assert str(raised.value) == (
        '--package acme: installed packages acme_actions and rival_actions '
        'all declare the prefix acme; give the module instead, e.g. '
        '--package acme_actions')
    # Either one alone, by its module, or both under two prefixes.
    assert packages.select(['rival_actions']) == [
        packages.Package('acme', 'rival_actions', version='1.0')]
    assert [p.prefix for p in packages.select(
        ['acme_actions', 'rival_actions=rival'])] == ['acme', 'rival']


def test_a_module_under_two_prefixes_and_overlapping_prefixes(installed):
    with pytest.raises(errors.ToolError, match='given twice, as a and as b'):
        packages.select(['acme_actions=a', 'acme_actions=b'])
    with pytest.raises(errors.ToolError, match='prefixes acme and acme.x '
                                               'overlap'):
        packages.select(['acme_actions=acme', 'other_actions=acme.x'])


@pytest.mark.parametrize('option, message', [
    ('=acme', "--package '=acme': give a module"),
    ('acme_actions=no good', "'no good' is not a valid prefix"),
])
def test_bad_options_are_one_line(installed, option, message):
    with pytest.raises(errors.ToolError, match=message):
        packages.select([option])


def test_a_prefix_not_installed_here_is_known_by_prefix_only(
        monkeypatch, installed):
    monkeypatch.setattr(packages, '_importable', lambda module: False)
    gone, = packages.select(['retired'])
    assert gone == packages.Package('retired') and not gone.installed

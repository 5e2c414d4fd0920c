"""The ownership rules: what is ours, what is unsafe, with what scope."""

import pytest

from mistral_actions.system import Exec
from mistral_actions.tool import ownership
from mistral_actions.tool import registry
from mistral_actions.tool import specs

MODULE = specs.ModuleSpec('mistral_actions.x', '/x.py', '')


def spec(unsafe):
    return specs.ActionSpec('int32bit.x.y', 'Y', MODULE, '', '', unsafe)


def source(name, content=''):
    return registry.CodeSource(name, content, 1, 'public')


SNAPSHOT = registry.Snapshot.of(
    [source('mistral_actions.a'),  # written before bundles: int32bit's
     source('acme_actions.a', ownership.package_header('acme')),
     source('acme_actions.b', '# mistral-actions package: acme is mine\n'),
     source('other.a', 'x = 1\n')], [])


def action(name, code_source):
    return registry.DynamicAction(name, 'C', code_source, 'public')


@pytest.mark.parametrize('name,code_source,package', [
    ('int32bit.a.b', 'mistral_actions.a', 'int32bit'),
    ('acme.a.b', 'acme_actions.a', 'acme'),
    ('int32bit.a.b', 'acme_actions.a', None),  # prefix of another package
    ('acme.a.b', 'mistral_actions.a', None),
    ('int32bitx.a', 'mistral_actions.a', None),
    ('acme.b.c', 'acme_actions.b', None),  # not a header of ours
    ('other.a.b', 'other.a', None),
    ('acme.a.b', 'missing', None),
])
def test_an_action_is_ours_by_its_code_source_and_prefix(name, code_source,
                                                         package):
    registered = action(name, code_source)
    assert ownership.action_package(registered, SNAPSHOT) == package
    assert ownership.is_ours(registered, SNAPSHOT) == bool(package)
    assert not ownership.is_ours(registered, SNAPSHOT, {'elsewhere'})
    if package:
        assert ownership.is_ours(registered, SNAPSHOT, {package})


def test_the_package_is_read_from_the_code_source():
    assert [ownership.is_our_source(s, {'acme'})
            for s in SNAPSHOT.code_sources.values()] == [
        False, True, False, False]


def test_unsafe_is_marked_in_the_class_body_and_not_inherited():
    assert ownership.is_unsafe_class(Exec)

    class Child(Exec):
        pass
    assert not ownership.is_unsafe_class(Child)


def test_unsafe_actions_are_private_unless_made_public():
    assert ownership.action_scope(spec(False)) == 'public'
    assert ownership.action_scope(spec(True)) == 'private'
    assert ownership.action_scope(spec(True), public_unsafe=True) == 'public'
    assert ownership.source_scope([spec(True)]) == 'private'
    assert ownership.source_scope([spec(True), spec(False)]) == 'public'

"""The ownership rules: what is ours, what is unsafe, with what scope."""

from mistral_actions.system import Exec
from mistral_actions.tool import ownership
from mistral_actions.tool import registry
from mistral_actions.tool import specs

MODULE = specs.ModuleSpec('mistral_actions.x', '/x.py', '')


def spec(unsafe):
    return specs.ActionSpec('int32bit.x.y', 'Y', MODULE, '', '', unsafe)


def test_ours_needs_our_prefix_and_our_code_source():
    def action(name, source):
        return registry.DynamicAction(name, 'C', source, 'public')
    assert ownership.is_ours(action('int32bit.a.b', 'mistral_actions.a'))
    assert not ownership.is_ours(action('int32bit.a.b', 'acme.a'))
    assert not ownership.is_ours(action('acme.a.b', 'mistral_actions.a'))
    assert not ownership.is_ours(action('int32bitx.a', 'mistral_actions.a'))


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

"""The db backend's view of other providers' actions: the same names the
api backend reads from `mistral action-list`, generated ones included,
without generating them for names that cannot be among them."""

import pytest

from mistral_actions.tool.registry import db

GENERATED = 'keystone.oauth1.consumers_create'


@pytest.fixture
def generated_calls(monkeypatch):
    calls = []

    def generated():
        calls.append(1)
        return frozenset([GENERATED, 'nova.servers_list'])

    monkeypatch.setattr(db, '_generated_names', generated)
    monkeypatch.setattr(db, '_generator_namespaces',
                        lambda: {'keystone', 'nova'})
    return calls


def test_generated_names_are_made_once_and_only_when_asked_about(
        generated_calls):
    other = db._OtherProviders({'std.echo'}, generators_on=True)
    assert 'std.echo' in other
    assert 'int32bit.nova.servers.get_status' not in other
    assert 'acme.util.greet' not in other
    assert generated_calls == []
    assert GENERATED in other
    assert 'nova.servers_list' in other
    assert 'keystone.nothing_such' not in other
    assert generated_calls == [1]


def test_without_generators_no_generated_name_is_taken(generated_calls):
    other = db._OtherProviders({'std.echo'}, generators_on=False)
    assert GENERATED not in other
    assert 'std.echo' in other
    assert generated_calls == []


def test_the_cheap_namespaces_cover_every_name_mistral_generates():
    # Mistral's own legacy provider, with mistral-extra installed here:
    # every generated name must fall in a namespace known without it.
    import mistral.config  # noqa: F401 - registers Mistral's options

    generated = db._generated_names()
    assert GENERATED in generated
    assert {name.split('.')[0] for name in generated} <= \
        db._generator_namespaces()

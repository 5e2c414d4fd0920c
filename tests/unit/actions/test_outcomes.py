"""Expected failures end as Result(error=...), anything else raises."""

import functools
import inspect
import sys

import pytest

from mistral_lib import actions
from mistral_lib import exceptions
from mistral_lib import serialization

from mistral_actions.cloud import failures
from mistral_actions.cloud import outcomes
from mistral_actions import system
from mistral_actions.tool.pipeline import discover as discovery
from mistral_actions.tool.pipeline import validate as validation
from tests.unit.actions import fakes


class Failing(outcomes.ActionFailingCleanly):
    """Raises what it is given."""

    def __init__(self, error=None):
        super().__init__()
        self.error = error

    def run(self, context):
        if self.error is not None:
            raise self.error
        return {'ok': True}


class Handling(Failing):
    """Calls its base class's run and handles what it raises."""

    def run(self, context):
        try:
            return super().run(context)
        except failures.StatusNotReached:
            return 'handled'


def test_an_expected_failure_ends_as_its_one_line_message():
    result = Failing(failures.WaitTimeout(
        'volume v is still creating\n after 3 s')).run(None)
    assert isinstance(result, actions.Result) and result.is_error()
    assert result.error == 'volume v is still creating after 3 s'
    assert result.data is None


@pytest.mark.parametrize('kind', [
    outcomes.ExpectedFailure, outcomes.InvalidInput, failures.Unsupported,
    failures.ResourceNotFound, failures.WrongStatus,
    failures.ResourceInErrorState, failures.StatusNotReached,
    failures.WaitTimeout])
def test_every_kind_of_expected_failure_is_one(kind):
    assert Failing(kind('it failed')).run(None).error == 'it failed'


@pytest.mark.parametrize('error', [
    RuntimeError('bug'), KeyError('id'),
    # Raised by someone else: not a failure this project foresaw.
    exceptions.ActionException('from elsewhere')])
def test_anything_else_still_raises(error):
    with pytest.raises(type(error)):
        Failing(error).run(None)


def test_a_success_is_left_alone():
    assert Failing().run(None) == {'ok': True}


def test_a_base_run_raises_to_the_subclass_that_calls_it():
    assert Handling(failures.StatusNotReached('not yet')).run(None) == \
        'handled'
    result = Handling(failures.ResourceNotFound('x not found')).run(None)
    assert result.error == 'x not found'
    # The guard is per run: the next run starts afresh.
    assert Failing(failures.ResourceNotFound('y')).run(None).error == 'y'


def test_the_contract_mistral_checks_holds():
    assert list(inspect.signature(Failing.run).parameters) == \
        ['self', 'context']
    assert Failing.run.__name__ == 'run'
    assert Failing.run.__doc__ == Failing.run.__wrapped__.__doc__
    # Wrapped once, not again by the class Mistral derives from it.
    derived = type('Failing', (Failing,), {'extra': 1})
    assert derived.run is Failing.run
    assert derived(outcomes.InvalidInput('bad')).run(None).error == 'bad'


def test_the_result_crosses_rpc_as_mistral_sends_it():
    serializer = serialization.get_polymorphic_serializer()
    result = Failing(outcomes.InvalidInput('timeout must be positive')) \
        .run(None)
    sent = serializer.deserialize(serializer.serialize(result))
    assert sent == result
    assert sent.to_dict() == {'result': 'timeout must be positive'}


def exported_specs():
    return discovery.discover()


def spec_id(spec):
    return spec.name


@pytest.mark.parametrize('spec', exported_specs(), ids=spec_id)
def test_every_action_fails_cleanly_when_loaded_as_mistral_loads_it(spec):
    module = validation.load_as_mistral_does(spec.module)
    cls = getattr(module, spec.class_name)
    assert getattr(cls.run, 'fails_cleanly', False), spec.name
    assert validation.check_class(spec, module) == []


def instance_of(cls):
    """An instance with a placeholder for each required parameter."""
    required = [name for name, parameter in
                inspect.signature(cls.__init__).parameters.items()
                if name != 'self' and parameter.default is parameter.empty
                and parameter.kind is parameter.POSITIONAL_OR_KEYWORD]
    return cls(**{name: 'x-%s' % name for name in required})


OPENSTACK_SPECS = [spec for spec in exported_specs()
                   if spec.module.name != 'mistral_actions.system']


def loaded_with_make_client(monkeypatch, spec, make_client):
    """The action class as Mistral loads it (from its bundle), its clients
    made by ``make_client(failures module, service, context)``.

    A bundle holds its own copies of the library's modules: the clients
    module patched and the failures module given are the bundle's.
    """
    cls = getattr(validation.load_as_mistral_does(spec.module),
                  spec.class_name)
    for name, module in list(sys.modules.items()):
        if name.endswith('mistral_actions.cloud.clients'):
            its_failures = sys.modules[name[:-len('clients')] + 'failures']
            monkeypatch.setattr(module, 'make_client', functools.partial(
                make_client, its_failures))
    return cls


@pytest.mark.parametrize('spec', OPENSTACK_SPECS, ids=spec_id)
def test_every_openstack_action_ends_an_expected_failure_cleanly(
        monkeypatch, context, spec):
    def no_cloud(its_failures, service, context):
        raise its_failures.Unsupported('no %s here' % service)

    cls = loaded_with_make_client(monkeypatch, spec, no_cloud)
    message = fakes.failure_of(instance_of(cls), context)
    assert message.startswith('no ') and message.endswith(' here')


@pytest.mark.parametrize('spec', OPENSTACK_SPECS, ids=spec_id)
def test_every_openstack_action_still_raises_the_unexpected(
        monkeypatch, context, spec):
    def broken(its_failures, service, context):
        raise RuntimeError('a bug')

    cls = loaded_with_make_client(monkeypatch, spec, broken)
    with pytest.raises(RuntimeError, match='a bug'):
        fakes.run_like_mistral(instance_of(cls), context)


def test_exec_ends_bad_input_cleanly_and_raises_the_unexpected(
        monkeypatch, context):
    assert fakes.failure_of(system.Exec(''), context) == \
        "empty command in ''"

    def broken(*args, **kwargs):
        raise RuntimeError('a bug')

    monkeypatch.setattr(system, 'run_pipeline', broken)
    with pytest.raises(RuntimeError, match='a bug'):
        fakes.run_like_mistral(system.Exec('true'), context)

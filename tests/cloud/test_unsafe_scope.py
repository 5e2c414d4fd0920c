"""Who can run the unsafe action: on a Mistral with keystone, only the
project that registered it, unless the operator explicitly made it public.

A user with only the `member` role in another project must not be able to
run commands on the executors (they could read mistral.conf there)."""

import json

import pytest

from tests.harness.clients import Tool

EXEC = 'int32bit.system.exec'
SAFE = 'int32bit.glance.images.filter_by'


def run_exec(client):
    """(state, result) of `echo hi` through exec, or (None, error text)."""
    from mistralclient.api import base
    try:
        execution = client.action_executions.create(
            EXEC, {'cmd': 'echo hi'}, save_result=True, run_sync=True)
    except base.APIException as error:
        return None, '%s %s' % (error.error_code, error.error_message)
    return execution.state, execution.output


def not_found(state_and_output):
    """Whether Mistral answered that there is no such action."""
    state, output = state_and_output
    return state is None and 'Failed to find action [action_name=%s]' % \
        EXEC in output


def visible(client):
    return {action.name for action in client.actions.list()}


@pytest.fixture
def scopes(cloud_mistral, other_member):
    """(admin client, tenant client); exec private to admin's project
    again afterwards, as cloud_mistral registered it."""
    yield cloud_mistral.client(), cloud_mistral.client(
        credentials=other_member)
    Tool(cloud_mistral, 'api')('register', '--include-unsafe', '--override')


def test_exec_is_private_to_the_registering_project(cloud_mistral, scopes):
    admin, tenant = scopes
    assert admin.dynamic_actions.get(EXEC).scope == 'private'
    state, output = run_exec(admin)
    assert state == 'SUCCESS' and '"stdout": "hi\\n"' in output, output

    assert not_found(run_exec(tenant)), run_exec(tenant)
    assert EXEC not in visible(tenant)
    assert SAFE in visible(tenant)  # safe actions stay public

    # plan shows each action's scope.
    rows = {row['Action']: row for row in Tool(cloud_mistral, 'api').rows(
        'plan', '--include-unsafe')}
    assert rows[EXEC]['Scope'] == 'private'
    assert rows[SAFE]['Scope'] == 'public'


def test_public_exec_is_reported_and_made_private_by_override(
        cloud_mistral, scopes):
    admin, tenant = scopes
    tool = Tool(cloud_mistral, 'api')
    # As an earlier version registered it: public.
    admin.code_sources.update('mistral_actions.system',
                              admin.code_sources.get(
                                  'mistral_actions.system').content,
                              scope='public')
    admin.dynamic_actions.update(EXEC, class_name='Exec', scope='public')
    assert run_exec(tenant)[0] == 'SUCCESS'  # the hole

    result = tool('register', '-f', 'json')
    row = {row['Action']: row for row in json.loads(result.stdout)}[EXEC]
    assert (row['Result'], row['Scope']) == ('different', 'public')
    assert '--override' in row['Detail']
    assert 'WARNING: %s is public' % EXEC in result.stderr
    assert 'register --override makes it private' in result.stderr

    rows = {row['Action']: row for row in tool.rows('register',
                                                    '--override')}
    assert (rows[EXEC]['Result'], rows[EXEC]['Scope']) == ('updated',
                                                           'private')
    assert admin.dynamic_actions.get(EXEC).scope == 'private'
    assert admin.code_sources.get('mistral_actions.system').scope == \
        'private'
    assert not_found(run_exec(tenant)), run_exec(tenant)
    assert run_exec(admin)[0] == 'SUCCESS'


def test_public_unsafe_is_explicit_and_warns(cloud_mistral, scopes):
    admin, tenant = scopes
    result = Tool(cloud_mistral, 'api')('register', '--public-unsafe',
                                        '--override')
    assert 'WARNING: %s is public' % EXEC in result.stderr
    assert 'every user of every project can run any command' in \
        result.stderr
    assert admin.dynamic_actions.get(EXEC).scope == 'public'
    assert run_exec(tenant)[0] == 'SUCCESS'


def test_db_backend_needs_the_owning_project(cloud, cloud_mistral, scopes):
    admin, tenant = scopes
    tool = Tool(cloud_mistral, 'db')
    Tool(cloud_mistral, 'api')('clear')
    before = sorted((a.name, a.scope) for a in admin.dynamic_actions.list())
    try:
        result = tool('register', '--include-unsafe', check=False)
        assert result.returncode == 1
        lines = result.stderr.strip().splitlines()
        assert len(lines) == 1 and '--project-id' in lines[0], result.stderr
        assert 'Traceback' not in result.stderr
        assert sorted((a.name, a.scope)
                      for a in admin.dynamic_actions.list()) == before

        project_id = cloud.keystone().projects.find(
            name=cloud.admin_project).id
        rows = {row['Action']: row for row in tool.rows(
            'register', '--include-unsafe', '--project-id', project_id)}
        assert (rows[EXEC]['Result'], rows[EXEC]['Scope']) == ('created',
                                                               'private')
        assert run_exec(admin)[0] == 'SUCCESS'
        assert not_found(run_exec(tenant)), run_exec(tenant)
        assert SAFE in visible(tenant)
    finally:
        tool('clear', '--project-id', cloud.keystone().projects.find(
            name=cloud.admin_project).id)

"""Registration into a real Mistral 23, through each backend, in each shape.

Every test runs the `mistral-actions` command as an operator would, then
looks at Mistral through its own CLI and API.
"""

import pytest

from mistral_actions.tool.pipeline import discover as discovery
from tests.harness.clients import action_get
from tests.harness.clients import action_list
from tests.harness.clients import mistral_cli
from tests.harness.clients import run_action
from tests.harness.clients import run_workflow
from tests.harness.clients import Tool
from tests.harness.package_copy import package_copy
from tests.harness.registry_state import rest_state

#: The README's actions: users' workflow YAML depends on these inputs.
README_INPUTS = {
    'int32bit.cinder.backups.assert_status': 'backup_id, status="available"',
    'int32bit.cinder.backups.create':
        'volume_id, backup_name, snapshot_id=null, description=null, '
        'container=null, incremental=true, force=true',
    'int32bit.cinder.snapshots.assert_status':
        'snapshot_id, status="available"',
    'int32bit.cinder.volumes.assert_status': 'volume_id, status="available"',
    'int32bit.glance.images.assert_status': 'image_id, status="active"',
    'int32bit.glance.images.filter_by': '**kwargs',
    'int32bit.nova.servers.assert_status': 'server_id, status="ACTIVE"',
    'int32bit.system.exec': 'cmd',
}
EXEC = 'int32bit.system.exec'

WORKFLOW = '''
version: '2.0'
%(name)s:
  input:
    - word
  tasks:
    say:
      action: int32bit.system.exec
      input:
        cmd: echo <%% $.word %%>
      publish:
        said: <%% task().result.stdout %%>
  output:
    said: <%% $.said %%>
'''

#: Appended to a copy of system.py: the same action, visibly changed.
CHANGE = '''

_unchanged_run = Exec.run


def _changed_run(self, context):
    return {'changed': True, 'result': _unchanged_run(self, context)}


Exec.run = _changed_run
'''


@pytest.fixture
def tool(mistral_and_backend):
    """mistral-actions against a Mistral through one backend; every test
    leaves nothing of ours registered (and the first one checks that)."""
    tool = Tool(*mistral_and_backend)
    yield tool
    tool('clear')


@pytest.fixture(scope='session')
def changed_package(tmp_path_factory):
    """A PYTHONPATH holding a copy of the package whose exec is changed."""
    return package_copy(tmp_path_factory.mktemp('changed-package'),
                        appended={'system.py': CHANGE})


def results(rows):
    return {row['Action']: row['Result'] for row in rows}


def ours(listing):
    return {name for name in listing if name.startswith('int32bit.')}


def test_registered_actions_show_their_exact_inputs(tool):
    discovered = {spec.name: spec for spec in discovery.discover()}
    assert set(README_INPUTS) <= set(discovered)

    rows = tool.rows('register', '--include-unsafe')
    assert set(results(rows).values()) == {'created'}
    assert set(results(rows)) == set(discovered)

    assert ours(action_list(tool.mistral)) == set(discovered)
    # `mistral action-list` cuts long inputs short: the longest in full.
    for name in ('int32bit.cinder.backups.create',
                 'int32bit.glance.images.filter_by'):
        assert action_get(tool.mistral, name)['Input'] == \
            README_INPUTS[name], name
    shown_by_api = {action.name: action
                    for action in tool.mistral.client().actions.list()}
    for name, expected in README_INPUTS.items():
        assert shown_by_api[name].input == expected, name
    for name, spec in discovered.items():
        assert shown_by_api[name].input == spec.input, name
        assert shown_by_api[name].description == spec.description, name

    # action-list reads Mistral, not discovery, and agrees with it.
    shown = {row['Name']: row for row in tool.rows('action-list')}
    assert set(shown) == set(discovered)
    for name, spec in discovered.items():
        assert shown[name]['Input'] == spec.input
        assert shown[name]['Description'] == spec.summary


def test_exec_is_skipped_unless_asked_for_and_register_again_writes_nothing(
        tool):
    rows = {row['Action']: row for row in tool.rows('register')}
    assert rows[EXEC]['Result'] == 'skipped'
    assert '--include-unsafe' in rows[EXEC]['Detail']
    listing = action_list(tool.mistral)
    assert EXEC not in listing
    assert 'int32bit.nova.servers.assert_status' in listing

    before = rest_state(tool.mistral)
    rows = results(tool.rows('register'))
    assert rows.pop(EXEC) == 'skipped'
    assert set(rows.values()) == {'unchanged'}
    assert rest_state(tool.mistral) == before


def test_run_action_and_a_workflow_task_use_int32bit_actions(tool):
    tool('register', '--include-unsafe')
    output = run_action(tool.mistral, EXEC, {'cmd': 'echo hi'})
    assert output['result']['stdout'] == 'hi\n'
    assert output['result']['exit_code'] == 0

    name = 'wf_uses_int32bit_%s' % tool.backend
    execution = run_workflow(tool.mistral.client(), WORKFLOW % {'name': name},
                             name, {'word': 'workflows'})
    assert execution.state == 'SUCCESS', execution.state_info
    assert '"said": "workflows\\n"' in execution.output


def test_override_changes_running_behaviour_without_restart(
        tool, changed_package):
    mistral = tool.mistral
    pids = [process.pid for process in mistral.processes]
    tool('register', '--include-unsafe')
    assert 'changed' not in run_action(mistral, EXEC, {'cmd': 'echo a'})[
        'result']

    changed = tool.with_package(changed_package)
    rows = {row['Action']: row for row in changed.rows(
        'register', '--include-unsafe')}
    assert rows[EXEC]['Result'] == 'different'
    assert 'mistral_actions.system' in rows[EXEC]['Detail']
    assert 'changed' not in run_action(mistral, EXEC, {'cmd': 'echo b'})[
        'result']

    version = mistral.client().code_sources.get(
        'mistral_actions.system').version
    rows = results(changed.rows('register', '--include-unsafe',
                                '--override'))
    assert rows[EXEC] == 'updated'
    assert rows['int32bit.nova.servers.assert_status'] == 'unchanged'
    assert mistral.client().code_sources.get(
        'mistral_actions.system').version == version + 1
    output = run_action(mistral, EXEC, {'cmd': 'echo c'})['result']
    assert output['changed'] is True
    assert output['result']['stdout'] == 'c\n'
    assert [process.pid for process in mistral.processes] == pids
    assert all(process.alive() for process in mistral.processes)


def test_unregister_and_clear_remove_exactly_what_they_should(tool):
    mistral, client = tool.mistral, tool.mistral.client()
    client.code_sources.create('someone_elses', 'from mistral_lib import '
                               'actions\nclass Other(actions.Action):\n'
                               '    def run(self, context):\n'
                               '        return 1\n', scope='public')
    client.dynamic_actions.create('someone.other', 'Other', 'someone_elses',
                                  scope='public')
    try:
        tool('register')
        servers = sorted(name for name in ours(action_list(mistral))
                         if name.startswith('int32bit.nova.servers.'))
        assert len(servers) >= 2

        rows = results(tool.rows('unregister', servers[0]))
        assert rows == {servers[0]: 'removed'}
        assert servers[0] not in action_list(mistral)
        sources = {s.name for s in client.code_sources.list()}
        assert 'mistral_actions.nova.servers' in sources

        tool('unregister', *servers[1:])
        sources = {s.name for s in client.code_sources.list()}
        assert 'mistral_actions.nova.servers' not in sources
        assert 'mistral_actions.cinder.volumes' in sources

        rows = tool.rows('clear')
        assert rows and set(results(rows).values()) == {'removed'}
        listing = action_list(mistral)
        assert not ours(listing)
        assert {'std.echo', 'std.noop', 'someone.other'} <= set(listing)
        sources = {s.name for s in client.code_sources.list()}
        assert sources == {'someone_elses'} | (sources - {
            s for s in sources if s.startswith('mistral_actions.')})
        assert not [s for s in sources if s.startswith('mistral_actions.')]
        assert 'someone_elses' in sources
    finally:
        client.dynamic_actions.delete('someone.other')
        client.code_sources.delete('someone_elses')


def test_unregister_unknown_name_fails_cleanly(tool):
    before = rest_state(tool.mistral)
    result = tool('unregister', 'int32bit.no.such_action', check=False)
    assert result.returncode == 1
    assert result.stderr.strip() == \
        'no action named int32bit.no.such_action is registered'
    assert 'Traceback' not in result.stderr + result.stdout
    assert rest_state(tool.mistral) == before
    assert mistral_cli(tool.mistral, 'action-list').returncode == 0

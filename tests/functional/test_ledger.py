"""The deployment ledger on a real Mistral 23: what `history` shows after
deployments through each backend, that both backends read the same
history, that a failed deployment records no success, and that concurrent
deployments from four nodes on MariaDB lose no record.

Other tests deploy on the same Mistral (the servers are shared per
session): each test looks only at the records made after it started.
"""

import hashlib
import json

import pytest

from mistral_actions.tool import ledger
from mistral_actions.tool.pipeline import discover as discovery
from tests.functional.test_concurrency import Race
from tests.functional.test_faults import assert_one_line_failure
from tests.functional.test_faults import config_with_connection
from tests.functional.test_faults import connection_url
from tests.functional.test_faults import db_user  # noqa: F401 - fixture
from tests.functional.test_faults import Through
from tests.harness.clients import action_list
from tests.harness.clients import Tool
from tests.harness import infra
from tests.harness.package_copy import package_copy
from tests.harness.registry_state import state
from tests.harness.tcp_proxy import TcpProxy

CHANGED_MODULE = 'mistral_actions.glance.images'
REMOVED = 'int32bit.glance.images.filter_by'


@pytest.fixture(scope='module')
def specs():
    return discovery.discover()


@pytest.fixture(scope='module')
def changed(tmp_path_factory):
    """A PYTHONPATH whose glance images module differs."""
    return package_copy(tmp_path_factory.mktemp('ledger-changed'),
                        appended={'glance/images.py': '\n# changed\n'})


@pytest.fixture(params=['db', 'api'])
def tool(request, single_mistral):
    tool = Tool(single_mistral, request.param)
    tool('clear')
    yield tool
    tool('clear')


def history(tool, *args) -> list:
    """`history -f json` rows, oldest first."""
    return list(reversed(tool.rows('history', *args)))


def show(tool, deployment_id) -> dict:
    return json.loads(tool('history', 'show', deployment_id, '-f',
                           'json').stdout)


def new_records(tool, before) -> list:
    """Rows of `history` made since ``before`` (a list of rows)."""
    seen = {row['ID'] for row in before}
    return [row for row in history(tool) if row['ID'] not in seen]


def records(mistral) -> list:
    """The records as Mistral's API shows the ledger's rows, oldest
    first."""
    return sorted((environment.variables for environment in
                   mistral.client().environments.list()
                   if environment.name.startswith(ledger.ENTRY_PREFIX)),
                  key=lambda record: (record['time'], record['id']))


def assert_record_is_what_mistral_holds(mistral, record):
    """Hash, version and scope of each code source as Mistral holds it, its
    text kept once, private, under its hash; the actions as they are."""
    client = mistral.client()
    held = {source.name: source for source in client.code_sources.list()}
    environments = {environment.name: environment
                    for environment in client.environments.list()}
    for name, recorded in record['code_sources'].items():
        assert (recorded['sha256'], recorded['version'],
                recorded['scope']) == (
            hashlib.sha256(held[name].content.encode()).hexdigest(),
            held[name].version, held[name].scope), name
        row = environments[ledger.CONTENT_PREFIX + recorded['sha256']]
        assert row.variables['content'] == held[name].content
        assert row.scope == 'private'
    assert environments[ledger.ENTRY_PREFIX + record['id']].scope == \
        'private'
    assert {action.name: (action.class_name, action.code_source_name,
                          action.scope)
            for action in client.dynamic_actions.list()
            if action.name.startswith('int32bit.')} == {
        name: (action['class_name'], action['code_source'], action['scope'])
        for name, action in record['actions'].items()}
    # Ledger rows are not taken for actions or code sources of ours.
    assert not [name for name in action_list(mistral)
                if name.startswith(ledger.ROW_PREFIX)]


def test_history_after_deployments(tool, changed, specs):
    other = Tool(tool.mistral, 'api' if tool.backend == 'db' else 'db')
    before = history(tool)
    safe = [spec for spec in specs if not spec.unsafe]
    tool('register')
    tool('register')  # nothing to do: nothing recorded
    tool.with_package(changed)('register', '--override')
    assert_record_is_what_mistral_holds(tool.mistral,
                                        records(tool.mistral)[-1])
    tool('unregister', REMOVED)
    tool('clear')
    rows = new_records(tool, before)
    assert [(row['Command'], row['Created'], row['Updated'],
             row['Deleted']) for row in rows] == [
        ('register', len(safe), 0, 0),
        ('register', 0, len([spec for spec in safe
                             if spec.code_source_name == CHANGED_MODULE]),
         0),
        ('unregister', 0, 0, 1),
        ('clear', 0, 0, len(safe) - 1)]
    # Every node and operator sees the same history, whichever backend.
    assert new_records(other, before) == rows
    assert all(row['Packages'].startswith('int32bit') for row in rows)
    assert [row['ID'] for row in history(tool, '-n', '2')] == \
        [row['ID'] for row in rows[-2:]]
    assert history(tool, '--package', 'nobody') == []

    by_id = {record['id']: record for record in records(tool.mistral)}
    register, _, unregister, _ = [by_id[row['ID']] for row in rows]
    assert register['backend'] == tool.backend
    assert set(register['actions']) == {spec.name for spec in safe}
    assert unregister['changes']['deleted'] == [REMOVED]
    # The id's random tail is enough to find one.
    update = show(tool, rows[1]['ID'][-6:])
    assert update['id'] == rows[1]['ID']
    assert update['previous'] == register['id']
    assert update['code_sources'][CHANGED_MODULE]['version'] == 2
    assert [line.split(' (')[0] for line in update['diff']] == [
        '~ code source %s' % CHANGED_MODULE]
    clear = show(tool, rows[3]['ID'])
    assert clear['code_sources'] == {} and clear['actions'] == {}
    assert {line[0] for line in clear['diff']} == {'-'}


def test_a_refused_deployment_records_nothing(single_mistral):
    tool = Tool(single_mistral, 'api')
    client = tool.mistral.client()
    client.code_sources.create('someone_elses', 'class FilterBy:\n    pass\n',
                               scope='public')
    client.dynamic_actions.create(REMOVED, 'FilterBy', 'someone_elses',
                                  scope='public')
    try:
        before = history(tool)
        result = tool('register', check=False)
        assert result.returncode == 1
        assert 'does not own' in result.stderr
        assert history(tool) == before
    finally:
        client.dynamic_actions.delete(REMOVED)
        client.code_sources.delete('someone_elses')


def test_db_connection_lost_writing_the_record_undoes_the_deployment(
        distributed_mistral, db_user, tmp_path):  # noqa: F811
    """The record is in the deployment's transaction: when it cannot be
    written, nothing of the deployment is left either."""
    tool = Tool(distributed_mistral, 'db')
    tool('clear')
    before = state(distributed_mistral), history(tool)
    with TcpProxy(infra.MARIADB_PORT, (b'INSERT INTO environments_v2',),
                  target_host=infra.MARIADB_HOST) as proxy:
        config = config_with_connection(
            distributed_mistral, tmp_path / 'mistral.conf',
            connection_url(db_user, proxy.port,
                           distributed_mistral.database_name))
        result = Tool(Through(distributed_mistral, config), 'db')(
            'register', check=False)
    assert proxy.cut_done.is_set(), result.stdout
    assert_one_line_failure(result, 'cannot use the Mistral database',
                            db_user[1])
    assert (state(distributed_mistral), history(tool)) == before


def test_api_gone_writing_the_record_says_the_changes_are_unrecorded(
        single_mistral):
    tool = Tool(single_mistral, 'api')
    tool('clear')
    before = history(tool)
    port = int(single_mistral.url.rsplit(':', 1)[1].split('/')[0])
    with TcpProxy(port, (b'POST /v2/environments',)) as proxy:
        result = Tool(Through(single_mistral, url='http://127.0.0.1:%d/v2'
                              % proxy.port), 'api')('register', check=False)
    assert proxy.cut_done.is_set(), result.stdout
    assert_one_line_failure(result, 'the changes were made, but the ledger '
                            'could not record them (cannot reach')
    assert history(tool) == before  # and no success was recorded
    tool('clear')


@pytest.fixture(params=['db', 'api'])
def racing_tool(request, distributed_mistral):
    tool = Tool(distributed_mistral, request.param)
    tool('clear')
    yield tool
    tool('clear')


def test_four_nodes_at_once_lose_no_record(racing_tool, specs, tmp_path):
    """Four registers from a clean state, then four unregisters of one
    action each: every command that changed something has its record,
    saying what it changed; none that changed nothing has one."""
    tool = racing_tool
    before = history(tool)
    race = Race(tool, tmp_path / 'register',
                [('register', '-f', 'json')] * 4).run()
    race.assert_all_succeeded()
    changed_by = [sorted(name for name, result in report.items()
                         if result == 'created')
                  for report in race.reports()]
    rows = new_records(tool, before)
    by_id = {record['id']: record for record in records(tool.mistral)}
    recorded = [sorted(by_id[row['ID']]['changes']['created'])
                for row in rows]
    assert sorted(names for names in recorded if names) == \
        sorted(names for names in changed_by if names)
    assert len(rows) >= 1

    safe = sorted(spec.name for spec in specs if not spec.unsafe)
    removed = safe[::4][:4]
    before = history(tool)
    race = Race(tool, tmp_path / 'unregister',
                [('unregister', name) for name in removed]).run()
    race.assert_all_succeeded()
    rows = new_records(tool, before)
    by_id = {record['id']: record for record in records(tool.mistral)}
    assert sorted(by_id[row['ID']]['changes']['deleted'][0]
                  for row in rows) == removed
    assert [row['Deleted'] for row in rows] == [1] * 4

"""Scheduled backups keep a bounded number of chains (issue: the nightly
example failed on the 11th night with Cinder's default quota of 10).

Run as an ordinary tenant (the `member` role in a project of its own), as
a project's own schedule would, with the example workflow as written.
"""

import uuid

import pytest

from tests.cloud.cloud_fixtures import delete_volume
from tests.cloud.workflows import run_example
from tests.cloud.workflows import wait_for
from tests.harness.cloud_services.cloud import CINDER_MICROVERSION

EXAMPLE = 'cinder/scheduled_backup.yaml'
WORKFLOW = 'scheduled_volume_backup'


@pytest.fixture
def member_cinder(other_member):
    from cinderclient import client
    from keystoneauth1.identity import v3
    from keystoneauth1 import session
    return client.Client(CINDER_MICROVERSION, session=session.Session(
        auth=v3.Password(**other_member), timeout=60))


@pytest.fixture
def member_volume(member_cinder):
    created = member_cinder.volumes.create(
        1, name='retention-%s' % uuid.uuid4().hex[:8])
    wait_for(lambda: member_cinder.volumes.get(created.id).status,
             lambda status: status in ('available', 'error'),
             'volume %s available' % created.id)
    yield created.id
    delete_volume(member_cinder, created.id, reset=False)


def backups_of(cinder, volume_id):
    """{id: backup} of the volume."""
    return {backup.id: backup for backup in cinder.backups.list(
        search_opts={'volume_id': volume_id})}


def test_six_nights_keep_exactly_the_two_newest_chains(
        cloud_mistral, other_member, member_cinder, member_volume):
    workflow_input = {'volume_id': member_volume, 'max_chain_length': 2,
                      'max_chains': 2}
    outputs = [run_example(cloud_mistral, EXAMPLE, WORKFLOW, workflow_input,
                           credentials=other_member)[1]
               for _ in range(6)]
    made = [output['backup_id'] for output in outputs]
    assert [output['is_incremental'] for output in outputs] == \
        [False, True] * 3
    # The fifth night starts a third chain: the first goes, incremental
    # before its full backup; the others delete nothing.
    assert [output['deleted'] for output in outputs] == \
        [[], [], [], [], [made[1], made[0]], []]
    assert all(output['not_deleted'] == [] for output in outputs)
    left = backups_of(member_cinder, member_volume)
    assert sorted(left) == sorted(made[2:])
    assert {backup.status for backup in left.values()} == {'available'}


def test_backups_it_did_not_make_are_never_touched_and_a_stuck_one_is_seen(
        cloud_mistral, other_member, member_cinder, member_volume):
    workflow_input = {'volume_id': member_volume, 'max_chains': 1}
    first = run_example(cloud_mistral, EXAMPLE, WORKFLOW, workflow_input,
                        credentials=other_member)[1]['backup_id']
    # By hand, not by the action: an incremental on top of its backup.
    theirs = member_cinder.backups.create(member_volume, incremental=True,
                                          force=True, name='by-hand')
    wait_for(lambda: member_cinder.backups.get(theirs.id).status,
             lambda status: status in ('available', 'error'),
             'backup %s available' % theirs.id)
    # The latest backup is not the action's: a new chain starts, and the
    # old one cannot go (Cinder keeps a backup with children): the new
    # backup is made, the run ends in ERROR naming what stayed.
    execution, _, _ = run_example(cloud_mistral, EXAMPLE, WORKFLOW,
                                  workflow_input, credentials=other_member,
                                  expect='ERROR')
    assert first in execution.state_info, execution.state_info
    assert 'Incremental backups exist' in execution.state_info, \
        execution.state_info
    left = backups_of(member_cinder, member_volume)
    assert first in left and theirs.id in left
    assert left[theirs.id].status == 'available'
    assert len(left) == 3

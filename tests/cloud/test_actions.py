"""Each action inside Mistral, with a real keystone context, against the
real cloud: results, and every error path (unknown id, wrong status, error
state, timeout) with the message a workflow author sees."""

import time
import uuid

import pytest

from tests.cloud.workflows import run_action
from tests.cloud.workflows import wait_for

UNKNOWN = '00000000-0000-4000-8000-%012d' % 42


def failed(state_and_output):
    state, output = state_and_output
    assert state == 'ERROR', output
    return output['result']


def succeeded(state_and_output):
    state, output = state_and_output
    assert state == 'SUCCESS', output
    return output['result']


@pytest.mark.parametrize('kind,name,param', [
    ('server', 'int32bit.nova.servers.assert_status', 'server_id'),
    ('volume', 'int32bit.cinder.volumes.assert_status', 'volume_id'),
    ('snapshot', 'int32bit.cinder.snapshots.assert_status', 'snapshot_id'),
    ('backup', 'int32bit.cinder.backups.assert_status', 'backup_id'),
    ('image', 'int32bit.glance.images.assert_status', 'image_id'),
    ('server', 'int32bit.nova.servers.wait_for_status', 'server_id'),
    ('server', 'int32bit.nova.servers.get_status', 'server_id'),
])
def test_unknown_id_is_a_clear_error(any_mistral, kind, name, param):
    message = failed(run_action(any_mistral, name, **{param: UNKNOWN}))
    assert '%s %s not found' % (kind, UNKNOWN) in message


@pytest.mark.parametrize('volume_id', ['nope', UNKNOWN])
@pytest.mark.parametrize('name,params', [
    ('int32bit.cinder.snapshots.create_snapshot', {}),
    ('int32bit.cinder.backups.create', {'backup_name': 'b'}),
    ('int32bit.cinder.backups.create_backup', {}),
    ('int32bit.cinder.volumes.assert_status', {}),
])
def test_one_message_for_an_unknown_volume(any_mistral, name, params,
                                           volume_id):
    message = failed(run_action(any_mistral, name, volume_id=volume_id,
                                **params))
    assert 'volume %s not found' % volume_id in message, message


def test_server_status_and_power(any_mistral, server):
    result = succeeded(run_action(
        any_mistral, 'int32bit.nova.servers.get_status', server_id=server))
    assert result['id'] == server and result['status'] == 'ACTIVE'
    assert result['power_state'] == 'running'
    assert succeeded(run_action(
        any_mistral, 'int32bit.nova.servers.assert_status',
        server_id=server))['status'] == 'ACTIVE'
    assert succeeded(run_action(
        any_mistral, 'int32bit.nova.servers.assert_power_status',
        server_id=server))['power_state'] == 'running'

    message = failed(run_action(
        any_mistral, 'int32bit.nova.servers.assert_status',
        server_id=server, status='SHUTOFF'))
    assert 'server %s is ACTIVE, not SHUTOFF yet' % server in message
    message = failed(run_action(
        any_mistral, 'int32bit.nova.servers.assert_power_status',
        server_id=server, status='shutdown'))
    assert 'running' in message and 'shutdown' in message


def test_wait_times_out_naming_the_last_status(any_mistral, server):
    started = time.monotonic()
    message = failed(run_action(
        any_mistral, 'int32bit.nova.servers.wait_for_status',
        server_id=server, status='SHUTOFF', timeout=3, interval=1))
    assert 'server %s is still ACTIVE after 3 s, not SHUTOFF' % server \
        in message
    assert time.monotonic() - started < 60


def test_server_in_error_state_fails_fast(cloud, any_mistral, server):
    cloud.nova().servers.reset_state(server, 'error')
    # An error state beats a field that still matches: the power state
    # stays "running" after the reset.
    assert succeeded(run_action(
        any_mistral, 'int32bit.nova.servers.get_status',
        server_id=server))['power_state'] == 'running'
    assert 'server %s is in error state ERROR; it will never become ' \
        'running' % server in failed(run_action(
            any_mistral, 'int32bit.nova.servers.assert_power_status',
            server_id=server))
    expected = 'server %s is in error state ERROR; it will never become ' \
        'ACTIVE' % server
    assert expected in failed(run_action(
        any_mistral, 'int32bit.nova.servers.assert_status',
        server_id=server))
    started = time.monotonic()
    assert expected in failed(run_action(
        any_mistral, 'int32bit.nova.servers.wait_for_status',
        server_id=server, timeout=120, interval=1))
    assert time.monotonic() - started < 60, 'waited instead of failing fast'


RETRYING_WORKFLOW = '''
version: '2.0'
%(name)s:
  input: [server_id]
  tasks:
    check:
      action: int32bit.nova.servers.assert_status
      input:
        server_id: <%% $.server_id %%>
      retry:
        count: 5
        delay: 2
        break-on: "{{ 'will never become' in (task().state_info or '') }}"
'''


def test_workflow_retry_stops_at_once_on_error_state(cloud, any_mistral,
                                                     server):
    from tests.harness.clients import run_workflow
    cloud.nova().servers.reset_state(server, 'error')
    client = any_mistral.client()
    name = 'retry_until_error_%s' % uuid.uuid4().hex[:6]
    execution = run_workflow(client, RETRYING_WORKFLOW % {'name': name},
                             name, {'server_id': server})
    assert execution.state == 'ERROR'
    task = client.tasks.list(workflow_execution_id=execution.id)[0]
    runs = client.action_executions.list(task_execution_id=task.id)
    assert len(runs) == 1, 'retried %d times an action that can never ' \
        'succeed' % (len(runs) - 1)


def test_volume_snapshot_backup_assertions(cloud, any_mistral, volume):
    cinder = cloud.cinder()
    assert succeeded(run_action(
        any_mistral, 'int32bit.cinder.volumes.assert_status',
        volume_id=volume))['status'] == 'available'
    assert 'volume %s is available, not in-use yet' % volume in failed(
        run_action(any_mistral, 'int32bit.cinder.volumes.assert_status',
                   volume_id=volume, status='in-use'))

    snapshot = succeeded(run_action(
        any_mistral, 'int32bit.cinder.snapshots.create_snapshot',
        volume_id=volume))
    assert set(snapshot) >= {'id', 'status'}
    assert succeeded(run_action(
        any_mistral, 'int32bit.cinder.snapshots.wait_for_status',
        snapshot_id=snapshot['id'], timeout=120, interval=1))[
            'status'] == 'available'
    assert cinder.volume_snapshots.get(snapshot['id']).status == 'available'

    backup = succeeded(run_action(
        any_mistral, 'int32bit.cinder.backups.create', volume_id=volume,
        backup_name='action-test'))
    assert backup['is_incremental'] is False
    assert succeeded(run_action(
        any_mistral, 'int32bit.cinder.backups.wait_for_status',
        backup_id=backup['id'], timeout=180, interval=1))[
            'status'] == 'available'
    message = failed(run_action(
        any_mistral, 'int32bit.cinder.backups.wait_for_status',
        backup_id=backup['id'], status='restoring', timeout=2, interval=1))
    assert 'still available after 2 s, not restoring' in message

    # Error states, set the way an operator would see them after a fault.
    for kind, manager, resource_id, name, param in (
            ('snapshot', cinder.volume_snapshots, snapshot['id'],
             'int32bit.cinder.snapshots.assert_status', 'snapshot_id'),
            ('backup', cinder.backups, backup['id'],
             'int32bit.cinder.backups.assert_status', 'backup_id'),
            ('volume', cinder.volumes, volume,
             'int32bit.cinder.volumes.assert_status', 'volume_id')):
        manager.reset_state(resource_id, 'error')
        # The assertion and the wait both fail fast (a wait that did not
        # would end in "still error after 120 s").
        for action in (name, name.replace('assert_status',
                                          'wait_for_status')):
            message = failed(run_action(any_mistral, action,
                                        **{param: resource_id}))
            assert '%s %s is in error state error; it will never become ' \
                'available' % (kind, resource_id) in message, action
        if kind == 'volume':
            # One line for one mistake, whichever action makes the copy.
            for action, copy in (
                    ('int32bit.cinder.snapshots.create_snapshot', 'snapshot'),
                    ('int32bit.cinder.backups.create_backup', 'backup')):
                assert failed(run_action(any_mistral, action,
                                         volume_id=volume)) == (
                    'volume %s is error; Cinder makes a %s only of an '
                    'available or in-use volume' % (volume, copy))
        manager.reset_state(resource_id, 'available')
    wait_for(lambda: cinder.volumes.get(volume).status,
             lambda status: status == 'available', 'volume available')

    assert succeeded(run_action(
        any_mistral, 'int32bit.cinder.volumes.wait_for_status',
        volume_id=volume, timeout=60, interval=1))['status'] == 'available'
    chained = succeeded(run_action(
        any_mistral, 'int32bit.cinder.backups.create_backup',
        volume_id=volume))
    assert chained['volume_id'] == volume and chained['chain_id']
    assert succeeded(run_action(
        any_mistral, 'int32bit.cinder.backups.wait_for_status',
        backup_id=chained['id'], timeout=180, interval=1))[
            'status'] == 'available'


def test_image_actions(cloud, any_mistral):
    image = cloud.image_id
    assert succeeded(run_action(
        any_mistral, 'int32bit.glance.images.assert_status',
        image_id=image))['status'] == 'active'
    assert 'image %s is active, not queued yet' % image in failed(
        run_action(any_mistral, 'int32bit.glance.images.assert_status',
                   image_id=image, status='queued'))
    found = succeeded(run_action(
        any_mistral, 'int32bit.glance.images.filter_by',
        name=cloud.image_name))
    assert [item['id'] for item in found] == [image]
    assert succeeded(run_action(
        any_mistral, 'int32bit.glance.images.filter_by',
        name='no-such-image-%s' % uuid.uuid4().hex)) == []
    message = failed(run_action(
        any_mistral, 'int32bit.glance.images.wait_for_status',
        image_id=image, status='deactivated', timeout=2, interval=1))
    assert 'still active after 2 s, not deactivated' in message


def test_image_in_error_state_fails_fast(cloud, any_mistral):
    # killed: the error state a Glance image stays in (a deleted one is
    # "not found", tested above).
    error_state = 'killed'
    glance = cloud.glance()
    image = glance.images.create(name='broken-%s' % uuid.uuid4().hex[:8],
                                 disk_format='raw', container_format='bare')
    try:
        cloud.glance_service.set_image_status(image.id, error_state)
        expected = 'image %s is in error state %s; it will never become ' \
            'active' % (image.id, error_state)
        assert expected in failed(run_action(
            any_mistral, 'int32bit.glance.images.assert_status',
            image_id=image.id))
        started = time.monotonic()
        assert expected in failed(run_action(
            any_mistral, 'int32bit.glance.images.wait_for_status',
            image_id=image.id, timeout=120, interval=1))
        assert time.monotonic() - started < 60, \
            'waited instead of failing fast'
    finally:
        cloud.glance_service.set_image_status(image.id, 'queued')
        glance.images.delete(image.id)


def test_every_openstack_action_ran_here(any_mistral):
    """Derived from discovery, not a list kept by hand: each Nova, Cinder
    and Glance action ran at least once on this Mistral in the cloud tests
    (this one runs after them: tests/cloud/conftest.py)."""
    from mistral_actions.tool.pipeline import discover
    openstack = {spec.name for spec in discover.discover()
                 if spec.name.split('.')[1] in ('nova', 'cinder', 'glance')}
    assert openstack - getattr(any_mistral, 'actions_run', set()) == set()

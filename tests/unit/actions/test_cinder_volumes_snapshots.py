import pytest

from mistral_actions.cinder import snapshots
from mistral_actions.cinder import volumes
from tests.unit.actions.fakes import failure_of
from tests.unit.actions.fakes import run_like_mistral


def test_volume_assert_status(clients, context):
    clients.cinder.volumes.add('vol-1', name='data', status='in-use',
                               size=10, attachments=[{'server_id': 's'}])
    result = run_like_mistral(volumes.AssertStatus('vol-1', 'in-use'),
                              context)
    assert result == {'id': 'vol-1', 'name': 'data', 'status': 'in-use',
                      'size': 10}


def test_volume_assert_status_not_yet(clients, context):
    clients.cinder.volumes.add('vol-1', status='creating')
    assert failure_of(volumes.AssertStatus('vol-1'), context) == \
        'volume vol-1 is creating, not available yet'


@pytest.mark.parametrize('status', [
    'error', 'error_deleting', 'error_restoring', 'error_extending',
    'error_managing', 'error_backing-up'])
def test_volume_error_states_fail_fast(clients, context, status):
    clients.cinder.volumes.add('vol-1', status=status)
    assert failure_of(volumes.AssertStatus('vol-1'), context) == (
        'volume vol-1 is in error state %s; it will never become available'
        % status)


def test_volume_unknown(clients, context):
    assert failure_of(volumes.AssertStatus('nope'), context) == \
        'volume nope not found'


def test_volume_wait_for_status(clients, context):
    clients.cinder.volumes.add_sequence('vol-1', [
        {'status': 'creating', 'size': 1}, {'status': 'available',
                                            'size': 1}])
    result = run_like_mistral(
        volumes.WaitForStatus('vol-1', timeout=5, interval=0.01), context)
    assert result['status'] == 'available'


def test_volume_wait_for_status_error(clients, context):
    clients.cinder.volumes.add_sequence('vol-1', [
        {'status': 'extending'}, {'status': 'error_extending'}])
    assert 'in error state error_extending' in \
        failure_of(volumes.WaitForStatus(
            'vol-1', 'available', timeout=5, interval=0.01), context)


def test_volume_wait_for_status_timeout(clients, context):
    clients.cinder.volumes.add('vol-1', status='downloading')
    assert 'volume vol-1 is still downloading after' in \
        failure_of(volumes.WaitForStatus(
            'vol-1', timeout=0.03, interval=0.01), context)


def test_snapshot_assert_status(clients, context):
    clients.cinder.volume_snapshots.add('snap-1', status='available',
                                        volume_id='vol-1', name='s')
    result = run_like_mistral(snapshots.AssertStatus('snap-1'), context)
    assert result == {'id': 'snap-1', 'name': 's', 'status': 'available',
                      'volume_id': 'vol-1'}


@pytest.mark.parametrize('status', ['error', 'error_deleting', 'deleted'])
def test_snapshot_error_states_fail_fast(clients, context, status):
    clients.cinder.volume_snapshots.add('snap-1', status=status,
                                        volume_id='vol-1')
    assert 'snapshot snap-1 is in error state %s' % status in \
        failure_of(snapshots.AssertStatus('snap-1'), context)


def test_snapshot_not_yet_and_unknown(clients, context):
    clients.cinder.volume_snapshots.add('snap-1', status='creating',
                                        volume_id='vol-1')
    assert 'snapshot snap-1 is creating, not available' in \
        failure_of(snapshots.AssertStatus('snap-1'), context)
    assert failure_of(snapshots.AssertStatus('nope'), context) == \
        'snapshot nope not found'


def test_snapshot_wait_for_status(clients, context):
    clients.cinder.volume_snapshots.add_sequence('snap-1', [
        {'status': 'creating', 'volume_id': 'v'},
        {'status': 'available', 'volume_id': 'v'}])
    result = run_like_mistral(snapshots.WaitForStatus(
        'snap-1', timeout=5, interval=0.01), context)
    assert result['status'] == 'available'


def test_snapshot_wait_for_status_timeout(clients, context):
    clients.cinder.volume_snapshots.add('snap-1', status='creating')
    assert 'still creating' in \
        failure_of(snapshots.WaitForStatus(
            'snap-1', timeout=0.02, interval=0.01), context)


def test_create_snapshot_forces_and_returns_summary(clients, context):
    clients.cinder.volumes.add('vol-1', status='in-use')
    result = run_like_mistral(snapshots.CreateSnapshot('vol-1'), context)
    assert result['id'] == 'new-snapshot'
    assert result['status'] == 'creating'
    assert result['volume_id'] == 'vol-1'
    created, = clients.cinder.volume_snapshots.created
    assert created['force'] is True
    assert created['name'].startswith('vol-1-')


def test_create_snapshot_unknown_volume(clients, context):
    assert failure_of(snapshots.CreateSnapshot('nope'), context) == \
        'volume nope not found'


@pytest.mark.parametrize('status', ['error', 'creating', 'maintenance'])
def test_create_snapshot_of_a_volume_in_another_status_is_one_line(
        clients, context, status):
    clients.cinder.volumes.add('vol-1', status=status)
    assert failure_of(snapshots.CreateSnapshot('vol-1'), context) == (
        'volume vol-1 is %s; Cinder makes a snapshot only of an available '
        'or in-use volume' % status)
    assert clients.cinder.volume_snapshots.created == []

"""Every workflow under examples/, run inside a real Mistral against the
real cloud; each test checks the effect on the cloud, not only the state."""

import time
import uuid

from tests.cloud.workflows import EXAMPLES
from tests.cloud.workflows import run_example
from tests.cloud.workflows import wait_for


def test_stop_then_start_server(cloud, cloud_mistral, server):
    nova = cloud.nova()
    _, output, _ = run_example(cloud_mistral, 'nova/stop_server.yaml',
                               'stop_server', {'server_id': server})
    assert output == {'status': 'SHUTOFF'}
    assert nova.servers.get(server).status == 'SHUTOFF'

    _, output, _ = run_example(cloud_mistral, 'nova/start_server.yaml',
                               'start_server', {'server_id': server})
    assert output == {'status': 'ACTIVE', 'power_state': 'running'}
    assert nova.servers.get(server).status == 'ACTIVE'


def test_create_image(cloud, cloud_mistral, server):
    name = 'example-image-%s' % uuid.uuid4().hex[:8]
    _, output, _ = run_example(cloud_mistral, 'nova/create_image.yaml',
                               'create_image',
                               {'server_id': server, 'image_name': name})
    glance = cloud.glance()
    try:
        image = glance.images.get(output['image_id'])
        assert image.status == 'active' and image.name == name
        assert [i['id'] for i in output['images']] == [image.id]
    finally:
        glance.images.delete(output['image_id'])


def test_create_snapshot(cloud, cloud_mistral, volume):
    _, output, _ = run_example(cloud_mistral, 'cinder/create_snapshot.yaml',
                               'create_volume_snapshot',
                               {'volume_id': volume,
                                'snapshot_name': 'example-snapshot'})
    snapshot = cloud.cinder().volume_snapshots.get(output['snapshot_id'])
    assert output['status'] == 'available' == snapshot.status
    assert snapshot.volume_id == volume and snapshot.name == 'example-snapshot'


def test_create_volume_backup_full_then_incremental(cloud, cloud_mistral,
                                                    volume):
    cinder = cloud.cinder()
    patterns = []
    for number in range(2):
        _, output, _ = run_example(
            cloud_mistral, 'cinder/create_volume_backup.yaml',
            'create_volume_backup',
            {'volume_id': volume, 'backup_name': 'example-%d' % number})
        backup = cinder.backups.get(output['backup_id'])
        assert backup.status == 'available' == output['status']
        assert backup.is_incremental == output['is_incremental']
        patterns.append(backup.is_incremental)
    # No backup yet: a full one; then incremental onto it.
    assert patterns == [False, True]


def chain_pattern(cinder, volume):
    """is_incremental of the volume's backups, oldest first."""
    backups = cinder.backups.list(search_opts={'volume_id': volume})
    return [b.is_incremental for b in sorted(
        backups, key=lambda b: (b.created_at, b.id))]


def test_scheduled_backup_chains_from_a_cron_trigger(cloud, cloud_mistral,
                                                     volume):
    cinder = cloud.cinder()
    client = cloud_mistral.client()
    workflow_input = {'volume_id': volume, 'max_chain_length': 2}
    outputs = []
    for _ in range(3):
        _, output, _ = run_example(cloud_mistral,
                                   'cinder/scheduled_backup.yaml',
                                   'scheduled_volume_backup', workflow_input)
        outputs.append((output['is_incremental'], output['chain_length']))
    # Chains of at most two: full, incremental, then a new full.
    assert outputs == [(False, 1), (True, 2), (False, 1)]
    assert chain_pattern(cinder, volume) == [False, True, False]

    # Once more from a cron trigger: a trust-scoped run whose context has
    # no service catalog, as every scheduled run in production.
    definition = EXAMPLES / 'cinder' / 'scheduled_backup.yaml'
    client.workflows.create(definition.read_text())
    earlier = {e.id for e in client.executions.list(
        workflow_name='scheduled_volume_backup')}
    name = 'scheduled-backup-%s' % uuid.uuid4().hex[:8]
    started = time.monotonic()
    try:
        client.cron_triggers.create(
            name, 'scheduled_volume_backup', workflow_input=workflow_input,
            # croniter's sixth field is seconds: the same scheduled,
            # trust-scoped run, without waiting for the next minute.
            pattern='* * * * * */5', count=1)
        execution = wait_for(
            lambda: [e for e in client.executions.list(
                workflow_name='scheduled_volume_backup')
                if e.id not in earlier and e.state in ('SUCCESS', 'ERROR')],
            lambda executions: executions, 'a run of the cron trigger',
            timeout=200)[0]
        print('example cinder/scheduled_backup.yaml from a cron trigger: '
              '%s %.1f s after the trigger was created' % (
                  execution.state, time.monotonic() - started))
        assert execution.state == 'SUCCESS', execution.state_info
    finally:
        for trigger in client.cron_triggers.list():
            if trigger.name == name:
                client.cron_triggers.delete(name)
        client.workflows.delete('scheduled_volume_backup')
    assert chain_pattern(cinder, volume) == [False, True, False, True]

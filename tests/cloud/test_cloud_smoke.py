"""The cloud does what the actions need, driven by the real clients."""

import time
import uuid

from cinderclient import exceptions as cinder_errors
from novaclient import exceptions as nova_errors
import pytest

WAIT = 60  # seconds any resource may take to settle


def wait_for(fetch, wanted, what, timeout=WAIT):
    """Poll fetch() until it returns wanted; fail at once on an error state.

    Returns the seconds it took.
    """
    started = time.monotonic()
    while True:
        value = fetch()
        if value == wanted:
            return time.monotonic() - started
        assert value not in ('ERROR', 'error'), '%s: %s' % (what, value)
        if time.monotonic() - started > timeout:
            pytest.fail('%s: still %s after %ss, not %s' % (
                what, value, timeout, wanted))
        time.sleep(0.3)


def wait_gone(fetch, not_found, what, timeout=WAIT):
    def gone():
        try:
            fetch()
        except not_found:
            return True
        return False
    wait_for(gone, True, what + ' deleted', timeout)


def name(kind):
    return 'smoke-%s-%s' % (kind, uuid.uuid4().hex[:6])


def test_server_boots_stops_starts_and_makes_an_image(cloud):
    nova, glance = cloud.nova(), cloud.glance()
    server = nova.servers.create(name('server'), cloud.image_id,
                                 cloud.flavor_id, nics='none')
    image_id = None
    try:
        def status():
            return nova.servers.get(server.id).status

        print('\nboot %.1f s' % wait_for(status, 'ACTIVE', 'boot'))
        nova.servers.stop(server.id)
        print('stop %.1f s' % wait_for(status, 'SHUTOFF', 'stop'))
        nova.servers.start(server.id)
        print('start %.1f s' % wait_for(status, 'ACTIVE', 'start'))
        image_id = nova.servers.create_image(server.id, name('image'))
        print('image %.1f s' % wait_for(
            lambda: glance.images.get(image_id).status, 'active', 'image'))
    finally:
        if image_id:
            glance.images.delete(image_id)
        nova.servers.delete(server.id)
        wait_gone(lambda: nova.servers.get(server.id), nova_errors.NotFound,
                  'server')


def test_volume_snapshot_full_and_incremental_backup(cloud):
    cinder = cloud.cinder()
    volume = cinder.volumes.create(1, name=name('volume'))
    backups = []
    try:
        print('\nvolume %.1f s' % wait_for(
            lambda: cinder.volumes.get(volume.id).status, 'available',
            'volume'))
        snapshot = cinder.volume_snapshots.create(volume.id,
                                                  name=name('snapshot'))
        print('snapshot %.1f s' % wait_for(
            lambda: cinder.volume_snapshots.get(snapshot.id).status,
            'available', 'snapshot'))
        for incremental in (False, True):
            backup = cinder.backups.create(
                volume.id, name=name('backup'), incremental=incremental)
            backups.append(backup.id)
            print('%s backup %.1f s' % (
                'incremental' if incremental else 'full', wait_for(
                    lambda: cinder.backups.get(backup.id).status,
                    'available', 'backup')))
        full, incremental = (cinder.backups.get(b) for b in backups)
        assert not full.is_incremental
        assert incremental.is_incremental
        assert full.has_dependent_backups
    finally:
        for backup_id in reversed(backups):  # children before parents
            cinder.backups.delete(backup_id)
            wait_gone(lambda: cinder.backups.get(backup_id),
                      cinder_errors.NotFound, 'backup')
        cinder.volumes.delete(volume.id, cascade=True)
        wait_gone(lambda: cinder.volumes.get(volume.id),
                  cinder_errors.NotFound, 'volume')

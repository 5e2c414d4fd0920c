"""Actions on Cinder volume snapshots: create, status checks, waiting."""

from mistral_actions.cinder import volumes
from mistral_actions.cloud import cinder_client
from mistral_actions.cloud import failures
from mistral_actions.cloud import resources

SNAPSHOTS = resources.Resource(
    'snapshot', cinder_client.SERVICE, 'volume_snapshots',
    error_states=('error', 'error_deleting', 'deleted'),
    fields=('id', 'name', 'status', 'volume_id'))


class AssertStatus(resources.AssertStatusAction):
    """Check that a snapshot has the expected status (available by default).

    Fails fast, with "snapshot ID is in error state error; it will never
    become available", when the snapshot is in error, error_deleting or
    deleted, and with "snapshot ID is creating, not available yet"
    otherwise, so that a retry can stop at once on the first kind::

        retry:
          count: 30
          delay: 10
          break-on: "{{ 'will never become' in (task().state_info or '') }}"

    Returns {id, name, status, volume_id}.

    :param snapshot_id: ID of the snapshot.
    :param status: the expected status.
    """

    __export__ = True
    _resource = SNAPSHOTS

    def __init__(self, snapshot_id, status="available"):
        super().__init__(snapshot_id, status)


class WaitForStatus(resources.WaitForStatusAction):
    """Wait until a snapshot has the expected status (available by default).

    Polls every ``interval`` seconds for at most ``timeout`` seconds in one
    action run; a dropped connection or a 502/503/504 is "not yet". Fails
    at once when the snapshot is in an error state or does not exist, and
    names the last status on timeout. Returns {id, name, status,
    volume_id}.

    :param snapshot_id: ID of the snapshot.
    :param status: the expected status.
    :param timeout: seconds to wait at most.
    :param interval: seconds between two polls.
    """

    __export__ = True
    _resource = SNAPSHOTS

    def __init__(self, snapshot_id, status="available", timeout=300,
                 interval=5):
        super().__init__(snapshot_id, status, timeout, interval)


class CreateSnapshot(resources.OpenStackAction):
    """Create a snapshot of a volume, even an attached (in-use) one.

    Returns at once with {id, name, status, volume_id} (status is usually
    creating): follow with ``int32bit.cinder.snapshots.wait_for_status``.
    Fails with "volume ID is error; Cinder makes a snapshot only of an
    available or in-use volume" when the volume is in another status.

    :param volume_id: ID of the volume to snapshot.
    """

    __export__ = True
    _service = SNAPSHOTS.service

    def __init__(self, volume_id):
        super().__init__()
        self.volume_id = volume_id

    def run(self, context):
        client = self.client(context)
        volumes.require_copyable(client, self.volume_id, 'snapshot')
        with failures.not_found_as('volume', self.volume_id):
            snapshot = client.volume_snapshots.create(
                self.volume_id, force=True,
                name='%s-%s' % (self.volume_id, resources.utc_stamp()))
        return SNAPSHOTS.summary(snapshot)

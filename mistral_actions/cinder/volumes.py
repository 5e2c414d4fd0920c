"""Actions on Cinder volumes: status checks and waiting."""

from mistral_actions.cloud import cinder_client
from mistral_actions.cloud import failures
from mistral_actions.cloud import resources

VOLUMES = resources.Resource(
    'volume', cinder_client.SERVICE, 'volumes',
    error_states=('error', 'error_deleting', 'error_restoring',
                  'error_extending', 'error_managing', 'error_backing-up'),
    fields=('id', 'name', 'status', 'size'))

#: Volume statuses Cinder snapshots and backs up from (in-use with force).
COPYABLE_STATES = ('available', 'in-use')


def require_copyable(client, volume_id: str, copy: str):
    """The volume, if Cinder can make a ``copy`` ('snapshot', 'backup') of
    it now; else the one line every action gives for that mistake
    (ResourceNotFound, WrongStatus), instead of Cinder's HTTP 400."""
    volume = VOLUMES.get(client, volume_id)
    status = str(resources.field(volume, 'status')).lower()
    if status not in COPYABLE_STATES:
        raise failures.WrongStatus(
            'volume %s is %s; Cinder makes a %s only of an available or '
            'in-use volume' % (volume_id, status, copy))
    return volume


class AssertStatus(resources.AssertStatusAction):
    """Check that a volume has the expected status (available by default).

    Fails fast, with "volume ID is in error state error; it will never
    become available", when the volume is in an error_* state, and with
    "volume ID is creating, not available yet" otherwise, so that a retry
    can stop at once on the first kind::

        retry:
          count: 30
          delay: 10
          break-on: "{{ 'will never become' in (task().state_info or '') }}"

    Returns {id, name, status, size}.

    :param volume_id: ID of the volume.
    :param status: the expected status, e.g. available or in-use.
    """

    __export__ = True
    _resource = VOLUMES

    def __init__(self, volume_id, status="available"):
        super().__init__(volume_id, status)


class WaitForStatus(resources.WaitForStatusAction):
    """Wait until a volume has the expected status (available by default).

    Polls every ``interval`` seconds for at most ``timeout`` seconds in one
    action run; a dropped connection or a 502/503/504 is "not yet". Fails
    at once when the volume is in an error_* state or does not exist, and
    names the last status on timeout. Returns {id, name, status, size}.

    :param volume_id: ID of the volume.
    :param status: the expected status, e.g. available or in-use.
    :param timeout: seconds to wait at most.
    :param interval: seconds between two polls.
    """

    __export__ = True
    _resource = VOLUMES

    def __init__(self, volume_id, status="available", timeout=300,
                 interval=5):
        super().__init__(volume_id, status, timeout, interval)

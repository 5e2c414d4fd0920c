"""Actions on Nova servers: status, power state, waiting."""

from mistral_actions.cloud import failures
from mistral_actions.cloud import nova_client
from mistral_actions.cloud import outcomes
from mistral_actions.cloud import resources

#: Nova's power_state codes (nova/compute/power_state.py) by name.
POWER_STATES = {
    0: 'nostate',
    1: 'running',
    3: 'paused',
    4: 'shutdown',
    6: 'crashed',
    7: 'suspended',
}

POWER_STATE_FIELD = 'OS-EXT-STS:power_state'
TASK_STATE_FIELD = 'OS-EXT-STS:task_state'


class _Servers(resources.Resource):
    """Servers, summarised with their power and task states."""

    def summary(self, server):
        return resources.to_json({
            'id': resources.field(server, 'id'),
            'status': resources.field(server, 'status'),
            'power_state': power_state_name(server),
            'task_state': resources.field(server, TASK_STATE_FIELD),
        })


class _PowerStates(_Servers):
    """Servers judged by power state; an ERROR server changes no more."""

    def status_of(self, server):
        name = power_state_name(server)
        if name is None:
            raise failures.Unsupported(
                'server %s shows no %s: the policy of this cloud hides it'
                % (resources.field(server, 'id'), POWER_STATE_FIELD))
        return name


SERVER_ERROR_STATES = ('ERROR', 'DELETED')
SERVERS = _Servers('server', nova_client.SERVICE, 'servers',
                   SERVER_ERROR_STATES)
POWER = _PowerStates('server', nova_client.SERVICE, 'servers',
                     SERVER_ERROR_STATES)


def power_state_name(server):
    """The power state of a server as text (``running``...), or None."""
    code = resources.field(server, POWER_STATE_FIELD)
    if code is None:
        return None
    return POWER_STATES.get(code, 'unknown(%s)' % code)


class AssertStatus(resources.AssertStatusAction):
    """Check that a server has the expected status (ACTIVE by default).

    Fails fast, with "server ID is in error state ERROR; it will never
    become ACTIVE", when the server is in ERROR or DELETED, and with
    "server ID is BUILD, not ACTIVE yet" otherwise, so that a retry can
    stop at once on the first kind::

        retry:
          count: 30
          delay: 10
          break-on: "{{ 'will never become' in (task().state_info or '') }}"

    Returns {id, status, power_state, task_state}.

    :param server_id: ID of the server.
    :param status: the expected status, e.g. ACTIVE or SHUTOFF (any case).
    """

    __export__ = True
    _resource = SERVERS

    def __init__(self, server_id, status="ACTIVE"):
        super().__init__(server_id, status)


class WaitForStatus(resources.WaitForStatusAction):
    """Wait until a server has the expected status (ACTIVE by default).

    Polls every ``interval`` seconds for at most ``timeout`` seconds in one
    action run; a dropped connection or a 502/503/504 is "not yet". Fails
    at once when the server is in ERROR or DELETED or does not exist, and
    names the last status on timeout. Returns {id, status, power_state,
    task_state}.

    :param server_id: ID of the server.
    :param status: the expected status, e.g. ACTIVE or SHUTOFF (any case).
    :param timeout: seconds to wait at most.
    :param interval: seconds between two polls.
    """

    __export__ = True
    _resource = SERVERS

    def __init__(self, server_id, status="ACTIVE", timeout=300, interval=5):
        super().__init__(server_id, status, timeout, interval)


class GetStatus(resources.OpenStackAction):
    """Get a server's status, power state (as text) and task state.

    Returns {id, status, power_state, task_state}; power_state is one of
    nostate, running, paused, shutdown, crashed, suspended.

    :param server_id: ID of the server.
    """

    __export__ = True
    _service = SERVERS.service

    def __init__(self, server_id):
        super().__init__()
        self.server_id = server_id

    def run(self, context):
        return SERVERS.summary(SERVERS.get(self.client(context),
                                           self.server_id))


class AssertPowerStatus(resources.AssertStatusAction):
    """Check that a server has the expected power state (running by default).

    Fails with "server ID is shutdown, not running yet" when the power state
    differs, and fast ("... is in error state ERROR; it will never become
    running") when the server is in ERROR or DELETED. Returns {id, status,
    power_state, task_state}.

    :param server_id: ID of the server.
    :param status: the expected power state: nostate, running, paused,
        shutdown, crashed or suspended.
    """

    __export__ = True
    _resource = POWER

    def __init__(self, server_id, status="running"):
        super().__init__(server_id, status)

    def run(self, context):
        if str(self.status).lower() not in POWER_STATES.values():
            raise outcomes.InvalidInput(
                'unknown power state %r; expected one of %s'
                % (self.status, ', '.join(POWER_STATES.values())))
        return super().run(context)

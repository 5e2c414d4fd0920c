"""OpenStack resources whose status actions check, and the actions' bases.

:class:`Resource` describes one kind of resource (how to get it, which
statuses are errors, what its summary holds) and checks or waits for a
status; :func:`field` and :func:`to_json` read client objects and dicts
alike and make JSON-safe results. The action base classes here are never
exported: each action module subclasses them with its own ``_resource``.
"""

import datetime
import json
import typing

from mistral_actions.cloud import clients
from mistral_actions.cloud import failures
from mistral_actions.cloud import inputs
from mistral_actions.cloud import outcomes
from mistral_actions.cloud import polling


def field(resource: typing.Any, name: str) -> typing.Any:
    """A field of a client resource object or of a dict (glance images)."""
    if isinstance(resource, dict):
        return resource.get(name)
    return getattr(resource, name, None)


def to_json(data: typing.Any) -> dict:
    """A JSON-safe copy of a dict or client resource (odd values as str)."""
    if hasattr(data, 'to_dict'):
        data = data.to_dict()
    return json.loads(json.dumps(dict(data), default=str))


def utc_stamp() -> str:
    """The current UTC time, for names of the resources actions create."""
    return datetime.datetime.now(datetime.timezone.utc).strftime(
        '%Y%m%dT%H%M%SZ')


class Resource:
    """One kind of OpenStack resource whose status actions check.

    :param kind: the word used in messages, e.g. ``server``.
    :param service: the service type given to
        :func:`~mistral_actions.cloud.clients.make_client`.
    :param manager: the client attribute with ``get(id)``, e.g. ``servers``.
    :param error_states: statuses from which the resource never gets to
        another status by itself (compared ignoring case).
    :param fields: the fields of the summary that actions return.
    """

    def __init__(self, kind: str, service: str, manager: str,
                 error_states: typing.Iterable[str],
                 fields: typing.Sequence[str] = ('id', 'name', 'status')):
        self.kind = kind
        self.service = service
        self.manager = manager
        self.error_states = frozenset(s.lower() for s in error_states)
        self.fields = fields

    def get(self, client: typing.Any, resource_id: str) -> typing.Any:
        """The resource, or ResourceNotFound."""
        with failures.not_found_as(self.kind, resource_id):
            return getattr(client, self.manager).get(resource_id)

    def status_of(self, resource: typing.Any) -> typing.Any:
        return field(resource, 'status')

    def error_state_of(self, resource: typing.Any) -> typing.Optional[str]:
        """The error state the resource is in, or None."""
        status = field(resource, 'status')
        if status and status.lower() in self.error_states:
            return status
        return None

    def summary(self, resource: typing.Any) -> dict:
        """A JSON-safe dict of the resource's :attr:`fields`."""
        return to_json({name: field(resource, name) for name in self.fields})

    def check(self, resource: typing.Any, resource_id: str,
              expected: str) -> dict:
        """The summary if ``resource`` has the ``expected`` status.

        Raises ResourceInErrorState when it never will, StatusNotReached
        when it may still get there. An error state comes first, even when
        the field compared matches (a server in ERROR whose power state is
        still ``running``), unless that error state is what is expected.
        Statuses are compared ignoring case.
        """
        error_state = self.error_state_of(resource)
        if error_state and error_state.lower() != str(expected).lower():
            raise failures.ResourceInErrorState(
                '%s %s is in error state %s; it will never become %s%s'
                % (self.kind, resource_id, error_state, expected,
                   _failure_detail(resource)))
        current = self.status_of(resource)
        if str(current).lower() == str(expected).lower():
            return self.summary(resource)
        raise failures.StatusNotReached(
            '%s %s is %s, not %s yet'
            % (self.kind, resource_id, current, expected))

    def assert_status(self, client: typing.Any, resource_id: str,
                      expected: str) -> dict:
        """Check the resource once (see :meth:`check`)."""
        return self.check(self.get(client, resource_id), resource_id,
                          expected)

    def wait_for_status(self, client: typing.Any, resource_id: str,
                        expected: str, timeout: typing.Any,
                        interval: typing.Any) -> dict:
        """Poll until the resource has ``expected`` status.

        Fails at once on an error state or an unknown id, and with
        WaitTimeout naming the last status (and the last poll's error, if
        it failed) after ``timeout`` seconds.
        """
        timeout = inputs.positive_number('timeout', timeout)
        interval = inputs.positive_number('interval', interval)

        def gave_up(resource, last_error):
            if resource is None:
                seen = 'could not be read'
            else:
                seen = 'is still %s' % self.status_of(resource)
            if last_error is None:
                why = ''
            else:
                why = ' (the last poll failed: %s)' % outcomes.one_line(
                    last_error)
            return failures.WaitTimeout(
                '%s %s %s after %g s, not %s; gave up waiting%s'
                % (self.kind, resource_id, seen, timeout, expected, why))

        return polling.wait_until(
            lambda: self.get(client, resource_id),
            lambda resource: self.check(resource, resource_id, expected),
            timeout, interval, gave_up)


def _failure_detail(resource):
    """': <reason>' from cinder's fail_reason or nova's fault, if any."""
    reason = field(resource, 'fail_reason')
    fault = field(resource, 'fault')
    if not reason and isinstance(fault, dict):
        reason = fault.get('message')
    return ': %s' % reason if reason else ''


class OpenStackAction(outcomes.ActionFailingCleanly):
    """Base of actions that call one OpenStack service (never exported).

    An expected failure ends the run as ``Result(error=message)`` (see
    :mod:`~.outcomes`). Class-level settings start with ``_``: Mistral
    ships an action's public class attributes over RPC, and they would have
    to be JSON.
    """

    #: The keystone service type it calls (``mistral-actions doctor``
    #: checks the catalog for it).
    _service = None

    def client(self, context):
        return clients.make_client(self._service, context)


class AssertStatusAction(OpenStackAction):
    """Base of the ``assert_status`` actions; ``_resource`` says of what."""

    _resource = None

    def __init_subclass__(cls, **kwargs):
        super().__init_subclass__(**kwargs)
        if cls._resource is not None:
            cls._service = cls._resource.service

    def __init__(self, resource_id, status):
        super().__init__()
        self.resource_id = resource_id
        self.status = status

    def run(self, context):
        return self._resource.assert_status(
            clients.make_client(self._resource.service, context),
            self.resource_id, self.status)


class WaitForStatusAction(AssertStatusAction):
    """Base of the ``wait_for_status`` actions."""

    def __init__(self, resource_id, status, timeout, interval):
        super().__init__(resource_id, status)
        self.timeout = timeout
        self.interval = interval

    def run(self, context):
        return self._resource.wait_for_status(
            clients.make_client(self._resource.service, context),
            self.resource_id, self.status, self.timeout, self.interval)

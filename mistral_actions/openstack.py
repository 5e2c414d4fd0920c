"""What the OpenStack actions share: clients, status checks, base classes.

Clients are built in ``run(context)`` on the executor, never kept on the
action. Inside a Mistral executor with mistral-extra installed they come from
mistral-extra (the same region, endpoint-type and trust handling as the
built-in ``nova.*``/``cinder.*``/``glance.*`` actions); anywhere else from a
keystoneauth1 session on the context's token. Every HTTP call has a timeout:
``MISTRAL_ACTIONS_HTTP_TIMEOUT`` seconds (default 60) in the executor's
environment.

The client libraries are imported only when a client is built, so that
importing an action module stays cheap.
"""

import contextlib
import datetime
import functools
import json
import os
import time

from mistral_lib import actions
from mistral_lib import exceptions

HTTP_TIMEOUT_VARIABLE = 'MISTRAL_ACTIONS_HTTP_TIMEOUT'
DEFAULT_HTTP_TIMEOUT = 60.0


class ResourceNotFound(exceptions.ActionException):
    """The resource does not exist (or is not visible to the project)."""


class ResourceInErrorState(exceptions.ActionException):
    """The resource is in an error state: it will never reach the status."""


class StatusNotReached(exceptions.ActionException):
    """The resource is not in the expected status yet; it still may be."""


class WaitTimeout(exceptions.ActionException):
    """The resource did not reach the status within the time allowed."""


def positive_number(name, value):
    """``value`` as a float, or ActionException naming ``name``."""
    try:
        number = float(value)
    except (TypeError, ValueError):
        number = None
    if number is None or not number > 0 or number == float('inf'):
        raise exceptions.ActionException(
            '%s must be a positive number, got %r' % (name, value))
    return number


def flag(name, value):
    """``value`` as a bool; also takes "true"/"false" text from YAML."""
    if isinstance(value, bool):
        return value
    text = str(value).strip().lower()
    if text in ('true', 'yes', '1'):
        return True
    if text in ('false', 'no', '0'):
        return False
    raise exceptions.ActionException(
        '%s must be true or false, got %r' % (name, value))


def http_timeout():
    """Seconds any one HTTP request to OpenStack may take."""
    value = os.environ.get(HTTP_TIMEOUT_VARIABLE)
    if value is None:
        return DEFAULT_HTTP_TIMEOUT
    return positive_number(HTTP_TIMEOUT_VARIABLE, value)


def make_client(service, context):
    """An authenticated client of ``service`` for the action's context.

    :param service: ``compute`` (novaclient, newest microversion both
        sides know), ``block-storage`` (cinderclient 3.x, likewise) or
        ``image`` (glanceclient v2).
    :param context: the ``mistral_lib`` ActionContext given to ``run``.
    """
    if service not in _SERVICES:
        raise ValueError('unknown service %r' % service)
    if not context.security.auth_token:
        raise exceptions.ActionException(
            'the action context has no auth token: OpenStack actions need '
            'Mistral to run with Keystone authentication')
    region = context.security.region_name
    helper = _mistral_extra_helper(service, region)
    if helper is not None:
        return helper._create_client(context)
    build = _SERVICES[service][1]
    return build(_session(context.security), region, _endpoint_interface())


def _mistral_extra_helper(service, region):
    """mistral-extra's client maker for ``service``, or None.

    mistral-extra reads the request context Mistral's executor keeps in a
    thread local; outside an executor (or without mistral-extra) there is
    none, and the keystoneauth1 fallback is used instead.
    """
    try:
        from mistral_extra.actions.openstack import actions as extra
        from mistral_extra.actions.openstack.utils import context
    except ImportError:
        return None
    if not context.has_ctx():
        return None
    helper_class = _with_http_timeout(getattr(extra, _SERVICES[service][0]))
    return helper_class(action_region=region)


@functools.lru_cache(maxsize=None)
def _with_http_timeout(extra_action_class):
    """``extra_action_class`` whose sessions time out (it sets none)."""

    class TimedAction(extra_action_class):
        def get_session_and_auth(self, context):
            session_and_auth = super().get_session_and_auth(context)
            session_and_auth['session'].timeout = http_timeout()
            return session_and_auth

    return TimedAction


def _endpoint_interface():
    # The same variable and default mistral-extra uses.
    return os.environ.get('OS_ACTIONS_ENDPOINT_TYPE', 'public')


def _session(security):
    """A keystoneauth1 session on the token of the security context."""
    from keystoneauth1 import session

    if security.insecure:
        verify = False
    else:
        verify = security.auth_cacert or True
    return session.Session(auth=_auth_plugin(security), verify=verify,
                           timeout=http_timeout())


def _auth_plugin(security):
    from keystoneauth1 import access
    from keystoneauth1.identity import access as access_plugin
    from keystoneauth1.identity import v3

    token = security.auth_token
    # Mistral passes the whole token body (catalog included) as
    # service_catalog: use it as is rather than asking Keystone again.
    body = security.service_catalog
    if isinstance(body, dict) and body.get('catalog') and \
            body.get('expires_at'):
        auth_ref = access.create(body={'token': body}, auth_token=token)
        return access_plugin.AccessInfoPlugin(auth_ref,
                                              auth_url=security.auth_uri)
    if security.is_trust_scoped:
        raise exceptions.ActionException(
            'a trust-scoped context (e.g. a cron trigger) carries no '
            'service catalog; install mistral-extra on the executors')
    if not security.auth_uri:
        raise exceptions.ActionException(
            'the action context has neither a service catalog nor auth_uri')
    return v3.Token(auth_url=security.auth_uri, token=token,
                    project_id=security.project_id)


def _nova(session, region, interface):
    from novaclient import api_versions
    from novaclient import client

    def build(version):
        return client.Client(version, session=session, region_name=region,
                             endpoint_type=interface)

    return build(api_versions.discover_version(
        build(api_versions.APIVersion('2.1')),
        api_versions.APIVersion('2.latest')))


def _cinder(session, region, interface):
    from cinderclient import api_versions
    from cinderclient import client

    def build(version):
        return client.Client(version, session=session, region_name=region,
                             endpoint_type=interface,
                             service_type='block-storage')

    newest = api_versions.APIVersion(api_versions.MAX_VERSION)
    return build(api_versions.discover_version(build(newest), newest))


def _glance(session, region, interface):
    import glanceclient

    return glanceclient.Client('2', session=session, region_name=region,
                               interface=interface)


# For each service: the mistral-extra action class that builds its client,
# and the fallback that builds it from a keystoneauth1 session.
_SERVICES = {
    'compute': ('NovaAction', _nova),
    'block-storage': ('CinderAction', _cinder),
    'image': ('GlanceAction', _glance),
}


def is_not_found(error):
    """Whether a client exception (any of the three clients) is a 404."""
    return 404 in (getattr(error, 'code', None),
                   getattr(error, 'http_status', None),
                   getattr(error, 'status_code', None))


@contextlib.contextmanager
def not_found_as(kind, resource_id):
    """Turn a client's 404 inside the block into ResourceNotFound."""
    try:
        yield
    except Exception as error:
        if is_not_found(error):
            raise ResourceNotFound(
                '%s %s not found' % (kind, resource_id)) from error
        raise


def field(resource, name):
    """A field of a client resource object or of a dict (glance images)."""
    if isinstance(resource, dict):
        return resource.get(name)
    return getattr(resource, name, None)


def to_json(data):
    """A JSON-safe copy of a dict or client resource (odd values as str)."""
    if hasattr(data, 'to_dict'):
        data = data.to_dict()
    return json.loads(json.dumps(dict(data), default=str))


def utc_stamp():
    """The current UTC time, for names of the resources actions create."""
    return datetime.datetime.now(datetime.timezone.utc).strftime(
        '%Y%m%dT%H%M%SZ')


class Resource:
    """One kind of OpenStack resource whose status actions check.

    :param kind: the word used in messages, e.g. ``server``.
    :param service: the service type given to :func:`make_client`.
    :param manager: the client attribute with ``get(id)``, e.g. ``servers``.
    :param error_states: statuses from which the resource never gets to
        another status by itself (compared ignoring case).
    :param fields: the fields of the summary that actions return.
    """

    def __init__(self, kind, service, manager, error_states,
                 fields=('id', 'name', 'status')):
        self.kind = kind
        self.service = service
        self.manager = manager
        self.error_states = frozenset(s.lower() for s in error_states)
        self.fields = fields

    def get(self, client, resource_id):
        """The resource, or ResourceNotFound."""
        with not_found_as(self.kind, resource_id):
            return getattr(client, self.manager).get(resource_id)

    def status_of(self, resource):
        return field(resource, 'status')

    def error_state_of(self, resource):
        """The error state the resource is in, or None."""
        status = field(resource, 'status')
        if status and status.lower() in self.error_states:
            return status
        return None

    def summary(self, resource):
        """A JSON-safe dict of the resource's :attr:`fields`."""
        return to_json({name: field(resource, name) for name in self.fields})

    def check(self, resource, resource_id, expected):
        """The summary if ``resource`` has the ``expected`` status.

        Raises ResourceInErrorState when it never will, StatusNotReached
        when it may still get there. Statuses are compared ignoring case.
        """
        current = self.status_of(resource)
        if str(current).lower() == str(expected).lower():
            return self.summary(resource)
        error_state = self.error_state_of(resource)
        if error_state:
            raise ResourceInErrorState(
                '%s %s is in error state %s; it will never become %s%s'
                % (self.kind, resource_id, error_state, expected,
                   _failure_detail(resource)))
        raise StatusNotReached('%s %s is %s, not %s yet'
                               % (self.kind, resource_id, current, expected))

    def assert_status(self, client, resource_id, expected):
        """Check the resource once (see :meth:`check`)."""
        return self.check(self.get(client, resource_id), resource_id,
                          expected)

    def wait_for_status(self, client, resource_id, expected, timeout,
                        interval):
        """Poll until the resource has ``expected`` status.

        Fails at once on an error state or an unknown id, and with
        WaitTimeout naming the last status after ``timeout`` seconds.
        """
        timeout = positive_number('timeout', timeout)
        interval = positive_number('interval', interval)
        deadline = time.monotonic() + timeout
        while True:
            resource = self.get(client, resource_id)
            try:
                return self.check(resource, resource_id, expected)
            except StatusNotReached:
                pass
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise WaitTimeout(
                    '%s %s is still %s after %g s, not %s; gave up waiting'
                    % (self.kind, resource_id, self.status_of(resource),
                       timeout, expected))
            time.sleep(min(interval, remaining))


def _failure_detail(resource):
    """': <reason>' from cinder's fail_reason or nova's fault, if any."""
    reason = field(resource, 'fail_reason')
    fault = field(resource, 'fault')
    if not reason and isinstance(fault, dict):
        reason = fault.get('message')
    return ': %s' % reason if reason else ''


class OpenStackAction(actions.Action):
    """Base of actions that call one OpenStack service (never exported).

    Class-level settings start with ``_``: Mistral ships an action's public
    class attributes over RPC, and they would have to be JSON.
    """

    _service = None

    def client(self, context):
        return make_client(self._service, context)


class AssertStatusAction(OpenStackAction):
    """Base of the ``assert_status`` actions; ``_resource`` says of what."""

    _resource = None

    def __init__(self, resource_id, status):
        super().__init__()
        self.resource_id = resource_id
        self.status = status

    def run(self, context):
        return self._resource.assert_status(
            make_client(self._resource.service, context),
            self.resource_id, self.status)


class WaitForStatusAction(AssertStatusAction):
    """Base of the ``wait_for_status`` actions."""

    def __init__(self, resource_id, status, timeout, interval):
        super().__init__(resource_id, status)
        self.timeout = timeout
        self.interval = interval

    def run(self, context):
        return self._resource.wait_for_status(
            make_client(self._resource.service, context),
            self.resource_id, self.status, self.timeout, self.interval)

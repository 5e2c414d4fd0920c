"""One way to build each service's client: :func:`make_client`.

Inside a Mistral executor with mistral-extra installed the client comes from
mistral-extra's own action classes (the same region, endpoint-type and trust
handling as the built-in actions), given an HTTP timeout and read retries;
anywhere else it is built on a keystoneauth1 session from
:mod:`~mistral_actions.cloud.sessions`.
The client libraries are imported only here, when a client is built.
"""

import functools
import os
import typing

from mistral_actions.cloud import failures
from mistral_actions.cloud import sessions

if typing.TYPE_CHECKING:
    from mistral_lib.actions import context as action_context


def make_client(service: str,
                context: 'action_context.ActionContext') -> typing.Any:
    """An authenticated client of ``service`` for the action's context.

    :param service: ``compute`` (novaclient, newest microversion both
        sides know), ``block-storage`` (cinderclient 3.x, likewise) or
        ``image`` (glanceclient v2).
    :param context: the ``mistral_lib`` ActionContext given to ``run``.
    """
    if service not in _SERVICES:
        raise ValueError('unknown service %r' % service)
    if not context.security.auth_token:
        raise failures.Unsupported(
            'the action context has no auth token: OpenStack actions need '
            'Mistral to run with Keystone authentication')
    region = context.security.region_name
    helper = _mistral_extra_helper(service, region)
    if helper is not None:
        return helper._create_client(context)
    build = _SERVICES[service][1]
    return build(sessions.session_for(context.security), region,
                 _endpoint_interface())


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
    """``extra_action_class`` whose sessions time out (it sets none) and
    retry their reads as ours do."""

    class TimedAction(extra_action_class):
        def get_session_and_auth(self, context):
            session_and_auth = super().get_session_and_auth(context)
            session = session_and_auth['session']
            session.timeout = sessions.http_timeout()
            sessions.retrying_reads(session)
            return session_and_auth

    return TimedAction


def _endpoint_interface():
    # The same variable and default mistral-extra uses.
    return os.environ.get('OS_ACTIONS_ENDPOINT_TYPE', 'public')


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

"""One way to build each service's client: :func:`make_client`.

Inside a Mistral executor with mistral-extra installed the client comes from
mistral-extra's own action classes (the same region, endpoint-type and trust
handling as the built-in actions), given an HTTP timeout and read retries;
anywhere else it is built on a keystoneauth1 session from
:mod:`~mistral_actions.cloud.sessions`.
Each service's client library is imported by its own client module
(:mod:`~.nova_client`, :mod:`~.cinder_client`, :mod:`~.glance_client`),
only when a client is built: an action module imports the client module of
the service it calls, so its code source names only that library.
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

    :param service: a keystone service type registered by its client
        module: ``compute`` (:mod:`~.nova_client`), ``block-storage``
        (:mod:`~.cinder_client`) or ``image`` (:mod:`~.glance_client`).
    :param context: the ``mistral_lib`` ActionContext given to ``run``.
    """
    if service not in _SERVICES:
        raise ValueError('unknown service %r: no client module imported '
                         'registers it' % service)
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


# For each service type: the mistral-extra action class that builds its
# client, and the fallback that builds it from a keystoneauth1 session.
# Filled by the client modules (nova_client, cinder_client, glance_client)
# as they are imported, so that an action's code source holds, and its
# executors need, only the client library of the service it calls.
_SERVICES = {}


def register(service: str, extra_action: str,
             build: typing.Callable[..., typing.Any]) -> str:
    """Let :func:`make_client` build clients of keystone service type
    ``service``: inside an executor with mistral-extra through its action
    class ``extra_action``, elsewhere with ``build(session, region,
    interface)``. Returns ``service``."""
    _SERVICES[service] = (extra_action, build)
    return service

"""From an action's security context to a keystoneauth1 session.

Used when a client is built without mistral-extra: the session reuses the
context's token (and the service catalog when Mistral passed one) and
verifies TLS as the context says. :func:`http_timeout` is the timeout of
every session, mistral-extra's included.
"""

import os
import typing

from mistral_lib import exceptions

from mistral_actions.cloud import inputs

if typing.TYPE_CHECKING:
    from keystoneauth1 import session as ks_session
    from mistral_lib.actions import context as action_context

HTTP_TIMEOUT_VARIABLE = 'MISTRAL_ACTIONS_HTTP_TIMEOUT'
DEFAULT_HTTP_TIMEOUT = 60.0


def http_timeout() -> float:
    """Seconds any one HTTP request to OpenStack may take."""
    value = os.environ.get(HTTP_TIMEOUT_VARIABLE)
    if value is None:
        return DEFAULT_HTTP_TIMEOUT
    return inputs.positive_number(HTTP_TIMEOUT_VARIABLE, value)


def session_for(
        security: 'action_context.SecurityContext') -> 'ks_session.Session':
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

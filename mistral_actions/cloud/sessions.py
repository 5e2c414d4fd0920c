"""From an action's security context to a keystoneauth1 session.

Used when a client is built without mistral-extra: the session reuses the
context's token (and the service catalog when Mistral passed one) and
verifies TLS as the context says. :func:`http_timeout` is the timeout of
every session and :func:`retrying_reads` its retries, mistral-extra's
included.
"""

import os
import typing

from mistral_actions.cloud import failures
from mistral_actions.cloud import inputs

if typing.TYPE_CHECKING:
    from keystoneauth1 import session as ks_session
    from mistral_lib.actions import context as action_context

HTTP_TIMEOUT_VARIABLE = 'MISTRAL_ACTIONS_HTTP_TIMEOUT'
DEFAULT_HTTP_TIMEOUT = 60.0

#: Requests that change nothing, so that sending one twice is harmless.
READ_METHODS = frozenset({'GET', 'HEAD'})
#: Retries of a read on a dropped connection or a passing server error:
#: keystoneauth waits 0.5 s, then 1 s, then 2 s between them.
READ_RETRIES = 3


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
    return retrying_reads(session.Session(
        auth=_auth_plugin(security), verify=verify, timeout=http_timeout()))


def retrying_reads(session: 'ks_session.Session') -> 'ks_session.Session':
    """``session``, its reads retried by keystoneauth itself.

    An API server closes an idle keep-alive connection after a few seconds
    (gunicorn after 2, Apache after 5), just when a poll may reuse it; a
    proxy in front of it answers 502/503/504 while it restarts. A GET or
    HEAD is then sent again (``connect_retries``, ``status_code_retries``);
    a write never is: a create sent twice could make two resources.
    """
    send = session.request

    def request(url, method, **kwargs):
        if method.upper() in READ_METHODS:
            for option in ('connect_retries', 'status_code_retries'):
                kwargs[option] = max(kwargs.get(option) or 0, READ_RETRIES)
            kwargs['retriable_status_codes'] = sorted(
                set(kwargs.get('retriable_status_codes') or ())
                | set(failures.PASSING_STATUS_CODES))
        return send(url, method, **kwargs)

    session.request = request
    return session


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
        raise failures.Unsupported(
            'a trust-scoped context (e.g. a cron trigger) carries no '
            'service catalog; install mistral-extra on the executors')
    if not security.auth_uri:
        raise failures.Unsupported(
            'the action context has neither a service catalog nor auth_uri')
    return v3.Token(auth_url=security.auth_uri, token=token,
                    project_id=security.project_id)

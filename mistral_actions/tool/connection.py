"""How the tool reaches Mistral's REST API: one place for the URL, the
keystone session, the timeout and TLS, used by the commands (their global
options) and by the ``api`` backend alike, and one table that turns the
failures of getting there into one line naming what was tried.

Mistral without keystone needs only ``--os-mistral-url``; with keystone the
URL may also come from the catalog (``workflowv2``), through ``OS_*``
variables and options or a ``clouds.yaml`` entry (``--os-cloud``).
``run NAME`` uses the same credentials without any Mistral
(:func:`keystone_login`): the token and catalog an action is given.
"""

import argparse
import contextlib
import dataclasses
import os
import typing
from urllib import parse

from mistral_actions.tool import errors

#: Seconds to wait for each answer of Mistral or keystone when --timeout is
#: not given: long enough for a busy Mistral, short enough that a
#: configuration run never hangs.
DEFAULT_TIMEOUT = 60.0

#: What an operator is shown as an example of a good Mistral URL.
EXAMPLE_URL = 'http://127.0.0.1:8989/v2'
#: ... and of a good keystone URL.
KEYSTONE_EXAMPLE_URL = 'http://127.0.0.1:5000/v3'
#: What to check when keystone cannot be used at the URL given.
KEYSTONE_HINT = ('check OS_AUTH_URL (--os-auth-url): keystone\'s identity '
                 'API, e.g. %s' % KEYSTONE_EXAMPLE_URL)

#: Our own options: keystoneauth's look alike (``--os-*``) but do not call
#: for its plugins.
OWN_OPTIONS = ('--os-mistral-url', '--os-cloud', '--os-interface',
               '--os-region-name', '--os-cacert', '--os-cert', '--os-key',
               '--timeout', '--insecure')

CATALOG_HINT = ('check its endpoints (openstack endpoint list --service '
                'workflowv2) or give --os-mistral-url')


def positive_seconds(text: str) -> float:
    """argparse type of --timeout: a number of seconds above zero."""
    try:
        seconds = float(text)
    except ValueError:
        seconds = 0.0
    if not seconds > 0 or seconds == float('inf'):
        raise argparse.ArgumentTypeError(
            '%r is not a number of seconds above 0' % text)
    return seconds


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """The global options that say where Mistral is and how to talk to it
    (keystoneauth's credential options are added apart, when of use)."""
    environ = os.environ.get
    parser.add_argument(
        '--os-mistral-url', metavar='URL', default=environ('OS_MISTRAL_URL'),
        help='Mistral API URL, e.g. %s (/v2 is added when missing); enough '
             'alone for a Mistral without keystone (env OS_MISTRAL_URL)'
             % EXAMPLE_URL)
    parser.add_argument(
        '--os-cloud', metavar='NAME', default=environ('OS_CLOUD'),
        help='cloud in clouds.yaml to authenticate with (env OS_CLOUD)')
    parser.add_argument(
        '--os-interface', metavar='INTERFACE',
        default=environ('OS_INTERFACE', 'public'),
        help='endpoint interface in the catalog (env OS_INTERFACE)')
    parser.add_argument(
        '--os-region-name', metavar='REGION',
        default=environ('OS_REGION_NAME'),
        help='region of the catalog\'s Mistral endpoint (env '
             'OS_REGION_NAME)')
    parser.add_argument(
        '--timeout', metavar='SECONDS', type=positive_seconds,
        help='give up when Mistral or keystone does not answer a request '
             'within SECONDS (default: %g, or the cloud\'s api_timeout '
             'with --os-cloud)' % DEFAULT_TIMEOUT)
    parser.add_argument(
        '--insecure', action='store_true', default=None,
        help='do not verify the TLS certificates of Mistral and keystone')
    parser.add_argument(
        '--os-cacert', metavar='PATH', default=environ('OS_CACERT'),
        help='CA bundle to verify TLS certificates with (env OS_CACERT)')
    parser.add_argument(
        '--os-cert', metavar='PATH', default=environ('OS_CERT'),
        help='client certificate (PEM) for TLS (env OS_CERT)')
    parser.add_argument(
        '--os-key', metavar='PATH', default=environ('OS_KEY'),
        help='private key (PEM) of --os-cert (env OS_KEY)')


@dataclasses.dataclass(frozen=True)
class ConnectionOptions:
    """Where Mistral is and how to reach it, as the options gave it.

    :param mistral_url: Mistral's API as given (normalized by
        :func:`connect`); empty: from the catalog.
    :param cloud: a clouds.yaml entry to take everything else from.
    :param auth: a keystoneauth plugin, when keystone credentials were
        given; ``auth_url`` is its keystone, for messages.
    :param timeout: seconds per request; None: the cloud's or
        :data:`DEFAULT_TIMEOUT`.
    :param insecure: None: as the cloud says (else verify).
    """

    mistral_url: str = ''
    cloud: str = ''
    interface: str = 'public'
    region_name: str = ''
    auth: typing.Any = None
    auth_url: str = ''
    timeout: typing.Optional[float] = None
    insecure: typing.Optional[bool] = None
    cacert: str = ''
    cert: str = ''
    key: str = ''

    @classmethod
    def from_arguments(cls, arguments: argparse.Namespace
                       ) -> 'ConnectionOptions':
        """From the parsed global options; keystone credentials, when
        given, become a keystoneauth plugin (nothing is sent yet)."""
        def text(name):
            return getattr(arguments, name, None) or ''

        auth = None
        auth_url = text('os_auth_url')
        if auth_url and not text('os_cloud'):
            from keystoneauth1 import exceptions as ks_exc
            from keystoneauth1 import loading
            try:
                auth = loading.load_auth_from_argparse_arguments(arguments)
            except ks_exc.MissingRequiredOptions as error:
                raise errors.RegistryError(
                    'incomplete keystone credentials for %s: missing %s'
                    % (shown(auth_url), ', '.join(
                        '--os-' + option.name for option in error.options))
                ) from error
        return cls(mistral_url=text('os_mistral_url'),
                   cloud=text('os_cloud'),
                   interface=text('os_interface') or 'public',
                   region_name=text('os_region_name'),
                   auth=auth, auth_url=auth_url,
                   timeout=getattr(arguments, 'timeout', None),
                   insecure=getattr(arguments, 'insecure', None),
                   cacert=text('os_cacert'), cert=text('os_cert'),
                   key=text('os_key'))

    def verify(self) -> typing.Union[bool, str]:
        """requests' ``verify``: False, a CA bundle, or True."""
        if self.insecure:
            return False
        if self.cacert and not os.path.isfile(self.cacert):
            raise errors.RegistryError(
                '--os-cacert %s: no such file; give the CA bundle that '
                'signed Mistral\'s and keystone\'s certificates' % self.cacert)
        return self.cacert or True

    def client_cert(self):
        """requests' ``cert``: None, a PEM file, or (certificate, key)."""
        if self.cert and self.key:
            return (self.cert, self.key)
        return self.cert or None


@dataclasses.dataclass(frozen=True)
class Connection:
    """A keystoneauth session and the Mistral URL (ending in /v2) it is
    for; ``auth_url`` names keystone in messages."""

    session: typing.Any
    url: str
    timeout: float
    auth_url: str = ''
    options: ConnectionOptions = ConnectionOptions()

    def client(self):
        """A python-mistralclient v2 client over this session. TLS options
        are passed again: the client sets its own ``verify`` for https."""
        from mistralclient.api.v2 import client as v2
        return v2.Client(session=self.session, mistral_url=self.url,
                         enforce_raw_definitions=True,
                         insecure=bool(self.options.insecure),
                         cacert=self.options.cacert or None,
                         cert=self.options.cert or None,
                         key=self.options.key or None)


def shown(url: str) -> str:
    """A URL as messages show it: without a password in it."""
    try:
        parts = parse.urlsplit(url)
    except ValueError:
        return url
    if parts.password is None:
        return url
    netloc = '%s:***@%s' % (parts.username or '',
                            parts.netloc.rsplit('@', 1)[1])
    return parse.urlunsplit(parts._replace(netloc=netloc))


def mistral_url(url: str, given_by: str = '--os-mistral-url',
                hint: str = '') -> str:
    """Mistral's API URL ending in ``/v2``, as people paste it: with or
    without ``/v2``, with or without a trailing slash. Anything else that
    is wrong with it is one line saying what."""
    hint = hint or 'give Mistral\'s API URL, e.g. %s' % EXAMPLE_URL
    problem = _url_problem(url)
    if problem:
        raise errors.RegistryError('%s %r %s; %s' % (
            given_by, shown(url), problem, hint))
    parts = parse.urlsplit(url.strip())
    path = parts.path.rstrip('/')
    if not path.endswith('/v2'):
        path += '/v2'
    return parse.urlunsplit(parts._replace(path=path))


def _url_problem(url: str) -> str:
    try:
        parts = parse.urlsplit(url.strip())
        port = parts.port
    except ValueError as error:
        return 'is not a URL (%s)' % error
    if parts.scheme not in ('http', 'https'):
        return 'is not an http:// or https:// URL'
    if not parts.hostname:
        return 'has no host'
    if parts.query or parts.fragment:
        return 'has a query or fragment (?, #), which Mistral\'s URL has not'
    del port  # parsed only to reject one that is not a number
    return ''


def check_auth_url(url: str, given_by: str = 'OS_AUTH_URL (--os-auth-url)'
                   ) -> None:
    """Refuse a keystone URL that cannot be one before anything is sent:
    keystoneauth would take it for a catalog without Mistral, or say
    "no connection adapters"."""
    problem = _url_problem(url)
    if problem:
        raise errors.RegistryError('%s %r %s; give keystone\'s identity API '
                                   'URL, e.g. %s' % (given_by, shown(url),
                                                     problem,
                                                     KEYSTONE_EXAMPLE_URL))


def effective_timeout(options: ConnectionOptions,
                      fallback: typing.Optional[float] = None) -> float:
    """--timeout when given, else the cloud's, else the default."""
    return options.timeout or fallback or DEFAULT_TIMEOUT


def connect(options: ConnectionOptions) -> Connection:
    """The session and Mistral URL the options ask for. With keystone, it
    authenticates at once, so that a keystone failure is named as such and
    not taken for Mistral's."""
    url = mistral_url(options.mistral_url) if options.mistral_url else ''
    if options.cloud:
        return _connect_cloud(options, url)
    timeout = effective_timeout(options)
    session = _plain_session(options, timeout)
    if options.auth is not None:
        check_auth_url(options.auth_url)
        where = 'keystone at %s' % shown(options.auth_url)
        with translated_errors(options.auth_url, timeout, keystone=True):
            session.get_auth_headers()
            if not url:
                url = _from_catalog(session.get_endpoint(
                    service_type='workflowv2', interface=options.interface,
                    region_name=options.region_name or None),
                    where, options)
        return Connection(session, url, timeout, options.auth_url, options)
    if url:
        return Connection(session, url, timeout, options=options)
    raise errors.RegistryError(
        'no Mistral to talk to: set OS_MISTRAL_URL (--os-mistral-url) for a '
        'Mistral without keystone, or keystone credentials (OS_AUTH_URL, '
        'OS_USERNAME, ...) or --os-cloud')


@dataclasses.dataclass(frozen=True)
class KeystoneLogin:
    """A keystone session that has authenticated, without any Mistral:
    what running an action here needs (its token, project and catalog).

    :param access: keystoneauth's AccessInfo of the token.
    :param region_name: the region asked for (option or cloud), or ''.
    """

    session: typing.Any
    access: typing.Any
    auth_url: str
    timeout: float
    region_name: str = ''


def has_credentials(options: ConnectionOptions) -> bool:
    """Whether the options name keystone credentials (or a cloud)."""
    return bool(options.cloud) or options.auth is not None


def keystone_login(options: ConnectionOptions) -> KeystoneLogin:
    """Authenticate with the options' credentials (``OS_*`` or
    ``--os-cloud``) and nothing else; keystone failures as one line."""
    if options.cloud:
        region, session, auth_url, timeout = _cloud_session(options)
        region_name = options.region_name or region.region_name or ''
    elif options.auth is not None:
        check_auth_url(options.auth_url)
        timeout = effective_timeout(options)
        session = _plain_session(options, timeout)
        auth_url, region_name = options.auth_url, options.region_name
    else:
        raise errors.RegistryError(
            'no keystone credentials: set OS_AUTH_URL, OS_USERNAME, ... or '
            'give --os-cloud')
    with translated_errors(auth_url or 'cloud %r' % options.cloud, timeout,
                           keystone=True):
        access = session.auth.get_access(session)
    return KeystoneLogin(session, access, auth_url, timeout, region_name)


def _plain_session(options: ConnectionOptions, timeout: float):
    from keystoneauth1 import session as ks_session
    return ks_session.Session(auth=options.auth, verify=options.verify(),
                              cert=options.client_cert(), timeout=timeout)


def _from_catalog(endpoint, where, options) -> str:
    """The catalog's Mistral endpoint, or one line saying where none was
    found and what to check."""
    if not endpoint:
        raise errors.RegistryError(
            'no Mistral (workflowv2) endpoint with interface %s%s in the '
            'catalog of %s; %s' % (
                options.interface, ', region %s' % options.region_name
                if options.region_name else '', where, CATALOG_HINT))
    return mistral_url(endpoint, 'the Mistral (workflowv2) endpoint in the '
                       'catalog of %s,' % where, CATALOG_HINT)


def _cloud_session(options: ConnectionOptions) -> tuple:
    """(cloud region config, session, keystone URL, timeout) of
    ``--os-cloud``, the TLS and timeout options applied over the cloud's."""
    try:
        import openstack.config
        from openstack import exceptions as sdk_exc
    except ImportError as error:
        raise errors.RegistryError(
            '--os-cloud needs openstacksdk: pip install openstacksdk'
        ) from error
    try:
        region = openstack.config.OpenStackConfig().get_one(
            cloud=options.cloud, region_name=options.region_name or None)
    except sdk_exc.ConfigException as error:
        raise errors.RegistryError('cannot use cloud %r: %s; check '
                                   'clouds.yaml' % (
                                       options.cloud, reason(error))
                                   ) from error
    auth_url = str(region.config.get('auth', {}).get('auth_url') or '')
    if auth_url:
        check_auth_url(auth_url, 'auth_url of cloud %r in clouds.yaml'
                       % options.cloud)
    session = region.get_session()
    timeout = effective_timeout(options, session.timeout)
    session.timeout = timeout
    if options.insecure or options.cacert:
        session.verify = options.verify()
    if options.cert:
        session.cert = options.client_cert()
    return region, session, auth_url, timeout


def _connect_cloud(options: ConnectionOptions, url: str) -> Connection:
    region, session, auth_url, timeout = _cloud_session(options)
    where = 'cloud %r' % options.cloud
    with translated_errors(auth_url or where, timeout, keystone=True):
        url = url or _from_catalog(
            region.get_endpoint('workflowv2') or session.get_endpoint(
                service_type='workflowv2',
                interface=region.get_interface() or options.interface,
                region_name=region.region_name), where, options)
    return Connection(session, url, timeout, auth_url, options)


@contextlib.contextmanager
def translated_errors(url: str, timeout: float, auth_url: str = '',
                      keystone: bool = False):
    """Keystoneauth and network failures as one line that names what was
    tried (``url``: Mistral's, or keystone's when ``keystone``) and what to
    check. Never the credentials: keystoneauth's messages hold none, and
    URLs are shown without a password."""
    from keystoneauth1 import exceptions as ks_exc
    if keystone:
        what, check = 'keystone at %s' % shown(url), KEYSTONE_HINT
    else:
        what = shown(url)
        check = 'check that Mistral\'s API runs there (--os-mistral-url)'
    keystone_url = url if keystone else auth_url
    try:
        yield
    except ks_exc.Unauthorized as error:
        raise errors.RegistryError(
            '%s rejected the credentials (HTTP 401); check '
            'OS_USERNAME/OS_PASSWORD/OS_PROJECT_NAME or the token' % (
                'keystone at %s' % shown(keystone_url) if keystone_url
                else 'keystone')) from error
    except ks_exc.EndpointNotFound as error:
        raise errors.RegistryError(
            'no Mistral (workflowv2) endpoint in %s; %s' % (
                'the catalog of keystone at %s' % shown(keystone_url)
                if keystone_url else 'the keystone catalog', CATALOG_HINT)
        ) from error
    except ks_exc.ConnectTimeout as error:
        raise errors.RegistryError(
            'no answer from %s within %g s (--timeout); check that it is up '
            'and not overloaded, or allow longer with --timeout' % (
                what, timeout)) from error
    except ks_exc.SSLError as error:
        raise errors.RegistryError(
            'TLS failed with %s: %s; give the CA bundle with --os-cacert '
            '(or --insecure to skip the check)' % (
                what, network_reason(error))) from error
    except (ks_exc.ConnectFailure, ks_exc.UnknownConnectionError,
            ks_exc.DiscoveryFailure) as error:
        raise errors.RegistryError('cannot reach %s: %s; %s' % (
            what, network_reason(error), check)) from error
    except ks_exc.HttpError as error:
        raise errors.RegistryError('%s answered %s; %s' % (
            what, http_answer(error), KEYSTONE_HINT if keystone else
            'check --os-mistral-url and Mistral\'s API log')) from error
    except ks_exc.ClientException as error:
        raise errors.RegistryError('request to %s failed: %s; %s' % (
            what, reason(error), KEYSTONE_HINT if keystone else
            'check --os-mistral-url and Mistral\'s API log')) from error


def http_answer(error) -> str:
    """``HTTP 404 Not Found to POST URL``: what keystoneauth's HttpError
    holds, without its guess at the body ("Unrecognized schema...")."""
    from http import HTTPStatus
    try:
        phrase = HTTPStatus(error.http_status).phrase
    except ValueError:
        phrase = ''
    parts = ('HTTP', error.http_status, phrase)
    answer = ' '.join(str(part) for part in parts if part)
    if error.method and error.url:
        answer += ' to %s %s' % (error.method, shown(error.url))
    return answer


def reason(error, last: bool = False) -> str:
    """One line of an error's text: its first (or last) sentence line."""
    text = str(error).strip()
    if not text:
        return type(error).__name__
    lines = text.splitlines()
    return (lines[-1] if last else lines[0]).strip()


def network_reason(error) -> str:
    """The innermost cause of a network failure ("Connection refused",
    "Remote end closed connection without response"), not the layers of
    keystoneauth, requests and urllib3 messages wrapped around it."""
    deepest = error
    for _ in range(12):  # a chain of causes, not a cycle
        nested = [getattr(deepest, 'reason', None), deepest.__cause__,
                  deepest.__context__, *getattr(deepest, 'args', ())]
        cause = next((item for item in nested
                      if isinstance(item, BaseException)), None)
        if cause is None:
            break
        deepest = cause
    return getattr(deepest, 'strerror', None) or reason(deepest)

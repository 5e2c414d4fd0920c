"""The ``api`` backend: Mistral's REST API through python-mistralclient.

Works from any machine that reaches Mistral: keystone credentials from the
usual ``OS_*`` variables or options, a ``clouds.yaml`` entry (``--os-cloud``),
or ``--os-mistral-url`` alone for a Mistral without keystone. There is no
transaction: the apply driver's order (code sources first, actions after,
the reverse for removals) makes an interruption leave a state that a rerun
completes.
"""

import contextlib

from mistral_actions.tool import errors
from mistral_actions.tool import registry

NAMESPACE = ''
TIMEOUT = 60  # seconds per HTTP request: never hang a configuration run

FORBIDDEN_HINT = (
    'Mistral refused (HTTP 403): creating, changing or deleting code '
    'sources and dynamic actions needs the admin role under Mistral 23\'s '
    'default policy (rules code_sources:* and dynamic_actions:* are '
    '"admin_only"); use admin credentials, relax those rules in Mistral\'s '
    'policy file, or run with --backend db on a Mistral node')


class RestRegistry(registry.Registry, registry.RegistrySession):
    """Reads and writes code sources and dynamic actions over REST; a
    session is a round of requests, without a transaction."""

    #: Mistral's API serves requests in parallel, and one at a time a
    #: catalog costs a round trip per object.
    parallel_writes = 8

    def __init__(self, client, where):
        self.client = client
        self.where = where  # for messages: the Mistral URL or cloud name

    @classmethod
    def from_options(cls, options):
        session, url = connect(options)
        from mistralclient.api.v2 import client as v2
        return cls(v2.Client(session=session, mistral_url=url,
                             enforce_raw_definitions=True), url)

    @contextlib.contextmanager
    def session(self):
        with self.translated_errors(), _races_are_conflicts():
            yield self

    def snapshot(self) -> registry.Snapshot:
        sources = [registry.CodeSource.from_row(row)
                   for row in _every_row(self.client.code_sources)
                   if (getattr(row, 'namespace', '') or '') == NAMESPACE]
        # Every action Mistral resolves, whatever its provider, minus the
        # dynamic ones listed before AND after it: a dynamic action another
        # node creates or deletes meanwhile is not taken for another
        # provider's action.
        listed_before = self._dynamic_actions()
        resolved = {row.name for row in self.client.actions.list(
            namespace=NAMESPACE)}
        actions = self._dynamic_actions()
        others = resolved - {action.name for action in
                             listed_before + actions}
        return registry.Snapshot.of(sources, actions, others)

    def _dynamic_actions(self) -> list:
        return [registry.DynamicAction.from_row(row)
                for row in _every_row(self.client.dynamic_actions)
                if (getattr(row, 'namespace', '') or '') == NAMESPACE]

    # The writes. Always pass scope: the client's default makes it private.

    def create_code_source(self, module, scope):
        self.client.code_sources.create(module.name, module.content,
                                        namespace=NAMESPACE, scope=scope)

    def update_code_source(self, module, scope):
        self.client.code_sources.update(module.name, module.content,
                                        namespace=NAMESPACE, scope=scope)

    def delete_code_source(self, name):
        self.client.code_sources.delete(name, namespace=NAMESPACE)

    def create_action(self, spec, scope):
        self.client.dynamic_actions.create(
            spec.name, spec.class_name, spec.code_source_name, scope=scope,
            namespace=NAMESPACE)

    def update_action(self, spec, scope):
        self.client.dynamic_actions.update(
            spec.name, class_name=spec.class_name,
            code_source=spec.code_source_name, scope=scope,
            namespace=NAMESPACE)

    def delete_action(self, name):
        self.client.dynamic_actions.delete(name, namespace=NAMESPACE)

    def describe_actions(self, prefix):
        with self.session():
            names = sorted(name for name in self.snapshot().actions
                           if name.startswith(prefix))
            found = [self.client.actions.get(name, namespace=NAMESPACE)
                     for name in names]
        return [registry.ActionInfo(a.name, a.description or '',
                                    a.input or '') for a in found]

    @contextlib.contextmanager
    def translated_errors(self):
        """Turn client and HTTP failures into one line for the operator."""
        from keystoneauth1 import exceptions as ks_exc
        from mistralclient.api import base
        try:
            yield
        except base.APIException as error:
            raise api_error(error) from error
        except ks_exc.Unauthorized as error:
            raise errors.RegistryError(
                'keystone rejected the credentials (HTTP 401); check '
                'OS_USERNAME/OS_PASSWORD/OS_PROJECT_NAME or the token'
            ) from error
        except ks_exc.EndpointNotFound as error:
            raise errors.RegistryError(
                'no Mistral (workflowv2) endpoint in the keystone catalog; '
                'give --os-mistral-url') from error
        except (ks_exc.ConnectFailure, ks_exc.ConnectTimeout,
                ks_exc.DiscoveryFailure) as error:
            raise errors.RegistryError('cannot reach %s: %s' % (
                _where(error, self.where), _network_reason(error))) \
                from error
        except ks_exc.ClientException as error:
            raise errors.RegistryError('request to %s failed: %s' % (
                self.where, _reason(error))) from error


def _every_row(manager) -> list:
    """All rows of a listing, page after page: Mistral 23 returns at most
    [api] max_limit rows (1,000 by default) per request, however many
    there are, and goes on after the last row's id (marker)."""
    rows = []
    while True:
        page = manager.list(marker=rows[-1].id if rows else '')
        if not page:
            return rows
        rows.extend(page)


def api_error(error):
    code = error.error_code
    message = _reason(error.error_message or '')
    if code == 403:
        return errors.RegistryError(FORBIDDEN_HINT)
    if code == 409:
        return errors.ConflictError(message)
    if code == 401:
        return errors.RegistryError(
            'Mistral rejected the credentials (HTTP 401)')
    return errors.RegistryError('Mistral answered HTTP %s: %s' % (
        code, message))


#: How Mistral 23 answers (HTTP 404, 500, sometimes 400) when a request
#: of ours meets a concurrent writer in its database: a row it looked up a
#: moment before is gone (a concurrent clear, unregister or prune; MySQL
#: error 1452 or SQLite's FOREIGN KEY failure on insert), or a unique key
#: clash it did not turn into its own 409. A 404 for a wrong URL does not
#: carry Mistral's "not found [name=...]".
_DATABASE_RACES = ('FOREIGN KEY', 'Duplicate entry', 'UNIQUE constraint',
                   'Deadlock found')
RACE_SIGNS = {404: (' not found [',), 400: _DATABASE_RACES,
              500: _DATABASE_RACES}


@contextlib.contextmanager
def _races_are_conflicts():
    """A concurrent writer's traces: plan again from a fresh snapshot."""
    from mistralclient.api import base
    try:
        yield
    except base.APIException as error:
        message = error.error_message or ''
        if any(sign in message
               for sign in RACE_SIGNS.get(error.error_code, ())):
            raise errors.ConflictError(_reason(message)) from error
        raise


def connect(options):
    """A keystoneauth session (auth or not) and the Mistral URL to use."""
    from keystoneauth1 import exceptions as ks_exc
    from keystoneauth1 import loading
    from keystoneauth1 import session as ks_session
    url = getattr(options, 'os_mistral_url', None)
    try:
        if getattr(options, 'os_cloud', None):
            return _connect_cloud(options.os_cloud, url)
        if getattr(options, 'os_auth_url', None):
            auth = loading.load_auth_from_argparse_arguments(options)
            session = loading.load_session_from_argparse_arguments(
                options, auth=auth)
            session.timeout = session.timeout or TIMEOUT
            # Authenticate now: a keystone failure is then named as such,
            # not taken for Mistral's.
            with _where_is_keystone(options.os_auth_url):
                session.get_auth_headers()
                url = url or session.get_endpoint(
                    service_type='workflowv2',
                    interface=getattr(options, 'os_interface', None)
                    or 'public',
                    region_name=getattr(options, 'os_region_name', None))
            if not url:
                raise errors.RegistryError(
                    'no Mistral (workflowv2) endpoint in the keystone '
                    'catalog; give --os-mistral-url')
            return session, url.rstrip('/')
    except ks_exc.MissingRequiredOptions as error:
        raise errors.RegistryError(
            'incomplete keystone credentials: missing %s' % ', '.join(
                '--os-' + opt.name for opt in error.options)) from error
    if url:
        return ks_session.Session(timeout=TIMEOUT), url.rstrip('/')
    raise errors.RegistryError(
        'no Mistral to talk to: set OS_MISTRAL_URL (--os-mistral-url) for a '
        'Mistral without keystone, or keystone credentials (OS_AUTH_URL, '
        'OS_USERNAME, ...) or --os-cloud')


def _connect_cloud(cloud, url):
    try:
        import openstack.config
        from openstack import exceptions as sdk_exc
    except ImportError as error:
        raise errors.RegistryError(
            '--os-cloud needs openstacksdk: pip install openstacksdk'
        ) from error
    try:
        region = openstack.config.OpenStackConfig().get_one(cloud=cloud)
    except sdk_exc.ConfigException as error:
        raise errors.RegistryError('cannot use cloud %r: %s' % (
            cloud, _reason(error))) from error
    session = region.get_session()
    session.timeout = session.timeout or TIMEOUT
    url = url or region.get_endpoint('workflowv2') or \
        session.get_endpoint(service_type='workflowv2',
                             interface=region.get_interface() or 'public',
                             region_name=region.region_name)
    if not url:
        raise errors.RegistryError(
            'no Mistral (workflowv2) endpoint for cloud %r; give '
            '--os-mistral-url' % cloud)
    return session, url.rstrip('/')


@contextlib.contextmanager
def _where_is_keystone(auth_url):
    from keystoneauth1 import exceptions as ks_exc
    try:
        yield
    except ks_exc.Unauthorized as error:
        raise errors.RegistryError(
            'keystone at %s rejected the credentials (HTTP 401)' % auth_url
        ) from error
    except (ks_exc.ConnectFailure, ks_exc.ConnectTimeout,
            ks_exc.DiscoveryFailure) as error:
        raise errors.RegistryError('cannot reach keystone at %s: %s' % (
            auth_url, _network_reason(error))) from error


def _where(error, default):
    return getattr(error, 'url', None) or default


def _reason(error) -> str:
    text = str(error).strip()
    return text.splitlines()[0] if text else type(error).__name__


def _network_reason(error) -> str:
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
    return getattr(deepest, 'strerror', None) or _reason(deepest)

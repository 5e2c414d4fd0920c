"""The ``api`` backend: Mistral's REST API through python-mistralclient.

Works from any machine that reaches Mistral: keystone credentials from the
usual ``OS_*`` variables or options, a ``clouds.yaml`` entry (``--os-cloud``),
or ``--os-mistral-url`` alone for a Mistral without keystone. There is no
transaction: the apply driver's order (code sources first, actions after,
the reverse for removals) makes an interruption leave a state that a rerun
completes.
"""

import contextlib
import typing

from mistral_actions.tool import connection
from mistral_actions.tool import errors
from mistral_actions.tool import ledger
from mistral_actions.tool import registry

NAMESPACE = ''
#: Ledger rows asked for at once (Mistral answers at most [api] max_limit).
LEDGER_PAGE = 500

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

    backend_name = 'api'

    def __init__(self, client, where: str,
                 timeout: float = connection.DEFAULT_TIMEOUT,
                 auth_url: str = '', keystone_session=None):
        self.client = client
        self.where = where  # for messages: the Mistral URL
        self.timeout = timeout
        self.auth_url = auth_url
        self.keystone_session = keystone_session

    @classmethod
    def connect(cls, options: connection.ConnectionOptions
                ) -> 'RestRegistry':
        """Over the connection the options describe (keystone, if any,
        is asked at once)."""
        reached = connection.connect(options)
        return cls(reached.client(), reached.url, reached.timeout,
                   reached.auth_url,
                   reached.session if getattr(reached.session, 'auth', None)
                   else None)

    def identity(self) -> dict:
        who = super().identity()
        if self.keystone_session is not None:
            with self.translated_errors():
                access = self.keystone_session.auth.get_access(
                    self.keystone_session)
            who.update(user=access.username, user_id=access.user_id,
                       project=access.project_name,
                       project_id=access.project_id)
        return who

    def ledger_rows(self, prefix, with_variables=True):
        # Rows are private: an admin lists every project's (Mistral lists
        # all rows for admins), anyone else their project's. Mistral 23
        # cannot page environments by marker (it looks the marker up by
        # name but wants a uuid): page by name instead, in name order.
        rows = {}
        # Every name of ours sorts at or after its prefix.
        names_from = 'gte:' + prefix
        while True:
            with self._ledger_errors():
                page = self.client.environments.list(
                    limit=LEDGER_PAGE, sort_keys='name', sort_dirs='asc',
                    fields=['name', 'variables'] if with_variables
                    else ['name'], name=names_from,
                    description=ledger.DESCRIPTION)
            ours = [row for row in page if row.name.startswith(prefix)]
            rows.update((row.name, _variables(row) if with_variables
                         else None) for row in ours)
            if not page or len(ours) < len(page):
                return rows
            names_from = 'gt:' + page[-1].name

    def create_ledger_row(self, name, variables, if_absent=False):
        from mistralclient.api import base
        with self._ledger_errors():
            try:
                self.client.environments.create(
                    name=name, variables=variables, scope=ledger.SCOPE,
                    description=ledger.DESCRIPTION)
            except base.APIException as error:
                if not (if_absent and error.error_code == 409):
                    raise

    def delete_ledger_row(self, name):
        from mistralclient.api import base
        with self._ledger_errors():
            try:
                self.client.environments.delete(name)
            except base.APIException as error:
                # Gone already (a concurrent prune), or another project's.
                if error.error_code != 404:
                    raise

    def workflow_definitions(self):
        return {row.name: row.definition
                for row in _every_row(self.client.workflows)}

    @contextlib.contextmanager
    def _ledger_errors(self):
        """Failures as the tool's errors at once: the ledger is written
        after the changes, and says so when it fails (see
        :func:`~mistral_actions.tool.ledger.recorder`)."""
        with self.translated_errors(), _races_are_conflicts():
            yield

    @contextlib.contextmanager
    def session(self):
        with self.translated_errors(), _races_are_conflicts():
            yield self

    def snapshot(self, with_other_actions=True) -> registry.Snapshot:
        sources = [registry.CodeSource.from_row(row)
                   for row in _every_row(self.client.code_sources)
                   if (getattr(row, 'namespace', '') or '') == NAMESPACE]
        if not with_other_actions:
            return registry.Snapshot.of(sources, self._dynamic_actions())
        # Every action Mistral resolves, whatever its provider, minus the
        # dynamic ones listed before AND after it: a dynamic action another
        # node creates or deletes meanwhile is not taken for another
        # provider's action. One created and deleted between the listings
        # still looks like one: the apply driver reads again before it
        # refuses.
        from mistralclient.api import base
        listed_before = self._dynamic_actions()
        try:
            resolved = {row.name for row in self.client.actions.list(
                namespace=NAMESPACE)}
        except base.APIException as error:
            if error.error_code != 500:
                raise
            # One code source that does not load breaks the listing for
            # everyone (Mistral 23): ask name by name instead, so that
            # register --override can still replace a broken one of ours.
            actions = self._dynamic_actions()
            return registry.Snapshot(
                {source.name: source for source in sources},
                {action.name: action for action in actions},
                _OthersAskedByName(self.client, {
                    action.name for action in listed_before + actions}))
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

    def describe_actions(self, names):
        with self.session():
            found = [self.client.actions.get(name, namespace=NAMESPACE)
                     for name in names]
        return [registry.ActionInfo(a.name, a.description or '',
                                    a.input or '') for a in found]

    @contextlib.contextmanager
    def translated_errors(self):
        """Turn client and HTTP failures into one line for the operator."""
        from mistralclient.api import base
        try:
            with connection.translated_errors(self.where, self.timeout,
                                              auth_url=self.auth_url):
                yield
        except base.APIException as error:
            raise api_error(error, self.where) from error


class _OthersAskedByName:
    """The names other providers resolve, found by asking Mistral for
    each name planning asks about (``in``), once."""

    def __init__(self, client, dynamic_names: typing.Set[str]):
        self.client = client
        self.dynamic_names = dynamic_names
        self.answers = {}

    def __contains__(self, name) -> bool:
        from mistralclient.api import base
        if name in self.dynamic_names:
            return False
        if name not in self.answers:
            try:
                self.client.actions.get(name, namespace=NAMESPACE)
                self.answers[name] = True
            except base.APIException as error:
                if error.error_code != 404:
                    raise
                self.answers[name] = False
        return self.answers[name]


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


def _variables(row) -> dict:
    """An environment's document (the client decodes it when it is text)."""
    variables = getattr(row, 'variables', None)
    if isinstance(variables, str):
        import json
        variables = json.loads(variables)
    return variables or {}


def api_error(error, where: str = '') -> errors.RegistryError:
    """Mistral's answer as one line (Mistral's own words, first line)."""
    code = error.error_code
    message = _reason(error.error_message or '')
    if code == 403:
        return errors.Forbidden(FORBIDDEN_HINT)
    if code == 409:
        return errors.ConflictError(message)
    if code == 401:
        return errors.RegistryError(
            'Mistral rejected the credentials (HTTP 401)')
    if code in (404, 405) and where:
        # Not Mistral's words when it is a page (HTML) rather than JSON.
        said = '' if message.startswith('<') else ': ' + message
        return errors.RegistryError(
            '%s does not answer as Mistral\'s API (HTTP %s%s); check '
            '--os-mistral-url, e.g. %s' % (
                connection.shown(where), code, said, connection.EXAMPLE_URL))
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
        message = _text(error.error_message)
        if any(sign in message
               for sign in RACE_SIGNS.get(error.error_code, ())):
            raise errors.ConflictError(_reason(message)) from error
        raise


def _text(message) -> str:
    """Mistral's message as text: it comes as bytes when the answer was
    not JSON (a URL that is not Mistral's API)."""
    if isinstance(message, bytes):
        return message.decode('utf-8', 'replace')
    return message or ''


def _reason(message) -> str:
    """The first line of Mistral's message."""
    return connection.reason(_text(message))

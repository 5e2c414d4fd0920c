"""The ``db`` backend: Mistral's own DB API, with the node's mistral.conf.

Works on a Mistral node without keystone credentials. All writes of one
command happen in ONE transaction, so a failure leaves Mistral as it was.
Mistral is imported only when this backend is used.

Rows belong to a keystone project. With keystone on (``[pecan]
auth_enable``), the backend acts for the project given by ``project_id``:
it reads that project's private rows and writes new ones for it, as
Mistral's API would for a user of it; without one it cannot write a
private row (an unsafe action) and says so. With keystone off every caller
is Mistral's one default project.
"""

import collections.abc
import contextlib
import logging
import os
import typing
import warnings

from mistral_actions.tool import errors
from mistral_actions.tool import ledger
from mistral_actions.tool import registry

NAMESPACE = ''
#: Mistral's named lock the db backend's ledger writers take in turn.
LEDGER_LOCK = 'mistral-actions-ledger'


class DatabaseRegistry(registry.Registry):
    """Reads and writes code sources and dynamic actions in Mistral's DB."""

    def __init__(self, config_file=registry.DEFAULT_CONFIG_FILE,
                 project_id=None):
        self.config_file = config_file
        self.project_id = project_id
        self._db_api = None

    @property
    def db_api(self):
        if self._db_api is None:
            self._db_api = load_mistral(self.config_file)
        return self._db_api

    @contextlib.contextmanager
    def session(self):
        """One transaction: snapshot and writes commit together or not at
        all; a unique-key or deadlock clash with a concurrent writer
        becomes ConflictError so the caller can re-plan, and so does a row
        the snapshot showed that another writer removed meanwhile."""
        db_api = self.db_api
        from mistral import exceptions as mistral_exc
        from oslo_db import exception as db_exc
        from sqlalchemy import exc as sa_exc
        try:
            with _acting_for(self.project_id), db_api.transaction():
                yield _Transaction(db_api, self.project_id)
        except (mistral_exc.DBDuplicateEntryError, db_exc.DBDuplicateEntry,
                db_exc.DBDeadlock, mistral_exc.DBEntityNotFoundError) as error:
            raise errors.ConflictError(_first_line(error)) from error
        except (db_exc.DBConnectionError,) + _driver_errors() as error:
            raise errors.RegistryError(
                _cannot_use(self.config_file, error)) from error
        except (db_exc.DBError, sa_exc.SQLAlchemyError) as error:
            raise errors.RegistryError('Mistral database error: %s' % (
                _driver_reason(error))) from error
        except mistral_exc.MistralException as error:
            raise errors.RegistryError(
                'Mistral refused: %s' % _first_line(error)) from error

    def describe_actions(self, names):
        """As Mistral's dynamic action provider describes them: it execs
        the stored modules exactly as the engine does."""
        from mistral.actions import dynamic_action
        with self.session():
            provider = dynamic_action.DynamicActionProvider()
            described = [provider.find(name, namespace=NAMESPACE)
                         for name in names]
        return [registry.ActionInfo(d.name, d.description or '',
                                    d.params_spec or '') for d in described]


@contextlib.contextmanager
def _acting_for(project_id):
    """Mistral's request context of ``project_id`` around the block: its
    DB layer scopes reads and stamps new rows with the context's project."""
    if not project_id:
        yield
        return
    from mistral import context
    previous = context.ctx() if context.has_ctx() else None
    context.set_ctx(context.MistralContext(project_id=project_id,
                                           is_admin=False))
    try:
        yield
    finally:
        context.set_ctx(previous)


def keystone_enabled() -> bool:
    """Whether the loaded Mistral config checks tokens (rows then belong to
    real keystone projects)."""
    from oslo_config import cfg
    return bool(cfg.CONF.pecan.auth_enable)


#: The generators entry point of mistral-extra, whose namespaces are known
#: without generating anything.
MISTRAL_EXTRA_GENERATORS = \
    'mistral_extra.actions.generator_factory:all_generators'


class _OtherProviders(collections.abc.Container):
    """Names of other providers' actions. Generating the OpenStack actions
    imports every client library and takes seconds, so it happens only
    once a name in one of the generators' namespaces (``nova``,
    ``keystone``, ...) is asked about: never for ``int32bit.*``."""

    def __init__(self, known: typing.Iterable[str], generators_on: bool):
        self.known = frozenset(known)
        self.generators_on = generators_on
        self._namespaces = None
        self._generated = None

    def __contains__(self, name) -> bool:
        if name in self.known:
            return True
        if not self.generators_on:
            return False
        if self._namespaces is None:
            self._namespaces = _generator_namespaces()
        if name.split('.')[0] not in self._namespaces:
            return False
        if self._generated is None:
            self._generated = _generated_names()
        return name in self._generated


def _generator_namespaces() -> set:
    """The namespaces of the action generators plugged into Mistral."""
    from importlib import metadata
    namespaces = set()
    for entry in metadata.entry_points(group='mistral.generators'):
        if entry.value == MISTRAL_EXTRA_GENERATORS:
            # Named by its list of modules, without importing the clients.
            from mistral_extra.actions import generator_factory
            namespaces.update(module.lower().replace(' ', '_') for module
                              in generator_factory.SUPPORTED_MODULES)
        else:
            namespaces.update(generator.action_namespace
                              for generator in entry.load()())
    return namespaces


def _generated_names() -> frozenset:
    """The names Mistral's legacy provider answers to, generated actions
    included, made by Mistral's own code with the node's config."""
    from mistral.actions import legacy
    # The client libraries it imports log and warn (neutronclient's
    # deprecation, ...): nothing an operator of this command should read.
    muted = logging.root.manager.disable
    logging.disable(logging.CRITICAL)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter('ignore')
            return frozenset(description.name for description in
                             legacy.LegacyActionProvider().find_all())
    finally:
        logging.disable(muted)


class _Transaction(registry.RegistrySession):
    """The writes of one transaction, in the driver's order, one at a time
    (the session is this thread's)."""

    def __init__(self, db_api, project_id=None):
        self.db_api = db_api
        self.project_id = project_id
        self._source_ids = {}  # code sources written in this transaction

    def snapshot(self, with_other_actions=True) -> registry.Snapshot:
        sources = [registry.CodeSource.from_row(row) for row in
                   self.db_api.get_code_sources(namespace=NAMESPACE)]
        actions = [registry.DynamicAction.from_row(row) for row in
                   self.db_api.get_dynamic_action_definitions(
                       namespace=NAMESPACE)]
        return registry.Snapshot(
            {source.name: source for source in sources},
            {action.name: action for action in actions},
            self._other_actions() if with_other_actions else frozenset())

    def _other_actions(self):
        """What Mistral's other action providers answer to, as the api
        backend sees it in ``mistral action-list``: ad-hoc actions in the
        DB, the node's action plugins (``std.*``) and, when asked about a
        name in one of their namespaces, the generated OpenStack actions
        (mistral-extra's ``nova.servers_list``, ...)."""
        from importlib import metadata
        from oslo_config import cfg
        adhoc = {row.name for row in self.db_api.get_action_definitions()}
        plugins = {entry.name for entry in metadata.entry_points(
            group='mistral.actions')}
        return _OtherProviders(
            adhoc | plugins,
            cfg.CONF.legacy_action_provider.load_action_generators)

    def missing_owner(self) -> str:
        if self.project_id or not keystone_enabled():
            return ''
        return ('the db backend acts for no keystone project: give '
                '--project-id PROJECT_ID (the project whose users may run '
                'it), or use --backend api with credentials of that project')

    backend_name = 'db'
    transactional = True

    def identity(self) -> dict:
        who = super().identity()
        if self.project_id:
            who['project_id'] = self.project_id
        return who

    def ledger_lock(self):
        # Held until the deployment's transaction ends; Mistral runs
        # MySQL/MariaDB in READ COMMITTED, so what is read once it is held
        # is what the writer before committed.
        return self.db_api.named_lock(LEDGER_LOCK)

    def ledger_rows(self, prefix, with_variables=True):
        # Every project's rows (insecure): the ledger is the node's
        # history, whichever project a deployment acted for.
        fields = ['name', 'variables'] if with_variables else ['name']
        rows = self.db_api.get_environments(insecure=True, fields=fields,
                                            name={'has': prefix})
        return {row[0]: row[1] if with_variables else None for row in rows
                if row[0].startswith(prefix)}

    def create_ledger_row(self, name, variables, if_absent=False):
        # A duplicate would break the whole transaction: look first. Two
        # transactions creating the same row at once: the second fails on
        # the unique key, and its round is repeated (ConflictError).
        if if_absent and self._ledger_query(name).count():
            return
        self.db_api.create_environment({
            'name': name, 'variables': variables, 'scope': ledger.SCOPE,
            'description': ledger.DESCRIPTION})

    def delete_ledger_row(self, name):
        self._ledger_query(name).delete(synchronize_session=False)

    def workflow_definitions(self):
        return {row.name: row.definition for row in
                self.db_api.get_workflow_definitions(insecure=True)}

    @staticmethod
    def _ledger_query(name):
        """The rows of that name, whichever project wrote them."""
        from mistral.db.sqlalchemy import base
        from mistral.db.v2.sqlalchemy import models
        return base.model_query(models.Environment).filter_by(name=name)

    def create_code_source(self, module, scope):
        row = self.db_api.create_code_source({
            'name': module.name, 'content': module.content,
            'namespace': NAMESPACE, 'scope': scope,
            # The REST API sets the first version; the DB layer does not.
            'version': 1})
        self._source_ids[module.name] = row.id

    def update_code_source(self, module, scope):
        # update_code_source bumps the version: that is what makes running
        # engines and executors re-exec the module. Setting project_id
        # stamps the row with the acting project (Mistral's model hook), so
        # a row made private belongs to it.
        row = self.db_api.update_code_source(
            module.name, self._owned({'content': module.content,
                                      'scope': scope}),
            namespace=NAMESPACE)
        self._source_ids[module.name] = row.id

    def delete_code_source(self, name):
        self.db_api.delete_code_source(name, namespace=NAMESPACE)

    def create_action(self, spec, scope):
        self.db_api.create_dynamic_action_definition({
            'name': spec.name, 'namespace': NAMESPACE,
            'class_name': spec.class_name, 'scope': scope,
            'code_source_id': self._source_id(spec.code_source_name),
            'code_source_name': spec.code_source_name})

    def update_action(self, spec, scope):
        self.db_api.update_dynamic_action_definition(spec.name, self._owned({
            'class_name': spec.class_name, 'scope': scope,
            'code_source_id': self._source_id(spec.code_source_name),
            'code_source_name': spec.code_source_name}),
            namespace=NAMESPACE)

    def delete_action(self, name):
        self.db_api.delete_dynamic_action_definition(name,
                                                     namespace=NAMESPACE)

    def _owned(self, values):
        if self.project_id:
            values['project_id'] = self.project_id
        return values

    def _source_id(self, name):
        if name not in self._source_ids:
            self._source_ids[name] = self.db_api.get_code_source(
                name, namespace=NAMESPACE, fields=['id'])[0]
        return self._source_ids[name]


def load_mistral(config_file):
    """Import Mistral's DB API and load the node's config into it."""
    try:
        with open(config_file, encoding='utf-8'):
            pass
    except OSError as error:
        raise errors.RegistryError(
            'cannot read Mistral config %s: %s (give --config-file, or use '
            '--backend api)' % (config_file, error.strerror)) from error
    try:
        import mistral.config  # noqa: F401 - registers Mistral's options
        from mistral.db.v2 import api as db_api
        from oslo_config import cfg
    except ImportError as error:
        raise errors.RegistryError(
            'the db backend needs the Mistral server package (mistral), '
            'which is not importable here (%s); run on a Mistral node or '
            'use --backend api' % error) from error
    try:
        cfg.CONF(['--config-file', os.path.abspath(config_file)],
                 project='mistral', default_config_files=[],
                 default_config_dirs=[])
    except cfg.Error as error:
        raise errors.RegistryError('invalid Mistral config %s: %s' % (
            config_file, _first_line(error))) from error
    # A server waits out a database that is not up yet (10 tries, 10 s
    # apart by default); an operator's command says so at once instead.
    cfg.CONF.set_override('max_retries', 1, group='database')
    cfg.CONF.set_override('retry_interval', 0, group='database')
    from mistral.db.sqlalchemy import base
    try:
        base.get_engine()  # connects once: fail here, before any work
    except Exception as error:  # noqa: BLE001 - whatever broke connecting
        raise errors.RegistryError(_cannot_use(config_file, error)) \
            from error
    return db_api


def _cannot_use(config_file, error) -> str:
    return 'cannot use the Mistral database %s ([database] connection in ' \
        '%s): %s' % (_database_url(), config_file, _driver_reason(error))


def _database_url() -> str:
    """The configured database URL, its password masked."""
    from oslo_config import cfg
    from sqlalchemy.engine import make_url
    try:
        return make_url(cfg.CONF.database.connection).render_as_string(
            hide_password=True)
    except Exception:  # noqa: BLE001 - only for a message
        return '(unparsable URL)'


def _driver_errors():
    """The database driver's own base exception (PEP 249 ``Error``): a
    connection breaking while SQLAlchemy sets it up gets through unwrapped.
    Only looked up once something failed."""
    from mistral.db.sqlalchemy import base
    try:
        return (base.get_engine().dialect.loaded_dbapi.Error,)
    except Exception:  # noqa: BLE001 - no engine: no driver error either
        return ()


def _driver_reason(error) -> str:
    """What the database driver said, e.g. "Lost connection to MySQL
    server during query", found under SQLAlchemy's and oslo.db's wrapping."""
    cause = error
    for _ in range(10):  # a chain of causes, not a cycle
        args = getattr(cause, 'args', ())
        if len(args) == 2 and isinstance(args[0], int) and \
                isinstance(args[1], str) and args[1]:
            return args[1]
        cause = (getattr(cause, 'inner_exception', None)
                 or getattr(cause, 'orig', None)
                 or cause.__cause__ or cause.__context__)
        if cause is None:
            break
    return _first_line(error)


def _first_line(error) -> str:
    return str(error).strip().splitlines()[0] if str(error).strip() \
        else type(error).__name__

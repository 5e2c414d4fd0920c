"""The ``db`` backend: Mistral's own DB API, with the node's mistral.conf.

Works on a Mistral node without keystone credentials. All writes of one
command happen in ONE transaction, so a failure leaves Mistral as it was.
Mistral is imported only when this backend is used.
"""

import contextlib
import os

from mistral_actions.tool import errors
from mistral_actions.tool import registry
from mistral_actions.tool.plan import PUBLIC

NAMESPACE = ''


class DatabaseRegistry:
    """Reads and writes code sources and dynamic actions in Mistral's DB."""

    def __init__(self, config_file=registry.DEFAULT_CONFIG_FILE):
        self.config_file = config_file
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
            with db_api.transaction():
                yield _Transaction(db_api)
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

    def describe_actions(self, prefix):
        """Our actions as Mistral's dynamic action provider describes them:
        it execs the stored modules exactly as the engine does."""
        from mistral.actions import dynamic_action
        with self.session() as transaction:
            provider = dynamic_action.DynamicActionProvider()
            names = sorted(name for name in transaction.snapshot().actions
                           if name.startswith(prefix))
            described = [provider.find(name, namespace=NAMESPACE)
                         for name in names]
        return [registry.ActionInfo(d.name, d.description or '',
                                    d.params_spec or '') for d in described]


class _Transaction:
    def __init__(self, db_api):
        self.db_api = db_api

    def snapshot(self) -> registry.Snapshot:
        sources = [registry.CodeSource(
            name=row.name, content=row.content, version=row.version,
            scope=row.scope, id=row.id, updated_at=str(row.updated_at or ''))
            for row in self.db_api.get_code_sources(namespace=NAMESPACE)]
        actions = [registry.DynamicAction(
            name=row.name, class_name=row.class_name,
            code_source_name=row.code_source_name, scope=row.scope,
            id=row.id, updated_at=str(row.updated_at or ''))
            for row in self.db_api.get_dynamic_action_definitions(
                namespace=NAMESPACE)]
        return registry.Snapshot.of(sources, actions, self._other_actions())

    def _other_actions(self):
        """Ad-hoc actions in the DB and the node's action plugins (``std.*``,
        mistral-extra): what the adhoc and legacy providers answer to."""
        from importlib import metadata
        adhoc = {row.name for row in self.db_api.get_action_definitions()}
        plugins = {entry.name for entry in metadata.entry_points(
            group='mistral.actions')}
        return adhoc | plugins

    def apply(self, plan):
        db_api = self.db_api
        source_ids = {}
        for module in plan.create_sources:
            row = db_api.create_code_source({
                'name': module.name, 'content': module.content,
                'namespace': NAMESPACE, 'scope': PUBLIC,
                # The REST API sets the first version; the DB layer does not.
                'version': 1})
            source_ids[module.name] = row.id
        for module in plan.update_sources:
            # update_code_source bumps the version: that is what makes
            # running engines and executors re-exec the module.
            row = db_api.update_code_source(
                module.name, {'content': module.content, 'scope': PUBLIC},
                namespace=NAMESPACE)
            source_ids[module.name] = row.id
        for spec in plan.create_actions:
            db_api.create_dynamic_action_definition({
                'name': spec.name, 'namespace': NAMESPACE,
                'class_name': spec.class_name, 'scope': PUBLIC,
                'code_source_id': self._source_id(spec, source_ids),
                'code_source_name': spec.code_source_name})
        for spec in plan.update_actions:
            db_api.update_dynamic_action_definition(spec.name, {
                'class_name': spec.class_name, 'scope': PUBLIC,
                'code_source_id': self._source_id(spec, source_ids),
                'code_source_name': spec.code_source_name},
                namespace=NAMESPACE)
        for name in plan.delete_actions:
            db_api.delete_dynamic_action_definition(name, namespace=NAMESPACE)
        for name in plan.delete_sources:
            db_api.delete_code_source(name, namespace=NAMESPACE)

    def _source_id(self, spec, known):
        if spec.code_source_name not in known:
            known[spec.code_source_name] = self.db_api.get_code_source(
                spec.code_source_name, namespace=NAMESPACE, fields=['id'])[0]
        return known[spec.code_source_name]


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

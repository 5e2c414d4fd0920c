"""The registry interface, what Mistral holds as the tool sees it, and how
a backend is chosen.

Two backends implement :class:`Registry`: ``db`` writes Mistral's tables
through ``mistral.db.v2.api`` (one transaction per session), ``api`` goes
through the REST API (one round per session). They only translate rows:
what to write is decided by planning, in which order by the apply driver.
"""

import abc
import contextlib
import dataclasses
import os
import typing

from mistral_actions.tool import errors
from mistral_actions.tool import specs

DEFAULT_CONFIG_FILE = '/etc/mistral/mistral.conf'


@dataclasses.dataclass(frozen=True)
class CodeSource:
    """A code source row as Mistral holds it."""

    name: str
    content: str
    version: int
    scope: str
    id: str = ''

    @classmethod
    def from_row(cls, row: typing.Any) -> 'CodeSource':
        """From a REST resource or a DB model row: the same attributes."""
        return cls(name=row.name, content=row.content, version=row.version,
                   scope=row.scope, id=row.id)


@dataclasses.dataclass(frozen=True)
class DynamicAction:
    """A dynamic action row as Mistral holds it."""

    name: str
    class_name: str
    code_source_name: str
    scope: str
    id: str = ''

    @classmethod
    def from_row(cls, row: typing.Any) -> 'DynamicAction':
        """From a REST resource or a DB model row: the same attributes."""
        return cls(name=row.name, class_name=row.class_name,
                   code_source_name=row.code_source_name, scope=row.scope,
                   id=row.id)


@dataclasses.dataclass(frozen=True)
class Snapshot:
    """Everything planning needs to know about Mistral, read at one moment."""

    code_sources: dict  #: name -> CodeSource
    actions: dict  #: name -> DynamicAction
    #: names Mistral resolves through other providers (std.*, plugins,
    #: ad-hoc actions): ours must never take one of them over. Planning
    #: only asks ``name in other_actions``: any container will do.
    other_actions: typing.Container[str] = frozenset()

    @classmethod
    def of(cls, code_sources: typing.Iterable[CodeSource],
           actions: typing.Iterable[DynamicAction],
           other_actions: typing.Iterable[str] = ()) -> 'Snapshot':
        return cls({source.name: source for source in code_sources},
                   {action.name: action for action in actions},
                   frozenset(other_actions))


@dataclasses.dataclass(frozen=True)
class ActionInfo:
    """An action as Mistral itself describes it (``mistral action-get``)."""

    name: str
    description: str
    input: str


class RegistrySession(abc.ABC):
    """What one transaction (db) or round (api) can do; nothing more.

    The apply driver calls the writes in its order and passes the scope
    each row gets; a backend only turns them into Mistral's calls.
    """

    #: Writes of one phase that may be in flight at once (1: in turn).
    parallel_writes = 1

    @abc.abstractmethod
    def snapshot(self, with_other_actions: bool = True) -> Snapshot:
        """Our view of Mistral at this moment; without the other
        providers' action names (costly over REST, where Mistral loads
        every code source to list actions) when only our rows matter."""

    @abc.abstractmethod
    def create_code_source(self, module: specs.ModuleSpec,
                           scope: str) -> None:
        """A new code source holding ``module.content``, version 1."""

    @abc.abstractmethod
    def update_code_source(self, module: specs.ModuleSpec,
                           scope: str) -> None:
        """New content and scope; Mistral's version goes up by one."""

    @abc.abstractmethod
    def delete_code_source(self, name: str) -> None:
        """Remove a code source no action points at any more."""

    @abc.abstractmethod
    def create_action(self, spec: specs.ActionSpec, scope: str) -> None:
        """A dynamic action pointing at an existing code source."""

    @abc.abstractmethod
    def update_action(self, spec: specs.ActionSpec, scope: str) -> None:
        """Point an existing dynamic action at its class and code source."""

    @abc.abstractmethod
    def delete_action(self, name: str) -> None:
        """Remove a dynamic action."""

    def missing_owner(self) -> str:
        """Why this session cannot write a private row (no project to own
        it), or '' when it can."""
        return ''

    # The ledger's rows (see :mod:`~mistral_actions.tool.ledger`): named
    # JSON documents that are none of our code sources or actions.

    #: What records say the deployment went through.
    backend_name = ''
    #: Whether the writes of a session commit together (db) or each at
    #: once (api): a failure after the writes then undoes them too.
    transactional = False

    def identity(self) -> dict:
        """Who writes: the node and OS user, and with keystone the user
        and project."""
        from mistral_actions.tool import ledger
        return ledger.local_identity()

    def ledger_lock(self) -> typing.ContextManager:
        """Held while the ledger is written and pruned: nothing over the
        API (each request stands alone, and the ledger's writers and
        pruners look again after each other); in a db transaction, the
        ledger's writers one at a time (Mistral's named lock) so that each
        reads what the one before committed."""
        return contextlib.nullcontext()

    def ledger_rows(self, prefix: str, with_variables: bool = True) -> dict:
        """name -> its JSON document (None without ``with_variables``) of
        every ledger row whose name starts with ``prefix``, whichever
        project wrote it."""
        raise NotImplementedError

    def create_ledger_row(self, name: str, variables: dict,
                          if_absent: bool = False) -> None:
        """A new ledger row; with ``if_absent`` one already there (written
        by a concurrent writer: same name, same document) is kept."""
        raise NotImplementedError

    def delete_ledger_row(self, name: str) -> None:
        """Remove a ledger row; one already gone is no error."""
        raise NotImplementedError

    def workflow_definitions(self) -> dict:
        """name -> definition text of the workflows Mistral holds (a
        rollback must not remove an action one of them uses)."""
        raise NotImplementedError


class Registry(abc.ABC):
    """A Mistral to read and write, through one backend."""

    @abc.abstractmethod
    def session(self) -> typing.ContextManager[RegistrySession]:
        """A transaction (db) or a round (api); failures become
        :class:`~mistral_actions.tool.errors.RegistryError`, a concurrent
        writer's traces :class:`~mistral_actions.tool.errors.ConflictError`.
        """

    @abc.abstractmethod
    def describe_actions(self, names: typing.Sequence[str]) -> list:
        """:class:`ActionInfo` of these registered actions, as Mistral
        describes them (it loads their code sources to do so)."""


def mistral_importable() -> bool:
    import importlib.util
    return importlib.util.find_spec('mistral') is not None


def default_backend(config_file: typing.Optional[str] = None) -> str:
    """``db`` when a config file is given, or on a Mistral node (default
    config file there, mistral importable); ``api`` otherwise."""
    if config_file:
        return 'db'
    if os.path.exists(DEFAULT_CONFIG_FILE) and mistral_importable():
        return 'db'
    return 'api'


def open_registry(backend: str, config_file: typing.Optional[str] = None,
                  project_id: typing.Optional[str] = None,
                  connection_options: typing.Any = None) -> Registry:
    """The registry for backend 'db' (Mistral's config file, the project to
    act for) or 'api' (a
    :class:`~mistral_actions.tool.connection.ConnectionOptions`)."""
    if backend == 'db':
        from mistral_actions.tool.registry import db
        return db.DatabaseRegistry(config_file or DEFAULT_CONFIG_FILE,
                                   project_id=project_id)
    if backend == 'api':
        from mistral_actions.tool import connection
        from mistral_actions.tool.registry import api
        return api.RestRegistry.connect(
            connection_options or connection.ConnectionOptions())
    raise errors.ToolError('unknown backend %r (choose db or api)' % backend)

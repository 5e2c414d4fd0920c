"""What Mistral holds, as the tool sees it, and how a backend is chosen.

Two backends implement one interface (``session()`` yielding an object with
``snapshot()`` and ``apply(plan)``, plus ``describe_actions()``): ``db``
writes Mistral's tables through ``mistral.db.v2.api`` in one transaction,
``api`` goes through the REST API. Neither decides anything: planning does.
"""

import dataclasses
import os

from mistral_actions.tool import errors

DEFAULT_CONFIG_FILE = '/etc/mistral/mistral.conf'


@dataclasses.dataclass(frozen=True)
class CodeSource:
    """A code source row as Mistral holds it."""

    name: str
    content: str
    version: int
    scope: str
    id: str = ''
    updated_at: str = ''


@dataclasses.dataclass(frozen=True)
class DynamicAction:
    """A dynamic action row as Mistral holds it."""

    name: str
    class_name: str
    code_source_name: str
    scope: str
    id: str = ''
    updated_at: str = ''


@dataclasses.dataclass(frozen=True)
class Snapshot:
    """Everything planning needs to know about Mistral, read at one moment."""

    code_sources: dict  #: name -> CodeSource
    actions: dict  #: name -> DynamicAction
    #: names Mistral resolves through other providers (std.*, plugins,
    #: ad-hoc actions): ours must never take one of them over.
    other_actions: frozenset = frozenset()

    @classmethod
    def of(cls, code_sources, actions, other_actions=()):
        return cls({source.name: source for source in code_sources},
                   {action.name: action for action in actions},
                   frozenset(other_actions))


@dataclasses.dataclass(frozen=True)
class ActionInfo:
    """An action as Mistral itself describes it (``mistral action-get``)."""

    name: str
    description: str
    input: str


def mistral_importable() -> bool:
    import importlib.util
    return importlib.util.find_spec('mistral') is not None


def default_backend(config_file=None) -> str:
    """``db`` when a config file is given, or on a Mistral node (default
    config file there, mistral importable); ``api`` otherwise."""
    if config_file:
        return 'db'
    if os.path.exists(DEFAULT_CONFIG_FILE) and mistral_importable():
        return 'db'
    return 'api'


def open_registry(backend, options):
    """The registry for backend 'db' or 'api', built from CLI options."""
    if backend == 'db':
        from mistral_actions.tool.registry import db
        return db.DatabaseRegistry(options.config_file or DEFAULT_CONFIG_FILE)
    if backend == 'api':
        from mistral_actions.tool.registry import api
        return api.RestRegistry.from_options(options)
    raise errors.ToolError('unknown backend %r (choose db or api)' % backend)

"""What discovery knows about one action and one action module.

Computed once from the package, without importing any Mistral server code;
planning and the registry backends only read them.
"""

import dataclasses
import hashlib
import typing


@dataclasses.dataclass(frozen=True)
class ModuleSpec:
    """One action module: stored in Mistral as one code source."""

    name: str  #: dotted path, e.g. ``mistral_actions.nova.servers``
    path: str  #: file it was read from
    content: str  #: its bundle (see pipeline.bundle): what Mistral execs
    package: str = ''  #: prefix of the package of actions it belongs to
    #: libraries the Mistral nodes must have for it, e.g. ``novaclient``
    externals: tuple = ()
    #: (module name, relative file) of what its bundle holds
    files: tuple = ()

    @property
    def sha256(self) -> str:
        return hashlib.sha256(self.content.encode('utf-8')).hexdigest()


@dataclasses.dataclass(frozen=True)
class ActionSpec:
    """One exported action class: stored in Mistral as one dynamic action."""

    name: str  #: e.g. ``int32bit.nova.servers.assert_status``
    class_name: str  #: e.g. ``AssertStatus``
    module: ModuleSpec
    input: str  #: the params spec Mistral shows, e.g. ``server_id``
    description: str  #: the whole docstring, as Mistral stores it
    unsafe: bool = False  #: registered only when explicitly asked for

    @property
    def code_source_name(self) -> str:
        return self.module.name

    @property
    def summary(self) -> str:
        """The description's first line: what listings and the catalog
        show."""
        return first_line(self.description)


def first_line(text: typing.Optional[str]) -> str:
    return (text or '').strip().split('\n', 1)[0].strip()

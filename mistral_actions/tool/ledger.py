"""The deployment ledger: one record per command that changed Mistral,
kept in Mistral itself (see docs/ledger.md for why there and how).

A record says who deployed what, when, with which tool and packages, what
changed, and what Mistral held of those packages afterwards: per code
source its content hash, Mistral version and scope, and every action.
Each distinct module text is kept once, in a row named by its hash, so
that any of the last :data:`KEEP` deployments can be restored exactly.

Rows are Mistral environments (``environments_v2``), never code sources
or dynamic actions, so nothing that lists ours (snapshot, prune, clear,
action-list) can take them for ours:

* ``mistral-actions.ledger.entry.<id>``: one record, written once and
  never changed, so that concurrent writers never touch the same row;
* ``mistral-actions.ledger.content.<sha256>``: one module text, created
  when absent.

The record is written in the round that made the change (the same
transaction for the db backend), by :func:`recorder`, which the apply
driver calls after the writes.
"""

import dataclasses
import datetime
import getpass
import hashlib
import secrets
import socket
import typing

from mistral_actions.tool import errors
from mistral_actions.tool import ownership
from mistral_actions.tool import registry as registries

if typing.TYPE_CHECKING:
    from mistral_actions.tool import packages as action_packages
    from mistral_actions.tool.pipeline import plan as planning

#: Row names; everything of the ledger starts with ROW_PREFIX.
ROW_PREFIX = 'mistral-actions.ledger.'
ENTRY_PREFIX = ROW_PREFIX + 'entry.'
CONTENT_PREFIX = ROW_PREFIX + 'content.'
#: What an operator reads in `mistral environment-list`.
DESCRIPTION = 'mistral-actions deployment ledger (written by the tool; ' \
    'do not edit)'
#: Rows are private to the project that writes them: a record holds the
#: text of private (unsafe) modules, which other projects must not read.
SCOPE = ownership.PRIVATE
#: Deployments kept; older ones, and module texts only they used, go.
KEEP = 50
FORMAT = 1
#: Tries of a record over the REST API before the command says it failed.
RECORD_ATTEMPTS = 3

SUCCEEDED = 'succeeded'
#: Kinds of change, as history counts them.
CHANGES = ('created', 'updated', 'deleted')


def tool_version() -> str:
    """The installed mistral-actions version ('unknown' in a bare
    checkout)."""
    try:
        from importlib import metadata
        return metadata.version('mistral-actions')
    except Exception:  # noqa: BLE001 - an uninstalled checkout
        return 'unknown'


def local_identity() -> dict:
    """The node and the OS user running the command."""
    try:
        user = getpass.getuser()
    except Exception:  # noqa: BLE001 - no passwd entry (containers)
        user = ''
    return {'node': socket.gethostname(), 'os_user': user}


def new_id(now: datetime.datetime) -> str:
    """Sortable by time (UTC, to the second), unique by a random tail:
    concurrent writers never pick the same row name."""
    return '%s-%s' % (now.strftime('%Y%m%d-%H%M%S'), secrets.token_hex(3))


def content_hash(text: str) -> str:
    return hashlib.sha256(text.encode('utf-8')).hexdigest()


@dataclasses.dataclass(frozen=True)
class Deployment:
    """One record of the ledger, as stored (JSON) and read back."""

    id: str
    time: str  #: UTC, ISO 8601
    command: str  #: register, unregister, clear, rollback
    who: dict  #: node, os_user; user and project with keystone
    tool_version: str
    backend: str  #: db or api
    packages: dict  #: prefix -> version ('' when not known)
    changes: dict  #: created/updated/deleted -> action names
    #: code source name -> sha256, version, scope, package: what Mistral
    #: held of these packages after the deployment
    code_sources: dict
    #: action name -> class_name, code_source, scope
    actions: dict
    status: str = SUCCEEDED
    format: int = FORMAT

    def to_variables(self) -> dict:
        return dataclasses.asdict(self)

    @classmethod
    def from_variables(cls, variables: dict) -> 'Deployment':
        known = {field.name for field in dataclasses.fields(cls)}
        return cls(**{key: value for key, value in variables.items()
                      if key in known})

    @property
    def row_name(self) -> str:
        return ENTRY_PREFIX + self.id

    def counts(self) -> dict:
        return {kind: len(self.changes.get(kind, ())) for kind in CHANGES}

    def who_text(self) -> str:
        """``user@project`` with keystone, else ``os_user@node``."""
        who = self.who
        if who.get('user'):
            return '%s@%s' % (who.get('user', '?'), who.get('project', '?'))
        return '%s@%s' % (who.get('os_user', '?'), who.get('node', '?'))

    def sort_key(self) -> tuple:
        return (self.time, self.id)


def state_after(snapshot: registries.Snapshot,
                plan: 'planning.Plan') -> registries.Snapshot:
    """What Mistral holds once the plan is carried out on the snapshot
    (Mistral's versions: 1 when created, one up when updated)."""
    sources = dict(snapshot.code_sources)
    for module in plan.create_sources:
        sources[module.name] = registries.CodeSource(
            module.name, module.content, 1, plan.source_scopes[module.name])
    for module in plan.update_sources:
        sources[module.name] = registries.CodeSource(
            module.name, module.content, sources[module.name].version + 1,
            plan.source_scopes[module.name])
    actions = dict(snapshot.actions)
    for spec in plan.create_actions + plan.update_actions:
        actions[spec.name] = registries.DynamicAction(
            spec.name, spec.class_name, spec.code_source_name,
            plan.action_scopes[spec.name])
    for name in plan.delete_actions:
        actions.pop(name, None)
    for name in plan.delete_sources:
        sources.pop(name, None)
    return registries.Snapshot(sources, actions, snapshot.other_actions)


def concerned_packages(snapshot: registries.Snapshot, plan: 'planning.Plan',
                       prefixes: ownership.Prefixes) -> list:
    """The packages a command worked on: those it was given, else those of
    the actions it changed."""
    if prefixes is not None:
        return sorted(prefixes)
    found = set()
    for state in (snapshot, state_after(snapshot, plan)):
        for step in plan.steps:
            action = state.actions.get(step.name)
            package = action and ownership.action_package(action, state)
            if package:
                found.add(package)
    return sorted(found)


def build(command: str, snapshot: registries.Snapshot,
          plan: 'planning.Plan', prefixes: typing.Collection[str],
          versions: typing.Mapping[str, str], who: dict, backend: str,
          now: typing.Optional[datetime.datetime] = None
          ) -> typing.Tuple[Deployment, dict]:
    """The record of a plan carried out on the snapshot, for these
    packages, and the module texts it refers to (sha256 -> text)."""
    from mistral_actions.tool.pipeline import plan as planning
    now = now or datetime.datetime.now(datetime.timezone.utc)
    after = state_after(snapshot, plan)
    contents = {}
    sources = {}
    for name, source in sorted(after.code_sources.items()):
        package = ownership.source_package(source)
        if package not in prefixes:
            continue
        digest = content_hash(source.content)
        contents[digest] = source.content
        sources[name] = {'sha256': digest, 'version': source.version,
                         'scope': source.scope, 'package': package}
    actions = {name: {'class_name': action.class_name,
                      'code_source': action.code_source_name,
                      'scope': action.scope}
               for name, action in sorted(after.actions.items())
               if ownership.is_ours(action, after, prefixes)}
    verdicts = {planning.CREATE: 'created', planning.UPDATE: 'updated',
                planning.REMOVE: 'deleted'}
    changes = {kind: [] for kind in CHANGES}
    for step in plan.steps:
        if step.verdict in verdicts:
            changes[verdicts[step.verdict]].append(step.name)
    entry = Deployment(
        id=new_id(now), time=now.isoformat(timespec='microseconds'),
        command=command, who=dict(who), tool_version=tool_version(),
        backend=backend,
        packages={prefix: versions.get(prefix, '') for prefix in prefixes},
        changes=changes, code_sources=sources, actions=actions)
    return entry, contents


def record(session: registries.RegistrySession, entry: Deployment,
           contents: typing.Mapping[str, str],
           keep: typing.Optional[int] = None) -> None:
    """Write the module texts not kept yet, then the record; prune past
    ``keep`` records (default :data:`KEEP`).

    A text found kept may be removed by a concurrent pruner that listed the
    records before this one was written: looked for again after the record
    is written, and put back. (The pruner, for its part, looks at the
    records again after removing texts: whichever of the two comes second
    puts the text back; see docs/ledger.md.)
    """
    with session.ledger_lock():
        kept = set(session.ledger_rows(CONTENT_PREFIX,
                                       with_variables=False))
        for digest in sorted(contents):
            if CONTENT_PREFIX + digest not in kept:
                _write_text(session, digest, contents[digest])
        # if_absent: the same record again when a retry follows a failure
        # that came after it was written.
        session.create_ledger_row(entry.row_name, entry.to_variables(),
                                  if_absent=True)
        _put_back(session, {digest: text for digest, text in
                            contents.items()
                            if CONTENT_PREFIX + digest in kept})
        prune(session, KEEP if keep is None else keep)


def _write_text(session: registries.RegistrySession, digest: str,
                text: str) -> None:
    session.create_ledger_row(CONTENT_PREFIX + digest,
                              {'sha256': digest, 'content': text},
                              if_absent=True)


def _put_back(session: registries.RegistrySession,
              texts: typing.Mapping[str, str]) -> None:
    """Write again those of ``texts`` (sha256 -> text) that are gone."""
    if not texts:
        return
    present = set(session.ledger_rows(CONTENT_PREFIX, with_variables=False))
    for digest in sorted(texts):
        if CONTENT_PREFIX + digest not in present:
            _write_text(session, digest, texts[digest])


def _used(entries: typing.Iterable[Deployment]) -> set:
    """The hashes of the module texts these records refer to."""
    return {source['sha256'] for entry in entries
            for source in entry.code_sources.values()}


def prune(session: registries.RegistrySession, keep: int = KEEP) -> list:
    """Remove records past the newest ``keep``, then the module texts no
    remaining record refers to; the names of the records removed.

    A writer that found one of those texts kept and recorded after the
    records were listed here still needs it: the records are listed again
    after the removals and such a text put back."""
    if len(session.ledger_rows(ENTRY_PREFIX, with_variables=False)) <= keep:
        return []
    # By the time in the records (ids only say the second).
    entries = deployments(session)
    old = [entry.row_name for entry in entries[:len(entries) - keep]]
    for name in old:
        session.delete_ledger_row(name)
    used = _used(entries[len(old):])
    removed = {}
    for name in session.ledger_rows(CONTENT_PREFIX, with_variables=False):
        digest = name[len(CONTENT_PREFIX):]
        if digest not in used:
            for variables in session.ledger_rows(name).values():
                removed[digest] = (variables or {}).get('content')
            session.delete_ledger_row(name)
    if removed:
        needed = _used(deployments(session))
        _put_back(session, {digest: text for digest, text in removed.items()
                            if digest in needed and text is not None})
    return old


def recorder(command: str,
             packages: typing.Optional[
                 typing.Sequence['action_packages.Package']] = None
             ) -> typing.Callable:
    """What the apply driver calls after the writes of a round, in it:
    records the deployment of these packages (None: of the packages of
    the actions the plan changes)."""
    prefixes = {package.prefix for package in packages} \
        if packages is not None else None
    if packages is None:
        from mistral_actions.tool import packages as action_packages
        known = action_packages.declared()
    else:
        known = packages
    versions = {package.prefix: package.version for package in known}

    def write(session: registries.RegistrySession,
              snapshot: registries.Snapshot, plan: 'planning.Plan') -> None:
        def built():
            return build(command, snapshot, plan,
                         concerned_packages(snapshot, plan, prefixes),
                         versions, session.identity(), session.backend_name)

        if session.transactional:
            # A failure rolls the writes back with the record, and a
            # conflict repeats the whole round.
            record(session, *built())
            return
        # The writes are done: repeating the round would find nothing to
        # do and record nothing. Retry the record alone, then say so.
        try:
            entry, contents = built()
        except errors.RegistryError as error:
            raise _not_recorded(error) from error
        for attempt in range(1, RECORD_ATTEMPTS + 1):
            try:
                record(session, entry, contents)
                return
            except errors.RegistryError as error:
                if attempt == RECORD_ATTEMPTS or not isinstance(
                        error, errors.ConflictError):
                    raise _not_recorded(error) from error

    return write


def _not_recorded(error: Exception) -> errors.RegistryError:
    return errors.RegistryError(
        'the changes were made, but the ledger could not record them (%s); '
        'mistral-actions history will not show them' % error)


def deployments(session: registries.RegistrySession,
                prefixes: ownership.Prefixes = None) -> list:
    """The records Mistral holds (of these packages), oldest first."""
    found = [Deployment.from_variables(variables) for variables in
             session.ledger_rows(ENTRY_PREFIX).values() if variables]
    if prefixes is not None:
        found = [entry for entry in found
                 if set(entry.packages) & set(prefixes)]
    return sorted(found, key=Deployment.sort_key)


def find(entries: typing.Sequence[Deployment], wanted: str) -> Deployment:
    """The record whose id is ``wanted``, or starts or ends with it (its
    random tail is enough when unique)."""
    exact = [entry for entry in entries if entry.id == wanted]
    if exact:
        return exact[0]
    matching = [entry for entry in entries
                if wanted and (entry.id.startswith(wanted)
                               or entry.id.endswith(wanted))]
    if len(matching) == 1:
        return matching[0]
    if not matching:
        raise errors.ToolError(
            'no deployment %s in the ledger; mistral-actions history lists '
            'them' % wanted)
    raise errors.ToolError('%s names %d deployments (%s); give more of the '
                           'id' % (wanted, len(matching), ', '.join(
                               entry.id for entry in matching)))


def previous(entries: typing.Sequence[Deployment],
             entry: Deployment) -> typing.Optional[Deployment]:
    """The last record before ``entry`` that concerns one of its
    packages."""
    before = [other for other in entries
              if other.sort_key() < entry.sort_key()
              and set(other.packages) & set(entry.packages)]
    return before[-1] if before else None


def diff(before: typing.Optional[Deployment], after: Deployment) -> list:
    """What changed from ``before`` to ``after``, for the packages of
    ``after``: one line each, sorted, e.g. ``+ action x.y (Class)``."""
    packages = set(after.packages)
    old_sources = {} if before is None else {
        name: source for name, source in before.code_sources.items()
        if source.get('package') in packages}
    old_actions = {} if before is None else {
        name: action for name, action in before.actions.items()
        if ownership.named_in(name, packages)}
    lines = []
    lines += _compared('code source', old_sources, after.code_sources,
                       _source_text)
    lines += _compared('action', old_actions, after.actions, _action_text)
    return lines


def _source_text(source: dict) -> str:
    return 'v%s %s sha256:%s' % (source['version'], source['scope'],
                                 source['sha256'][:12])


def _action_text(action: dict) -> str:
    return '%s in %s, %s' % (action['class_name'], action['code_source'],
                             action['scope'])


def _compared(kind: str, old: dict, new: dict,
              text: typing.Callable[[dict], str]) -> list:
    lines = []
    for name in sorted(set(old) | set(new)):
        if name not in old:
            lines.append('+ %s %s (%s)' % (kind, name, text(new[name])))
        elif name not in new:
            lines.append('- %s %s (%s)' % (kind, name, text(old[name])))
        elif old[name] != new[name]:
            lines.append('~ %s %s (%s -> %s)' % (kind, name, text(old[name]),
                                                 text(new[name])))
    return lines

"""Rolling back to a recorded deployment: which one, what to write, and
what it would break.

A rollback is a register of what the record holds: its module texts (kept
in the ledger by hash), its actions with their classes and scopes, with
``--override`` and ``--prune`` for its packages. Planning it is
:func:`~mistral_actions.tool.pipeline.plan.plan_register` over those
specs, so every rule of a register holds (never another provider's action,
code sources before actions, nothing left pointing at a missing module).
"""

import re
import typing

from mistral_actions.tool import errors
from mistral_actions.tool import ledger
from mistral_actions.tool import ownership
from mistral_actions.tool.pipeline import plan as planning
from mistral_actions.tool import registry as registries
from mistral_actions.tool import specs as action_specs


def target(entries: typing.Sequence[ledger.Deployment],
           wanted: typing.Optional[str] = None) -> ledger.Deployment:
    """The record named by ``wanted`` (see :func:`.ledger.find`), or the
    one before the newest, of the same packages."""
    if wanted:
        return ledger.find(entries, wanted)
    if not entries:
        raise errors.ToolError('the ledger holds no deployment: nothing to '
                               'roll back')
    before = ledger.previous(entries, entries[-1])
    if before is None:
        raise errors.ToolError(
            'the ledger holds no deployment of %s before the newest one '
            '(%s): nothing to roll back to; mistral-actions history lists '
            'them' % (', '.join(sorted(entries[-1].packages)),
                      entries[-1].id))
    return before


def texts(session: registries.RegistrySession,
          record: ledger.Deployment) -> dict:
    """sha256 -> module text of every code source of the record; one the
    ledger no longer holds is an error."""
    found = {}
    for name, source in sorted(record.code_sources.items()):
        digest = source['sha256']
        if digest in found:
            continue
        rows = session.ledger_rows(ledger.CONTENT_PREFIX + digest)
        variables = rows.get(ledger.CONTENT_PREFIX + digest) or {}
        text = variables.get('content')
        if text is None or ledger.content_hash(text) != digest:
            raise errors.ToolError(
                'the text of code source %s in deployment %s (sha256 %s) is '
                'no longer in the ledger: cannot restore it' % (
                    name, record.id, digest[:12]))
        found[digest] = text
    return found


def specs_of(record: ledger.Deployment, contents: dict) -> list:
    """The record's actions as specs to register: its modules' texts, its
    classes, private ones as unsafe (registered private), the rest
    public."""
    modules = {
        name: action_specs.ModuleSpec(
            name, path='(deployment %s)' % record.id,
            content=contents[source['sha256']],
            package=source.get('package') or '')
        for name, source in record.code_sources.items()}
    return [action_specs.ActionSpec(
        name, action['class_name'], modules[action['code_source']],
        input='', description='',
        unsafe=action['scope'] == ownership.PRIVATE)
        for name, action in sorted(record.actions.items())]


def planner(record: ledger.Deployment, contents: dict
            ) -> typing.Callable[[registries.Snapshot], planning.Plan]:
    """What the apply driver plans with, round after round."""
    specs = specs_of(record, contents)
    prefixes = set(record.packages)

    def make_plan(snapshot: registries.Snapshot) -> planning.Plan:
        return planning.plan_register(specs, snapshot, override=True,
                                      include_unsafe=True, prune=True,
                                      prefixes=prefixes)

    return make_plan


def workflows_using(definitions: typing.Mapping[str, str],
                    names: typing.Iterable[str]) -> dict:
    """action name -> names of the workflows whose definition names it."""
    used = {}
    for name in names:
        word = re.compile(r'(?<![\w.])%s(?![\w.])' % re.escape(name))
        users = sorted(workflow for workflow, text in definitions.items()
                       if word.search(text or ''))
        if users:
            used[name] = users
    return used


def removal_warning(used: dict) -> str:
    """One line: which removed actions which workflows use."""
    return 'the rollback removes actions that workflows in Mistral use: ' \
        '%s; give --force to roll back anyway' % '; '.join(
            '%s (%s)' % (name, ', '.join(workflows))
            for name, workflows in sorted(used.items()))

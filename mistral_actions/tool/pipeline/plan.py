"""Decide, in one place, what a command will write to Mistral.

A plan is computed from the discovered specs and a registry snapshot; the
backends only carry it out. Nothing here talks to Mistral.
"""

import dataclasses
import typing

from mistral_actions.tool import ownership
from mistral_actions.tool import registry
from mistral_actions.tool import specs as action_specs

# What happens to one action.
CREATE = 'create'
UPDATE = 'update'
UNCHANGED = 'unchanged'
DIFFERENT = 'different'  # registered but not equal; --override updates it
SKIP = 'skip'
STALE = 'stale'  # registered by us, no longer discovered; --prune removes it
REMOVE = 'remove'


@dataclasses.dataclass(frozen=True)
class Step:
    """The verdict on one action, with the reason an operator needs."""

    name: str
    verdict: str
    reason: str = ''
    scope: str = ''  #: public or private, once done; '' when not there


@dataclasses.dataclass
class Plan:
    """Steps to report plus the writes that carry them out, in order."""

    steps: list = dataclasses.field(default_factory=list)
    create_sources: list = dataclasses.field(default_factory=list)
    update_sources: list = dataclasses.field(default_factory=list)
    create_actions: list = dataclasses.field(default_factory=list)
    update_actions: list = dataclasses.field(default_factory=list)
    delete_actions: list = dataclasses.field(default_factory=list)
    delete_sources: list = dataclasses.field(default_factory=list)
    problems: list = dataclasses.field(default_factory=list)
    #: actions seen pointing at a code source the snapshot lacks: another
    #: writer was between the two reads; the round must be read again
    torn: list = dataclasses.field(default_factory=list)
    #: ours by name, yet seen as another provider's action: refused only
    #: when a second read agrees (over the REST API, an action another node
    #: creates and deletes between the listings looks like that)
    shadowing: list = dataclasses.field(default_factory=list)
    #: code source name / action name -> the scope to write it with
    source_scopes: dict = dataclasses.field(default_factory=dict)
    action_scopes: dict = dataclasses.field(default_factory=dict)
    #: the unsafe actions among those planned for
    unsafe_names: frozenset = frozenset()

    @property
    def writes(self) -> bool:
        """Whether carrying it out writes anything to Mistral."""
        return any((self.create_sources, self.update_sources,
                    self.create_actions, self.update_actions,
                    self.delete_actions, self.delete_sources))

    def public_unsafe(self) -> list:
        """Names of unsafe actions this plan leaves public."""
        return sorted(step.name for step in self.steps
                      if step.name in self.unsafe_names
                      and step.scope == ownership.PUBLIC)


def _source_differs(module, registered, scope) -> str:
    """Why the registered code source is not what we would write, or ''."""
    if registered.content != module.content:
        return 'its module %s differs from the registered code source ' \
               '(version %s)' % (module.name, registered.version)
    if registered.scope != scope:
        return 'code source %s is %s, not %s' % (
            module.name, registered.scope, scope)
    return ''


def _action_differs(spec, registered, scope) -> str:
    if registered.code_source_name != spec.code_source_name:
        return 'registered for code source %s' % registered.code_source_name
    if registered.class_name != spec.class_name:
        return 'registered for class %s' % registered.class_name
    if registered.scope != scope:
        return 'registered %s, to be %s: %s' % (
            registered.scope, scope, ownership.exposure(scope))
    return ''


def plan_register(specs: typing.Sequence[action_specs.ActionSpec],
                  snapshot: registry.Snapshot, override: bool = False,
                  include_unsafe: bool = False, prune: bool = False,
                  public_unsafe: bool = False,
                  prefixes: ownership.Prefixes = None) -> Plan:
    """What ``register`` does with these specs against this snapshot.

    An unsafe action is registered with ``include_unsafe`` (private) or
    ``public_unsafe`` (public); once registered it is kept up to date like
    any other, and made private again unless ``public_unsafe``. What is
    stale (ours, no longer discovered) is looked for among the packages of
    ``prefixes`` (default: those of the specs).
    """
    if prefixes is None:
        prefixes = {spec.module.package for spec in specs}
    include_unsafe = include_unsafe or public_unsafe
    plan = Plan(unsafe_names=frozenset(s.name for s in specs if s.unsafe))
    wanted = [s for s in specs if include_unsafe or not s.unsafe
              or s.name in snapshot.actions]
    wanted_names = {spec.name for spec in wanted}
    discovered = {spec.name for spec in specs}
    for spec in wanted:
        plan.action_scopes[spec.name] = ownership.action_scope(
            spec, public_unsafe)
    by_module = {}
    for spec in wanted:
        by_module.setdefault(spec.module.name, []).append(spec)

    # Code sources first: an action can only point at a current module.
    source_ready = {}  # module name -> whether its code source will match
    for module_specs in by_module.values():
        module = module_specs[0].module
        scope = ownership.source_scope(module_specs, public_unsafe)
        plan.source_scopes[module.name] = scope
        registered = snapshot.code_sources.get(module.name)
        if registered is None:
            plan.create_sources.append(module)
            source_ready[module.name] = (True, '')
            continue
        differs = _source_differs(module, registered, scope)
        if differs and override:
            plan.update_sources.append(module)
        source_ready[module.name] = (not differs or override, differs)

    for spec in specs:
        registered = snapshot.actions.get(spec.name)
        if spec.name not in wanted_names:
            plan.steps.append(Step(spec.name, SKIP, 'not registered: it '
                                   + ownership.UNSAFE_REASON))
            continue
        scope = plan.action_scopes[spec.name]
        ready, source_reason = source_ready[spec.module.name]
        if spec.name in snapshot.other_actions:
            plan.shadowing.append(spec.name)
            plan.problems.append(
                '%s: Mistral already has an action of that name from '
                'another provider (built-in, plugin or ad-hoc); refusing to '
                'shadow it' % spec.name)
            continue
        if registered is not None and _torn(registered, spec, snapshot):
            plan.torn.append(spec.name)
            continue
        if registered is not None and not ownership.is_ours(registered,
                                                            snapshot):
            plan.problems.append(
                '%s is already registered for code source %s, which '
                'mistral-actions does not own; refusing to replace it' % (
                    spec.name, registered.code_source_name))
            continue
        action_reason = _action_differs(spec, registered, scope) \
            if registered else ''
        if registered is None and ready:
            plan.create_actions.append(spec)
            plan.steps.append(Step(spec.name, CREATE, source_reason, scope))
        elif registered is None:
            plan.steps.append(Step(
                spec.name, DIFFERENT, 'new, but ' + source_reason))
        elif not source_reason and not action_reason:
            kept = spec.unsafe and not include_unsafe
            plan.steps.append(Step(spec.name, UNCHANGED, (
                ownership.KEPT_UNSAFE_REASON % spec.name) if kept else '',
                scope))
        elif not override:
            plan.steps.append(Step(
                spec.name, DIFFERENT, (action_reason or source_reason)
                + '; register --override updates it', registered.scope))
        else:
            if action_reason:
                plan.update_actions.append(spec)
            plan.steps.append(Step(spec.name, UPDATE,
                                   action_reason or source_reason, scope))

    # What we registered earlier and no longer discover.
    for name, registered in sorted(snapshot.actions.items()):
        if name in discovered or not ownership.is_ours(registered, snapshot,
                                                       prefixes):
            continue
        if prune:
            plan.delete_actions.append(name)
            plan.steps.append(Step(name, REMOVE, 'no longer discovered',
                                   registered.scope))
        else:
            plan.steps.append(Step(name, STALE, 'no longer discovered; '
                                   'register --prune removes it',
                                   registered.scope))
    if prune:
        plan.delete_sources.extend(_orphaned_sources(snapshot, plan,
                                                     prefixes))
    plan.steps.sort(key=lambda step: step.name)
    return plan


def _torn(action: registry.DynamicAction, spec: action_specs.ActionSpec,
          snapshot: registry.Snapshot) -> bool:
    """Whether the action points at the code source we would write for it
    and the snapshot lacks that code source: a concurrent register created
    both between our two reads (its owner cannot be told yet)."""
    return (action.code_source_name == spec.code_source_name
            and action.code_source_name not in snapshot.code_sources)


def _orphaned_sources(snapshot: registry.Snapshot, plan: Plan,
                      prefixes: ownership.Prefixes = None) -> list:
    """Our code sources (of these packages) no remaining action points
    at."""
    keep = {module.name for module in plan.create_sources}
    keep.update(spec.code_source_name for spec in plan.create_actions)
    keep.update(action.code_source_name
                for name, action in snapshot.actions.items()
                if name not in plan.delete_actions)
    return sorted(name for name, source in snapshot.code_sources.items()
                  if ownership.is_our_source(source, prefixes)
                  and name not in keep)


def plan_removal(snapshot: registry.Snapshot,
                 names: typing.Iterable[str],
                 prefixes: ownership.Prefixes = None) -> Plan:
    """Remove these registered actions of ours and their orphaned sources.

    Every name must be an action we own; anything else is a problem and
    nothing is removed.
    """
    plan = Plan()
    for name in names:
        registered = snapshot.actions.get(name)
        if registered is None and name in snapshot.other_actions:
            plan.problems.append(ownership.NOT_OURS_REASON % name)
        elif registered is None:
            plan.problems.append('no action named %s is registered' % name)
        elif not ownership.is_ours(registered, snapshot):
            plan.problems.append(
                '%s belongs to code source %s, not to mistral-actions; '
                'refusing to remove it' % (name, registered.code_source_name))
        elif not ownership.is_ours(registered, snapshot, prefixes):
            plan.problems.append(
                '%s belongs to package %s, which is not among --package %s; '
                'nothing removed' % (
                    name, ownership.action_package(registered, snapshot),
                    ' '.join(sorted(prefixes))))
        else:
            plan.delete_actions.append(name)
            plan.steps.append(Step(name, REMOVE, scope=registered.scope))
    plan.delete_sources.extend(_orphaned_sources(snapshot, plan, prefixes))
    return plan


def plan_clear(snapshot: registry.Snapshot,
               prefixes: ownership.Prefixes = None) -> Plan:
    """Remove every action and code source of ours (of these packages),
    nothing else."""
    names = sorted(name for name, action in snapshot.actions.items()
                   if ownership.is_ours(action, snapshot, prefixes))
    return plan_removal(snapshot, names, prefixes)

"""The commands' work, as plain functions the CLI and tests call: each
composes the steps of :mod:`mistral_actions.tool.pipeline`.

    discover --validate--> stop before any write on a problem
    --plan (against a fresh snapshot)--> --apply--> Mistral --verify-->
    nothing left to do
"""

import typing

from mistral_actions.tool import errors
from mistral_actions.tool import ledger
from mistral_actions.tool import ownership
from mistral_actions.tool import packages as action_packages
from mistral_actions.tool.pipeline import apply
from mistral_actions.tool.pipeline import discover
from mistral_actions.tool.pipeline import plan as planning
from mistral_actions.tool.pipeline import validate
from mistral_actions.tool.pipeline import verify
from mistral_actions.tool import progress as progress_bars
from mistral_actions.tool import registry as registries
from mistral_actions.tool import rollback as rollbacks


def discovered(packages: typing.Sequence[action_packages.Package]) -> list:
    """The actions of these packages (from the discovery cache when it is
    current), sorted by name; a package known by prefix only has none."""
    found = []
    for package in packages:
        if package.installed:
            found.extend(discover.discover_cached(package.module,
                                                  prefix=package.prefix))
    return sorted(found, key=lambda spec: spec.name)


def register(registry: registries.Registry,
             packages: typing.Sequence[action_packages.Package],
             override: bool = False, include_unsafe: bool = False,
             prune: bool = False, dry_run: bool = False,
             public_unsafe: bool = False,
             progress: typing.Optional[progress_bars.Progress] = None
             ) -> planning.Plan:
    """Validate, then put the packages' actions into Mistral and verify it
    holds them; return what was done. Any validation problem stops
    everything before a write. Unsafe actions are validated too: one
    registered earlier is kept up to date even without
    ``include_unsafe``."""
    specs = discovered(packages)
    problems = []
    for package in packages:
        if package.installed:
            problems.extend(validate.validate_cached(
                [spec for spec in specs if spec.module.package ==
                 package.prefix], package.module, prefix=package.prefix))
    problems.extend(validate.clashes(specs))
    if problems:
        raise errors.PlanRefused(problems)
    prefixes = {package.prefix for package in packages}

    def make_plan(snapshot: registries.Snapshot) -> planning.Plan:
        return planning.plan_register(
            specs, snapshot, override=override,
            include_unsafe=include_unsafe, prune=prune,
            public_unsafe=public_unsafe, prefixes=prefixes)

    return apply.run_rounds(registry, make_plan, dry_run=dry_run,
                            check=verify.verifier(make_plan),
                            progress=progress,
                            record=ledger.recorder(
                                'register --prune' if prune else 'register',
                                packages))


def unregister(registry: registries.Registry, names: list,
               packages: typing.Optional[
                   typing.Sequence[action_packages.Package]] = None,
               progress: typing.Optional[progress_bars.Progress] = None
               ) -> planning.Plan:
    """Remove these actions of ours (of these packages, if given) and the
    code sources left unused."""
    prefixes = {package.prefix for package in packages} \
        if packages is not None else None
    return apply.run_rounds(
        registry, lambda snapshot: planning.plan_removal(snapshot, names,
                                                         prefixes),
        progress=progress, record=ledger.recorder('unregister', packages))


def clear(registry: registries.Registry,
          packages: typing.Sequence[action_packages.Package],
          progress: typing.Optional[progress_bars.Progress] = None
          ) -> planning.Plan:
    """Remove every action and code source of these packages, nothing
    else."""
    prefixes = {package.prefix for package in packages}
    return apply.run_rounds(
        registry, lambda snapshot: planning.plan_clear(snapshot, prefixes),
        progress=progress, record=ledger.recorder('clear', packages))


def registered_actions(registry: registries.Registry,
                       packages: typing.Sequence[action_packages.Package]
                       ) -> typing.List[tuple]:
    """(package prefix, ActionInfo) of the actions of these packages that
    Mistral holds, as Mistral describes them, sorted by name."""
    prefixes = {package.prefix for package in packages}
    with registry.session() as session:
        snapshot = session.snapshot(with_other_actions=False)
    ours = {name: ownership.action_package(action, snapshot)
            for name, action in snapshot.actions.items()
            if ownership.is_ours(action, snapshot, prefixes)}
    return [(ours[info.name], info)
            for info in registry.describe_actions(sorted(ours))]


def history(registry: registries.Registry,
            prefixes: ownership.Prefixes = None) -> list:
    """The deployments Mistral's ledger holds (of these packages), oldest
    first."""
    with registry.session() as session:
        return ledger.deployments(session, prefixes)


def rollback(registry: registries.Registry,
             deployment_id: typing.Optional[str] = None,
             dry_run: bool = False, force: bool = False,
             confirm: typing.Optional[
                 typing.Callable[[ledger.Deployment, planning.Plan],
                                 bool]] = None,
             progress: typing.Optional[progress_bars.Progress] = None
             ) -> typing.Tuple[ledger.Deployment, planning.Plan, dict]:
    """Put the packages of a recorded deployment (default: the one before
    the newest) back as they were after it; return the record, what was
    (or would be) done, and the removed actions workflows use. The plan is
    shown to ``confirm`` first (False: nothing is written); removing an
    action a workflow uses needs ``force``. Recorded like any
    deployment."""
    with registry.session() as session:
        record = rollbacks.target(ledger.deployments(session),
                                  deployment_id)
        contents = rollbacks.texts(session, record)
    make_plan = rollbacks.planner(record, contents)
    preview = apply.run_rounds(registry, make_plan, dry_run=True)
    used = {}
    if preview.delete_actions:
        with registry.session() as session:
            used = rollbacks.workflows_using(session.workflow_definitions(),
                                             preview.delete_actions)
    if used and not force:
        raise errors.ToolError(rollbacks.removal_warning(used))
    if dry_run or not preview.writes:
        return record, preview, used
    if confirm is not None and not confirm(record, preview):
        raise errors.ToolError('rollback to %s not confirmed: nothing '
                               'changed' % record.id)
    packages = [action_packages.Package(prefix, version=version)
                for prefix, version in sorted(record.packages.items())]
    return record, apply.run_rounds(
        registry, make_plan, check=verify.verifier(make_plan),
        progress=progress,
        record=ledger.recorder('rollback %s' % record.id, packages)), used

"""The commands' work, as plain functions the CLI and tests call: each
composes the steps of :mod:`mistral_actions.tool.pipeline`.

    discover --validate--> stop before any write on a problem
    --plan (against a fresh snapshot)--> --apply--> Mistral --verify-->
    nothing left to do
"""

from mistral_actions.tool import errors
from mistral_actions.tool import ownership
from mistral_actions.tool.pipeline import apply
from mistral_actions.tool.pipeline import discover
from mistral_actions.tool.pipeline import plan as planning
from mistral_actions.tool.pipeline import validate
from mistral_actions.tool.pipeline import verify
from mistral_actions.tool import registry as registries

#: The package of actions the commands work on.
PACKAGE = 'mistral_actions'


def discovered(package_name: str = PACKAGE) -> list:
    """The package's actions (from the discovery cache when it is current).
    """
    return discover.discover_cached(package_name)


def register(registry: registries.Registry, specs: list,
             override: bool = False, include_unsafe: bool = False,
             prune: bool = False, dry_run: bool = False,
             public_unsafe: bool = False,
             package_name: str = PACKAGE) -> planning.Plan:
    """Validate, then put the discovered actions into Mistral and verify
    it holds them; return what was done. Any validation problem stops
    everything before a write. Unsafe actions are validated too: one
    registered earlier is kept up to date even without
    ``include_unsafe``."""
    problems = validate.validate_cached(specs, package_name)
    if problems:
        raise errors.PlanRefused(problems)

    def make_plan(snapshot: registries.Snapshot) -> planning.Plan:
        return planning.plan_register(
            specs, snapshot, override=override,
            include_unsafe=include_unsafe, prune=prune,
            public_unsafe=public_unsafe)

    return apply.run_rounds(registry, make_plan, dry_run=dry_run,
                            check=verify.verifier(make_plan))


def unregister(registry: registries.Registry, names: list) -> planning.Plan:
    """Remove these actions of ours (and code sources left unused)."""
    return apply.run_rounds(
        registry, lambda snapshot: planning.plan_removal(snapshot, names))


def clear(registry: registries.Registry) -> planning.Plan:
    """Remove every action and code source of ours, nothing else."""
    return apply.run_rounds(registry, planning.plan_clear)


def registered_actions(registry: registries.Registry,
                       prefix: str = ownership.OUR_ACTION_PREFIX) -> list:
    """Our actions as Mistral describes them, sorted by name."""
    return sorted(registry.describe_actions(prefix), key=lambda a: a.name)

"""The commands' work, as plain functions the CLI and tests call: each
composes the steps discover -> validate -> plan -> apply -> verify.

    specs (discover) --validate--> problems: stop before any write
    specs + snapshot --plan--> Plan --apply--> Mistral --verify--> nothing
    left to do
"""

from mistral_actions.tool import apply
from mistral_actions.tool import discovery
from mistral_actions.tool import errors
from mistral_actions.tool import ownership
from mistral_actions.tool import plan as planning
from mistral_actions.tool import registry as registries
from mistral_actions.tool import verify


def _validate(specs):
    from mistral_actions.tool import validation  # imports mistral_lib
    return validation.validate(specs)


def register(registry: registries.Registry, specs: list,
             override: bool = False, include_unsafe: bool = False,
             prune: bool = False, dry_run: bool = False,
             public_unsafe: bool = False) -> planning.Plan:
    """Validate, then put the discovered actions into Mistral and verify
    it holds them; return what was done. Any validation problem stops
    everything before a write. Unsafe actions are validated too: one
    registered earlier is kept up to date even without
    ``include_unsafe``."""
    problems = discovery.validate_cached(specs, _validate)
    if problems:
        raise errors.PlanRefused(problems)

    def make_plan(snapshot):
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

"""What each command does, as plain functions the CLI and tests call.

Every writing operation reads a snapshot, plans, and applies the plan in one
registry session; when a concurrent writer wins a race (another node running
``register`` at the same moment) the whole round is repeated from a fresh
snapshot, so the result is the same as if they had run one after another.
"""

import logging
import random
import time

from mistral_actions.tool import discovery
from mistral_actions.tool import errors
from mistral_actions.tool import plan as planning

ATTEMPTS = 8

LOG = logging.getLogger(__name__)


def _planned_round(registry, make_plan, dry_run=False):
    """Snapshot, plan, refuse on problems, apply: retried on conflicts."""
    for attempt in range(1, ATTEMPTS + 1):
        try:
            with registry.session() as session:
                plan = make_plan(session.snapshot())
                if plan.problems:
                    raise errors.PlanRefused(plan.problems)
                if plan.writes and not dry_run:
                    session.apply(plan)
            return plan
        except errors.ConflictError as error:
            if attempt == ATTEMPTS:
                raise errors.ConflictError(
                    'gave up after %d attempts: other writers kept changing '
                    'Mistral at the same time (last: %s)' % (ATTEMPTS, error)
                ) from error
            LOG.info('a concurrent writer changed Mistral (%s); planning '
                     'again (attempt %d of %d)', error, attempt + 1, ATTEMPTS)
            # Spread the retries of concurrent nodes apart.
            time.sleep(random.uniform(0.05, 0.3) * attempt)


def _validate(specs):
    from mistral_actions.tool import validation  # imports mistral_lib
    return validation.validate(specs)


def register(registry, specs, override=False, include_unsafe=False,
             prune=False, dry_run=False) -> planning.Plan:
    """Validate, then put the discovered actions into Mistral; return what
    was done. Any validation problem stops everything before a write."""
    wanted = [spec for spec in specs if include_unsafe or not spec.unsafe]
    problems = discovery.validate_cached(wanted, _validate)
    if problems:
        raise errors.PlanRefused(problems)
    return _planned_round(registry, lambda snapshot: planning.plan_register(
        specs, snapshot, override=override, include_unsafe=include_unsafe,
        prune=prune), dry_run=dry_run)


def unregister(registry, names) -> planning.Plan:
    """Remove these actions of ours (and code sources left unused)."""
    return _planned_round(
        registry, lambda snapshot: planning.plan_removal(snapshot, names))


def clear(registry) -> planning.Plan:
    """Remove every action and code source of ours, nothing else."""
    return _planned_round(registry, planning.plan_clear)


def registered_actions(registry, prefix=planning.OUR_ACTION_PREFIX):
    """Our actions as Mistral describes them, sorted by name."""
    return sorted(registry.describe_actions(prefix), key=lambda a: a.name)

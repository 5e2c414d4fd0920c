"""Carry out a plan against any registry: the one place that knows the
write order, the concurrency of writes and the retry.

Order: code sources are written before the actions that point at them, and
actions removed before their code sources, so that no action ever points at
a missing code source, even when a round over the REST API is cut short.
Within a phase the writes are independent and go out
``session.parallel_writes`` at a time.

A round is: open a session (a transaction or a round of requests), read a
snapshot, plan, refuse a plan with problems before any write, apply, read
again and verify, record the deployment in the ledger (in the same
transaction or round: a deployment that did not verify records nothing). When a
concurrent writer wins a race (another node running ``register`` at the
same moment) the whole round is repeated from a fresh snapshot, so the
result is the same as if they had run one after another.
"""

from concurrent import futures
import logging
import random
import time
import typing

from mistral_actions.tool import errors
from mistral_actions.tool import ownership
from mistral_actions.tool.pipeline import plan as planning
from mistral_actions.tool import progress as progress_bars
from mistral_actions.tool import registry as registries

ATTEMPTS = 8

#: (plan attribute, session write, where its scope comes from), in order.
PHASES = (
    ('create_sources', 'create_code_source', 'source_scopes'),
    ('update_sources', 'update_code_source', 'source_scopes'),
    ('create_actions', 'create_action', 'action_scopes'),
    ('update_actions', 'update_action', 'action_scopes'),
    ('delete_actions', 'delete_action', None),
    ('delete_sources', 'delete_code_source', None),
)

LOG = logging.getLogger(__name__)

Planner = typing.Callable[[registries.Snapshot], planning.Plan]
Recorder = typing.Callable[[registries.RegistrySession, registries.Snapshot,
                            planning.Plan], None]


def refuse_private_without_owner(plan: planning.Plan,
                                 session: registries.RegistrySession
                                 ) -> None:
    """A private row needs a project to own it: refuse before any write."""
    private = sorted(
        {spec.name for spec in plan.create_actions + plan.update_actions
         if plan.action_scopes.get(spec.name) == ownership.PRIVATE})
    why = private and session.missing_owner()
    if why:
        raise errors.ToolError('%s would be registered private to one '
                               'keystone project, but %s' % (
                                   ', '.join(private), why))


def apply(plan: planning.Plan, session: registries.RegistrySession,
          progress: typing.Optional[progress_bars.Progress] = None) -> None:
    """Every write of the plan, phase after phase; ``progress`` (see
    :mod:`~mistral_actions.tool.progress`) is told of each one done."""
    refuse_private_without_owner(plan, session)
    written = progress(sum(len(getattr(plan, attribute))
                           for attribute, _, _ in PHASES)) \
        if progress else None
    for attribute, write_name, scopes in PHASES:
        write = getattr(session, write_name)
        scope_of = getattr(plan, scopes) if scopes else None

        def one(item, write=write, scope_of=scope_of):
            if scope_of is None:
                write(item)
            else:
                write(item, scope_of[_name(item)])
            if written:
                written()

        in_parallel(one, getattr(plan, attribute), session.parallel_writes)


def _name(item) -> str:
    return item.name


def in_parallel(write: typing.Callable[[typing.Any], None],
                items: typing.Sequence, width: int) -> None:
    """write(item) for every item, ``width`` at a time; the first failure
    cancels what has not started and is raised."""
    if width <= 1 or len(items) <= 1:
        for item in items:
            write(item)
        return
    with futures.ThreadPoolExecutor(min(width, len(items))) as pool:
        pending = [pool.submit(write, item) for item in items]
        done, _ = futures.wait(pending, return_when=futures.FIRST_EXCEPTION)
        failed = [future for future in pending
                  if future in done and future.exception()]
        if failed:
            for future in pending:
                future.cancel()
            raise failed[0].exception()


def run_rounds(registry: registries.Registry, make_plan: Planner,
               dry_run: bool = False,
               check: typing.Optional[typing.Callable] = None,
               progress: typing.Optional[progress_bars.Progress] = None,
               record: typing.Optional[Recorder] = None
               ) -> planning.Plan:
    """Snapshot, plan, refuse on problems, apply, ``check(session)`` (see
    :mod:`.verify`: Mistral read again in the same transaction or round),
    then ``record(session, snapshot, plan)`` in it (see
    :mod:`~mistral_actions.tool.ledger`); the whole round again, from a
    fresh snapshot, when a concurrent writer got in the way."""
    shadowing_seen = set()
    unverified = None  # what the last round's check found still to do
    for attempt in range(1, ATTEMPTS + 1):
        try:
            with registry.session() as session:
                snapshot = session.snapshot()
                plan = make_plan(snapshot)
                if plan.torn:
                    raise errors.ConflictError(
                        'Mistral changed while it was read: %s pointed at '
                        'a code source not there yet or any more' % (
                            ', '.join(plan.torn)))
                if not shadowing_seen.issuperset(plan.shadowing):
                    shadowing_seen.update(plan.shadowing)
                    raise errors.ConflictError(
                        '%s looked like another provider\'s action; '
                        'reading again to be sure' % (
                            ', '.join(plan.shadowing)))
                if plan.problems:
                    raise errors.PlanRefused(plan.problems)
                if plan.writes and not dry_run:
                    apply(plan, session, progress)
                    if check is not None:
                        check(session)
                    if record is not None:
                        # Only once every write went through and Mistral,
                        # read again, holds the plan: a round that failed
                        # or did not verify records no success.
                        record(session, snapshot, plan)
            return plan
        except errors.ConflictError as error:
            left = error.left if isinstance(error, errors.NotVerified) \
                else None
            if left is not None and left == unverified:
                raise errors.RegistryError(
                    'Mistral did not keep what was written: after two '
                    'rounds of writing it, still to do: %s; see Mistral\'s '
                    'API log (and the database it writes to)' % ', '.join(
                        left)) from error
            unverified = left
            if attempt == ATTEMPTS:
                raise errors.ConflictError(
                    'gave up after %d attempts: other writers kept changing '
                    'Mistral at the same time (last: %s)' % (ATTEMPTS, error)
                ) from error
            LOG.info('a concurrent writer changed Mistral (%s); planning '
                     'again (attempt %d of %d)', error, attempt + 1, ATTEMPTS)
            # Spread the retries of concurrent nodes apart.
            time.sleep(random.uniform(0.05, 0.3) * attempt)

"""After a register: read Mistral again and plan again; nothing may be
left to do.

A plan that still has writes means the registry is not what was just
written: a concurrent writer changed it (then the round is repeated, see
:mod:`.apply`) or Mistral did not keep what it was sent (the same writes
undone after two rounds: the command stops and says so).
"""

import typing

from mistral_actions.tool import errors
from mistral_actions.tool.pipeline import plan as planning
from mistral_actions.tool import registry as registries


def leftovers(plan: planning.Plan) -> list:
    """One phrase per write still planned, e.g. ``create x.y``."""
    return (['create code source %s' % m.name for m in plan.create_sources]
            + ['update code source %s' % m.name for m in plan.update_sources]
            + ['create %s' % spec.name for spec in plan.create_actions]
            + ['update %s' % spec.name for spec in plan.update_actions]
            + ['remove %s' % name for name in plan.delete_actions]
            + ['remove code source %s' % name
               for name in plan.delete_sources])


def verifier(make_plan: typing.Callable[[registries.Snapshot],
                                        planning.Plan]) -> typing.Callable:
    """A check for :func:`.apply.run_rounds`, run in the round's own
    session after its writes and before its ledger record: raises
    NotVerified naming what is still to do."""

    def check(session: registries.RegistrySession) -> None:
        # Other providers' names only refuse a plan; what is left to write
        # depends on our rows alone.
        left = leftovers(make_plan(session.snapshot(
            with_other_actions=False)))
        if left:
            raise errors.NotVerified(left)

    return check

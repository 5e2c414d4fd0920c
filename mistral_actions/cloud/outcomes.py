"""How an action's run ends when it fails on purpose.

Mistral's executor treats any exception out of ``run()`` as a crash: it
logs a traceback and wraps the message (``The action raised an exception
[action=<...DynamicAction object at 0x...>, ...msg='...']``). A failure
the action foresaw (:class:`ExpectedFailure`, e.g. :class:`InvalidInput`
or one of :mod:`~.failures`) has a message that says all, so it ends the
run as mistral-lib's ``Result(error=the message)`` instead: the action
execution's output is ``{"result": message}``, a task's ``state_info`` (and
``task().result``) is the message itself, and nothing is logged. Any other
exception still raises.

Every action class gets this once, from its base class
(:class:`ActionFailingCleanly`), never action by action.
"""

import contextvars
import functools
import typing

from mistral_lib import actions
from mistral_lib import exceptions


class ExpectedFailure(exceptions.ActionException):
    """A failure the action foresaw; its message is one line for users."""


class InvalidInput(ExpectedFailure):
    """An input (or executor setting) the action cannot use."""


def one_line(error: BaseException) -> str:
    """An exception's message on one line, for a result or a message."""
    return ' '.join(str(error).split()) or type(error).__name__


# Whether a run is already under way in this thread: a run() that calls
# its base class's run() gets the expected failure raised, as it would
# without this module, and only the outermost run() turns it into a Result.
_running = contextvars.ContextVar('mistral_actions_running', default=False)


def failing_cleanly(run: typing.Callable) -> typing.Callable:
    """``run`` ending with ``Result(error=message)`` on an expected failure.

    The wrapper keeps ``run``'s name, docstring and signature (``(self,
    context)``, which Mistral and the registration tool check).
    """
    if getattr(run, 'fails_cleanly', False):
        return run

    @functools.wraps(run)
    def run_failing_cleanly(self, context):
        if _running.get():
            return run(self, context)
        token = _running.set(True)
        try:
            return run(self, context)
        except ExpectedFailure as failure:
            return actions.Result(error=one_line(failure))
        finally:
            _running.reset(token)

    run_failing_cleanly.fails_cleanly = True
    return run_failing_cleanly


class ActionFailingCleanly(actions.Action):
    """A mistral-lib Action whose expected failures end as Result(error).

    Each subclass's own ``run`` is wrapped by :func:`failing_cleanly` when
    the class is made: in an installed package and in a module Mistral
    exec's from its stored text alike.
    """

    def __init_subclass__(cls, **kwargs):
        super().__init_subclass__(**kwargs)
        run = cls.__dict__.get('run')
        if callable(run):
            cls.run = failing_cleanly(run)

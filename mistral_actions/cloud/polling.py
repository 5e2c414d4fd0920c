"""Waiting for a resource's status inside one action run.

The loop of the ``wait_for_status`` actions, kept apart from what is
fetched and checked so that it is one small function: poll, sleep no
longer than the time left, give up at the deadline. A poll that fails for
a passing reason (see :func:`~.failures.is_transient`) after the session's
own retries counts as "not yet".
"""

import time
import typing

from mistral_actions.cloud import failures

T = typing.TypeVar('T')
R = typing.TypeVar('R')


def wait_until(fetch: typing.Callable[[], T],
               check: typing.Callable[[T], R],
               timeout: float, interval: float,
               on_timeout: typing.Callable[
                   [typing.Optional[T], typing.Optional[Exception]],
                   Exception]) -> R:
    """What ``check(fetch())`` returns once it no longer says "not yet".

    ``check`` raises StatusNotReached while the wait should go on, and so
    does ``fetch`` in effect when it fails for a passing reason; any other
    exception of ``fetch`` or ``check`` ends the wait at once. Polls every
    ``interval`` seconds; after ``timeout`` seconds raises ``on_timeout(last
    fetched or None, the error of the last poll or None)``.
    """
    deadline = time.monotonic() + timeout
    current = None
    while True:
        try:
            current, last_error = fetch(), None
        except Exception as error:
            if not failures.is_transient(error):
                raise
            last_error = error
        else:
            try:
                return check(current)
            except failures.StatusNotReached:
                pass
        remaining = deadline - time.monotonic()
        if remaining <= 0:
            raise on_timeout(current, last_error)
        time.sleep(min(interval, remaining))

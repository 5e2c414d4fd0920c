"""Waiting for a resource's status inside one action run.

The loop of the ``wait_for_status`` actions, kept apart from what is
fetched and checked so that it is one small function: poll, sleep no
longer than the time left, give up at the deadline.
"""

import time
import typing

from mistral_actions.cloud import failures

T = typing.TypeVar('T')
R = typing.TypeVar('R')


def wait_until(fetch: typing.Callable[[], T],
               check: typing.Callable[[T], R],
               timeout: float, interval: float,
               on_timeout: typing.Callable[[T], Exception]) -> R:
    """What ``check(fetch())`` returns once it no longer says "not yet".

    ``check`` raises StatusNotReached while the wait should go on; any
    other exception of ``fetch`` or ``check`` ends it at once. Polls every
    ``interval`` seconds; after ``timeout`` seconds raises
    ``on_timeout(last fetched)``.
    """
    deadline = time.monotonic() + timeout
    while True:
        current = fetch()
        try:
            return check(current)
        except failures.StatusNotReached:
            pass
        remaining = deadline - time.monotonic()
        if remaining <= 0:
            raise on_timeout(current)
        time.sleep(min(interval, remaining))

"""Progress of a command's writes to Mistral, for a person watching.

Registering or clearing hundreds of actions over REST takes tens of
seconds; a bar on stderr shows it is alive. Only when stderr is a terminal
and the output is the table meant for reading: never in a pipe, a log or
with ``-f json``/``yaml``. tqdm draws it; the apply driver reports each
write through the callback :func:`bar` yields.
"""

import contextlib
import sys
import typing

#: Told how many writes a round makes; gives what to call after each one.
Progress = typing.Callable[[int], typing.Callable[[], None]]


def wanted(formatter: str, stream: typing.Optional[typing.TextIO] = None
           ) -> bool:
    """Whether to show progress: a table for a person, stderr a terminal."""
    stream = stream or sys.stderr
    return formatter == 'table' and stream.isatty()


@contextlib.contextmanager
def bar(enabled: bool, stream: typing.Optional[typing.TextIO] = None
        ) -> typing.Iterator[typing.Optional[Progress]]:
    """None when not ``enabled``, else a :data:`Progress` for the apply
    driver. A round repeated after a concurrent writer starts a new bar;
    the last one is erased on the way out, before the table is printed."""
    if not enabled:
        yield None
        return
    import tqdm
    bars = []

    def start(total: int) -> typing.Callable[[], None]:
        while bars:
            bars.pop().close()
        current = tqdm.tqdm(total=total, file=stream or sys.stderr,
                            desc='Writing to Mistral', unit=' writes',
                            leave=False)
        bars.append(current)
        return lambda: current.update(1)

    try:
        yield start
    finally:
        while bars:
            bars.pop().close()

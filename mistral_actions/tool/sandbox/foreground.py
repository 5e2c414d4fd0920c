"""``mistral-actions sandbox``: a throw-away Mistral 23 in the foreground.

Starts it, registers the packages when asked, prints the line that points
clients at it, and runs until Ctrl-C or SIGTERM, which stop it by its pid
and remove its temporary folder; the command then ends with exit 0. A
Mistral that does not start, or stops by itself, is one line naming its
log, exit 1, and its folder is kept to read that log.
"""

import collections
import contextlib
import os
import shutil
import signal
import sys
import tempfile
import typing

from mistral_actions.tool import commands
from mistral_actions.tool import errors
from mistral_actions.tool.pipeline import plan as planning
from mistral_actions.tool.sandbox import client as sandbox_client
from mistral_actions.tool.sandbox import processes
from mistral_actions.tool.sandbox import server as sandbox_server

STOP_SIGNALS = (signal.SIGINT, signal.SIGTERM)


class Stop(BaseException):
    """Ctrl-C or SIGTERM: stop the sandbox and end normally."""


class MistralStopped(errors.ToolError):
    """Mistral ended by itself while the sandbox ran."""


def _stop(signum, frame):
    # Once is enough: stopping must not be cut short by a second signal.
    for number in STOP_SIGNALS:
        signal.signal(number, signal.SIG_IGN)
    raise Stop()


@contextlib.contextmanager
def stop_on_signals() -> typing.Iterator[None]:
    """Ctrl-C and SIGTERM raise :class:`Stop` in the main thread."""
    previous = {number: signal.signal(number, _stop)
                for number in STOP_SIGNALS}
    try:
        yield
    finally:
        for number, handler in previous.items():
            signal.signal(number, handler)


def wait_for_stop(sandbox: sandbox_client.Sandbox) -> None:
    """Until Ctrl-C or SIGTERM; a Mistral that stops by itself meanwhile is
    an error naming its log."""
    popen = sandbox.server.processes[0].popen
    try:
        status = popen.wait()
    except Stop:
        return
    raise MistralStopped('Mistral stopped by itself (exit status %s); '
                         'see its log %s' % (status,
                                             sandbox.server.log_path))


def summary(plan: planning.Plan) -> str:
    """``22 created, 1 skipped``: the verdicts of an applied plan."""
    counts = collections.Counter(
        commands.DONE.get(step.verdict, step.verdict) for step in plan.steps)
    return ', '.join('%d %s' % (number, verdict)
                     for verdict, number in sorted(counts.items())) \
        or 'nothing to register'


def serve(port: typing.Optional[int] = None,
          directory: typing.Optional[str] = None,
          package_options: typing.Optional[typing.Sequence[str]] = None,
          register: bool = False, include_unsafe: bool = False,
          out: typing.TextIO = sys.stdout) -> int:
    """Run a sandbox until Ctrl-C or SIGTERM; the exit code (0).

    :param port: the API's port (default: a free one).
    :param directory: keep the state there (and reuse what is there);
        default: a temporary folder, removed on exit.
    :param package_options: ``--package`` values for ``register``.
    :param register: register the packages once Mistral is ready.
    """
    sandbox_server.check_mistral_installed()

    def say(text):
        print(text, file=out, flush=True)

    with stop_on_signals():
        workdir = directory or tempfile.mkdtemp(prefix='mistral-sandbox-')
        workdir = os.path.abspath(workdir)
        # Where Mistral's log says why it failed, to read after the end.
        keep = bool(directory)
        sandbox = None
        try:
            say('Starting Mistral %s (SQLite, one process, no keystone) in '
                '%s ...' % (sandbox_server.MISTRAL_RELEASE, workdir))
            sandbox = sandbox_client.Sandbox.start(workdir, port=port)
            say('Ready in %.1f s: %s (log: %s)' % (
                sandbox.server.start_seconds, sandbox.url,
                sandbox.server.log_path))
            if register:
                plan = sandbox.register(package_options,
                                        include_unsafe=include_unsafe)
                say('Registered: %s.' % summary(plan))
            say('export OS_MISTRAL_URL=%s' % sandbox.url)
            say('Ctrl-C stops it.')
            wait_for_stop(sandbox)
        except Stop:
            pass
        except MistralStopped:
            keep = True
            raise
        except processes.ServerError as error:
            keep = True
            raise errors.ToolError('Mistral did not start: %s' % str(
                error).splitlines()[0]) from error
        finally:
            # Nothing may cut the clean-up short.
            for number in STOP_SIGNALS:
                signal.signal(number, signal.SIG_IGN)
            if sandbox is not None:
                say('Stopping Mistral ...')
                sandbox.stop()
            if keep:
                say('Stopped; its folder is kept: %s' % workdir)
            else:
                shutil.rmtree(workdir, ignore_errors=True)
                say('Stopped.')
    return 0

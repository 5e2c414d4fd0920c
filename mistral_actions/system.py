"""Run commands on the Mistral executor's host.

Dangerous by nature: the registration tool ships this module only when
asked to. No shell is involved: the command line is split like a POSIX
shell splits words (quotes, backslashes), and an unquoted ``|`` chains
commands into a pipeline. Nothing else is special: ``$HOME``, ``*``, ``>``,
``;`` or ``&&`` reach the command as plain text.
"""

import os
import shlex
import signal
import subprocess
import threading
import time

from mistral_lib import actions

from mistral_actions.cloud import outcomes

TIMEOUT_VARIABLE = 'MISTRAL_ACTIONS_EXEC_TIMEOUT'
DEFAULT_TIMEOUT = 60.0
#: Bytes of stdout (its start) and of stderr (its end) kept in the result.
OUTPUT_LIMIT = 256 * 1024
#: Characters of stderr quoted in a failure message.
MESSAGE_STDERR_TAIL = 2000
# How long to wait for output pipes once every process is gone or killed.
_DRAIN_GRACE = 5


def exec_timeout():
    """Seconds a command may run: $MISTRAL_ACTIONS_EXEC_TIMEOUT or 60."""
    value = os.environ.get(TIMEOUT_VARIABLE)
    if value is None:
        return DEFAULT_TIMEOUT
    try:
        seconds = float(value)
    except ValueError:
        seconds = 0
    if not 0 < seconds < float('inf'):
        raise outcomes.InvalidInput(
            '%s must be a positive number of seconds, got %r'
            % (TIMEOUT_VARIABLE, value))
    return seconds


def split_pipeline(cmd):
    """The argv of each stage of ``cmd``, split at unquoted ``|``."""
    if not isinstance(cmd, str):
        raise outcomes.InvalidInput(
            'cmd must be a string, got %s' % type(cmd).__name__)
    try:
        stages = [shlex.split(part) for part in _split_at_pipes(cmd)]
    except ValueError as error:
        raise outcomes.InvalidInput(
            'cannot parse %r: %s' % (cmd, error)) from error
    if not all(stages):
        raise outcomes.InvalidInput('empty command in %r' % cmd)
    return stages


def _split_at_pipes(cmd):
    """``cmd`` cut at each ``|`` outside quotes and not escaped."""
    parts, current, quote, escaped = [], [], None, False
    for char in cmd:
        if escaped:
            escaped = False
        elif char == '\\' and quote != "'":
            escaped = True
        elif quote:
            if char == quote:
                quote = None
        elif char in '\'"':
            quote = char
        elif char == '|':
            parts.append(''.join(current))
            current = []
            continue
        current.append(char)
    parts.append(''.join(current))
    return parts


class _Drain(threading.Thread):
    """Reads a pipe to its end so the writer never blocks; keeps a part."""

    def __init__(self, pipe, keep_end):
        super().__init__(daemon=True)
        self.pipe = pipe
        self.keep_end = keep_end
        self.kept = bytearray()
        self.total = 0
        self.start()

    def run(self):
        with self.pipe:
            for chunk in iter(lambda: self.pipe.read1(65536), b''):
                self.total += len(chunk)
                if self.keep_end:
                    self.kept += chunk
                    del self.kept[:-OUTPUT_LIMIT]
                else:
                    self.kept += chunk[:OUTPUT_LIMIT - len(self.kept)]

    @property
    def text(self):
        return bytes(self.kept).decode('utf-8', errors='replace')

    @property
    def truncated(self):
        return self.total > len(self.kept)


def _exit_code(returncode):
    """A shell-style exit code: 128 + N for a death by signal N."""
    return 128 - returncode if returncode < 0 else returncode


def _describe(returncode):
    if returncode < 0:
        try:
            name = signal.Signals(-returncode).name
        except ValueError:
            name = 'signal %d' % -returncode
        return 'was killed by %s' % name
    return 'exited with %d' % returncode


def run_pipeline(stages, timeout):
    """Run each stage once, chained stdout to stdin, within ``timeout``.

    Returns ``(processes, stdout drain, stderr drains, timed_out)``. All
    stages share one process group, killed as a whole on timeout.
    """
    processes, stderrs, stdout, group = [], [], None, None
    upstream = subprocess.DEVNULL
    try:
        for argv in stages:
            try:
                process = subprocess.Popen(
                    argv, stdin=upstream, stdout=subprocess.PIPE,
                    stderr=subprocess.PIPE,
                    process_group=0 if group is None else group)
            except OSError as error:
                raise outcomes.InvalidInput(
                    'cannot run stage %d (%s): %s'
                    % (len(processes) + 1, shlex.join(argv),
                       error.strerror or error)) from error
            if group is None:
                group = process.pid
            if upstream is not subprocess.DEVNULL:
                # Only the next stage reads it now, so that it gets SIGPIPE
                # if that stage exits early.
                upstream.close()
            upstream = process.stdout
            processes.append(process)
            stderrs.append(_Drain(process.stderr, keep_end=True))
        stdout = _Drain(upstream, keep_end=False)
    except BaseException:
        if upstream is not subprocess.DEVNULL:
            upstream.close()
        _kill(group, processes, stderrs)
        raise

    deadline = time.monotonic() + timeout
    timed_out = False
    for process in processes:
        try:
            process.wait(timeout=max(0, deadline - time.monotonic()))
        except subprocess.TimeoutExpired:
            timed_out = True
            break
    drains = [stdout] + stderrs
    if not timed_out:
        # A left-over child may still hold the output open.
        for drain in drains:
            drain.join(max(0, deadline - time.monotonic()))
        timed_out = any(drain.is_alive() for drain in drains)
    if timed_out:
        _kill(group, processes, drains)
    return processes, stdout, stderrs, timed_out


def _kill(group, processes, drains):
    """Kill the pipeline's process group; reap the stages."""
    if group is not None:
        try:
            os.killpg(group, signal.SIGKILL)
        except ProcessLookupError:
            pass
    for process in processes:
        process.wait()
    for drain in drains:
        drain.join(_DRAIN_GRACE)


class Exec(outcomes.ActionFailingCleanly):
    """Run a command or a pipeline on the Mistral executor, without a shell.

    ``cmd`` is split into words like a POSIX shell does (quotes and
    backslashes work) and an unquoted ``|`` separates the commands of a
    pipeline; no other shell syntax exists: ``echo $HOME`` prints
    ``$HOME``. Each command runs exactly once, with no stdin. The run
    time is bounded: after MISTRAL_ACTIONS_EXEC_TIMEOUT seconds (an
    environment variable of the executor, 60 when unset) every process
    of the pipeline is killed and the action fails.

    Returns {stdout, stderr, exit_code, exit_codes, truncated} with text
    output (UTF-8, undecodable bytes replaced; at most 256 KiB each, then
    ``truncated`` is true). Like ``set -o pipefail``: the action fails if
    any command fails, naming it (also one killed by SIGPIPE because a
    later command stopped reading, as in ``yes | head -n 1``), and its
    error result holds the same fields plus ``message`` (exit code,
    failing command, end of stderr). A ``cmd`` that cannot be run at all
    (empty, an unclosed quote, no such program) fails with a one-line
    message as its error result.

    :param cmd: the command line, e.g. ``df -h /var | tail -n 1``.
    """

    __export__ = True
    #: Whoever may run it runs commands as the executor's OS user: only
    #: registered on request, and then private to the registering project.
    __unsafe__ = True

    def __init__(self, cmd):
        super().__init__()
        self.cmd = cmd

    def run(self, context):
        stages = split_pipeline(self.cmd)
        timeout = exec_timeout()
        processes, stdout, stderrs, timed_out = run_pipeline(stages, timeout)
        returncodes = [process.returncode for process in processes]
        stderr = ''.join(drain.text for drain in stderrs)
        result = {
            'stdout': stdout.text,
            'stderr': stderr,
            'exit_code': next((_exit_code(code) for code in
                               reversed(returncodes) if code), 0),
            'exit_codes': [_exit_code(code) for code in returncodes],
            'truncated': any(drain.truncated
                             for drain in [stdout] + stderrs),
        }
        if timed_out:
            problem = ('timed out after %g s (%s) and was killed'
                       % (timeout, TIMEOUT_VARIABLE))
        elif result['exit_code']:
            problem = 'failed with exit code %d: %s' % (
                result['exit_code'], '; '.join(
                    'stage %d of %d (%s) %s' % (
                        number, len(stages), shlex.join(argv),
                        _describe(code))
                    for number, (argv, code) in
                    enumerate(zip(stages, returncodes), 1) if code))
        else:
            return result
        message = 'command %r %s' % (self.cmd, problem)
        if stderr:
            message += '; stderr: %s' % stderr[-MESSAGE_STDERR_TAIL:]
        return actions.Result(error=dict(message=message, **result))

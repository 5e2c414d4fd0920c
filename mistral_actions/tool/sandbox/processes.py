"""Start, watch and stop server processes by their own pid.

The sandbox and the test harness start real servers on 127.0.0.1: each in
a session of its own, so that stopping it stops its children too and
nothing else, with its output in a log file that failure messages point
at.
"""

import contextlib
import os
from pathlib import Path
import signal
import socket
import subprocess
import time
import typing
import urllib.error
import urllib.request


class ServerError(RuntimeError):
    """A server did not come up; the first line says what, the rest is the
    end of its log."""


def free_port() -> int:
    """A TCP port on 127.0.0.1 that nothing listens on right now."""
    with contextlib.closing(socket.socket()) as sock:
        sock.bind(('127.0.0.1', 0))
        return sock.getsockname()[1]


def tail(path: typing.Union[str, Path], lines: int = 40) -> str:
    """The end of a log file, for failure messages."""
    try:
        with open(path, errors='replace') as log:
            return ''.join(log.readlines()[-lines:])
    except OSError:
        return '<no log at %s>' % path


class Process:
    """One server process: its command line, its log file, its pid."""

    def __init__(self, name: str, argv: typing.Sequence,
                 log_path: typing.Union[str, Path],
                 env: typing.Optional[dict] = None,
                 cwd: typing.Optional[str] = None):
        self.name = name
        self.argv = [str(arg) for arg in argv]
        self.log_path = str(log_path)
        self.env = env
        self.cwd = cwd
        self.popen = None

    def start(self) -> 'Process':
        log = open(self.log_path, 'ab')
        # A session of its own, so that stopping kills its children too
        # (gunicorn workers, forked Mistral services) and nothing else, and
        # so that a terminal's Ctrl-C reaches only whoever started it.
        self.popen = subprocess.Popen(
            self.argv, stdout=log, stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL, env=self.env, cwd=self.cwd,
            start_new_session=True)
        log.close()
        return self

    @property
    def pid(self) -> typing.Optional[int]:
        return self.popen.pid if self.popen else None

    def alive(self) -> bool:
        return self.popen is not None and self.popen.poll() is None

    def failure(self, what: str) -> ServerError:
        return ServerError('%s: %s (log: %s)\n%s' % (
            self.name, what, self.log_path, tail(self.log_path)))

    def stop(self, timeout: float = 15) -> None:
        """SIGTERM the process group, SIGKILL what is left after timeout."""
        if not self.alive():
            return
        with contextlib.suppress(ProcessLookupError):
            os.killpg(self.popen.pid, signal.SIGTERM)
        try:
            self.popen.wait(timeout)
        except subprocess.TimeoutExpired:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(self.popen.pid, signal.SIGKILL)
            self.popen.wait(5)
        # Children that outlived their leader still hold the group id.
        with contextlib.suppress(ProcessLookupError):
            os.killpg(self.popen.pid, signal.SIGKILL)


def wait_until(check: typing.Callable[[], typing.Any], timeout: float,
               interval: float = 0.2,
               processes: typing.Sequence[Process] = (),
               what: str = 'ready') -> typing.Any:
    """Call check() until it returns a true value; fail when a process dies.

    Returns that value. On timeout or a dead process the error names the
    process and the end of its log.
    """
    deadline = time.monotonic() + timeout
    while True:
        for process in processes:
            if not process.alive():
                raise process.failure('exited with %s before %s' % (
                    process.popen.returncode, what))
        try:
            result = check()
        except Exception:  # noqa: BLE001 - not up yet, whatever the reason
            result = None
        if result:
            return result
        if time.monotonic() > deadline:
            names = ', '.join(p.name for p in processes) or 'server'
            logs = '\n'.join(
                '--- %s (%s)\n%s' % (p.name, p.log_path, tail(p.log_path))
                for p in processes)
            raise ServerError('%s not %s after %ss\n%s' % (
                names, what, timeout, logs))
        time.sleep(interval)


def http_answers(url: str, timeout: float = 2) -> bool:
    """True when url answers HTTP at all (any status)."""
    try:
        with urllib.request.urlopen(url, timeout=timeout):
            return True
    except urllib.error.HTTPError:
        return True
    except OSError:
        return False

"""Start, watch and stop the servers the tests need, by their own pid."""

import contextlib
import os
import signal
import socket
import subprocess
import time
import urllib.error
import urllib.request


class ServerError(RuntimeError):
    """A test server did not come up; the message says where its log is."""


def free_port() -> int:
    """A TCP port on 127.0.0.1 that nothing listens on right now."""
    with contextlib.closing(socket.socket()) as sock:
        sock.bind(('127.0.0.1', 0))
        return sock.getsockname()[1]


def tail(path, lines=40) -> str:
    """The end of a log file, for failure messages."""
    try:
        with open(path, errors='replace') as log:
            return ''.join(log.readlines()[-lines:])
    except OSError:
        return '<no log at %s>' % path


class Process:
    """One server process: its command line, its log file, its pid."""

    def __init__(self, name, argv, log_path, env=None, cwd=None):
        self.name = name
        self.argv = [str(arg) for arg in argv]
        self.log_path = str(log_path)
        self.env = env
        self.cwd = cwd
        self.popen = None

    def start(self):
        log = open(self.log_path, 'ab')
        # A session of its own, so that stopping kills its children too
        # (gunicorn workers, forked Mistral services) and nothing else.
        self.popen = subprocess.Popen(
            self.argv, stdout=log, stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL, env=self.env, cwd=self.cwd,
            start_new_session=True)
        log.close()
        return self

    @property
    def pid(self):
        return self.popen.pid if self.popen else None

    def alive(self) -> bool:
        return self.popen is not None and self.popen.poll() is None

    def failure(self, what) -> ServerError:
        return ServerError('%s: %s (log: %s)\n%s' % (
            self.name, what, self.log_path, tail(self.log_path)))

    def stop(self, timeout=15):
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


def wait_until(check, timeout, interval=0.2, processes=(), what='ready'):
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


def http_answers(url, timeout=2) -> bool:
    """True when url answers HTTP at all (any status)."""
    try:
        with urllib.request.urlopen(url, timeout=timeout):
            return True
    except urllib.error.HTTPError:
        return True
    except OSError:
        return False


def port_open(port, host='127.0.0.1') -> bool:
    with contextlib.closing(socket.socket()) as sock:
        sock.settimeout(1)
        return sock.connect_ex((host, port)) == 0

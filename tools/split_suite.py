"""Run the whole suite as two pytest processes at once, one per lane
(``--lane``, tests/conftest.py): the cloud tests with the tests that start
no shared server, and the functional tests on the local session Mistrals.

Much of each lane is waiting on the servers it starts (one test cloud and
its Mistrals; the local Mistrals), so on a 2-core machine the two overlap
in part, and each shared server is started by one process only. Their
output is printed line by line as it comes, each line marked with its
lane; the exit code is the worse of the two. Given paths, node ids or a
lane of its own, it is plain pytest in one process (``tools/venv_run.py
test tests/unit``, ``... test --lane local``).

Run by tox (``tox -e py3``); arguments are pytest's.
"""

import os
import signal
import subprocess
import sys
import threading
import time

from tests import conftest

#: lane -> its tests (pytest arguments)
LANES = {lane: ['tests', '--lane', lane] for lane in conftest.LANES}
#: pytest's exit code when no test was selected
NO_TESTS = 5


def one_process(args: list) -> bool:
    """Whether the arguments choose the tests themselves: a path, a node
    id or a lane."""
    return any(arg == '--lane' or arg.startswith('--lane=') or (
        not arg.startswith('-') and os.path.exists(arg.split('::')[0]))
        for arg in args)


def _pump(name: str, stream, lock: threading.Lock) -> None:
    for line in iter(stream.readline, ''):
        with lock:
            sys.stdout.write('[%s] %s' % (name, line))
            sys.stdout.flush()


def run_lanes(args: list) -> int:
    lock = threading.Lock()
    started = time.monotonic()
    running = {}
    for name, where in LANES.items():
        running[name] = subprocess.Popen(
            # -u: unbuffered, for pytest only (not the servers it starts)
            [sys.executable, '-u', '-m', 'pytest', '-p', 'no:cacheprovider',
             *where, *args],
            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
            bufsize=1)

    def forward(signum, frame):
        for process in running.values():
            if process.poll() is None:
                process.send_signal(signum)

    # Ctrl-C reaches the halves through the terminal; a SIGTERM (a CI
    # timeout) is passed on, so each tears down what it started.
    signal.signal(signal.SIGTERM, forward)
    signal.signal(signal.SIGINT, lambda signum, frame: None)
    pumps = [threading.Thread(target=_pump, args=(name, process.stdout,
                                                  lock))
             for name, process in running.items()]
    for pump in pumps:
        pump.start()
    ended = {}
    while len(ended) < len(running):
        for name, process in running.items():
            if name not in ended and process.poll() is not None:
                ended[name] = (process.returncode,
                               time.monotonic() - started)
        time.sleep(0.5)
    for pump in pumps:
        pump.join()
    print('\n' + '; '.join('%s tests: exit %d after %.0f s' % (
        name, code, seconds) for name, (code, seconds) in ended.items()))
    return worse([code for code, _ in ended.values()])


def worse(codes: list) -> int:
    """The exit code of the whole: a lane killed by a signal is a failure;
    a lane that selected no test (5) is fine while the other ran some."""
    if any(code < 0 for code in codes):
        return 1
    ran = [code for code in codes if code != NO_TESTS]
    return max(ran) if ran else NO_TESTS


def main(argv: list) -> int:
    if one_process(argv):
        # Become pytest: Ctrl-C and SIGTERM reach it as they would.
        os.execv(sys.executable, [sys.executable, '-m', 'pytest', *argv])
    return run_lanes(argv)


if __name__ == '__main__':
    sys.exit(main(sys.argv[1:]))

"""`mistral-actions sandbox` as an operator runs it: README's example as
written, the export line, registering, Ctrl-C and SIGTERM leaving no
process behind, a kept --dir."""

import os
from pathlib import Path
import queue
import re
import shlex
import signal
import subprocess
import sys
import threading
import time

import pytest

from tests.harness.clients import environment
from tests.harness.clients import run
from tests.harness.process import free_port
from tests.harness.process import http_answers

ROOT = Path(__file__).resolve().parents[2]
BIN = Path(sys.executable).parent
READMES = ('README.md', 'README.zh.md')
HEADING = '### `mistral-actions sandbox '
#: Seconds the sandbox may take to be ready here, with other tests running
#: beside it (README: under 15 s on a warm machine).
READY_WITHIN = 60
TIMEOUT = 180
LAST_LINE = 'Ctrl-C stops it.'


def section(readme):
    text = (ROOT / readme).read_text()
    start = text.index(HEADING)
    return text[start:text.index('\n##', start + 1)]


def blocks(text, language):
    return re.findall(r'```%s\n(.*?)```' % language, text, re.S)


def normalized(text):
    """What differs from run to run (folders, ports, seconds) made equal."""
    text = re.sub(r'\S*/mistral-sandbox-\w+', 'FOLDER', text)
    text = re.sub(r'127\.0\.0\.1:\d+', '127.0.0.1:PORT', text)
    return re.sub(r'Ready in \d+\.\d s', 'Ready in N s', text)


def processes_in_group(group):
    """Pids of the processes whose process group is ``group``."""
    found = []
    for entry in Path('/proc').iterdir():
        if entry.name.isdigit():
            try:
                stat = (entry / 'stat').read_text()
            except OSError:
                continue
            if int(stat.rsplit(')', 1)[1].split()[2]) == group:
                found.append(int(entry.name))
    return found


def children(pid):
    """Pids of the processes whose parent is ``pid``."""
    found = []
    for entry in Path('/proc').iterdir():
        if entry.name.isdigit():
            try:
                stat = (entry / 'stat').read_text()
            except OSError:
                continue
            if int(stat.rsplit(')', 1)[1].split()[1]) == pid:
                found.append(int(entry.name))
    return found


class Sandbox:
    """`mistral-actions ARGS` running in the background, its output read
    line by line."""

    def __init__(self, *args):
        self.popen = subprocess.Popen(
            [BIN / 'mistral-actions', *args], stdout=subprocess.PIPE,
            stderr=subprocess.PIPE, text=True, env=environment(),
            cwd=ROOT)
        self.lines = queue.Queue()
        self.said = []
        threading.Thread(target=self._read, daemon=True).start()
        self.mistral_pid = None

    def _read(self):
        for line in self.popen.stdout:
            self.lines.put(line.rstrip('\n'))
        self.lines.put(None)

    def until(self, last, timeout=TIMEOUT):
        """Lines said until ``last`` (included)."""
        deadline = time.monotonic() + timeout
        got = []
        while True:
            try:
                line = self.lines.get(timeout=max(
                    0.1, deadline - time.monotonic()))
            except queue.Empty:
                line = None
            if line is None:
                raise AssertionError('no %r within %ss; said:\n%s\n%s' % (
                    last, timeout, '\n'.join(self.said + got),
                    self.popen.stderr.read() if self.popen.poll() is not None
                    else ''))
            got.append(line)
            if line == last:
                self.said.extend(got)
                return got

    def ready(self):
        """Wait for the last line before the wait; Mistral's pid."""
        lines = self.until(LAST_LINE)
        mistral = children(self.popen.pid)
        assert len(mistral) == 1, mistral
        self.mistral_pid = mistral[0]
        return lines

    @property
    def url(self):
        return re.search(r'export OS_MISTRAL_URL=(\S+)',
                         '\n'.join(self.said)).group(1)

    def stop(self, signum):
        """Send the signal; the exit code and the lines said after it."""
        self.popen.send_signal(signum)
        code = self.popen.wait(timeout=TIMEOUT)
        rest = []
        while True:
            line = self.lines.get(timeout=10)
            if line is None:
                return code, rest
            rest.append(line)

    def kill(self):
        """Whatever happened, nothing of it may outlive the test."""
        if self.popen.poll() is None:
            self.popen.terminate()
            try:
                self.popen.wait(30)
            except subprocess.TimeoutExpired:
                self.popen.kill()
                self.popen.wait()
        if self.mistral_pid:
            for pid in processes_in_group(self.mistral_pid):
                os.kill(pid, signal.SIGKILL)

    def __enter__(self):
        return self

    def __exit__(self, *exc_info):
        self.kill()


def registered(url):
    env = dict(environment(), OS_MISTRAL_URL=url)
    return run([BIN / 'mistral-actions', 'action-list', '-f', 'value',
                '-c', 'Name'], env).stdout.split()


def assert_gone(sandbox):
    """Mistral's pid and every process of its group are gone."""
    pid = sandbox.mistral_pid
    assert not Path('/proc/%d' % pid).exists(), 'Mistral (pid %d) is left' \
        % pid
    assert processes_in_group(pid) == []
    assert not http_answers(sandbox.url + '/', timeout=3)


def test_readme_example_then_sigterm_leaves_nothing():
    texts = [section(readme) for readme in READMES]
    commands = [blocks(text, 'sh')[0].strip() for text in texts]
    shown = [blocks(text, 'text')[0].strip() for text in texts]
    assert commands[0] == commands[1] and shown[0] == shown[1]
    argv = shlex.split(commands[0])
    assert argv[0] == 'mistral-actions'

    with Sandbox(*argv[1:]) as sandbox:
        said = sandbox.ready()
        assert normalized('\n'.join(said)) == normalized(shown[0])
        seconds = float(re.search(r'Ready in (\d+\.\d) s', said[1]).group(1))
        print('sandbox ready in %.1f s' % seconds)
        assert seconds < READY_WITHIN
        folder = Path(re.search(r' in (\S+) \.\.\.$', said[0]).group(1))
        assert (folder / 'mistral.sqlite').exists()
        names = registered(sandbox.url)
        assert 'int32bit.nova.servers.assert_status' in names
        assert 'int32bit.system.exec' not in names  # unsafe: skipped

        code, rest = sandbox.stop(signal.SIGTERM)
        assert code == 0, sandbox.popen.stderr.read()
        assert rest == ['Stopping Mistral ...', 'Stopped.']
        for text in texts:
            assert all('`%s`' % line in text for line in rest)
        assert_gone(sandbox)
        assert not folder.exists()
        assert sandbox.popen.stderr.read() == ''


def test_dir_keeps_the_state_for_the_next_start(tmp_path):
    folder = tmp_path / 'kept'
    port = free_port()
    with Sandbox('sandbox', '--register', '--include-unsafe', '--dir',
                 str(folder), '--port', str(port)) as sandbox:
        sandbox.ready()
        assert sandbox.url == 'http://127.0.0.1:%d/v2' % port
        assert 'int32bit.system.exec' in registered(sandbox.url)
        code, rest = sandbox.stop(signal.SIGINT)  # Ctrl-C
        assert code == 0
        assert rest == ['Stopping Mistral ...',
                        'Stopped; its folder is kept: %s' % folder]
        assert_gone(sandbox)
    assert {'mistral.conf', 'mistral.sqlite', 'mistral.log'} <= {
        path.name for path in folder.iterdir()}

    with Sandbox('sandbox', '--dir', str(folder)) as sandbox:
        said = sandbox.ready()
        assert not [line for line in said if line.startswith('Registered')]
        env = dict(environment(), OS_MISTRAL_URL=sandbox.url)
        result = run([BIN / 'mistral', 'run-action', 'int32bit.system.exec',
                      '{"cmd": "echo kept"}'], env)
        assert '"stdout": "kept\\n"' in result.stdout
        code, _ = sandbox.stop(signal.SIGTERM)
        assert code == 0
        assert_gone(sandbox)
    assert (folder / 'mistral.sqlite').exists()


@pytest.mark.parametrize('readme', READMES)
def test_the_readme_says_what_the_help_says(readme):
    """The options the README's heading names are the command's."""
    heading = section(readme).splitlines()[0]
    help_text = run([BIN / 'mistral-actions', 'sandbox', '--help'],
                    environment()).stdout
    for option in re.findall(r'--[a-z-]+', heading):
        assert option in help_text, option

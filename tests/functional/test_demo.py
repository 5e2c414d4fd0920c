"""The demo, as README's command runs it on a machine with nothing but
Python (its own virtualenv, .venvs/demo, made by tools/venv_run.py from the
system's interpreter, not from the test environment), and `--keep`, which
leaves its Mistral running to play with until Ctrl-C."""

import os
from pathlib import Path
import re
import shlex
import signal
import subprocess
import sys
import time

from tests.harness.clients import environment
from tests.harness.clients import run
from tests.harness.process import http_answers

ROOT = Path(__file__).resolve().parents[2]
BIN = Path(sys.executable).parent
TIMEOUT = 600


def readme_demo_command() -> list:
    """The demo command of README.md (README.zh.md shows the same)."""
    commands = [[shlex.split(line) for line in
                 (ROOT / readme).read_text().splitlines()
                 if line.startswith('    python3 tools/venv_run.py demo')][0]
                for readme in ('README.md', 'README.zh.md')]
    assert commands[0] == commands[1]
    return commands[0]


def bare_environment() -> dict:
    """os.environ without the test environment's virtualenv."""
    env = {key: value for key, value in os.environ.items()
           if key not in ('VIRTUAL_ENV', 'PYTHONPATH')}
    env['PATH'] = os.pathsep.join(
        folder for folder in env.get('PATH', '').split(os.pathsep)
        if Path(folder).resolve() != BIN.resolve())
    return env


def test_keep_leaves_mistral_running_until_ctrl_c():
    python, *args = readme_demo_command()
    assert python == 'python3'
    # The system's Python, as on a fresh machine.
    demo = subprocess.Popen([sys._base_executable, *args, '--keep'],
                            cwd=ROOT, stdout=subprocess.PIPE,
                            stderr=subprocess.STDOUT, text=True,
                            env=bare_environment())
    try:
        said = []
        deadline = time.monotonic() + TIMEOUT
        while time.monotonic() < deadline:
            line = demo.stdout.readline()
            if not line:
                break
            said.append(line)
            if line.startswith('Ctrl-C stops it'):
                break
        text = ''.join(said)
        assert 'state: SUCCESS' in text, text
        url = re.search(r'export OS_MISTRAL_URL=(\S+)', text).group(1)
        folder = Path(re.search(r'\(log: (\S+)/mistral.log\)', text)
                      .group(1))
        assert (folder / 'mistral.sqlite').exists()
        env = dict(environment(), OS_MISTRAL_URL=url)
        listed = run([BIN / 'mistral-actions', 'action-list', '-f', 'value',
                      '-c', 'Name'], env).stdout.split()
        assert 'int32bit.system.exec' in listed
        demo.send_signal(signal.SIGINT)
        assert demo.wait(timeout=120) == 0
        assert not http_answers(url + '/', timeout=3)
        assert not folder.exists()
    finally:
        if demo.poll() is None:
            demo.kill()
            demo.wait()


def test_the_demo_uses_the_product_not_the_test_harness():
    imported = subprocess.run(
        [sys.executable, '-c', 'import sys, tools.demo; print(sorted('
         'name for name in sys.modules if name.split(".")[0] == "tests"))'],
        cwd=ROOT, capture_output=True, text=True, timeout=60)
    assert imported.returncode == 0, imported.stderr
    assert imported.stdout.strip() == '[]'

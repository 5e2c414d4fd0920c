"""Virtualenvs shaped like Mistral nodes, for the servers the tests start.

A real Mistral node has Mistral (often mistral-extra) and whatever its
operator installed, and not the test stack. Servers that must see only
that run from one of these. Each is built once for what goes into it (the
pins of constraints.txt included), kept under
``~/.cache/mistral-actions/node-venvs/<digest>`` and shared by concurrent
test sessions through a lock file; a fresh machine builds it in a minute
or two from PyPI.
"""

import fcntl
import hashlib
import os
from pathlib import Path
import subprocess
import sys

ROOT = Path(__file__).resolve().parents[2]
CONSTRAINTS = ROOT / 'constraints.txt'
TIMEOUT = 1200

#: What each kind of node has installed (pinned by constraints.txt).
KINDS = {
    # The usual node: Mistral and mistral-extra (which brings the OpenStack
    # clients the int32bit actions import); nothing of this project.
    'mistral-with-extra': ['mistral', 'mistral-extra', 'PyMySQL'],
    # A node without mistral-extra: Mistral and only the libraries the
    # int32bit actions import (`mistral-actions discover` lists them).
    'mistral-without-extra': ['mistral', 'PyMySQL', 'keystoneauth1',
                              'python-novaclient', 'python-cinderclient',
                              'python-glanceclient'],
}


def cache_dir() -> Path:
    base = os.environ.get('XDG_CACHE_HOME') or os.path.join(
        os.path.expanduser('~'), '.cache')
    return Path(base) / 'mistral-actions' / 'node-venvs'


def _digest(kind: str) -> str:
    requirements = KINDS[kind]
    parts = [sys.version, kind, repr(requirements), CONSTRAINTS.read_text()]
    parts += [Path(requirements[i + 1]).read_text()
              for i, item in enumerate(requirements) if item == '-r']
    return hashlib.sha256('\0'.join(parts).encode()).hexdigest()[:16]


def node_python(kind: str) -> Path:
    """The Python of a virtualenv of this kind, built if it is not yet."""
    folder = cache_dir() / ('%s-%s' % (kind, _digest(kind)))
    python = folder / 'bin' / 'python'
    done = folder / '.complete'
    folder.parent.mkdir(parents=True, exist_ok=True)
    with open(str(folder) + '.lock', 'w') as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if not done.exists():
            _build(folder, KINDS[kind])
            done.write_text('ok\n')
    return python


def _build(folder: Path, requirements: list) -> None:
    log = Path(str(folder) + '.log')
    with open(log, 'w') as output:
        for argv in ([sys.executable, '-m', 'venv', '--clear', str(folder)],
                     [str(folder / 'bin' / 'python'), '-m', 'pip', 'install',
                      '-q', '--disable-pip-version-check',
                      '-c', str(CONSTRAINTS)] + requirements):
            result = subprocess.run(argv, stdout=output,
                                    stderr=subprocess.STDOUT,
                                    timeout=TIMEOUT)
            if result.returncode != 0:
                raise RuntimeError('building the %s virtualenv failed (%s '
                                   'exited %s); log: %s' % (
                                       folder.name, argv[0],
                                       result.returncode, log))

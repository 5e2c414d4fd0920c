"""README's two commands on a machine with nothing but Python 3.11+.

    python3 tools/venv_run.py demo [--keep]   # the demo
    python3 tools/venv_run.py test [ARGS]     # style check + whole suite

Each makes its own virtualenv under ``.venvs/`` in the checkout (once;
again when setup.cfg, requirements or constraints change), installs into
it what that command needs and nothing more, and runs the command there:
the demo gets this project with its ``[sandbox]`` extra (a Mistral server
to run locally), the tests get tox, which builds the test environments
itself. Debian's system Python refuses ``pip install`` outside a
virtualenv; this never installs outside one.

Standard library only: it runs before anything else is installed.
"""

import argparse
import hashlib
import os
from pathlib import Path
import subprocess
import sys
import venv

ROOT = Path(__file__).resolve().parent.parent
VENVS = ROOT / '.venvs'
#: The files whose change means "install again".
INPUTS = ('setup.cfg', 'requirements.txt', 'constraints.txt')
#: What a virtualenv gets, by command: pip arguments.
INSTALLS = {
    'demo': ['-c', 'constraints.txt', '-e', '.[sandbox]'],
    'test': ['tox>=4,<5'],
}
MINIMUM_PYTHON = (3, 11)


class SetupError(Exception):
    """Setting up could not go on; the message says what to do."""


def _stamp(kind: str) -> str:
    """What the virtualenv of kind was installed from."""
    digest = hashlib.sha256(kind.encode())
    digest.update(sys.version.encode())
    for name in INPUTS:
        path = ROOT / name
        if path.exists():
            digest.update(path.read_bytes())
    return digest.hexdigest()


def ensure_venv(kind: str) -> Path:
    """The virtualenv of kind, made and installed if it is not current;
    returns its bin folder."""
    home = VENVS / kind
    bin_dir = home / 'bin'
    stamp_file = home / 'installed-from'
    stamp = _stamp(kind)
    if stamp_file.exists() and stamp_file.read_text() == stamp:
        return bin_dir
    print('Setting up %s (once; a few minutes the first time) ...' % (
        home.relative_to(ROOT)), flush=True)
    try:
        venv.EnvBuilder(with_pip=True, clear=True).create(home)
    except subprocess.CalledProcessError:
        # Debian and Ubuntu ship venv without ensurepip.
        raise SetupError(
            'python3 could not put pip into a virtualenv in %s; on Debian '
            'or Ubuntu install it with: sudo apt-get install python3-venv'
            % home) from None
    except OSError as error:
        raise SetupError('could not make a virtualenv in %s: %s' % (
            home, error)) from None
    pip = [str(bin_dir / 'python'), '-m', 'pip', 'install', '-q',
           '--disable-pip-version-check']
    if subprocess.run(pip + INSTALLS[kind], cwd=ROOT).returncode != 0:
        raise SetupError('pip could not install what %s needs into %s '
                         '(its messages are above); fix that and run this '
                         'again' % (kind, home))
    stamp_file.write_text(stamp)
    return bin_dir


def _become(argv: list) -> None:
    """Replace this process with argv, run from the checkout: Ctrl-C and
    SIGTERM then reach the command itself, which stops what it started."""
    os.chdir(ROOT)
    os.execv(argv[0], argv)


def run_demo(bin_dir: Path, args: list) -> int:
    _become([str(bin_dir / 'python'), '-m', 'tools.demo', *args])


def run_tests(bin_dir: Path, args: list) -> int:
    tox = str(bin_dir / 'tox')
    code = subprocess.run([tox, '-e', 'pep8'], cwd=ROOT).returncode
    if code != 0:
        return code
    _become([tox, '-e', 'py3', '--', *args])


COMMANDS = {'demo': run_demo, 'test': run_tests}


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__.split('\n')[0],
        epilog='Arguments after the command go to it: the demo takes '
               '--keep, the tests take pytest arguments.')
    parser.add_argument('command', choices=sorted(COMMANDS),
                        help='demo: a throw-away local Mistral with the '
                             'actions in it; test: the style check and the '
                             'whole suite, as CI runs them')
    args, rest = parser.parse_known_args(argv)
    if sys.version_info < MINIMUM_PYTHON:
        print('mistral-actions needs Python %d.%d or newer; this is %s' % (
            *MINIMUM_PYTHON, sys.version.split()[0]), file=sys.stderr)
        return 1
    try:
        bin_dir = ensure_venv(args.command)
    except SetupError as error:
        print(error, file=sys.stderr)
        return 1
    # Whatever virtualenv this was started from is not the one to use.
    os.environ.pop('VIRTUAL_ENV', None)
    return COMMANDS[args.command](bin_dir, rest)


if __name__ == '__main__':
    sys.exit(main())

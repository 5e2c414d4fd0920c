"""Installing the package as the README says (`pip install .` from a
checkout), into a throw-away virtualenv: an upgrade installs the package as
it is now, never a module deleted since the last build."""

import os
from pathlib import Path
import shutil
import subprocess
import sys

ROOT = Path(__file__).resolve().parents[2]
SKIPPED = shutil.ignore_patterns('.git', '.tox', '.ci-venv', '.venvs',
                                 'build', 'dist', '*.egg-info', '__pycache__',
                                 '.venv')
DELETED = Path('mistral_actions', 'glance', 'images.py')


def pip_install(venv, checkout, version):
    environ = dict(os.environ, PBR_VERSION=version)  # the copy has no git
    result = subprocess.run(
        [str(venv / 'bin' / 'pip'), 'install', '--no-deps', '--quiet',
         str(checkout)], capture_output=True, text=True, timeout=600,
        env=environ, cwd=checkout)
    assert result.returncode == 0, result.stdout + result.stderr


def installed(venv, relative):
    found = list(venv.glob('lib/python*/site-packages/%s' % relative))
    return bool(found)


def test_an_upgrade_does_not_install_a_deleted_module_again(tmp_path):
    checkout = tmp_path / 'checkout'
    shutil.copytree(ROOT, checkout, ignore=SKIPPED)
    venv = tmp_path / 'venv'
    subprocess.run([sys.executable, '-m', 'venv', str(venv)], check=True,
                   timeout=300)

    pip_install(venv, checkout, '1.0.0')
    assert installed(venv, DELETED)
    # The sandbox's launcher, run by file path, is in the wheel too.
    assert installed(venv, 'mistral_actions/tool/sandbox/one_process.py')
    assert (checkout / 'build' / 'lib' / DELETED).exists(), \
        'the build no longer leaves build/lib: this test proves nothing'

    (checkout / DELETED).unlink()
    pip_install(venv, checkout, '1.0.1')
    assert not installed(venv, DELETED), (
        '%s, deleted from the checkout, was installed again from a stale '
        'build/lib' % DELETED)
    assert installed(venv, 'mistral_actions/glance/__init__.py')

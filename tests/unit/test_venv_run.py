"""README's two commands: a virtualenv made once, again when what it was
installed from changes, and one line when Python cannot make one.

The real runs are elsewhere: CI runs `tools/venv_run.py test` itself, and
tests/functional/test_demo.py runs the demo through it.
"""

import subprocess
import sys

import pytest

from tools import venv_run


@pytest.fixture
def checkout(tmp_path, monkeypatch):
    """A checkout with the files a virtualenv is installed from, and a
    venv builder that records instead of building."""
    for name in venv_run.INPUTS:
        (tmp_path / name).write_text('%s 1\n' % name)
    monkeypatch.setattr(venv_run, 'ROOT', tmp_path)
    monkeypatch.setattr(venv_run, 'VENVS', tmp_path / '.venvs')
    built = []

    class Builder:
        def __init__(self, **options):
            self.options = options

        def create(self, home):
            built.append(home)
            (home / 'bin').mkdir(parents=True, exist_ok=True)

    monkeypatch.setattr(venv_run.venv, 'EnvBuilder', Builder)
    pips = []

    def pip(argv, cwd):
        pips.append(argv)
        return subprocess.CompletedProcess(argv, 0)
    monkeypatch.setattr(venv_run.subprocess, 'run', pip)
    return tmp_path, built, pips


def test_made_once_and_again_when_constraints_change(checkout):
    root, built, pips = checkout
    bin_dir = venv_run.ensure_venv('demo')
    assert bin_dir == root / '.venvs' / 'demo' / 'bin'
    assert pips[0][-len(venv_run.INSTALLS['demo']):] == \
        venv_run.INSTALLS['demo']
    venv_run.ensure_venv('demo')
    assert len(built) == 1
    (root / 'constraints.txt').write_text('constraints.txt 2\n')
    venv_run.ensure_venv('demo')
    assert len(built) == 2


def test_each_command_has_its_own_virtualenv(checkout):
    root, built, pips = checkout
    venv_run.ensure_venv('demo')
    venv_run.ensure_venv('test')
    assert built == [root / '.venvs' / 'demo', root / '.venvs' / 'test']
    assert pips[1][-1] == venv_run.INSTALLS['test'][-1]


def test_a_python_without_venv_support_gets_one_line(checkout, monkeypatch,
                                                     capsys):
    def no_ensurepip(self, home):
        raise subprocess.CalledProcessError(1, [sys.executable, '-m',
                                                'ensurepip'])
    monkeypatch.setattr(venv_run.venv.EnvBuilder, 'create', no_ensurepip)
    assert venv_run.main(['demo']) == 1
    said = capsys.readouterr().err.strip()
    assert '\n' not in said
    assert 'sudo apt-get install python3-venv' in said


def test_a_failed_install_is_not_taken_for_a_current_one(checkout,
                                                         monkeypatch):
    root, built, pips = checkout
    monkeypatch.setattr(venv_run.subprocess, 'run',
                        lambda argv, cwd: subprocess.CompletedProcess(argv,
                                                                      1))
    with pytest.raises(venv_run.SetupError, match='pip could not install'):
        venv_run.ensure_venv('test')
    assert not (root / '.venvs' / 'test' / 'installed-from').exists()

"""README's "Your own package of actions", as written, in both languages.

The files it shows are the files of examples/acme-actions, and its shell
commands, run one by one in a fresh virtualenv where only this project is
installed, register the example into a Mistral that has none of it and
print what the README says.
"""

import json
from pathlib import Path
import re
import shlex
import subprocess
import sys

import pytest
from tests.harness import readme_blocks
from tests.harness.readme_blocks import blocks

ROOT = Path(__file__).resolve().parents[2]
EXAMPLE = ROOT / 'examples' / 'acme-actions'
READMES = ('README.md', 'README.zh.md')
SECTION = {'README.md': '## Your own package of actions',
           'README.zh.md': '## 你自己的 action 包'}
TIMEOUT = 900


def section(readme):
    return readme_blocks.section(readme, SECTION[readme])


@pytest.mark.parametrize('readme', READMES)
def test_the_readme_shows_the_example_files(readme):
    text = section(readme)
    shown = blocks(text, 'python') + blocks(text, 'toml')
    files = [EXAMPLE / 'acme_actions' / 'wording.py',
             EXAMPLE / 'acme_actions' / 'hello.py',
             EXAMPLE / 'pyproject.toml']
    assert shown == [path.read_text() for path in files]


@pytest.fixture(scope='module')
def author_venv(tmp_path_factory):
    """A fresh virtualenv with this project installed (not editable)."""
    venv = tmp_path_factory.mktemp('author') / 'venv'
    subprocess.run([sys.executable, '-m', 'venv', str(venv)], check=True,
                   timeout=TIMEOUT)
    subprocess.run([str(venv / 'bin' / 'pip'), 'install', '-q',
                    '--disable-pip-version-check',
                    '-c', str(ROOT / 'constraints.txt'), str(ROOT)],
                   check=True, capture_output=True, timeout=TIMEOUT)
    return venv


def test_the_readme_commands_register_and_run_the_example(single_mistral,
                                                          author_venv):
    commands = blocks(section('README.md'), 'sh')[0].strip().splitlines()
    assert commands == blocks(section('README.zh.md'),
                              'sh')[0].strip().splitlines()
    env = single_mistral.env()
    env['PATH'] = '%s:%s' % (author_venv / 'bin', env.get('PATH', ''))
    env.pop('PYTHONPATH', None)
    outputs = []
    try:
        for command in commands:
            done = subprocess.run(shlex.split(command), cwd=ROOT, env=env,
                                  text=True, capture_output=True,
                                  timeout=TIMEOUT)
            assert done.returncode == 0, (command, done.stdout, done.stderr)
            outputs.append(done.stdout)
        said = re.search(r'which prints `(.*?)`', section('README.md'))
        assert said, 'the README says what the last command prints'
        assert json.loads(outputs[-1]) == json.loads(said.group(1))
    finally:
        subprocess.run([str(author_venv / 'bin' / 'mistral-actions'),
                        'clear', '--package', 'acme'], cwd=ROOT, env=env,
                       capture_output=True, timeout=TIMEOUT)

"""`mistral-actions run NAME` against what Mistral itself does with the same
action: the same result and the same context, from the same bundled code.

The probe package is registered into a real Mistral (one process, SQLite,
no keystone), whose node has none of it installed; `mistral run-action`
there and `mistral-actions run` here must answer alike.
"""

import json
from pathlib import Path
import re
import shlex
import subprocess

import pytest

from tests.harness.clients import BIN
from tests.harness.clients import environment
from tests.harness.clients import mistral_cli
from tests.harness.clients import run_action
from tests.harness.clients import Tool

ROOT = Path(__file__).resolve().parents[2]
EXAMPLE = ROOT / 'examples' / 'acme-actions'

HELPER = '''
def divide(a, b):
    return a / b
'''

ACTIONS = '''
import sys

from mistral_lib import actions

from run_probe import helper


class Where(actions.Action):
    """What the action sees where it runs.

    :param value: any JSON value
    """

    __export__ = True

    def __init__(self, value=None):
        self.value = value

    def run(self, context):
        return {'value': self.value, 'file': __file__,
                'helper': helper.__name__,
                'helper_is_installed': (
                    sys.modules.get(helper.__name__) is helper),
                'state': sorted(vars(self)),
                'security': vars(context.security),
                'execution': vars(context.execution)}


class Divide(actions.Action):
    """Divide a by b.

    :param a: a number
    :param b: a number
    """

    __export__ = True

    def __init__(self, a, b):
        self.a = a
        self.b = b

    def run(self, context):
        return helper.divide(self.a, self.b)


class Refuse(actions.Action):
    """An error result."""

    __export__ = True

    def run(self, context):
        return actions.Result(error='refused: not today')
'''


@pytest.fixture(scope='module')
def probe(tmp_path_factory):
    """The probe package as a folder (an operator's git checkout)."""
    folder = tmp_path_factory.mktemp('probe') / 'run_probe'
    folder.mkdir()
    (folder / '__init__.py').write_text('')
    (folder / 'helper.py').write_text(HELPER)
    (folder / 'acts.py').write_text(ACTIONS)
    return folder


@pytest.fixture(scope='module')
def registered(single_mistral, probe, acme_installed):
    """The probe and acme registered in the Mistral, the tool pointed at
    it; removed afterwards."""
    tool = Tool(single_mistral, 'api', pythonpath=acme_installed)
    tool('register', '--package', str(probe))
    tool('register', '--package', 'acme_actions')
    yield tool
    tool('clear', '--package', str(probe))
    tool('clear', '--package', 'acme_actions')


def local(tool, *args, check=True):
    """`mistral-actions run ...` with no OS_* at all: an empty context."""
    return tool('run', *args, check=check)


def test_the_probe_sees_what_it_sees_in_mistral(single_mistral, registered,
                                                probe):
    given = {'value': {'nested': [1, 'two', None]}}
    in_mistral = run_action(single_mistral, 'run_probe.acts.where',
                            given)['result']
    here = json.loads(local(registered, 'run_probe.acts.where', '--package',
                            str(probe), '--input', json.dumps(given)).stdout)
    assert here == in_mistral
    # Run from the bundle, under its original file name, its helper not
    # the installed module (Mistral's node has none).
    assert here['file'] == 'run_probe/acts.py'
    assert here['helper_is_installed'] is False


def test_greet_of_the_example_as_in_mistral(single_mistral, registered):
    in_mistral = run_action(single_mistral, 'acme.hello.greet',
                            {'name': 'operator'})['result']
    done = local(registered, 'acme.hello.greet', '-i', 'name=operator')
    assert json.loads(done.stdout) == in_mistral == 'Hello, operator!'
    value = local(registered, 'acme.hello.greet', '-i', 'name=x', '-f',
                  'value')
    assert value.stdout == 'Hello, x!\n'


def test_an_int32bit_action_and_the_unsafe_opt_in(registered):
    refused = local(registered, 'int32bit.system.exec', '-i', 'cmd=echo ran',
                    check=False)
    assert refused.returncode == 1
    assert refused.stdout == ''
    assert refused.stderr.strip().splitlines() == [
        'int32bit.system.exec is unsafe (it runs commands on the machine '
        'that runs it): give --include-unsafe to run it, as register needs']
    done = local(registered, 'int32bit.system.exec', '--include-unsafe',
                 '-i', 'cmd=echo ran')
    assert json.loads(done.stdout)['stdout'] == 'ran\n'


def test_an_error_result_is_one_line_exit_1(single_mistral, registered,
                                            probe):
    done = local(registered, 'run_probe.acts.refuse', '--package',
                 str(probe), check=False)
    assert (done.returncode, done.stdout) == (1, '')
    assert done.stderr == ('run_probe.acts.refuse failed: refused: not '
                           'today\n')
    failed = mistral_cli(single_mistral, 'run-action',
                         'run_probe.acts.refuse', '{}', check=False)
    assert 'refused: not today' in failed.stdout + failed.stderr


def test_an_exception_is_one_line_and_debug_shows_the_original_files(
        registered, probe):
    args = ('run_probe.acts.divide', '--package', str(probe), '-i', 'a=1',
            '-i', 'b=0')
    done = local(registered, *args, check=False)
    assert (done.returncode, done.stdout) == (1, '')
    assert done.stderr == ('run_probe.acts.divide failed: '
                           'ZeroDivisionError: division by zero\n')
    debug = registered('--debug', 'run', *args, check=False)
    assert debug.returncode == 1
    assert 'File "run_probe/acts.py", line' in debug.stderr
    assert 'File "run_probe/helper.py", line 3, in divide' in debug.stderr
    assert str(probe) not in debug.stderr


def test_input_that_does_not_fit_runs_nothing(registered, probe):
    done = local(registered, 'run_probe.acts.divide', '--package',
                 str(probe), '-i', 'a=1', '-i', 'c=2', check=False)
    assert (done.returncode, done.stdout) == (1, '')
    assert done.stderr == ('run_probe.acts.divide: missing b and unexpected '
                           'c; its input is: a, b\n')


READMES = {'README.md': 'which prints `(.*?)`',
           'README.zh.md': '输出 `(.*?)`'}


def run_section(readme):
    text = (ROOT / readme).read_text()
    start = text.index('### `mistral-actions run NAME')
    return text[start:text.index('\n### ', start + 1)]


@pytest.mark.parametrize('readme', READMES)
def test_the_readme_example_prints_what_it_says(readme):
    section = run_section(readme)
    commands = re.findall(r'```sh\n(.*?)```', section, re.S)
    assert commands and commands == re.findall(
        r'```sh\n(.*?)```', run_section('README.md'), re.S)
    said = re.search(READMES[readme], section)
    assert said, 'the README says what the example prints'
    lines = commands[0].strip().splitlines()
    env = environment()
    env['PATH'] = '%s:%s' % (BIN, env.get('PATH', ''))
    printed = []
    for line in lines:
        done = subprocess.run(shlex.split(line), env=env, cwd=ROOT,
                              capture_output=True, text=True, timeout=120)
        assert done.returncode == 0, (line, done.stderr)
        printed.append(done.stdout)
    assert json.loads(printed[-1]) == json.loads(said.group(1))

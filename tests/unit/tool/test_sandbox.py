"""The sandbox and the pytest plugin without a server: what to install when
Mistral is missing, what the plugin costs, how the extra is pinned."""

import configparser
import os
from pathlib import Path
import re
import subprocess
import sys

import pytest

from mistral_actions.tool.sandbox import client
from mistral_actions.tool.sandbox import server

ROOT = Path(__file__).resolve().parents[3]
BIN = Path(sys.executable).parent
TIMEOUT = 120

# `mistral-actions ARGS` in a Python where `import mistral` fails, as where
# the extra is not installed. The `mistral` package on PYTHONPATH fails too:
# a sandbox that went on to start its server would fail at once, with
# another message, instead of running.
WITHOUT_MISTRAL = '''
import importlib.abc
import sys


class NoMistral(importlib.abc.MetaPathFinder):
    def find_spec(self, name, path=None, target=None):
        if name == 'mistral' or name.startswith('mistral.'):
            raise ModuleNotFoundError('No module named %r' % name, name=name)


sys.meta_path.insert(0, NoMistral())
from mistral_actions.tool import shell
sys.exit(shell.main(sys.argv[1:]))
'''

# Run by pytest in a fresh session: the plugin is loaded, and cheap.
PLUGIN_CHECK = '''
import sys


def test_the_plugin_is_loaded_and_imports_nothing_of_mistral(pytestconfig):
    assert pytestconfig.pluginmanager.has_plugin('mistral_actions_sandbox')
    heavy = sorted(name for name in sys.modules
                   if name.split('.')[0] in ('mistral', 'mistralclient')
                   or name.startswith('mistral_actions.tool.sandbox'))
    assert heavy == []
'''


def client_environment():
    """Talking to no Mistral of the caller's."""
    return {key: value for key, value in os.environ.items()
            if not key.startswith(('OS_', 'MISTRAL'))}


def without_mistral(tmp_path, *args):
    stub = tmp_path / 'stub' / 'mistral'
    stub.mkdir(parents=True)
    (stub / '__init__.py').write_text(
        'raise ImportError("the sandbox went on without Mistral")\n')
    env = {key: value for key, value in client_environment().items()
           if key != 'PYTHONPATH'}
    env['PYTHONPATH'] = str(stub.parent)
    return subprocess.run([sys.executable, '-c', WITHOUT_MISTRAL, *args],
                          capture_output=True, text=True, timeout=TIMEOUT,
                          env=env, cwd=tmp_path)


@pytest.mark.parametrize('args', [('sandbox',),
                                  ('sandbox', '--register', '--dir', 'kept')])
def test_without_mistral_the_sandbox_says_what_to_install(tmp_path, args):
    result = without_mistral(tmp_path, *args)
    assert result.returncode == 1, result.stderr
    assert result.stdout == ''
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert "pip install 'mistral-actions[sandbox]'" in lines[0]
    assert 'Mistral server' in lines[0]
    assert not (tmp_path / 'kept').exists()


def test_the_check_finds_the_mistral_of_this_environment():
    server.check_mistral_installed()


def test_a_bad_port_is_a_usage_error():
    result = subprocess.run([BIN / 'mistral-actions', 'sandbox', '--port',
                             '70000'], capture_output=True, text=True,
                            timeout=TIMEOUT, env=client_environment())
    assert result.returncode == 2
    assert "'70000' is not a port" in result.stderr


def test_the_plugin_costs_nothing_when_unused(tmp_path):
    (tmp_path / 'test_plugin_check.py').write_text(PLUGIN_CHECK)
    result = subprocess.run(
        [sys.executable, '-m', 'pytest', '-q', '-p', 'no:cacheprovider',
         str(tmp_path)], capture_output=True, text=True, timeout=TIMEOUT,
        cwd=tmp_path, env=client_environment())
    assert result.returncode == 0, result.stdout + result.stderr
    assert '1 passed' in result.stdout


def pinned(requirements, name):
    """The version ``name==X`` pins in requirement lines."""
    found = [line.split('==', 1)[1].strip() for line in requirements
             if re.match(r'%s\s*==' % re.escape(name), line.strip())]
    assert len(found) == 1, requirements
    return found[0]


def test_the_extra_pins_the_mistral_the_tests_run():
    setup = configparser.ConfigParser()
    setup.read(ROOT / 'setup.cfg')
    extra = setup['extras']['sandbox'].strip().splitlines()
    constraints = (ROOT / 'constraints.txt').read_text().splitlines()
    assert pinned(extra, 'mistral') == pinned(constraints, 'mistral') \
        == server.MISTRAL_RELEASE
    assert 'pytest_plugin' in setup['entry_points']['pytest11']


def test_workflow_names_in_the_order_written():
    assert client.workflow_names(
        "version: '2.0'\nmain:\n  tasks: {}\nhelper:\n  tasks: {}\n") == [
        'main', 'helper']
    with pytest.raises(ValueError):
        client.workflow_names('- not a mapping\n')


@pytest.mark.parametrize('error,message', [
    ('boom', 'boom'),
    ({'message': 'command failed', 'exit_code': 1}, 'command failed'),
    ({'code': 3}, '{"code": 3}'),
])
def test_a_failed_action_says_its_message(error, message):
    failure = client.ActionFailed('acme.x', error)
    assert str(failure) == message
    assert failure.error == error

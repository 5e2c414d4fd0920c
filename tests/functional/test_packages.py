"""Packages of actions on a Mistral node that has none of them installed.

Mistral runs from a virtualenv with only Mistral and mistral-extra (see
tests/harness/node_venvs.py); the command runs from the test environment,
where the example package is installed (entry point) or given as a path.
"""

import json
from pathlib import Path
import shutil
import subprocess

import pytest

from tests.harness.clients import mistral_cli
from tests.harness.clients import run_action
from tests.harness.clients import Tool
from tests.harness.registry_state import rest_state

ROOT = Path(__file__).resolve().parents[2]
EXAMPLE = ROOT / 'examples' / 'acme-actions'


@pytest.fixture
def tool(mistral, acme_installed):
    """The command, with the example package installed, against a clean
    Mistral."""
    tool = Tool(mistral, 'api', pythonpath=acme_installed)
    yield tool
    tool('clear')


def path_package(tmp_path, name):
    """A copy of the example package as a folder of its own, ``name``,
    importing its own helper."""
    folder = tmp_path / name
    shutil.copytree(EXAMPLE / 'acme_actions', folder,
                    ignore=shutil.ignore_patterns('__pycache__'))
    hello = folder / 'hello.py'
    hello.write_text(hello.read_text().replace('acme_actions', name))
    return folder


def result(mistral, action, **params):
    return run_action(mistral, action, params)['result']


def test_the_node_has_none_of_the_packages(mistral):
    for module in ('mistral_actions', 'acme_actions'):
        found = subprocess.run(
            [str(mistral.python), '-c', 'import %s' % module],
            capture_output=True, text=True, cwd='/', timeout=60)
        assert found.returncode != 0, '%s is importable on the node' % module


def test_declared_packages_register_and_run_there(mistral, tool):
    tool('register', '--include-unsafe')
    rows = {row['Name']: row for row in tool.rows('action-list')}
    assert rows['acme.hello.greet']['Package'] == 'acme'
    assert rows['int32bit.system.exec']['Package'] == 'int32bit'
    assert result(mistral, 'acme.hello.greet', name='operator') == \
        'Hello, operator!'
    assert result(mistral, 'acme.hello.shout', name='operator') == \
        'HELLO, OPERATOR!'
    assert result(mistral, 'int32bit.system.exec',
                  cmd='echo bundled')['stdout'] == 'bundled\n'
    source = mistral_cli(mistral, 'code-source-get-content',
                         'acme_actions.hello').stdout
    head = source.splitlines()[:8]
    assert '# mistral-actions package: acme' in head
    assert '#   acme_actions/wording.py' in head


def test_a_changed_helper_reaches_every_action_at_once(mistral, tool,
                                                       tmp_path):
    folder = path_package(tmp_path, 'helper_change')
    package = '--package=%s=changing' % folder
    tool('register', package)
    pids = [process.pid for process in mistral.processes]
    assert result(mistral, 'changing.hello.greet', name='x') == 'Hello, x!'
    wording = folder / 'wording.py'
    wording.write_text(wording.read_text().replace("'Hello'", "'Howdy'"))
    plan = {row['Action']: row for row in tool.rows('register', package)}
    assert {row['Result'] for row in plan.values()} == {'different'}
    tool('register', '--override', package)
    assert result(mistral, 'changing.hello.greet', name='x') == 'Howdy, x!'
    assert result(mistral, 'changing.hello.shout', name='x') == 'HOWDY, X!'
    assert [process.pid for process in mistral.processes] == pids
    tool('clear', package)


def test_copies_with_the_same_helper_do_not_mix(mistral, tool, tmp_path):
    """Two packages whose modules have the same names but different
    helpers: each runs its own."""
    first = path_package(tmp_path / 'a', 'twin')
    second = path_package(tmp_path / 'b', 'twin_b')
    (second / 'wording.py').write_text(
        (second / 'wording.py').read_text().replace("'Hello'", "'Hi'"))
    tool('register', '--package', str(first), '--package', str(second))
    assert result(mistral, 'twin.hello.greet', name='x') == 'Hello, x!'
    assert result(mistral, 'twin_b.hello.greet', name='x') == 'Hi, x!'
    assert result(mistral, 'twin.hello.greet', name='y') == 'Hello, y!'
    tool('clear', '--package', str(first), '--package', str(second))


def test_a_traceback_names_the_original_file(mistral, tool, tmp_path):
    folder = path_package(tmp_path, 'broken')
    wording = folder / 'wording.py'
    wording.write_text(wording.read_text().replace(
        "    return '%s, %s!' % (GREETING, name)",
        "    return '%s, %s!' % (GREETING, name) if name else 1 / 0"))
    tool('register', '--package', str(folder))
    failed = mistral_cli(mistral, 'run-action', 'broken.hello.greet',
                         '{"name": ""}', check=False)
    assert 'division by zero' in failed.stdout + failed.stderr
    logs = ''.join(Path(path).read_text()
                   for path in mistral.log_paths.values())
    line = [number for number, text in enumerate(
        wording.read_text().splitlines(), 1) if '1 / 0' in text][0]
    assert 'File "broken/wording.py", line %d, in greeting' % line in logs
    tool('clear', '--package', str(folder))


def test_clear_and_prune_work_by_package(mistral, tool, tmp_path):
    folder = path_package(tmp_path, 'gone_later')
    tool('register')
    tool('register', '--package', str(folder))
    names = {row['Name'] for row in tool.rows('action-list', '--package',
                                              'gone_later')}
    assert names == {'gone_later.hello.greet', 'gone_later.hello.shout'}

    # acme only: int32bit and gone_later stay.
    tool('clear', '--package', 'acme_actions')
    left = {row['Name'] for row in tool.rows('action-list')}
    assert not {n for n in left if n.startswith('acme.')}
    assert 'int32bit.nova.servers.assert_status' in left

    # gone_later is no longer installed anywhere: its prefix still works.
    shutil.rmtree(folder)
    planned = tool('plan', '--prune', '--package', 'gone_later', '-f',
                   'json', check=False)
    assert planned.returncode == 2  # changes pending
    assert {row['Result'] for row in json.loads(planned.stdout)} == {
        'remove'}
    tool('register', '--prune', '--package', 'gone_later')
    sources, actions = rest_state(mistral)
    assert not [a for a in actions if a[0].startswith('gone_later.')]
    assert not [s for s in sources if s[0].startswith('gone_later.')]
    assert [a for a in actions if a[0].startswith('int32bit.')]


def test_clashes_are_refused_before_any_write(mistral, tool, tmp_path):
    before = rest_state(mistral)
    folder = path_package(tmp_path, 'clash')
    refused = tool('register', '--package', 'acme_actions=same',
                   '--package', '%s=same' % folder, check=False)
    assert refused.returncode == 1
    assert refused.stderr.strip().splitlines() == [
        'two packages claim the prefix same (acme_actions and clash): give '
        'one of them another prefix with --package MODULE=PREFIX']
    assert rest_state(mistral) == before


def test_a_node_with_the_package_installed_still_works(mistral_sandbox):
    """The way nodes were set up before self-contained code sources: this
    project installed into Mistral's own environment, as it is for the
    pytest plugin's sandbox, which runs Mistral with the tests' Python."""
    installed = subprocess.run(
        [str(mistral_sandbox.server.python), '-c', 'import mistral_actions'],
        cwd='/', timeout=60)
    assert installed.returncode == 0
    mistral_sandbox.register(include_unsafe=True)
    assert mistral_sandbox.run_action(
        'int32bit.system.exec', cmd='echo installed')['stdout'] == \
        'installed\n'

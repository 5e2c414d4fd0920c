"""`mistral-actions rollback` on a real Mistral 23: the old behaviour back
in `mistral run-action` without a restart, an action removed in between
restored, `plan` of the old release finding nothing to do, the plan shown
and asked for first, and a rollback that would remove an action a
workflow uses refused without --force.
"""

import json
import subprocess

import pytest

from tests.harness.clients import run_action
from tests.harness.clients import Tool
from tests.harness.package_copy import package_copy
from tests.harness import readme_blocks
from tests.harness.registry_state import rest_state

WAVE = 'int32bit.extra.wave'
HELLO = 'int32bit.extra.hello'

RELEASE_1 = '''
from mistral_lib import actions


class Wave(actions.Action):
    """Say goodbye."""

    __export__ = True

    def run(self, context):
        return {'said': 'bye'}


class Hello(actions.Action):
    """Say hello."""

    __export__ = True

    def run(self, context):
        return {'said': 'hello'}
'''

#: Wave changed, Hello gone.
RELEASE_2 = RELEASE_1.split('\n\nclass Hello')[0].replace(
    "'bye'", "'bye from release 2'")

WORKFLOW = '''
version: '2.0'
uses_hello:
  tasks:
    greet:
      action: int32bit.extra.hello
'''


@pytest.fixture(scope='module')
def releases(tmp_path_factory):
    return [package_copy(tmp_path_factory.mktemp('release-%d' % number),
                         modules={'extra.py': text})
            for number, text in ((1, RELEASE_1), (2, RELEASE_2))]


@pytest.fixture(params=[('single_mistral', 'db'), ('single_mistral', 'api'),
                        ('distributed_mistral', 'db'),
                        ('distributed_mistral', 'api')],
                ids=lambda param: '%s-%s' % param)
def tool(request):
    """Each backend, on the single-process Mistral and on Mistral as
    deployed (whose executor, a process of its own, must run the old code
    at once too)."""
    mistral, backend = request.param
    tool = Tool(request.getfixturevalue(mistral), backend)
    tool('clear')
    yield tool
    tool('clear')


def said(mistral, name):
    """What the action says when `mistral run-action` runs it."""
    return run_action(mistral, name, {})['result']['said']


def results(tool, *args):
    return {row['Action']: row['Result'] for row in tool.rows(*args)}


def test_rollback_brings_the_old_release_back(tool, releases):
    release_1, release_2 = (tool.with_package(path) for path in releases)
    mistral = tool.mistral
    release_1('register')
    release_2('register', '--override', '--prune')
    assert said(mistral, WAVE) == 'bye from release 2'
    first, second = [row['ID'] for row in tool.rows('history', '-n', '2')][
        ::-1]

    # --dry-run and an answer other than yes change nothing.
    before = rest_state(mistral)
    assert results(tool, 'rollback', '--dry-run') == dict(
        results(tool, 'rollback', '--dry-run'), **{
            WAVE: 'update', HELLO: 'create'})
    asked = subprocess.run([str(arg) for arg in tool.argv() + ['rollback']],
                           env=tool.env(), input='n\n', text=True,
                           capture_output=True, timeout=tool.timeout)
    assert asked.returncode == 1
    assert 'update code source mistral_actions.extra' in asked.stderr
    assert 'create %s' % HELLO in asked.stderr
    assert asked.stderr.strip().splitlines()[-1].endswith(
        'not confirmed: nothing changed')
    assert rest_state(mistral) == before

    rows = results(tool, 'rollback', '--yes')
    assert (rows[WAVE], rows[HELLO]) == ('updated', 'created')
    # The old behaviour at once, no restart; the removed action is back.
    assert said(mistral, WAVE) == 'bye'
    assert said(mistral, HELLO) == 'hello'
    assert release_1('plan', check=False).returncode == 0
    newest = tool.rows('history', '-n', '1')[0]
    assert newest['Command'] == 'rollback %s' % first
    assert (newest['Created'], newest['Updated']) == (1, 1)

    # The one before the newest is release 2 now: it would remove Hello,
    # which a workflow uses.
    client = mistral.client()
    client.workflows.create(WORKFLOW)
    try:
        refused = tool('rollback', '--yes', check=False)
        assert refused.returncode == 1
        assert refused.stderr.strip() == (
            'the rollback removes actions that workflows in Mistral use: '
            '%s (uses_hello); give --force to roll back anyway' % HELLO)
        assert said(mistral, HELLO) == 'hello'
        forced = tool('rollback', second, '--yes', '--force', '-f', 'json')
        assert 'WARNING' in forced.stderr and 'uses_hello' in forced.stderr
    finally:
        client.workflows.delete('uses_hello')
    assert said(mistral, WAVE) == 'bye from release 2'
    assert release_2('plan', '--prune', check=False).returncode == 0


#: The deployment id README's examples use.
README_ID = '3f9a1c'


def readme_commands(command):
    """The example lines of command in both READMEs (the same lines)."""
    english, chinese = (readme_blocks.commands(
        readme, 'mistral-actions %s' % command)
        for readme in ('README.md', 'README.zh.md'))
    assert english == chinese and english, (english, chinese)
    return english


def test_the_readme_history_and_rollback_examples(single_mistral, releases):
    """README's history and rollback lines, run as written after two
    releases (its example id replaced by the end of a real one)."""
    tool = Tool(single_mistral, 'api')
    tool('clear')
    release_1, release_2 = (tool.with_package(path) for path in releases)
    release_1('register')
    release_2('register', '--override', '--prune')
    first = tool.rows('history', '-n', '2')[1]['ID']
    shown = {}
    try:
        for args in readme_commands('history') + readme_commands('rollback'):
            args = [first[-len(README_ID):] if arg == README_ID else arg
                    for arg in args]
            shown[' '.join(args)] = tool(*args).stdout
    finally:
        tool('clear')
    listing, as_json, record, dry_run, rolled_back = shown.values()
    header = listing.splitlines()[1]
    for column in ('ID', 'When', 'Who', 'Command', 'Created', 'Updated',
                   'Deleted', 'Packages'):
        assert ' %s ' % column in header, header
    rows = json.loads(as_json)
    assert rows[0]['Command'] == 'register --prune'
    assert all('int32bit' in row['Packages'] for row in rows), rows
    # history show: the whole record of release 1, its diff to nothing.
    assert first in record and '+ action %s' % HELLO in record, record
    assert 'update' in dry_run and 'create' in dry_run, dry_run
    assert HELLO in rolled_back and 'created' in rolled_back, rolled_back

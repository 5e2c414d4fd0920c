"""`plan` answers by its exit code (2: `register` with the same options
would write, else 0) and
`register --prune` removes what is no longer discovered, on a real Mistral.
"""

import json

import pytest

from tests.harness.clients import action_list
from tests.harness.clients import Tool
from tests.harness.package_copy import package_copy
from tests.harness.registry_state import rest_state

EXTRA = 'int32bit.extra.wave'
EXTRA_MODULE = '''
from mistral_lib import actions


class Wave(actions.Action):
    """Say goodbye."""

    __export__ = True

    def run(self, context):
        return 'bye'
'''

FOREIGN_MODULE = EXTRA_MODULE.replace('__export__ = True', 'pass')


@pytest.fixture
def tool(mistral_and_backend):
    tool = Tool(*mistral_and_backend)
    tool('clear')
    yield tool
    tool('clear')


@pytest.fixture(scope='module')
def with_extra(tmp_path_factory):
    """A PYTHONPATH whose package has one more action module."""
    return package_copy(tmp_path_factory.mktemp('with-extra'),
                        modules={'extra.py': EXTRA_MODULE})


@pytest.fixture(scope='module')
def changed(tmp_path_factory):
    """A PYTHONPATH whose system module differs from the installed one."""
    return package_copy(tmp_path_factory.mktemp('changed'),
                        appended={'system.py': '\n# changed\n'})


def plan(tool, *args):
    """(exit code, action -> verdict) of `plan`."""
    code, rows = plan_rows(tool, *args)
    return code, {row['Action']: row['Result'] for row in rows}


def plan_rows(tool, *args):
    """(exit code, rows) of `plan`."""
    result = tool('plan', *args, '-f', 'json', check=False)
    assert result.returncode in (0, 2), result.stderr
    return result.returncode, json.loads(result.stdout)


def test_plan_exits_2_exactly_when_register_would_write(tool, changed):
    empty = rest_state(tool.mistral)
    code, verdicts = plan(tool, '--include-unsafe')
    assert code == 2
    assert set(verdicts.values()) == {'create'}
    assert rest_state(tool.mistral) == empty  # plan writes nothing

    tool('register', '--include-unsafe')
    registered = rest_state(tool.mistral)
    code, verdicts = plan(tool, '--include-unsafe')
    assert (code, set(verdicts.values())) == (0, {'unchanged'})
    # exec registered earlier is kept (and checked) without the option.
    code, verdicts = plan(tool)
    assert (code, verdicts['int32bit.system.exec']) == (0, 'unchanged')

    # A difference that register leaves alone without --override: exit 0,
    # and the row names the option.
    changed_tool = tool.with_package(changed)
    code, rows = plan_rows(changed_tool, '--include-unsafe')
    row = {row['Action']: row for row in rows}['int32bit.system.exec']
    assert (code, row['Result']) == (0, 'different')
    assert '--override' in row['Detail']
    code, verdicts = plan(changed_tool, '--include-unsafe', '--override')
    assert (code, verdicts['int32bit.system.exec']) == (2, 'update')
    assert rest_state(tool.mistral) == registered


def test_prune_removes_only_what_is_no_longer_discovered(tool, with_extra):
    client = tool.mistral.client()
    client.code_sources.create('someone_elses', FOREIGN_MODULE,
                               scope='public')
    client.dynamic_actions.create('someone.wave', 'Wave', 'someone_elses',
                                  scope='public')
    try:
        tool.with_package(with_extra)('register', '--include-unsafe')
        assert EXTRA in action_list(tool.mistral)

        # Without --prune the stale action stays, and plan says so.
        rows = {row['Action']: row for row in tool.rows(
            'register', '--include-unsafe')}
        assert rows[EXTRA]['Result'] == 'stale'
        assert '--prune' in rows[EXTRA]['Detail']
        assert EXTRA in action_list(tool.mistral)
        # register without --prune would not write: plan exits 0 ...
        assert plan(tool, '--include-unsafe') == (0, dict(
            plan(tool, '--include-unsafe')[1], **{EXTRA: 'stale'}))
        # ... and 2 with --prune, which would remove it.
        assert plan(tool, '--include-unsafe', '--prune')[0] == 2

        sources, actions = rest_state(tool.mistral)
        rows = {row['Action']: row['Result'] for row in tool.rows(
            'register', '--include-unsafe', '--prune')}
        assert rows[EXTRA] == 'removed'
        assert set(rows.values()) == {'removed', 'unchanged'}
        listing = action_list(tool.mistral)
        assert EXTRA not in listing
        assert 'someone.wave' in listing
        names = {s.name for s in client.code_sources.list()}
        assert 'mistral_actions.extra' not in names
        assert 'someone_elses' in names
        # Everything else is untouched: same rows, same versions.
        after_sources, after_actions = rest_state(tool.mistral)
        assert after_sources == [s for s in sources
                                 if s[0] != 'mistral_actions.extra']
        assert after_actions == [a for a in actions if a[0] != EXTRA]
        assert plan(tool, '--include-unsafe')[0] == 0
    finally:
        client.dynamic_actions.delete('someone.wave')
        client.code_sources.delete('someone_elses')

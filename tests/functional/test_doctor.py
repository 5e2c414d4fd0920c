"""`mistral-actions doctor` against a real Mistral: healthy, then each ✘
for a real reason, and the command that repairs it.

Mistral runs from a node virtualenv without this project (nor pytest):
an action that imports pytest when it runs is what an executor lacking a
library looks like.
"""

import json
import os
import re

import pytest

from tests.harness.clients import mistral_cli
from tests.harness.clients import Tool
from tests.harness.mistral_servers import SingleProcessMistral
from tests.harness import readme_blocks

#: A package of actions at a path: one action needs pytest on the
#: executors (imported when it runs, so the code source still loads).
PROBED = {
    '__init__.py': '',
    'needs.py': '''"""An action that needs a library the executors lack."""
from mistral_lib import actions


class NeedsPytest(actions.Action):
    """Report pytest's version."""

    __export__ = True

    def run(self, context):
        import pytest
        return pytest.__version__
''',
}

ROOT = readme_blocks.ROOT

WORKFLOW = '''---
version: '2.0'
%(name)s:
  tasks:
    status:
      action: int32bit.nova.servers.get_status server_id=x%(extra)s
'''


def checks(tool, *args):
    """(exit code, {check name: (status, reason)})."""
    result = tool('doctor', '-f', 'json', *args, check=False)
    rows = json.loads(result.stdout)
    return result.returncode, {row['Check']: (row['OK'], row['Reason'])
                               for row in rows}


def failed(found):
    return {name: reason for name, (status, reason) in found.items()
            if status == '✘'}


@pytest.fixture
def tool(single_mistral):
    tool = Tool(single_mistral, 'api')
    tool('register')
    yield tool
    tool('clear')


def readme_doctor_commands():
    """The doctor command each README shows, as arguments."""
    return [args for readme in ('README.md', 'README.zh.md')
            for args in readme_blocks.commands(readme,
                                               'mistral-actions doctor')]


def test_healthy_then_broken_code_source_found_and_repaired(
        tool, single_mistral, tmp_path, monkeypatch):
    commands = readme_doctor_commands()
    assert len(commands) == 2 and commands[0] == commands[1]
    monkeypatch.chdir(ROOT)  # the README's paths are the checkout's
    code, found = checks(tool, *commands[0][1:])
    assert code == 0, found
    assert found['workflows name our actions as they are'][0] == '✔'
    assert not failed(found)
    assert found['executors import what the actions need'][0] == '✔'
    assert 'novaclient' in found['executors import what the actions need'][1]

    # Someone edits a code source of ours behind our back, badly.
    name = 'mistral_actions.glance.images'
    broken = tmp_path / 'broken.py'
    broken.write_text('def broken(:\n')
    mistral_cli(single_mistral, 'code-source-update', name, str(broken))
    code, found = checks(tool)
    assert code == 1
    problems = failed(found)
    assert name in problems['mistral action-list works']
    assert 'int32bit.glance.images.filter_by' in \
        problems['every action of ours resolves and loads']
    assert 'changed:' in problems['Mistral holds what the packages have']
    assert '%s changed (version 2, recorded 1)' % name in \
        problems['Mistral holds what the ledger recorded']

    tool('register', '--override')
    code, found = checks(tool)
    assert code == 0, failed(found)


def test_workflows_naming_a_missing_action_or_parameter(tool,
                                                        single_mistral,
                                                        tmp_path):
    client = single_mistral.client()
    client.workflows.create(WORKFLOW % {'name': 'uses_extra',
                                        'extra': ' colour=red'})
    try:
        code, found = checks(tool)
        assert code == 1
        problem = failed(found)['workflows name our actions as they are']
        assert 'uses_extra' in problem and 'unexpected colour' in problem

        gone = tmp_path / 'gone.yaml'
        gone.write_text(WORKFLOW.replace('get_status', 'gone') % {
            'name': 'not_uploaded', 'extra': ''})
        code, found = checks(tool, '--workflow', str(gone))
        problem = failed(found)['workflows name our actions as they are']
        assert 'int32bit.nova.servers.gone' in problem
        assert str(gone) in problem
    finally:
        client.workflows.delete('uses_extra')
    code, found = checks(tool)
    assert code == 0, failed(found)


@pytest.fixture(params=['single-process', 'api, engine, executor'])
def any_mistral(request):
    """The single-process Mistral, and Mistral as deployed (the executor a
    process of its own, on MariaDB and RabbitMQ)."""
    return request.getfixturevalue(
        'single_mistral' if request.param == 'single-process'
        else 'distributed_mistral')


def test_a_library_missing_on_the_executors_and_drift(any_mistral,
                                                      tmp_path):
    folder = tmp_path / 'probed'
    folder.mkdir()
    for name, text in PROBED.items():
        (folder / name).write_text(text)
    tool = Tool(any_mistral, 'api')
    tool('register', '--package', str(folder))
    drift = 'Mistral holds what the packages have'
    try:
        code, found = checks(tool, '--package', str(folder))
        assert code == 1
        problem = failed(found)['executors import what the actions need']
        assert 'pytest cannot be imported' in problem
        assert 'probed.needs.needs_pytest' in problem
        assert drift not in failed(found)

        # A new action in the package, not registered yet: drift, repaired
        # by registering the package.
        (folder / 'more.py').write_text(PROBED['needs.py'].replace(
            'NeedsPytest', 'AlsoNeedsPytest'))
        code, found = checks(tool, '--package', str(folder))
        assert failed(found)[drift].startswith(
            'missing: probed.more.also_needs_pytest'), failed(found)
        tool('register', '--package', str(folder))
        code, found = checks(tool, '--package', str(folder))
        assert drift not in failed(found)

        # An action changed here and not deployed: drift, repaired by
        # register --override.
        (folder / 'more.py').write_text(PROBED['needs.py'].replace(
            'NeedsPytest', 'AlsoNeedsPytest').replace(
            'Report pytest', 'Report the version of pytest'))
        code, found = checks(tool, '--package', str(folder))
        assert failed(found)[drift].startswith(
            'changed: probed.more.also_needs_pytest'), failed(found)
        tool('register', '--package', str(folder), '--override')
        code, found = checks(tool, '--package', str(folder))
        assert drift not in failed(found)
        assert set(failed(found)) == {
            'executors import what the actions need'}, failed(found)
    finally:
        tool('clear', '--package', str(folder))


def test_the_probe_runs_in_the_executor_process(distributed_mistral):
    """On Mistral as deployed, doctor of a fresh registration passes, and
    the imports are checked by the executor server, not by the API that
    took the request."""
    tool = Tool(distributed_mistral, 'api')
    tool('register')
    try:
        code, found = checks(tool)
    finally:
        tool('clear')
    assert code == 0, failed(found)
    status, reason = found['executors import what the actions need']
    assert status == '✔', reason
    pid = int(re.search(r'\(pid (\d+)\)', reason).group(1))
    executor = {process.name: process for process in
                distributed_mistral.processes}['executor']
    assert os.getpgid(pid) == executor.pid, (reason, executor.pid)


@pytest.fixture(scope='module')
def misconfigured_mistral(tmp_path_factory):
    """A Mistral of this module's own whose dynamic action provider is
    denied by its config ([action_providers] denylist)."""
    with SingleProcessMistral(
            tmp_path_factory.mktemp('no-dynamic'),
            extra_config={'action_providers': {'denylist': 'dynamic'}}
    ) as mistral:
        yield mistral


def test_a_policy_that_refuses_and_dynamic_actions_denied(
        misconfigured_mistral):
    tool = Tool(misconfigured_mistral, 'api')
    code, found = checks(tool)
    assert code == 1
    problems = failed(found)
    assert 'provider is off' in problems['dynamic actions enabled']
    assert 'executors import what the actions need' not in problems

    # Mistral reads its policy file again when it changes.
    policy = misconfigured_mistral.workdir / 'policy.yaml'
    allowing = policy.read_text()
    policy.write_text(allowing + '"code_sources:create": "!"\n')
    try:
        code, found = checks(tool)
        assert code == 1
        assert failed(found)[
            'allowed to manage code sources and dynamic actions'] == \
            "Mistral's policy refused code_sources:create"
    finally:
        policy.write_text(allowing)
    assert not [name for name in tool.mistral.client().code_sources.list()
                if name.name.startswith('mistral-actions-doctor-probe-')]

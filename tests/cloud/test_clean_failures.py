"""Expected failures end cleanly (issue: they read like crashes, with
``The action raised an exception [action=<...DynamicAction object at
0x...>, ...]`` and a traceback in the executor's log for every try).

An action that fails for a reason it foresaw (not found, wrong or error
state, timeout, bad input) ends with mistral-lib's ``Result(error=...)``:
Mistral shows its one-line message as it is, in what ``mistral
run-action`` prints, in the action execution's output and in the task's
``state_info``, and logs no traceback. Anything else still raises.
"""

import json
from pathlib import Path
import re
import uuid

import pytest

from tests.cloud.cloud_fixtures import FLAKY_REGION
from tests.cloud.workflows import run_action
from tests.harness import clients as cli

UNKNOWN = '00000000-0000-4000-8000-%012d' % 43
ROOT = Path(__file__).resolve().parents[2]
#: What the executor logs for an action that raised.
CRASH_MARKS = ('Traceback', 'The action raised an exception')


class LogTail:
    """What a log file gets from now on."""

    def __init__(self, path):
        self.path = Path(path)
        self.start = self.path.stat().st_size

    def text(self):
        with open(self.path, 'rb') as log:
            log.seek(self.start)
            return log.read().decode('utf-8', errors='replace')


def executor_log(mistral):
    return LogTail(mistral.log_paths['executor'])


def assert_no_crash_logged(log):
    text = log.text()
    for mark in CRASH_MARKS:
        assert mark not in text, 'the executor logged:\n%s' % text


def expected_failures(cloud, volume):
    """(action, input, the exact message) of expected failures, one per
    kind: unknown id, wrong status, timeout, bad input (an OpenStack
    action's and exec's)."""
    image = cloud.image_id
    return [
        ('int32bit.nova.servers.assert_status', {'server_id': UNKNOWN},
         'server %s not found' % UNKNOWN),
        ('int32bit.glance.images.assert_status',
         {'image_id': image, 'status': 'queued'},
         'image %s is active, not queued yet' % image),
        ('int32bit.cinder.volumes.wait_for_status',
         {'volume_id': volume, 'status': 'in-use', 'timeout': 2,
          'interval': 1},
         'volume %s is still available after 2 s, not in-use; gave up '
         'waiting' % volume),
        ('int32bit.cinder.backups.create_backup',
         {'volume_id': volume, 'max_chains': 'two'},
         "max_chains must be a whole number >= 0, got 'two'"),
        ('int32bit.system.exec', {'cmd': ''}, "empty command in ''"),
    ]


def test_expected_failures_show_their_message_and_log_no_traceback(
        cloud, cloud_mistral, volume):
    client = cloud_mistral.client()
    for action, params, message in expected_failures(cloud, volume):
        log = executor_log(cloud_mistral)
        # What `mistral run-action` prints.
        assert cli.run_action(cloud_mistral, action, params) == \
            {'result': message}, action
        # A saved run: its state and output, read back by id.
        execution = client.action_executions.create(
            action, params, save_result=True, run_sync=True)
        assert execution.state == 'ERROR', execution.output
        assert json.loads(execution.output) == {'result': message}
        again = client.action_executions.get(execution.id)
        assert (again.state, json.loads(again.output)) == \
            ('ERROR', {'result': message})
        assert_no_crash_logged(log)


def readme_break_on(readme):
    """The README's ``break-on:`` line: what its users copy."""
    lines = [line.strip() for line in
             (ROOT / readme).read_text('utf-8').splitlines()
             if line.strip().startswith('break-on:')]
    assert len(lines) == 1, lines
    return lines[0]


RETRY_WORKFLOW = '''
version: '2.0'
%(name)s:
  input: [server_id]
  tasks:
    check:
      action: int32bit.nova.servers.assert_status
      input:
        server_id: <%% $.server_id %%>
      retry:
        count: 5
        delay: 1
        %(break_on)s
      publish-on-error:
        state_info: <%% task().state_info %%>
        result: <%% task().result %%>
      on-error:
        - seen
    seen:
      action: std.noop
  output:
    state_info: <%% $.state_info %%>
    result: <%% $.result %%>
'''


@pytest.mark.parametrize('readme', ['README.md', 'README.zh.md'])
def test_a_task_sees_the_message_and_the_readme_break_on_stops_it(
        cloud, cloud_mistral, server, readme):
    cloud.nova().servers.reset_state(server, 'error')
    message = 'server %s is in error state ERROR; it will never become ' \
        'ACTIVE' % server
    client = cloud_mistral.client()
    name = 'clean_failure_%s' % uuid.uuid4().hex[:6]
    log = executor_log(cloud_mistral)
    execution = cli.run_workflow(
        client, RETRY_WORKFLOW % {'name': name,
                                  'break_on': readme_break_on(readme)},
        name, {'server_id': server})
    # on-error handled it: the workflow ends well and says what it saw.
    assert execution.state == 'SUCCESS', execution.state_info
    assert json.loads(execution.output) == {'state_info': message,
                                            'result': message}
    task = next(task for task in client.tasks.list(
        workflow_execution_id=execution.id) if task.name == 'check')
    assert (task.state, task.state_info) == ('ERROR', message)
    runs = client.action_executions.list(task_execution_id=task.id)
    assert len(runs) == 1, 'break-on did not stop the retries'
    assert_no_crash_logged(log)


def test_an_unexpected_failure_still_raises(cloud_mistral, flaky, volume):
    # Cinder refusing the request (403) is nothing the action foresees.
    flaky.fail_next(1, 403, path_contains='/volumes/' + volume)
    log = executor_log(cloud_mistral)
    state, output = run_action(cloud_mistral,
                               'int32bit.cinder.volumes.assert_status',
                               in_region=FLAKY_REGION, volume_id=volume)
    assert state == 'ERROR'
    assert re.match(r"The action raised an exception \[action=.*msg='.*"
                    r"403", output['result']), output
    assert 'Traceback' in log.text()

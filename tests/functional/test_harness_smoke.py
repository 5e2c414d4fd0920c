"""The Mistral harness gives what the project needs, in both shapes."""

import contextlib
import json
import subprocess
import sys
import urllib.request
import uuid

from tests.harness.clients import logs
from tests.harness.clients import mistral_cli
from tests.harness.clients import run_action
from tests.harness.clients import wait_for_execution

TIMEOUT = 120

GREETER = '''
from mistral_lib import actions


class Greet(actions.Action):
    """Say hello."""

    def __init__(self, name):
        self.name = name

    def run(self, context):
        return '%s %s' % (GREETING, self.name)
'''

WORKFLOW = '''
version: '2.0'
{workflow}:
  input:
    - who
  tasks:
    greet:
      action: {action}
      input:
        name: <% $.who %>
      publish:
        greeting: <% task().result %>
  output:
    greeting: <% $.greeting %>
'''

# Runs in a process of its own, as the project's `db` backend would.
DB_SCRIPT = '''
import json
import sys
import mistral.config
from oslo_config import cfg
from mistral.db.v2 import api as db_api
cfg.CONF(['--config-file', sys.argv[1]], project='mistral')
command, source, action, content = json.loads(sys.argv[2])
with db_api.transaction():
    if command == 'create':
        code = db_api.create_code_source({
            'name': source, 'content': content, 'namespace': '',
            'scope': 'public', 'version': 1})
        db_api.create_dynamic_action_definition({
            'name': action, 'class_name': 'Greet', 'namespace': '',
            'scope': 'public', 'code_source_id': code.id,
            'code_source_name': source})
    elif command == 'update':
        db_api.update_code_source(source, {'content': content})
    else:
        db_api.delete_dynamic_action_definition(action)
        db_api.delete_code_source(source)
'''


def greeter(greeting):
    return 'GREETING = %r\n%s' % (greeting, GREETER)


def unique(prefix):
    return '%s_%s' % (prefix, uuid.uuid4().hex[:8])


def db_api(mistral, *command):
    """Write Mistral's tables from another process, through its DB API."""
    result = subprocess.run(
        [sys.executable, '-c', DB_SCRIPT, mistral.config_file,
         json.dumps(command)],
        capture_output=True, text=True, timeout=TIMEOUT)
    assert result.returncode == 0, result.stderr


def test_api_answers(mistral):
    with urllib.request.urlopen(mistral.url + '/', timeout=30) as response:
        assert response.status == 200


def test_action_list_shows_std_echo(mistral):
    names = mistral_cli(mistral, 'action-list', '-f', 'value', '-c',
                        'Name').stdout.split()
    assert 'std.echo' in names


def test_run_action_std_echo(mistral):
    assert run_action(mistral, 'std.echo', {'output': 'hi'}) == {
        'result': 'hi'}


def test_dynamic_action_through_rest(mistral):
    client = mistral.client()
    source, workflow = unique('harness_smoke'), unique('harness_smoke_wf')
    action = 'harness.smoke.%s' % unique('greet')
    with contextlib.ExitStack() as cleanup:
        client.code_sources.create(source, greeter('hello'), scope='public')
        cleanup.callback(client.code_sources.delete, source)
        client.dynamic_actions.create(action, 'Greet', source, scope='public')
        cleanup.callback(client.dynamic_actions.delete, action)

        assert run_action(mistral, action, {'name': 'world'}) == {
            'result': 'hello world'}

        client.workflows.create(
            WORKFLOW.format(workflow=workflow, action=action))
        cleanup.callback(client.workflows.delete, workflow)
        execution = client.executions.create(
            workflow, workflow_input={'who': 'workflow'})
        cleanup.callback(client.executions.delete, execution.id, force=True)
        execution = wait_for_execution(client, execution.id, TIMEOUT)
        assert execution.state == 'SUCCESS', '%s: %s\n%s' % (
            execution.state, execution.state_info, logs(mistral))
        assert json.loads(execution.output) == {
            'greeting': 'hello workflow'}
    assert action not in [item.name for item in client.dynamic_actions.list()]


def test_db_api_from_another_process(distributed_mistral):
    mistral = distributed_mistral
    source, action = unique('harness_smoke_db'), unique('harness.smoke.db')
    db_api(mistral, 'create', source, action, greeter('hello'))
    try:
        assert run_action(mistral, action, {'name': 'db'}) == {
            'result': 'hello db'}
        # A new version of the code is picked up without a restart.
        db_api(mistral, 'update', source, action, greeter('bonjour'))
        assert run_action(mistral, action, {'name': 'db'}) == {
            'result': 'bonjour db'}
    finally:
        db_api(mistral, 'delete', source, action, None)
    names = mistral_cli(mistral, 'action-list', '-f', 'value', '-c',
                        'Name').stdout.split()
    assert action not in names

"""The ways the cloud tests drive Mistral with keystone: examples run as
workflows, actions run one by one, cloud resources waited for."""

import json
from pathlib import Path
import time

from tests.harness.clients import wait_for_execution

EXAMPLES = Path(__file__).resolve().parents[2] / 'examples'
WAIT = 180  # seconds any cloud resource may take to settle


def run_example(mistral, relative_path, workflow, workflow_input,
                timeout=WAIT * 2, credentials=None, expect='SUCCESS'):
    """Load examples/<relative_path>, run workflow to its end (as the user
    of ``credentials``, the admin by default) and check it ends in state
    ``expect``; the execution, its output parsed, and the wall time it
    took."""
    client = mistral.client(credentials=credentials)
    definition = (EXAMPLES / relative_path).read_text()
    client.workflows.create(definition)
    started = time.monotonic()
    try:
        execution = client.executions.create(
            workflow, workflow_input=workflow_input)
        execution = wait_for_execution(client, execution.id, timeout)
    finally:
        client.workflows.delete(workflow)
    seconds = time.monotonic() - started
    print('example %s: %s in %.1f s' % (relative_path, execution.state,
                                        seconds))
    assert execution.state == expect, '%s: %s' % (
        execution.state, execution.state_info)
    return execution, json.loads(execution.output), seconds


def run_action(mistral, action, in_region=None, **params):
    """Run one action synchronously, as `mistral run-action` does, with the
    real keystone context (of region ``in_region``: the cloud's own by
    default); (state, output)."""
    execution = mistral.client(region=in_region).action_executions.create(
        action, params, save_result=True, run_sync=True)
    # What ran where, for tests that every action ran on a given Mistral.
    mistral.actions_run = getattr(mistral, 'actions_run', set()) | {action}
    return execution.state, json.loads(execution.output)


def wait_for(fetch, ready, what, timeout=WAIT):
    """Poll fetch() until ready(value); the last value."""
    deadline = time.monotonic() + timeout
    while True:
        value = fetch()
        if ready(value):
            return value
        if time.monotonic() > deadline:
            raise AssertionError('%s not reached after %ss: %r' % (
                what, timeout, value))
        time.sleep(0.5)

"""Drive a test Mistral the way operators do: the `mistral` CLI, the
`mistral-actions` CLI and python-mistralclient, every call bounded."""

import json
from pathlib import Path
import subprocess
import sys
import time

from tests.harness.mistral_servers import client_environment

BIN = Path(sys.executable).parent
TIMEOUT = 180


def logs(mistral) -> str:
    return 'logs: %s' % ', '.join(str(p) for p in mistral.log_paths.values())


def environment(mistral=None, pythonpath=None) -> dict:
    """os.environ for a client command: talking to this Mistral only (to
    none without one), discovering the package copy at pythonpath."""
    env = mistral.env() if mistral else client_environment()
    if pythonpath:
        env['PYTHONPATH'] = str(pythonpath)
    return env


def run(argv, env, check=True, timeout=TIMEOUT, what=None):
    """Run a command; on an unexpected exit code fail with its output."""
    result = subprocess.run([str(arg) for arg in argv], env=env, text=True,
                            capture_output=True, timeout=timeout)
    if check and result.returncode != 0:
        raise AssertionError('%s exited %s\nstdout: %s\nstderr: %s' % (
            what or ' '.join(map(str, argv)), result.returncode,
            result.stdout, result.stderr))
    return result


def mistral_cli(mistral, *args, check=True):
    """The `mistral` CLI (python-mistralclient) against this server."""
    result = run([BIN / 'mistral', *args], mistral.env(), check=False)
    if check and result.returncode != 0:
        raise AssertionError('mistral %s exited %s: %s\n%s' % (
            ' '.join(args), result.returncode, result.stderr, logs(mistral)))
    return result


def action_list(mistral) -> dict:
    """name -> row of `mistral action-list -f json` (the CLI cuts long
    inputs and descriptions short there)."""
    rows = json.loads(mistral_cli(mistral, 'action-list', '-f', 'json')
                      .stdout)
    return {row['Name']: row for row in rows}


def action_get(mistral, name) -> dict:
    """`mistral action-get NAME -f json`: untruncated, unlike the list."""
    return json.loads(mistral_cli(mistral, 'action-get', name, '-f', 'json')
                      .stdout)


def run_action(mistral, name, params):
    """`mistral run-action NAME JSON`: the parsed JSON it prints."""
    return json.loads(mistral_cli(mistral, 'run-action', name,
                                  json.dumps(params)).stdout)


def wait_for_execution(client, execution_id, timeout=TIMEOUT):
    deadline = time.monotonic() + timeout
    while True:
        execution = client.executions.get(execution_id)
        if execution.state not in ('IDLE', 'RUNNING'):
            return execution
        if time.monotonic() > deadline:
            raise AssertionError('execution %s still %s after %ss' % (
                execution_id, execution.state, timeout))
        time.sleep(0.3)


def run_workflow(client, definition, name, workflow_input=None,
                 timeout=TIMEOUT):
    """Create the workflow, run it to its end, delete it; the execution."""
    client.workflows.create(definition)
    try:
        execution = client.executions.create(
            name, workflow_input=workflow_input or {})
        return wait_for_execution(client, execution.id, timeout)
    finally:
        client.workflows.delete(name)


class Tool:
    """The `mistral-actions` command, pointed at one Mistral and backend.

    :param pythonpath: a package copy to discover instead of the package.
    :param timeout: seconds each run may take.
    """

    def __init__(self, mistral, backend, pythonpath=None, timeout=TIMEOUT):
        self.mistral = mistral
        self.backend = backend
        self.pythonpath = pythonpath
        self.timeout = timeout

    def argv(self):
        argv = [BIN / 'mistral-actions', '--backend', self.backend]
        if self.backend == 'db':
            argv += ['--config-file', self.mistral.config_file]
        return argv

    def env(self):
        return environment(self.mistral, self.pythonpath)

    def __call__(self, *args, check=True):
        result = run(self.argv() + list(args), self.env(), check=False,
                     timeout=self.timeout)
        if check and result.returncode != 0:
            raise AssertionError('mistral-actions %s exited %s\n%s\n%s' % (
                ' '.join(args), result.returncode, result.stderr,
                logs(self.mistral)))
        return result

    def rows(self, *args):
        """Run a listing command with -f json; its rows."""
        return json.loads(self(*args, '-f', 'json').stdout)

    def with_package(self, pythonpath):
        """The same tool, discovering a changed copy of the package."""
        return Tool(self.mistral, self.backend, pythonpath, self.timeout)

"""What a test does with a sandbox Mistral: register packages of actions,
run an action or a workflow, start again from a clean registry.

:class:`Sandbox` is what the pytest plugin's ``mistral_sandbox`` fixture
gives and what the demo tells its story with. It talks to Mistral over its
REST API (the ``api`` backend for registering), so it works the same on a
sandbox it started and on one started elsewhere (``mistral-actions
sandbox`` in another shell).
"""

import contextlib
import dataclasses
import json
from pathlib import Path
import shutil
import tempfile
import time
import typing

from mistral_actions.tool import connection
from mistral_actions.tool import deploy
from mistral_actions.tool import packages as action_packages
from mistral_actions.tool.pipeline import plan as planning
from mistral_actions.tool.sandbox import server as sandbox_server

#: Seconds a request to Mistral, or an action run, may take.
REQUEST_TIMEOUT = 60.0
#: Seconds a workflow may run.
WORKFLOW_TIMEOUT = 120.0
#: Execution states that are not final.
RUNNING_STATES = frozenset({'IDLE', 'RUNNING'})
#: Top-level keys of a workflow definition that name no workflow.
NOT_WORKFLOWS = frozenset({'version', 'name', 'description', 'tags'})


class ActionFailed(AssertionError):
    """An action ended in ERROR; ``str()`` is its message, ``error`` what
    it returned as error (a message, or a dict for some actions, such as
    ``int32bit.system.exec``, whose ``message`` is then the message)."""

    def __init__(self, name: str, error: typing.Any):
        self.name = name
        self.error = error
        if isinstance(error, dict) and isinstance(error.get('message'), str):
            message = error['message']
        elif isinstance(error, str):
            message = error
        else:
            message = json.dumps(error, sort_keys=True)
        super().__init__(message)


@dataclasses.dataclass(frozen=True)
class WorkflowRun:
    """How a workflow execution ended."""

    state: str  #: SUCCESS, ERROR or CANCELLED
    output: dict  #: the workflow's output
    state_info: typing.Optional[str]  #: why it is in ERROR, if it is
    execution_id: str


def _as_json(value: typing.Any) -> typing.Any:
    if isinstance(value, str):
        try:
            return json.loads(value)
        except ValueError:
            return value
    return value


def workflow_names(definition: str) -> typing.List[str]:
    """The workflows a v2 definition defines, in the order written."""
    import yaml
    document = yaml.safe_load(definition)
    if not isinstance(document, dict):
        raise ValueError('not a Mistral workflow definition (a YAML '
                         'mapping of workflow names)')
    return [name for name in document if name not in NOT_WORKFLOWS]


class Sandbox:
    """A Mistral without keystone to test actions against.

    :param url: its API (``http://127.0.0.1:PORT/v2``).
    :param server: the :class:`~.server.SandboxServer` that runs it, when
        this process started it (``stop()`` stops it then).
    :param timeout: seconds for a request, and for an action to run.

    Make one with :meth:`start` (a new Mistral, in a temporary folder or
    ``workdir``) or ``Sandbox(url)`` (one that runs already).
    """

    def __init__(self, url: str,
                 server: typing.Optional[sandbox_server.SandboxServer] = None,
                 timeout: float = REQUEST_TIMEOUT):
        self.url = connection.mistral_url(url)
        self.server = server
        self.timeout = timeout
        self._temporary = None
        self._registry = None

    @classmethod
    def start(cls, workdir: typing.Union[str, Path, None] = None,
              python: typing.Union[str, Path, None] = None,
              port: typing.Optional[int] = None,
              timeout: float = REQUEST_TIMEOUT) -> 'Sandbox':
        """A new sandbox Mistral, ready. Without ``workdir`` its state is
        in a temporary folder that :meth:`stop` removes; a ``workdir`` is
        kept (and reused by the next start on it)."""
        if python is None:
            sandbox_server.check_mistral_installed()
        temporary = None
        if workdir is None:
            workdir = temporary = tempfile.mkdtemp(prefix='mistral-sandbox-')
        try:
            server = sandbox_server.SandboxServer(workdir, python=python,
                                                  port=port).start()
        except BaseException:
            if temporary:
                shutil.rmtree(temporary, ignore_errors=True)
            raise
        sandbox = cls(server.url, server, timeout)
        sandbox._temporary = temporary
        return sandbox

    def stop(self) -> None:
        """Stop the Mistral this process started (by its pid) and remove
        its temporary folder; nothing for one started elsewhere."""
        if self.server:
            self.server.stop()
        if self._temporary:
            shutil.rmtree(self._temporary, ignore_errors=True)
            self._temporary = None

    def __enter__(self) -> 'Sandbox':
        return self

    def __exit__(self, *exc_info) -> None:
        self.stop()

    @property
    def registry(self):
        """The ``api`` backend's registry of this Mistral."""
        if self._registry is None:
            from mistral_actions.tool.registry import api
            self._registry = api.RestRegistry.connect(
                connection.ConnectionOptions(mistral_url=self.url,
                                             timeout=self.timeout))
        return self._registry

    @property
    def client(self):
        """A python-mistralclient client of this Mistral."""
        return self.registry.client

    def register(self, package: typing.Union[str, typing.Sequence[str],
                                             None] = None,
                 include_unsafe: bool = False,
                 override: bool = True) -> planning.Plan:
        """``mistral-actions register`` in this process: the packages
        (``--package`` values: a module, a folder, ``MODULE=PREFIX``; by
        default every declared one), validated, written and verified.
        Changed modules are updated (``--override``) unless told not to.
        Raises :class:`~mistral_actions.tool.errors.ToolError` with the
        command's message when it would fail."""
        chosen = [package] if isinstance(package, (str, Path)) else package
        return deploy.register(
            self.registry, action_packages.select(
                [str(option) for option in chosen] if chosen else None),
            override=override, include_unsafe=include_unsafe)

    def run_action(self, name: str, /, **action_input: typing.Any
                   ) -> typing.Any:
        """Run an action as ``mistral run-action`` does; its result.
        Raises :class:`ActionFailed` with the action's message when it
        ends in ERROR."""
        __tracebackhide__ = True  # pytest: the failure is the action's
        with self.registry.translated_errors():
            execution = self.client.action_executions.create(
                name, action_input)
        output = _as_json(execution.output) or {}
        result = output.get('result') if isinstance(output, dict) \
            else output
        if execution.state != 'SUCCESS':
            raise ActionFailed(name, result)
        return result

    def run_workflow(self, definition: str, /,
                     **workflow_input: typing.Any) -> WorkflowRun:
        """Create the workflow(s) of a v2 definition, run the first one to
        its end with this input, delete them again; how it ended."""
        names = workflow_names(definition)
        client = self.client
        with self.registry.translated_errors():
            client.workflows.create(definition)
        try:
            with self.registry.translated_errors():
                execution = client.executions.create(
                    names[0], workflow_input=workflow_input)
            execution = self._finished(execution.id)
        finally:
            for name in reversed(names):
                with contextlib.suppress(Exception):
                    client.workflows.delete(name)
        return WorkflowRun(execution.state,
                           _as_json(execution.output) or {},
                           execution.state_info, execution.id)

    def _finished(self, execution_id: str, timeout: float = WORKFLOW_TIMEOUT):
        deadline = time.monotonic() + timeout
        while True:
            with self.registry.translated_errors():
                execution = self.client.executions.get(execution_id)
            if execution.state not in RUNNING_STATES:
                return execution
            if time.monotonic() > deadline:
                raise TimeoutError('workflow execution %s still %s after '
                                   '%ss' % (execution_id, execution.state,
                                            timeout))
            time.sleep(0.2)

    def clear(self) -> None:
        """Start again from a clean registry: every dynamic action, then
        every code source, whoever made them (page after page)."""
        with self.registry.translated_errors():
            for manager in (self.client.dynamic_actions,
                            self.client.code_sources):
                while True:
                    rows = manager.list()
                    if not rows:
                        break
                    for row in rows:
                        manager.delete(row.id)

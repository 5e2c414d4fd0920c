"""Will my actions run? Checks of a Mistral and of what it holds of ours.

Each check asks Mistral (over its REST API, as the users of the actions
do) one question and answers it with a :class:`Check`: passed or not, one
line of why, one line of what to do. A check whose question cannot be
asked (Mistral unreachable, say) is skipped, not failed twice.

The executor check registers a throw-away probe action (private, deleted
again at the end) and runs it through Mistral, so it is the executors'
Python that imports each module the actions need, not this machine's.
"""

import dataclasses
import re
import typing
import uuid

from mistral_actions.tool import errors
from mistral_actions.tool import ledger
from mistral_actions.tool import ownership
from mistral_actions.tool.pipeline import plan as planning
from mistral_actions.tool.pipeline import validate
from mistral_actions.tool import registry as registries

PASSED, FAILED, SKIPPED = '✔', '✘', '-'

#: The probe: imports modules on the executor, says which failed.
PROBE_SOURCE = '''"""mistral-actions doctor's probe (deleted after the run)."""
import importlib
import os
import socket

from mistral_lib import actions


class Probe(actions.Action):
    def __init__(self, modules):
        self.modules = modules

    def run(self, context):
        missing = {}
        for name in self.modules:
            try:
                importlib.import_module(name)
            except Exception as error:
                missing[name] = '%s: %s' % (type(error).__name__, error)
        return {'missing': missing, 'host': socket.gethostname(),
                'pid': os.getpid()}
'''
PROBE_PREFIX = 'mistral-actions-doctor-probe-'
#: Inline parameters of a task's action: ``name a=1 b=<% $.x %>``.
INLINE_PARAMETER = re.compile(r'(?:^|\s)([A-Za-z_][\w-]*)=')


@dataclasses.dataclass
class Check:
    """One answer: ``status`` is PASSED, FAILED or SKIPPED."""

    name: str
    status: str
    reason: str
    hint: str = ''

    @property
    def failed(self) -> bool:
        return self.status == FAILED


def _passed(name, reason):
    return Check(name, PASSED, reason)


def _failed(name, reason, hint):
    return Check(name, FAILED, reason, hint)


def _skipped(name, reason):
    return Check(name, SKIPPED, reason)


class Doctor:
    """The checks, in the order an operator would make them.

    :param registry: an ``api`` registry (its client and connection).
    :param specs: the actions of the local packages (for drift, imports
        and keystone endpoints).
    :param prefixes: the packages' prefixes: what is ours.
    :param workflow_files: (path, text) of workflows to check before
        they are uploaded.
    :param session: the keystone session, when there is keystone.
    """

    def __init__(self, registry: typing.Any, specs: typing.Sequence,
                 prefixes: typing.Iterable[str],
                 workflow_files: typing.Sequence[tuple] = (),
                 session: typing.Any = None):
        self.registry = registry
        self.client = registry.client
        self.specs = list(specs)
        self.prefixes = set(prefixes)
        self.workflow_files = list(workflow_files)
        self.session = session
        self.snapshot = None
        self.inputs = {}  # our registered action -> its input, as Mistral

    def run(self) -> typing.List[Check]:
        checks = [self.reachable()]
        if checks[0].failed:
            return checks + [_skipped(name, 'Mistral cannot be read')
                             for name in self.LATER]
        if self.snapshot is None:
            # Reachable, but its policy keeps code sources from this user.
            return checks + [
                self.refused('code_sources:list') if name == self.ALLOWED
                else _skipped(name, 'Mistral did not show its code sources')
                for name in self.LATER]
        checks.append(self.action_list())
        probe = self.probe_name()
        try:
            checks.extend(self.allowed_and_enabled(probe))
            can_run = not any(check.failed for check in checks)
            checks.append(self.executors_import(probe) if can_run else
                          _skipped(self.EXECUTORS, 'no probe could be run'))
        finally:
            self.remove_probe(probe)
        checks.append(self.actions_resolve())
        checks.append(self.drift())
        checks.append(self.ledger_drift())
        checks.append(self.endpoints())
        checks.append(self.workflows())
        return checks

    REACHABLE = 'Mistral reachable'
    ACTION_LIST = 'mistral action-list works'
    ALLOWED = 'allowed to manage code sources and dynamic actions'
    ENABLED = 'dynamic actions enabled'
    EXECUTORS = 'executors import what the actions need'
    RESOLVE = 'every action of ours resolves and loads'
    DRIFT = 'Mistral holds what the packages have'
    LEDGER = 'Mistral holds what the ledger recorded'
    ENDPOINTS = 'keystone catalog has the services'
    WORKFLOWS = 'workflows name our actions as they are'
    LATER = (ACTION_LIST, ALLOWED, ENABLED, EXECUTORS, RESOLVE, DRIFT,
             LEDGER, ENDPOINTS, WORKFLOWS)

    # Each check.

    def reachable(self) -> Check:
        try:
            with self.registry.session() as session:
                self.snapshot = session.snapshot(with_other_actions=False)
        except errors.Forbidden:
            return _passed(self.REACHABLE, 'answered at %s, but would not '
                           'list code sources' % self.registry.where)
        except errors.ToolError as error:
            return _failed(self.REACHABLE, str(error),
                           'check --os-mistral-url / OS_* and --timeout')
        return _passed(self.REACHABLE, 'read %d code sources, %d dynamic '
                       'actions at %s' % (len(self.snapshot.code_sources),
                                          len(self.snapshot.actions),
                                          self.registry.where))

    def action_list(self) -> Check:
        try:
            with self.registry.translated_errors():
                count = len(self.client.actions.list())
        except errors.ToolError as error:
            culprits = self._broken_actions()
            return _failed(
                self.ACTION_LIST, '%s%s' % (error, '; broken: ' + ', '.join(
                    '%s (code source %s)' % pair for pair in culprits)
                    if culprits else ''),
                'fix or remove the code source named (mistral-actions '
                'register --override replaces ours)')
        return _passed(self.ACTION_LIST, 'lists %d actions' % count)

    def _broken_actions(self) -> list:
        """(action, code source) of the dynamic actions Mistral cannot
        describe: one such code source breaks the listing for all."""
        from mistralclient.api import base
        broken = []
        for name, action in sorted(self.snapshot.actions.items()):
            try:
                self.client.actions.get(name)
            except base.APIException:
                broken.append((name, action.code_source_name))
        return broken

    def probe_name(self) -> str:
        return PROBE_PREFIX + uuid.uuid4().hex[:12]

    def refused(self, rule: str) -> Check:
        """The check that Mistral's policy refused a request of rule."""
        return _failed(self.ALLOWED, 'Mistral\'s policy refused %s' % rule,
                       'ask for a role its policy allows (Mistral 23: '
                       'admin), or relax that rule in Mistral\'s policy '
                       'file')

    def allowed_and_enabled(self, probe: str) -> typing.List[Check]:
        from mistralclient.api import base
        # Mistral's 403 does not name the rule; each request is checked
        # against the rule of its own name.
        writes = (('code_sources:create', lambda: self.client.code_sources
                   .create(probe, PROBE_SOURCE, scope='private')),
                  ('dynamic_actions:create', lambda: self.client
                   .dynamic_actions.create(probe, 'Probe', probe,
                                           scope='private')))
        for rule, write in writes:
            try:
                write()
            except base.APIException as error:
                if error.error_code == 403:
                    refused = self.refused(rule)
                else:
                    refused = _failed(
                        self.ALLOWED, 'Mistral refused to store a probe '
                        'action: HTTP %s: %s' % (error.error_code,
                                                 error.error_message),
                        'see Mistral\'s API log')
                return [refused, _skipped(self.ENABLED,
                                          'no probe action could be made')]
        allowed = _passed(self.ALLOWED, 'stored a probe code source and '
                          'dynamic action')
        try:
            self.client.actions.get(probe)
        except base.APIException:
            return [allowed, _failed(
                self.ENABLED, 'Mistral does not find a dynamic action it '
                'stores: its dynamic action provider is off',
                'let "dynamic" in: [action_providers] allowlist / denylist '
                'in mistral.conf, then restart Mistral')]
        return [allowed, _passed(self.ENABLED, 'Mistral resolves a dynamic '
                                 'action it stores')]

    def needed_modules(self) -> dict:
        """External module -> the actions of ours that need it."""
        needed = {}
        for spec in self.specs:
            for external in spec.module.externals:
                if '(optional)' in external:
                    continue
                needed.setdefault(external, []).append(spec.name)
        return needed

    def executors_import(self, probe: str) -> Check:
        from mistralclient.api import base
        needed = self.needed_modules()
        try:
            execution = self.client.action_executions.create(
                probe, {'modules': sorted(needed)}, run_sync=True,
                save_result=True)
        except base.APIException as error:
            return _failed(self.EXECUTORS, 'the probe did not run: HTTP '
                           '%s: %s' % (error.error_code, error.error_message),
                           'see Mistral\'s engine and executor logs')
        if execution.state != 'SUCCESS':
            return _failed(self.EXECUTORS, 'the probe ended %s: %s' % (
                execution.state, execution.state_info),
                'see Mistral\'s executor log')
        result = _output(execution).get('result') or {}
        missing = result.get('missing') or {}
        if missing:
            return _failed(self.EXECUTORS, 'on executor %s: %s' % (
                _where(result), '; '.join(
                    '%s cannot be imported (%s), needed by %s' % (
                        name, why, _some(needed[name]))
                    for name, why in sorted(missing.items()))),
                'install the missing library into the Python of every '
                'Mistral executor')
        return _passed(self.EXECUTORS, 'executor %s imports %s' % (
            _where(result), ', '.join(sorted(needed)) or
            'everything (nothing external is needed)'))

    def remove_probe(self, probe: str) -> None:
        from mistralclient.api import base
        for manager in (self.client.dynamic_actions,
                        self.client.code_sources):
            try:
                manager.delete(probe)
            except base.APIException:
                pass  # never made, or already gone

    def ours(self) -> dict:
        return {name: action for name, action in self.snapshot.actions.items()
                if ownership.is_ours(action, self.snapshot, self.prefixes)}

    def actions_resolve(self) -> Check:
        from mistralclient.api import base
        ours = self.ours()
        broken = []
        for name in sorted(ours):
            try:
                self.inputs[name] = self.client.actions.get(name).input or ''
            except base.APIException as error:
                broken.append('%s (code source %s: %s)' % (
                    name, ours[name].code_source_name,
                    str(error.error_message or '').splitlines()[0][:200]))
        if broken:
            return _failed(self.RESOLVE, 'Mistral cannot load ' +
                           '; '.join(broken),
                           'mistral-actions register --override puts the '
                           'packaged code back')
        return _passed(self.RESOLVE, '%d actions of %s' % (
            len(ours), ', '.join(sorted(self.prefixes)) or 'no package'))

    def drift(self) -> Check:
        if not self.specs:
            return _skipped(self.DRIFT, 'no package of actions installed '
                            'here to compare with')
        plan = planning.plan_register(self.specs, self.snapshot,
                                      include_unsafe=False,
                                      prefixes=self.prefixes)
        by_verdict = {}
        for step in plan.steps:
            by_verdict.setdefault(step.verdict, []).append(step.name)
        found = [
            '%s %s' % (what, _some(by_verdict[verdict]))
            for verdict, what in ((planning.DIFFERENT, 'changed:'),
                                  (planning.CREATE, 'missing:'),
                                  (planning.STALE, 'extra:'))
            if by_verdict.get(verdict)]
        if found:
            return _failed(self.DRIFT, '; '.join(found),
                           'mistral-actions register --override --prune '
                           '(after mistral-actions plan)')
        return _passed(self.DRIFT, '%d actions as packaged' % len(
            by_verdict.get(planning.UNCHANGED, ())))

    def ledger_drift(self) -> Check:
        """Each package's code sources against its last recorded
        deployment: what changed without the tool."""
        try:
            with self.registry.session() as session:
                entries = ledger.deployments(session, self.prefixes)
        except errors.ToolError as error:
            return _failed(self.LEDGER, 'cannot read the ledger: %s' % error,
                           'see Mistral\'s API log')
        found, compared = [], []
        for prefix in sorted(self.prefixes):
            latest = [entry for entry in entries if prefix in entry.packages]
            if not latest:
                continue
            compared.append('%s (deployment %s)' % (prefix, latest[-1].id))
            recorded = {name: source for name, source in
                        latest[-1].code_sources.items()
                        if source.get('package') == prefix}
            held = {name: source for name, source in
                    self.snapshot.code_sources.items()
                    if ownership.source_package(source) == prefix}
            for name in sorted(set(recorded) | set(held)):
                if name not in held:
                    found.append('%s removed' % name)
                elif name not in recorded:
                    found.append('%s added' % name)
                elif (ledger.content_hash(held[name].content)
                      != recorded[name].get('sha256')
                      or held[name].version != recorded[name].get('version')):
                    found.append('%s changed (version %s, recorded %s)' % (
                        name, held[name].version,
                        recorded[name].get('version')))
        if not compared:
            return _skipped(self.LEDGER, 'no deployment of %s recorded' % (
                ', '.join(sorted(self.prefixes)) or 'any package'))
        if found:
            return _failed(self.LEDGER, 'changed without mistral-actions: '
                           + _some(found), 'mistral-actions register '
                           '--override, or mistral-actions rollback to the '
                           'last recorded deployment')
        return _passed(self.LEDGER, 'as recorded: ' + ', '.join(compared))

    def endpoints(self) -> Check:
        if self.session is None:
            return _skipped(self.ENDPOINTS, 'no keystone (--os-mistral-url '
                            'without credentials)')
        needed = self.keystone_services()
        if not needed:
            return _skipped(self.ENDPOINTS, 'no action of ours calls an '
                            'OpenStack service')
        missing = []
        for service, names in sorted(needed.items()):
            try:
                found = self.session.get_endpoint(service_type=service)
            except Exception:  # noqa: BLE001 - keystoneauth: not found
                found = None
            if not found:
                missing.append('%s (for %s)' % (service, _some(names)))
        if missing:
            return _failed(self.ENDPOINTS, 'no endpoint for ' +
                           ', '.join(missing),
                           'register those services in keystone, or do not '
                           'use those actions')
        return _passed(self.ENDPOINTS, ', '.join(sorted(needed)))

    def keystone_services(self) -> dict:
        """Service type -> our actions that call it: what their class
        declares in ``_service`` (see mistral_actions.cloud.resources)."""
        needed = {}
        loaded = {}
        for spec in self.specs:
            if spec.module.name not in loaded:
                try:
                    loaded[spec.module.name] = validate.load_as_mistral_does(
                        spec.module)
                except Exception:  # noqa: BLE001 - validate reports it
                    loaded[spec.module.name] = None
            cls = getattr(loaded[spec.module.name], spec.class_name, None)
            service = getattr(cls, '_service', None)
            if isinstance(service, str):
                needed.setdefault(service, []).append(spec.name)
        return needed

    def workflows(self) -> Check:
        from mistralclient.api import base
        try:
            held = [(workflow.name, workflow.definition)
                    for workflow in self.client.workflows.list()]
        except base.APIException as error:
            return _failed(self.WORKFLOWS, 'cannot list workflows: HTTP '
                           '%s' % error.error_code, 'see Mistral\'s API log')
        problems = []
        for where, text in held + self.workflow_files:
            problems.extend('%s: %s' % (where, problem)
                            for problem in self.workflow_problems(text))
        if problems:
            return _failed(self.WORKFLOWS, '; '.join(problems),
                           'fix the workflow, or register the action it '
                           'names (rollback, if a deploy removed it)')
        return _passed(self.WORKFLOWS, '%d workflows checked' % (
            len(held) + len(self.workflow_files)))

    def workflow_problems(self, text: str) -> typing.List[str]:
        """What a workflow definition gets wrong about our actions."""
        import yaml  # here: every command imports this module at start-up
        try:
            document = yaml.safe_load(text)
        except yaml.YAMLError as error:
            return ['not YAML: %s' % str(error).splitlines()[0]]
        problems = []
        for task_name, task in _tasks(document):
            action = task.get('action')
            if not isinstance(action, str) or not action.strip():
                continue
            name, _, inline = action.strip().partition(' ')
            if not ownership.named_in(name, self.prefixes):
                continue
            if name not in self.inputs:
                problems.append('task %s names %s, which Mistral does not '
                                'hold' % (task_name, name))
                continue
            given = set(INLINE_PARAMETER.findall(' ' + inline))
            task_input = task.get('input')
            if isinstance(task_input, dict):
                given.update(task_input)
            elif task_input is not None:
                continue  # an expression: known only when it runs
            accepted, required = parameters(self.inputs[name])
            unexpected = sorted(given - accepted)
            missing = sorted(required - given)
            if unexpected or missing:
                problems.append('task %s gives %s %s (it takes: %s)' % (
                    task_name, name, ' and '.join(filter(None, (
                        'unexpected ' + ', '.join(unexpected)
                        if unexpected else '',
                        'no ' + ', '.join(missing) if missing else ''))),
                    self.inputs[name] or 'nothing'))
        return problems


def parameters(input_text: str) -> tuple:
    """(every parameter, those without a default) of an action's input as
    Mistral shows it: ``server_id, status, timeout=600``."""
    accepted, required = set(), set()
    for part in filter(None, (p.strip() for p in input_text.split(','))):
        name, has_default, _ = part.partition('=')
        name = name.strip().lstrip('*')
        accepted.add(name)
        if not has_default and not part.startswith('*'):
            required.add(name)
    return accepted, required


def _tasks(document: typing.Any):
    """(task name, task) of every workflow in a v2 definition: a file
    of workflows, one workflow, or a workbook."""
    if not isinstance(document, dict):
        return
    tasks = document.get('tasks')
    if isinstance(tasks, dict):
        for name, task in tasks.items():
            if isinstance(task, dict):
                yield name, task
    for key, value in document.items():
        if key != 'tasks' and isinstance(value, dict):
            yield from _tasks(value)


def _where(probe_result: dict) -> str:
    """``host (pid N)``: which executor process ran the probe."""
    return '%s (pid %s)' % (probe_result.get('host', '?'),
                            probe_result.get('pid', '?'))


def _output(execution) -> dict:
    import json
    output = getattr(execution, 'output', None) or '{}'
    return json.loads(output) if isinstance(output, str) else output


def _some(names: typing.Sequence[str], shown: int = 3) -> str:
    """A few names, and how many more."""
    names = sorted(names)
    more = len(names) - shown
    return ', '.join(names[:shown]) + (' and %d more' % more
                                       if more > 0 else '')


def examine(registry: registries.Registry, specs: typing.Sequence,
            prefixes: typing.Iterable[str],
            workflow_files: typing.Sequence[tuple] = ()
            ) -> typing.List[Check]:
    """Every check against the Mistral of ``registry`` (api backend)."""
    if not hasattr(registry, 'client'):
        raise errors.ToolError(
            'doctor asks Mistral\'s REST API what its users see: give '
            '--os-mistral-url or OS_* credentials (--backend api)')
    return Doctor(registry, specs, prefixes, workflow_files,
                  registry.keystone_session).run()

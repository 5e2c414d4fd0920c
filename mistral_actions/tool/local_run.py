"""Run one action here, the way Mistral 23 runs it, to try it before (or
without) registering it.

What runs is the code ``register`` would store: the action module's
self-contained bundle (:mod:`.pipeline.bundle`), exec'd as a fresh module
as Mistral's dynamic action provider does, never the installed package.
The steps follow Mistral's, so what fails in Mistral fails here:

* engine: the input is checked against the action's input string (missing
  or unexpected parameters, as ``check_parameters`` does), the code source
  is loaded and the class instantiated with ``__init__(**input)``;
* engine to executor: the instance crosses as JSON, ``vars(action)`` and
  the class's public fields (``DynamicActionSerializer``); the executor
  loads the code source again and rebuilds the instance without
  ``__init__``. State that JSON cannot carry is refused here, by name;
* executor: ``run(context)`` in a thread of its own, with the context
  Mistral's API would give (a keystone token, project, catalog and region
  from ``OS_*`` or ``--os-cloud``; without credentials, what a Mistral
  without keystone gives); a plain value becomes ``Result(data=...)`` and
  the result crosses back as JSON.
"""

import json
import threading
import types
import typing

from mistral_actions.tool import connection
from mistral_actions.tool import deploy
from mistral_actions.tool import errors
from mistral_actions.tool import ownership
from mistral_actions.tool import packages as action_packages
from mistral_actions.tool import specs as action_specs

if typing.TYPE_CHECKING:
    from mistral_lib.actions import context as action_context

#: How to give input, for messages.
INPUT_HINT = ('give it as --input \'{"name": "value"}\', --input @file.json '
              'or -i name=value')


class ActionFailed(errors.ToolError):
    """The action ran and failed: it raised, or returned an error."""


def parse_input(documents: typing.Sequence[str] = (),
                pairs: typing.Sequence[str] = ()) -> dict:
    """The action's input from ``--input`` (a JSON object, or ``@FILE``
    holding one) and ``-i NAME=VALUE`` options (VALUE as JSON when it is
    JSON, else as a string), later ones overriding earlier ones."""
    params = {}
    for document in documents:
        given = '--input %s' % document if document.startswith('@') \
            else '--input'
        text = document
        if document.startswith('@'):
            try:
                with open(document[1:], encoding='utf-8') as source:
                    text = source.read()
            except OSError as error:
                raise errors.ToolError('%s: cannot read %s (%s); %s' % (
                    given, document[1:], error.strerror or error,
                    INPUT_HINT)) from error
        try:
            value = json.loads(text)
        except ValueError as error:
            raise errors.ToolError('%s is not JSON (%s); %s' % (
                given, error, INPUT_HINT)) from error
        if not isinstance(value, dict):
            raise errors.ToolError('%s is a JSON %s, not an object of '
                                   'parameters; %s' % (
                                       given, type(value).__name__,
                                       INPUT_HINT))
        params.update(value)
    for pair in pairs:
        name, equals, text = pair.partition('=')
        if not equals or not name:
            raise errors.ToolError('-i %s: give NAME=VALUE, e.g. -i name=x '
                                   'or -i count=3 (VALUE is read as JSON '
                                   'when it is JSON)' % pair)
        try:
            params[name] = json.loads(text)
        except ValueError:
            params[name] = text
    # What Mistral receives went through JSON (the REST API, the RPC).
    return json.loads(json.dumps(params))


def find(name: str, packages: typing.Sequence[action_packages.Package]
         ) -> action_specs.ActionSpec:
    """The discovered action of that name, or one line saying it is not
    there and where to look. Only the packages whose prefix the name
    starts with are discovered."""
    owners = [package for package in packages
              if ownership.named_in(name, (package.prefix,))]
    for spec in deploy.discovered(owners):
        if spec.name == name:
            return spec
    where = ', '.join(package.prefix + '.*' for package in packages)
    raise errors.ToolError(
        'no action %s in %s; mistral-actions discover lists them (give '
        '--package MODULE|PATH for another package)' % (name, where))


def input_problem(spec: action_specs.ActionSpec,
                  params: dict) -> typing.Optional[str]:
    """What is wrong with the input for this action, as Mistral's
    ``check_parameters`` judges it (None when it fits): missing and
    unexpected parameters, the expected input shown."""
    from mistral_lib import utils as ml_utils
    if '**' in spec.input:
        return None  # Mistral checks nothing then
    expected = ml_utils.get_dict_from_string(spec.input) if spec.input \
        else {}
    missing = [name for name, default in expected.items()
               if default is ml_utils.NotDefined and name not in params]
    unexpected = [name for name in params if name not in expected]
    if not missing and not unexpected:
        return None
    said = []
    if missing:
        said.append('missing %s' % ', '.join(missing))
    if unexpected:
        said.append('unexpected %s' % ', '.join(unexpected))
    return '%s: %s; its input is: %s' % (
        spec.name, ' and '.join(said), spec.input or '(none)')


def refusal(spec: action_specs.ActionSpec, params: dict,
            include_unsafe: bool = False) -> typing.Optional[str]:
    """Why the action must not run with this input (one line), or None:
    an unsafe action without the opt-in ``register`` asks for too, or an
    input that does not fit (:func:`input_problem`)."""
    if spec.unsafe and not include_unsafe:
        return ('%s is unsafe (it runs commands on the machine that runs '
                'it): give --include-unsafe to run it, as register needs'
                % spec.name)
    return input_problem(spec, params)


def empty_security() -> 'action_context.SecurityContext':
    """What a Mistral without keystone gives an action: no token, no
    project, an empty catalog (``MistralContext.from_environ`` with
    ``[pecan] auth_enable = False``)."""
    from mistral_lib.actions import context as ml_context
    return ml_context.SecurityContext(
        auth_uri=None, auth_cacert=None, insecure=False, service_catalog={},
        region_name=None, is_trust_scoped=False, redelivered=False,
        expires_at=None, trust_id=None, is_target=False, project_id=None,
        project_name=None, user_name=None, auth_token=None)


def security_context(options: typing.Optional[
        connection.ConnectionOptions] = None
) -> 'action_context.SecurityContext':
    """The security context Mistral's API builds for a request with a
    keystone token (``MistralContext.from_environ``): the token, the user
    and project, the token body (with its catalog) as ``service_catalog``,
    the region asked for; keystone's URL as ``auth_uri``. Without
    credentials in the options: :func:`empty_security`."""
    if options is None or not connection.has_credentials(options):
        return empty_security()
    from mistral_lib.actions import context as ml_context
    login = connection.keystone_login(options)
    access = login.access
    # keystonemiddleware hands Mistral the validated token's body as
    # keystoneclient's AccessInfoV3, a dict that adds the token and
    # 'version'; the body keystone answered our login with is the same
    # document.
    body = dict(getattr(access, '_data', {}).get('token') or {},
                version='v3', auth_token=access.auth_token)
    return ml_context.SecurityContext(
        auth_uri=login.auth_url or None,
        auth_cacert=options.cacert or None,
        insecure=bool(options.insecure),
        service_catalog=body,
        region_name=login.region_name or None,
        is_trust_scoped=False, redelivered=False,
        expires_at=body.get('expires_at'),
        trust_id=None, is_target=False,
        project_id=access.project_id, project_name=access.project_name,
        user_name=access.username, auth_token=access.auth_token)


def load_code_source(module: action_specs.ModuleSpec) -> types.ModuleType:
    """The code source as Mistral loads it (``_load_python_module``): its
    text exec'd into a fresh module of its name, kept nowhere."""
    fresh = types.ModuleType(module.name)
    try:
        exec(module.content, fresh.__dict__)
    except Exception as error:  # noqa: BLE001 - whatever Mistral would hit
        raise ActionFailed('the code source %s does not load as Mistral '
                           'loads it (%s)' % (module.name, _one_line(error))
                           ) from error
    return fresh


def run(spec: action_specs.ActionSpec, params: dict,
        security: typing.Optional['action_context.SecurityContext'] = None,
        include_unsafe: bool = False) -> typing.Any:
    """Run the action as Mistral's engine and executor would; its result
    (what ``mistral run-action`` shows as ``result``), or
    :class:`ActionFailed` with one line. Refused (:func:`refusal`) before
    anything runs."""
    problem = refusal(spec, params, include_unsafe)
    if problem:
        raise errors.ToolError(problem)
    crossing = _engine(spec, params)
    action = _executor_instance(spec, crossing)
    return _execute(spec, action, security or empty_security())


def _engine(spec: action_specs.ActionSpec, params: dict) -> str:
    """Load, instantiate, and serialize the action for the executor."""
    cls = _action_class(spec, load_code_source(spec.module))
    try:
        action = cls(**params)
    except Exception as error:  # noqa: BLE001 - Mistral fails the action
        raise ActionFailed('%s could not be created with this input (%s), '
                           'as Mistral\'s engine would fail it' % (
                               spec.name, _one_line(error))) from error
    from mistral_lib.utils import inspect_utils
    fields = inspect_utils.get_public_fields(type(action))
    for where, values in (('self', vars(action)), (cls.__name__, fields)):
        for name, value in sorted(values.items()):
            if not _is_json(value):
                raise ActionFailed(
                    '%s: %s.%s holds a %s, which cannot go from Mistral\'s '
                    'engine to its executor (the action crosses as JSON); '
                    'keep only JSON values there and build clients in '
                    'run()' % (spec.name, where, name,
                               type(value).__name__))
    from oslo_serialization import jsonutils
    entity = {'cls_name': type(action).__name__, 'cls_attrs': fields,
              'data': vars(action)}
    return jsonutils.dumps(jsonutils.to_primitive(entity,
                                                  convert_instances=True))


def _executor_instance(spec: action_specs.ActionSpec, crossing: str):
    """``DynamicActionSerializer.deserialize_from_dict``: the code source
    loaded again, the instance rebuilt without ``__init__``."""
    entity = json.loads(crossing)
    cls = _action_class(spec, load_code_source(spec.module),
                        entity['cls_name'])
    if entity['cls_attrs']:
        cls = type(cls.__name__, (cls,), entity['cls_attrs'])
    action = cls.__new__(cls)
    for name, value in entity['data'].items():
        setattr(action, name, value)
    return action


def _action_class(spec, module, class_name=None):
    cls = getattr(module, class_name or spec.class_name, None)
    if not isinstance(cls, type):
        raise ActionFailed('%s: its code source has no class %s' % (
            spec.name, class_name or spec.class_name))
    return cls


def _execute(spec, action, security):
    """``DefaultExecutor._do_run_action``: run() in a thread, a plain
    value wrapped in a Result, which crosses back as JSON."""
    from mistral_lib import actions as ml_actions
    from mistral_lib.actions import context as ml_context
    from mistral_lib.actions import types as ml_types
    context = ml_context.ActionContext(security,
                                       ml_context.ExecutionContext())
    outcome = {}
    done = threading.Event()

    def target():
        try:
            outcome['result'] = action.run(context)
        except BaseException as error:  # noqa: BLE001 - reported below
            outcome['error'] = error
        finally:
            done.set()

    threading.Thread(target=target, name='action %s' % spec.name,
                     daemon=True).start()
    # Not join(): a thread that first imports eventlet (mistral-extra's
    # clients bring it) never ends after run() returned (seen with
    # eventlet 0.41). A timeout keeps the wait interruptible by Ctrl-C.
    while not done.wait(0.2):
        pass
    if 'error' in outcome:
        error = outcome['error']
        raise ActionFailed('%s failed: %s' % (
            spec.name, _one_line(error))) from error
    result = outcome.get('result')
    if not isinstance(result, ml_actions.Result):
        result = ml_actions.Result(data=result)
    for what, value in (('result', result.data), ('error', result.error)):
        if not _is_json(value):
            raise ActionFailed(
                '%s returned a %s as its %s, which Mistral cannot store as '
                'JSON; return JSON values (dicts, lists, strings, numbers)'
                % (spec.name, _type_inside(value), what))
    serializer = ml_types.ResultSerializer()
    result = serializer.deserialize(serializer.serialize(result))
    if result.is_cancel():
        raise ActionFailed('%s was cancelled (Result(cancel=True))'
                           % spec.name)
    if result.is_error():
        error = result.error
        raise ActionFailed('%s failed: %s' % (
            spec.name, error if isinstance(error, str)
            else json.dumps(error, sort_keys=True)))
    return result.data


def _is_json(value) -> bool:
    try:
        json.dumps(value, allow_nan=False)
    except (TypeError, ValueError):
        return False
    return True


def _type_inside(value) -> str:
    """The type name of the first thing in value that JSON cannot hold."""
    if isinstance(value, dict):
        inner = list(value.values()) + [key for key in value
                                        if not isinstance(key, str)]
    elif isinstance(value, (list, tuple)):
        inner = list(value)
    else:
        inner = []
    for item in inner:
        if not _is_json(item):
            return _type_inside(item)
    return type(value).__name__


def _one_line(error: BaseException) -> str:
    lines = str(error).strip().splitlines()
    text = ' '.join(line.strip() for line in lines)
    return '%s: %s' % (type(error).__name__, text) if text \
        else type(error).__name__

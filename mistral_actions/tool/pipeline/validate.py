"""Check every module and action the way Mistral will use them, before
anything is written.

Mistral accepts any code source text and only fails later: a broken module
breaks ``mistral action-list`` for every user and leaves workflow tasks
hanging. So each module is exec'd here as Mistral execs it (a fresh module
from its source text, not from ``sys.modules``) and each class is checked
against the contract Mistral relies on.

mistral_lib is imported only when something is validated: a command whose
specs validated clean before (see :mod:`.cache`) starts without it.
"""

import inspect
import re
import types
import typing

from mistral_actions.tool.pipeline import cache
from mistral_actions.tool import specs as action_specs

#: MySQL's TEXT column, which holds a code source's content.
MAX_MODULE_BYTES = 65535

#: Names travel in URLs and YAML: letters, digits, ``_``, ``-`` and dots.
LEGAL_NAME = re.compile(r'^[A-Za-z0-9_][A-Za-z0-9_.\-]*[A-Za-z0-9_]$')


def load_as_mistral_does(
        module_spec: action_specs.ModuleSpec) -> types.ModuleType:
    """Exec the module's source text into a fresh module, as the dynamic
    action provider does; return the module or raise what Mistral would."""
    module = types.ModuleType(module_spec.name)
    exec(compile(module_spec.content, module_spec.path, 'exec'),
         module.__dict__)
    return module


def _first_line(error) -> str:
    text = str(error).strip()
    return '%s: %s' % (type(error).__name__, text.splitlines()[0]) \
        if text else type(error).__name__


def check_module(module_spec: action_specs.ModuleSpec
                 ) -> typing.Tuple[typing.Optional[types.ModuleType], list]:
    """(fresh module or None, problems) for one module."""
    problems = []
    size = len(module_spec.content.encode('utf-8'))
    if size > MAX_MODULE_BYTES:
        problems.append('%s: module is %d bytes; Mistral stores at most %d '
                        '(MySQL TEXT)' % (module_spec.name, size,
                                          MAX_MODULE_BYTES))
    try:
        module = load_as_mistral_does(module_spec)
    except Exception as error:  # noqa: BLE001 - whatever Mistral would hit
        problems.append('%s: does not load as a fresh module the way '
                        'Mistral loads it (%s)' % (module_spec.name,
                                                   _first_line(error)))
        module = None
    return module, problems


def check_class(spec: action_specs.ActionSpec,
                module: types.ModuleType) -> list:
    """Problems of one action class inside its freshly loaded module."""
    from mistral_lib import actions as ml_actions
    where = '%s (%s.%s)' % (spec.name, spec.module.name, spec.class_name)
    cls = getattr(module, spec.class_name, None)
    if not inspect.isclass(cls):
        return ['%s: class not found when the module is loaded from its '
                'source text' % where]
    if not issubclass(cls, ml_actions.Action):
        return ['%s: does not subclass mistral_lib.actions.Action' % where]
    problems = []
    run = inspect.getattr_static(cls, 'run', None)
    if not callable(run) or getattr(cls.run, '__isabstractmethod__', False):
        problems.append('%s: defines no run(self, context)' % where)
    else:
        params = list(inspect.signature(cls.run).parameters)
        if params[:2] != ['self', 'context'] or len(params) != 2:
            problems.append('%s: run() must take exactly (self, context), '
                            'not (%s)' % (where, ', '.join(params)))
    problems.extend(_input_problems(where, cls))
    return problems


def _input_problems(where, cls) -> list:
    """The constructor must give an input string Mistral parses back to
    exactly its parameters."""
    from mistral_lib import utils as ml_utils
    from mistral_lib.utils import inspect_utils
    try:
        spec_text = inspect_utils.get_arg_list_as_str(cls.__init__)
    except Exception as error:  # noqa: BLE001
        return ['%s: cannot compute its input (%s)' % (
            where, _first_line(error))]
    signature = inspect.signature(cls.__init__)
    kinds = inspect.Parameter
    expected = [name for name, param in signature.parameters.items()
                if name != 'self' and param.kind in (
                    kinds.POSITIONAL_OR_KEYWORD, kinds.KEYWORD_ONLY)]
    if any(param.kind == kinds.VAR_POSITIONAL
           for param in signature.parameters.values()):
        return ['%s: __init__ takes *args, which Mistral cannot pass' % where]
    if any(param.kind == kinds.KEYWORD_ONLY
           for param in signature.parameters.values()):
        return ['%s: keyword-only parameters are not shown by Mistral; use '
                'ordinary parameters' % where]
    if '**' in spec_text:
        spec_text = spec_text.rsplit(', **', 1)[0] if ', **' in spec_text \
            else ''
    parsed = list(ml_utils.get_dict_from_string(spec_text)) if spec_text \
        else []
    if parsed != expected:
        return ['%s: its input string %r does not give back its parameters '
                '%s (defaults must be JSON values without "," or "=")' % (
                    where, spec_text, expected)]
    return []


def check_name(spec: action_specs.ActionSpec) -> list:
    if LEGAL_NAME.match(spec.name) and '..' not in spec.name:
        return []
    return ['%s: illegal action name (use letters, digits, "_", "-" and '
            'dots only)' % spec.name]


def validate(specs: typing.Sequence[action_specs.ActionSpec]) -> list:
    """Every problem of these specs, one line each; empty when all is well."""
    problems = []
    modules = {}
    for spec in specs:
        if spec.module.name not in modules:
            module, module_problems = check_module(spec.module)
            modules[spec.module.name] = module
            problems.extend(module_problems)
        problems.extend(check_name(spec))
        module = modules[spec.module.name]
        if module is not None:
            problems.extend(check_class(spec, module))
    return problems


def validate_cached(specs: list, package_name: str = 'mistral_actions',
                    cache_dir: typing.Optional[str] = None) -> list:
    """:func:`validate`, skipped for specs found clean before under the
    current key of the discovery cache: the same modules in the same
    installation give the same answer."""
    kept = cache.DiscoveryCache(package_name, cache_dir)
    if kept.known_clean(specs):
        return []
    problems = validate(specs)
    if not problems:
        kept.mark_clean(specs)
    return problems

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
import json
import os
import re
import subprocess
import sys
import types
import typing

from mistral_actions.tool import errors
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
        problems.append('%s: its code source is %d bytes; Mistral stores at '
                        'most %d (MySQL TEXT); it bundles %s' % (
                            module_spec.name, size, MAX_MODULE_BYTES,
                            _biggest_files(module_spec)))
    try:
        module = load_as_mistral_does(module_spec)
    except SyntaxError as error:
        problems.append('%s: %s' % (module_spec.name,
                                    errors.syntax_error_line(error)))
        module = None
    except Exception as error:  # noqa: BLE001 - whatever Mistral would hit
        problems.append('%s: does not load as a fresh module the way '
                        'Mistral loads it (%s)' % (module_spec.name,
                                                   _first_line(error)))
        module = None
    return module, problems


def _biggest_files(module_spec: action_specs.ModuleSpec) -> str:
    """What makes a bundle big: its files, biggest first, with sizes."""
    root = os.path.dirname(module_spec.path)
    depth = module_spec.name.count('.')
    base = os.path.normpath(os.path.join(root, *(['..'] * depth)))
    sizes = []
    for _, relative in module_spec.files:
        try:
            sizes.append((os.path.getsize(os.path.join(base, relative)),
                          relative))
        except OSError:
            continue
    sizes.sort(reverse=True)
    return ', '.join('%s (%d bytes)' % (relative, size)
                     for size, relative in sizes[:5]) or 'nothing else'


def load_without_packages(modules: typing.Sequence[action_specs.ModuleSpec],
                          hidden: typing.Iterable[str]) -> list:
    """Problems of loading each code source as Mistral does in another
    Python where the ``hidden`` top-level packages cannot be imported, as
    on a Mistral node that has none of them installed."""
    request = json.dumps({'hidden': sorted(set(hidden)),
                          'modules': [[m.name, m.content] for m in modules]})
    result = subprocess.run([sys.executable, '-c', _LOAD_WITHOUT],
                            input=request, capture_output=True, text=True,
                            timeout=300)
    if result.returncode != 0:
        return ['could not check the code sources in a Python without %s: '
                '%s' % (', '.join(sorted(set(hidden))),
                        (result.stderr.strip().splitlines() or ['?'])[-1])]
    return ['%s: does not load on a Mistral node without %s installed '
            '(%s); bundle what it imports or install that on the nodes' % (
                name, ', '.join(sorted(set(hidden))), error)
            for name, error in json.loads(result.stdout)]


#: Runs in the other Python: reads the request on stdin, prints the
#: failures as JSON [[module name, first line of the error], ...].
_LOAD_WITHOUT = '''
import importlib.abc, json, sys, types
request = json.load(sys.stdin)
hidden = set(request["hidden"])
for name in [n for n in sys.modules if n.split(".")[0] in hidden]:
    del sys.modules[name]
class Hide(importlib.abc.MetaPathFinder):
    def find_spec(self, name, path=None, target=None):
        if name.split(".")[0] in hidden:
            raise ModuleNotFoundError("No module named %r" % name, name=name)
sys.meta_path.insert(0, Hide())
failures = []
for name, content in request["modules"]:
    try:
        exec(content, types.ModuleType(name).__dict__)
    except BaseException as error:
        text = (str(error).strip().splitlines() or [""])[0]
        failures.append([name, "%s: %s" % (type(error).__name__, text)])
print(json.dumps(failures))
'''


def clashes(specs: typing.Sequence[action_specs.ActionSpec]) -> list:
    """Two actions of one name, or two packages storing one code source."""
    problems = []
    by_name = {}
    by_source = {}
    for spec in specs:
        other = by_name.setdefault(spec.name, spec)
        if other is not spec:
            problems.append('%s: two actions would have this name (%s.%s '
                            'and %s.%s)' % (spec.name, other.module.name,
                                            other.class_name,
                                            spec.module.name,
                                            spec.class_name))
        other = by_source.setdefault(spec.code_source_name, spec.module)
        if other.package != spec.module.package:
            problems.append('%s: packages %s and %s would both store this '
                            'code source' % (spec.code_source_name,
                                             other.package,
                                             spec.module.package))
    return sorted(set(problems))


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


def validate(specs: typing.Sequence[action_specs.ActionSpec],
             hidden: typing.Iterable[str] = ()) -> list:
    """Every problem of these specs, one line each; empty when all is well.
    With ``hidden`` top-level packages, each code source is also loaded in
    a Python that cannot import them."""
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
    hidden = list(hidden)
    if hidden and not problems:
        stored = {spec.module.name: spec.module for spec in specs}
        problems.extend(load_without_packages(
            [stored[name] for name in sorted(stored)], hidden))
    return problems


def validate_cached(specs: list, package_name: str = 'mistral_actions',
                    cache_dir: typing.Optional[str] = None,
                    prefix: typing.Optional[str] = None) -> list:
    """:func:`validate`, the package and the library hidden, skipped for
    specs found clean before under the current key of the discovery
    cache: the same modules in the same installation give the same
    answer."""
    kept = cache.DiscoveryCache(package_name, cache_dir, prefix)
    if kept.known_clean(specs):
        return []
    problems = validate(specs, hidden=(package_name.split('.')[0],
                                       'mistral_actions'))
    if not problems:
        kept.mark_clean(specs)
    return problems

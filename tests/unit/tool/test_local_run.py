"""`run NAME` without a server: input, the signature check, and what the
run does with the bundled code, on a package written for each test."""

import dataclasses
import json
import os
import subprocess
import sys
import traceback
import uuid

import pytest

from mistral_actions.tool import commands
from mistral_actions.tool import errors
from mistral_actions.tool import local_run
from mistral_actions.tool import packages
from mistral_actions.tool.pipeline import discover

HELPER = '''
CALLS = []


def divide(a, b):
    return a / b
'''

ACTIONS = '''
import sys
import threading

from mistral_lib import actions

from {package} import helper

INITS = []


class Echo(actions.Action):
    """Echo.

    :param value: any JSON value
    :param times: copies
    """

    __export__ = True
    COPIES_LIMIT = 10

    def __init__(self, value, times=1):
        INITS.append(value)
        self.value = value
        self.times = times

    def run(self, context):
        return {{'value': self.value, 'times': self.times,
                'inits_in_this_module': len(INITS),
                'limit': self.COPIES_LIMIT,
                'file': __file__, 'helper': helper.__name__,
                'helper_is_the_installed': (
                    sys.modules.get(helper.__name__) is helper),
                'security': vars(context.security),
                'execution': vars(context.execution)}}


class Divide(actions.Action):
    """Divide.

    :param a: a
    :param b: b
    """

    __export__ = True

    def __init__(self, a, b):
        self.a = a
        self.b = b

    def run(self, context):
        return helper.divide(self.a, self.b)


class Refuse(actions.Action):
    """An error result."""

    __export__ = True

    def run(self, context):
        return actions.Result(error={{'why': 'refused'}})


class Locked(actions.Action):
    """A lock on self."""

    __export__ = True

    def __init__(self):
        self.lock = threading.Lock()

    def run(self, context):
        helper.CALLS.append('ran')
        return 'ran'


class Picky(actions.Action):
    """Refuses in __init__.

    :param n: a number
    """

    __export__ = True

    def __init__(self, n):
        raise ValueError('n must be odd,\\nnot %r' % n)

    def run(self, context):
        return None


class Raw(actions.Action):
    """Returns bytes."""

    __export__ = True

    def run(self, context):
        return {{'data': [b'raw']}}


class Importer(actions.Action):
    """Imports a module.

    :param module: its name
    """

    __export__ = True

    def __init__(self, module):
        self.module = module

    def run(self, context):
        import importlib
        importlib.import_module(self.module)
        return self.module


class Anything(actions.Action):
    """Takes anything.

    :param kwargs: whatever
    """

    __export__ = True

    def __init__(self, **kwargs):
        self.given = kwargs

    def run(self, context):
        return self.given
'''


@pytest.fixture
def specs(tmp_path, monkeypatch):
    """name -> ActionSpec of a package written for this test, imported
    from tmp_path."""
    package = 'run_sample_%s' % uuid.uuid4().hex[:8]
    folder = tmp_path / package
    folder.mkdir()
    (folder / '__init__.py').write_text('')
    (folder / 'helper.py').write_text(HELPER)
    (folder / 'acts.py').write_text(ACTIONS.format(package=package))
    monkeypatch.syspath_prepend(str(tmp_path))
    found = discover.discover(package, prefix='sample')
    yield {spec.name.rsplit('.', 1)[1]: spec for spec in found}
    for name in [n for n in sys.modules if n.startswith(package)]:
        del sys.modules[name]


@pytest.mark.parametrize('documents,pairs,expected', [
    (['{"name": "x", "n": 1}'], [], {'name': 'x', 'n': 1}),
    ([], ['name=x', 'n=3', 'flag=true', 'list=[1, 2]', 'text=a=b'],
     {'name': 'x', 'n': 3, 'flag': True, 'list': [1, 2], 'text': 'a=b'}),
    ([], ['empty='], {'empty': ''}),
    ([], ['quoted="3"'], {'quoted': '3'}),
    (['{"a": 1, "b": 2}', '{"b": 3}'], ['a=4'], {'a': 4, 'b': 3}),
])
def test_input_from_json_and_pairs(documents, pairs, expected):
    assert local_run.parse_input(documents, pairs) == expected


def test_input_from_a_file(tmp_path):
    path = tmp_path / 'input.json'
    path.write_text('{"name": "from file"}')
    assert local_run.parse_input(['@%s' % path], ['n=1']) == {
        'name': 'from file', 'n': 1}


@pytest.mark.parametrize('documents,pairs,said', [
    (['{"name": '], [], '--input is not JSON (Expecting value: line 1'),
    (['[1, 2]'], [], '--input is a JSON list, not an object of parameters'),
    (['@/nonexistent/input.json'], [],
     '--input @/nonexistent/input.json: cannot read /nonexistent/input.json '
     '(No such file or directory)'),
    ([], ['name'], '-i name: give NAME=VALUE'),
    ([], ['=x'], '-i =x: give NAME=VALUE'),
])
def test_bad_input_is_one_line_that_says_how(documents, pairs, said):
    with pytest.raises(errors.ToolError) as raised:
        local_run.parse_input(documents, pairs)
    message = str(raised.value)
    assert message.startswith(said)
    assert '\n' not in message


def test_an_input_that_fits_the_signature(specs):
    assert local_run.input_problem(specs['echo'], {'value': 1}) is None
    assert local_run.input_problem(specs['echo'],
                                   {'value': 1, 'times': 2}) is None
    assert local_run.input_problem(specs['anything'], {'x': 1}) is None


@pytest.mark.parametrize('params,said', [
    ({}, 'missing value'),
    ({'value': 1, 'colour': 'red'}, 'unexpected colour'),
    ({'times': 2, 'colour': 'red'}, 'missing value and unexpected colour'),
])
def test_an_input_that_does_not_fit_shows_the_expected_one(specs, params,
                                                           said):
    problem = local_run.input_problem(specs['echo'], params)
    assert problem == 'sample.acts.echo: %s; its input is: %s' % (
        said, specs['echo'].input)
    with pytest.raises(errors.ToolError) as raised:
        local_run.run(specs['echo'], params)
    assert str(raised.value) == problem


def test_the_run_uses_the_bundle_and_rebuilds_the_action(specs):
    spec = specs['echo']
    result = local_run.run(spec, {'value': 'hi', 'times': 2})
    assert (result['value'], result['times']) == ('hi', 2)
    # The bundle names its files relative to the package root, and its
    # helper lives under a private name, not as the installed module.
    package = spec.module.name.split('.')[0]
    assert result['file'] == '%s/acts.py' % package
    assert result['helper'] == '%s.helper' % package
    assert result['helper_is_the_installed'] is False
    # The executor's module is loaded afresh and the instance rebuilt
    # without __init__: its module saw no __init__ call.
    assert result['inits_in_this_module'] == 0
    assert result['limit'] == 10
    assert result['security'] == vars(local_run.empty_security())
    assert result['execution']['action_execution_id'] is None


def test_the_installed_module_is_not_what_runs(specs):
    spec = specs['echo']
    installed = sys.modules[spec.module.name]
    local_run.run(spec, {'value': 1})
    assert installed.INITS == []


def test_an_exception_is_one_line_and_keeps_its_traceback(specs):
    with pytest.raises(local_run.ActionFailed) as raised:
        local_run.run(specs['divide'], {'a': 1, 'b': 0})
    assert str(raised.value) == ('sample.acts.divide failed: '
                                 'ZeroDivisionError: division by zero')
    cause = raised.value.__cause__
    assert isinstance(cause, ZeroDivisionError)
    files = [frame.filename for frame in traceback.extract_tb(
        cause.__traceback__)]
    package = specs['divide'].module.name.split('.')[0]
    assert files[-2:] == ['%s/acts.py' % package, '%s/helper.py' % package]


def test_an_error_result_is_one_line(specs):
    with pytest.raises(local_run.ActionFailed) as raised:
        local_run.run(specs['refuse'], {})
    assert str(raised.value) == 'sample.acts.refuse failed: {"why": "refused"}'


def test_state_that_cannot_cross_to_the_executor_is_refused_before_run(
        specs):
    with pytest.raises(local_run.ActionFailed) as raised:
        local_run.run(specs['locked'], {})
    assert str(raised.value).startswith(
        "sample.acts.locked: self.lock holds a lock, which cannot go from "
        "Mistral's engine to its executor")
    helper = sys.modules[specs['locked'].module.name.rsplit('.', 1)[0] +
                         '.helper']
    assert helper.CALLS == []


def test_a_failing_init_is_one_line(specs):
    with pytest.raises(local_run.ActionFailed) as raised:
        local_run.run(specs['picky'], {'n': 2})
    assert str(raised.value) == (
        'sample.acts.picky could not be created with this input '
        "(ValueError: n must be odd, not 2), as Mistral's engine would "
        'fail it')


def test_a_result_json_cannot_hold_is_refused(specs):
    with pytest.raises(local_run.ActionFailed) as raised:
        local_run.run(specs['raw'], {})
    assert str(raised.value).startswith(
        'sample.acts.raw returned a bytes as its result')


def test_input_reaches_the_action_through_json(specs):
    given = {'nested': {'list': [1, 'two', None]}, 'number': 1.5}
    assert local_run.run(specs['anything'], given) == given


def test_an_unknown_action_names_where_it_was_looked_for(specs):
    prefix = packages.Package('sample', specs['echo'].module.name
                              .split('.')[0])
    assert local_run.find('sample.acts.echo', [prefix]).class_name == 'Echo'
    with pytest.raises(errors.ToolError) as raised:
        local_run.find('sample.acts.nothing', [prefix])
    assert str(raised.value).startswith(
        'no action sample.acts.nothing in sample.*; mistral-actions '
        'discover lists them')


def test_no_credentials_give_the_empty_context():
    security = local_run.security_context(None)
    assert vars(security) == vars(local_run.empty_security())
    assert security.auth_token is None and security.service_catalog == {}


@pytest.mark.parametrize('formatter,result,printed', [
    ('json', {'a': [1]}, '{\n  "a": [\n    1\n  ]\n}\n'),
    ('value', 'Hello, x!', 'Hello, x!\n'),
    ('value', {'a': 1}, '{"a": 1}\n'),
    ('yaml', {'a': [1]}, 'a:\n- 1\n'),
])
def test_result_formats(formatter, result, printed):
    assert commands.render(result, formatter) == printed
    if formatter == 'json':
        assert json.loads(printed) == result


def test_an_unsafe_action_needs_the_opt_in(specs):
    unsafe = dataclasses.replace(specs['anything'], unsafe=True)
    with pytest.raises(errors.ToolError) as raised:
        local_run.run(unsafe, {'x': 1})
    assert str(raised.value) == (
        'sample.acts.anything is unsafe (it runs commands on the machine '
        'that runs it): give --include-unsafe to run it, as register needs')
    assert local_run.run(unsafe, {'x': 1}, include_unsafe=True) == {'x': 1}


RUN_IMPORTER = """
import sys
from mistral_actions.tool import local_run
from mistral_actions.tool.pipeline import discover
spec = [s for s in discover.discover(sys.argv[1], prefix='sample')
        if s.class_name == 'Importer'][0]
print(local_run.run(spec, {'module': 'eventlet'}))
"""


def test_a_run_that_imports_eventlet_in_its_thread_returns(specs, tmp_path):
    """Such a thread outlives run() (eventlet 0.41): the result is taken
    when run() returns, not when the thread ends. In a fresh Python, where
    eventlet is not imported yet."""
    pytest.importorskip('eventlet')
    package = specs['importer'].module.name.split('.')[0]
    done = subprocess.run([sys.executable, '-c', RUN_IMPORTER, package],
                          env=dict(os.environ, PYTHONPATH=str(tmp_path)),
                          capture_output=True, text=True, timeout=30)
    assert (done.returncode, done.stdout) == (0, 'eventlet\n'), done.stderr


def test_a_code_source_that_does_not_load_is_one_line(specs):
    spec = specs['echo']
    broken = dataclasses.replace(spec, module=dataclasses.replace(
        spec.module, content=spec.module.content + '\nimport no_such_lib\n'))
    with pytest.raises(local_run.ActionFailed) as raised:
        local_run.run(broken, {'value': 1})
    assert str(raised.value) == (
        "the code source %s does not load as Mistral loads it "
        "(ModuleNotFoundError: No module named 'no_such_lib')"
        % spec.module.name)

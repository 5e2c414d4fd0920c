"""Bundles: a module with the package's modules it imports, loaded as
Mistral loads a code source, in a Python where the package is missing."""

import dataclasses
import json
import os
import subprocess
import sys
import textwrap
import threading
import types
import uuid

import pytest

from mistral_actions.tool import ownership
from mistral_actions.tool.pipeline import bundle
from mistral_actions.tool.pipeline import validate
from mistral_actions.tool import specs

HELPER = '''
GREETING = {greeting!r}


def greeting(name):
    if not name:
        raise ValueError('nobody to greet')
    return '%s, %s!' % (GREETING, name)
'''

ACTIONS = '''
import json  # standard library: not an external
try:
    import not_installed_anywhere  # optional: it copes without
except ImportError:
    not_installed_anywhere = None

from mistral_lib import actions

from . import wording
from .sub import deeper


class Greet(actions.Action):
    """Greet."""

    __export__ = True

    def __init__(self, name):
        self.name = name

    def run(self, context):
        return json.dumps([wording.greeting(self.name), deeper.VALUE])
'''


def make_package(root, greeting='Hello'):
    name = 'bundle_sample_%s' % uuid.uuid4().hex[:8]
    folder = root / name
    (folder / 'sub').mkdir(parents=True)
    (folder / '__init__.py').write_text('')
    (folder / 'sub' / '__init__.py').write_text('')
    # Slow to load: threads loading it at once would see it half done.
    (folder / 'sub' / 'deeper.py').write_text(
        'import time\ntime.sleep(0.2)\nVALUE = 42\n')
    (folder / 'wording.py').write_text(HELPER.format(greeting=greeting))
    (folder / 'hello.py').write_text(ACTIONS)
    (folder / 'unused.py').write_text('raise RuntimeError("never bundled")\n')
    return name


@pytest.fixture
def package(tmp_path, monkeypatch):
    monkeypatch.syspath_prepend(str(tmp_path))
    name = make_package(tmp_path)
    yield name, tmp_path
    for module in [m for m in sys.modules if m.startswith(name)]:
        del sys.modules[module]


def load(text, name):
    """As Mistral's dynamic action provider does."""
    module = types.ModuleType(name)
    exec(text, module.__dict__)
    return module


def test_it_holds_what_the_module_imports_and_names_the_rest(package):
    name, _ = package
    made = bundle.build(name + '.hello', 'sample')
    assert [module for module, _ in made.files] == [
        name, name + '.hello', name + '.sub', name + '.sub.deeper',
        name + '.wording']
    assert made.externals == ('mistral_lib', 'not_installed_anywhere '
                                             '(optional)')
    assert ownership.package_header('sample') in made.text
    assert '#   %s/wording.py\n' % name in made.text
    assert bundle.build(name + '.hello', 'sample') == made


def test_it_runs_where_the_package_is_not_installed(package):
    name, _ = package
    made = bundle.build(name + '.hello', 'sample')
    script = textwrap.dedent('''
        import json, sys, traceback, types
        text = sys.stdin.read()
        module = types.ModuleType(%(main)r)
        exec(text, module.__dict__)
        said = json.loads(module.Greet('you').run(None))
        try:
            module.Greet('').run(None)
        except ValueError:
            where = traceback.extract_tb(sys.exc_info()[2])[-1]
        print(json.dumps([said, where.filename, where.lineno, where.line,
                          %(name)r in sys.modules]))
        ''') % {'main': name + '.hello', 'name': name}
    # cwd and sys.path without the package's folder: it cannot be imported.
    done = subprocess.run([sys.executable, '-c', script], input=made.text,
                          capture_output=True, text=True, cwd='/',
                          timeout=60)
    assert done.returncode == 0, done.stderr
    said, filename, line, text, installed = json.loads(done.stdout)
    assert said == ['Hello, you!', 42]
    assert (filename, line) == ('%s/wording.py' % name, 7)
    assert text == "raise ValueError('nobody to greet')"
    assert not installed


def test_two_versions_of_a_helper_never_mix(package, tmp_path):
    name, _ = package
    old = bundle.build(name + '.hello', 'sample').text
    wording = tmp_path / name / 'wording.py'
    wording.write_text(HELPER.format(greeting='Howdy'))
    new = bundle.build(name + '.hello', 'sample').text
    assert old != new
    for text, expected in ((old, 'Hello'), (new, 'Howdy'), (old, 'Hello')):
        module = load(text, name + '.hello')
        assert json.loads(module.Greet('x').run(None))[0] == \
            '%s, x!' % expected


def test_threads_loading_one_bundle_see_whole_modules(package):
    name, _ = package
    text = bundle.build(name + '.hello', 'sample').text
    failures = []

    def run():
        try:
            for _ in range(20):
                load(text, name + '.hello').Greet('x').run(None)
        except Exception as error:  # noqa: BLE001 - reported below
            failures.append(repr(error))

    threads = [threading.Thread(target=run) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert failures == []


def test_a_module_imported_only_at_run_time_is_said_missing(package,
                                                            tmp_path):
    name, _ = package
    made = bundle.build(name + '.hello', 'sample')
    module = load(made.text, name + '.hello')
    importer = module.__builtins__['__import__']
    with pytest.raises(ImportError, match='not imported statically'):
        importer(name + '.unused')


def module_spec(made, name, root):
    main = name + '.hello'
    return specs.ModuleSpec(main, str(root / name / 'hello.py'), made.text,
                            package='sample', externals=made.externals,
                            files=made.files)


def test_a_bundle_too_big_for_mistral_is_refused_naming_what_made_it_big(
        package):
    name, root = package
    # A helper of 70,000 bytes: the bundle cannot fit Mistral's column.
    (root / name / 'wording.py').write_text(
        HELPER.format(greeting='Hello') + '#' * 70000 + '\n')
    made = bundle.build(name + '.hello', 'sample')
    spec = specs.ActionSpec('sample.hello.greet', 'Greet',
                            module_spec(made, name, root), 'name', 'Greet.')
    [problem] = validate.validate([spec])
    size = len(made.text.encode())
    helper = (root / name / 'wording.py').stat().st_size
    assert problem.startswith(
        '%s.hello: its code source is %d bytes; Mistral stores at most '
        '65535 (MySQL TEXT); it bundles %s/wording.py (%d bytes), ' % (
            name, size, name, helper)), problem


def test_a_code_source_that_needs_the_package_installed_is_refused(
        package, monkeypatch):
    name, root = package
    made = bundle.build(name + '.hello', 'sample')
    bundled = module_spec(made, name, root)
    # The module's own text, unbundled: it imports its package's helpers,
    # which only a node with the package installed has.
    plain = dataclasses.replace(
        bundled, content=(root / name / 'hello.py').read_text().replace(
            'from . import wording', 'from %s import wording' % name
        ).replace('from .sub import deeper', 'from %s.sub import deeper'
                  % name))
    monkeypatch.setenv('PYTHONPATH', os.pathsep.join(
        filter(None, [str(root), os.environ.get('PYTHONPATH')])))
    # Where the package can be imported, both load ...
    assert validate.load_without_packages([plain, bundled], []) == []
    # ... and where it cannot, only the bundle does.
    assert validate.load_without_packages([plain, bundled], [name]) == [
        "%s.hello: does not load on a Mistral node without %s installed "
        "(ModuleNotFoundError: No module named '%s'); bundle what it "
        "imports or install that on the nodes" % (name, name, name)]

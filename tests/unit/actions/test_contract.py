"""The contract Mistral and the registration tool rely on (MISTRAL23.md)."""

import ast
import importlib
import inspect
import json
import pathlib
import pkgutil
import subprocess
import sys
import types

import pytest

from mistral_lib import actions
from mistral_lib import serialization
from mistral_lib.utils import inspect_utils

import mistral_actions
from tests.unit.actions import fakes

MODULES = ['mistral_actions.nova.servers', 'mistral_actions.cinder.backups',
           'mistral_actions.cinder.snapshots',
           'mistral_actions.cinder.volumes', 'mistral_actions.glance.images',
           'mistral_actions.system']

# What the OpenStack actions share; no action is exported from there.
HELPER_MODULES = ['mistral_actions.cloud',
                  'mistral_actions.cloud.cinder_client',
                  'mistral_actions.cloud.clients',
                  'mistral_actions.cloud.failures',
                  'mistral_actions.cloud.glance_client',
                  'mistral_actions.cloud.inputs',
                  'mistral_actions.cloud.nova_client',
                  'mistral_actions.cloud.outcomes',
                  'mistral_actions.cloud.polling',
                  'mistral_actions.cloud.resources',
                  'mistral_actions.cloud.sessions']

# Every action of the library and the input Mistral must show for it.
EXPECTED_INPUTS = {
    'int32bit.cinder.backups.assert_status': 'backup_id, status="available"',
    'int32bit.cinder.backups.create':
        'volume_id, backup_name, snapshot_id=null, description=null, '
        'container=null, incremental=true, force=true',
    'int32bit.cinder.backups.create_backup':
        'volume_id, max_chain_length=5, max_chains=2',
    'int32bit.cinder.backups.wait_for_status':
        'backup_id, status="available", timeout=300, interval=5',
    'int32bit.cinder.snapshots.assert_status':
        'snapshot_id, status="available"',
    'int32bit.cinder.snapshots.create_snapshot': 'volume_id',
    'int32bit.cinder.snapshots.wait_for_status':
        'snapshot_id, status="available", timeout=300, interval=5',
    'int32bit.cinder.volumes.assert_status': 'volume_id, status="available"',
    'int32bit.cinder.volumes.wait_for_status':
        'volume_id, status="available", timeout=300, interval=5',
    'int32bit.glance.images.assert_status': 'image_id, status="active"',
    'int32bit.glance.images.filter_by': '**kwargs',
    'int32bit.glance.images.wait_for_status':
        'image_id, status="active", timeout=300, interval=5',
    'int32bit.nova.servers.assert_power_status':
        'server_id, status="running"',
    'int32bit.nova.servers.assert_status': 'server_id, status="ACTIVE"',
    'int32bit.nova.servers.get_status': 'server_id',
    'int32bit.nova.servers.wait_for_status':
        'server_id, status="ACTIVE", timeout=300, interval=5',
    'int32bit.system.exec': 'cmd',
}


def snake_case(name):
    return ''.join('_' + char.lower() if char.isupper() and index else
                   char.lower() for index, char in enumerate(name))


def exported(module):
    """{action name: class} of a module, by the contract's rules."""
    below = module.__name__[len('mistral_actions.'):]
    return {'%s.%s.%s' % (mistral_actions.PREFIX, below,
                          snake_case(cls.__name__)): cls
            for cls in vars(module).values()
            if inspect.isclass(cls) and vars(cls).get('__export__') is True
            and cls.__module__ == module.__name__}


def all_actions():
    found = {}
    for name in MODULES:
        found.update(exported(importlib.import_module(name)))
    return found


def source_of(module_name):
    return pathlib.Path(
        importlib.import_module(module_name).__file__).read_text('utf-8')


def load_fresh(module_name):
    """The module as Mistral's dynamic provider loads it."""
    module = types.ModuleType(module_name)
    exec(source_of(module_name), module.__dict__)
    return module


def test_the_library_exports_exactly_these_actions():
    assert sorted(all_actions()) == sorted(EXPECTED_INPUTS)


@pytest.mark.parametrize('name', sorted(EXPECTED_INPUTS))
def test_input_string(name):
    cls = all_actions()[name]
    assert inspect_utils.get_arg_list_as_str(cls.__init__) == \
        EXPECTED_INPUTS[name]


@pytest.mark.parametrize('name', sorted(EXPECTED_INPUTS))
def test_class_is_a_mistral_action(name):
    cls = all_actions()[name]
    assert issubclass(cls, actions.Action)
    assert list(inspect.signature(cls.run).parameters) == ['self', 'context']
    # Mistral ships public class attributes over RPC: they must be JSON.
    json.dumps(inspect_utils.get_public_fields(cls))


@pytest.mark.parametrize('name', sorted(EXPECTED_INPUTS))
def test_docstring(name):
    cls = all_actions()[name]
    doc = inspect.getdoc(cls)
    assert vars(cls).get('__doc__'), 'the class needs its own docstring'
    first, second = (doc.splitlines() + [''])[:2]
    assert first.endswith('.') and len(first) <= 79 and second == ''
    parameters = [parameter.name for parameter in
                  inspect.signature(cls.__init__).parameters.values()
                  if parameter.name != 'self']
    for parameter in parameters:
        assert ':param %s:' % parameter in doc, parameter


@pytest.mark.parametrize('module_name', HELPER_MODULES)
def test_helper_classes_are_not_exported(module_name):
    module = importlib.import_module(module_name)
    for cls in vars(module).values():
        if inspect.isclass(cls):
            assert '__export__' not in vars(cls), cls


def test_helper_modules_are_all_listed():
    import mistral_actions.cloud

    found = [info.name for info in pkgutil.walk_packages(
        mistral_actions.cloud.__path__, 'mistral_actions.cloud.')]
    assert sorted(HELPER_MODULES) == sorted(['mistral_actions.cloud'] +
                                            found)


def test_helper_modules_import_one_another_without_cycles():
    imports = {}
    for module_name in HELPER_MODULES:
        imports[module_name] = {
            '%s.%s' % (node.module, alias.name)
            for node in ast.walk(ast.parse(source_of(module_name)))
            if isinstance(node, ast.ImportFrom) and node.module
            for alias in node.names} & set(HELPER_MODULES)
    done = set()
    while len(done) < len(imports):
        ready = {name for name, needs in imports.items()
                 if name not in done and needs <= done}
        assert ready, {name: sorted(needs - done) for name, needs in
                       imports.items() if name not in done}
        done |= ready


@pytest.mark.parametrize('module_name',
                         MODULES + HELPER_MODULES)
def test_module_source_is_small_and_has_no_relative_import(module_name):
    source = source_of(module_name)
    assert len(source.encode('utf-8')) < 48 * 1024
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.ImportFrom):
            assert node.level == 0, ast.unparse(node)


@pytest.mark.parametrize('module_name', MODULES)
def test_module_loads_as_a_fresh_module(module_name):
    module = load_fresh(module_name)
    assert module_name not in sys.modules or \
        sys.modules[module_name] is not module
    fresh = exported(module)
    assert sorted(fresh) == sorted(exported(
        importlib.import_module(module_name)))
    for name, cls in fresh.items():
        assert inspect_utils.get_arg_list_as_str(cls.__init__) == \
            EXPECTED_INPUTS[name]


def test_fresh_module_actions_run(clients, context):
    servers = load_fresh('mistral_actions.nova.servers')
    clients.nova.servers.add('srv-1', status='ACTIVE',
                             **{'OS-EXT-STS:power_state': 1})
    result = fakes.run_like_mistral(servers.AssertStatus('srv-1'), context)
    assert result['status'] == 'ACTIVE'

    backups = load_fresh('mistral_actions.cinder.backups')
    clients.cinder.volumes.add('vol-1', status='available')
    result = fakes.run_like_mistral(backups.CreateBackup('vol-1'), context)
    assert result['chain_length'] == 1

    images = load_fresh('mistral_actions.glance.images')
    assert fakes.run_like_mistral(images.FilterBy(), context) == []

    system = load_fresh('mistral_actions.system')
    result = fakes.run_like_mistral(system.Exec('echo fresh'), context)
    assert result['stdout'] == 'fresh\n'


def test_actions_survive_mistral_lib_serialization(clients, context):
    from mistral_actions.cinder import backups

    serializer = serialization.get_polymorphic_serializer()
    action = backups.Create('vol-1', 'b', description='d')
    data = serializer.serialize(action)
    json.loads(data)
    rebuilt = serializer.deserialize(data)
    assert type(rebuilt) is backups.Create and vars(rebuilt) == vars(action)
    clients.cinder.volumes.add('vol-1', status='available')
    assert rebuilt.run(context)['is_incremental'] is False


HEAVY = ('novaclient', 'cinderclient', 'glanceclient', 'mistral',
         'mistral_extra', 'keystoneauth1', 'keystoneclient')

CHECK_IMPORTS = '''
import importlib.util, pathlib, sys, types
modules = %r
for name in modules:
    if %r:
        module = types.ModuleType(name)
        path = importlib.util.find_spec(name).origin
        exec(pathlib.Path(path).read_text(), module.__dict__)
    else:
        importlib.import_module(name)
heavy = %r
print(sorted(m for m in sys.modules if m.split('.')[0] in heavy))
'''


@pytest.mark.parametrize('fresh', [False, True], ids=['import', 'exec'])
def test_loading_imports_no_client_or_mistral_code(fresh):
    script = CHECK_IMPORTS % (
        MODULES + HELPER_MODULES, fresh, HEAVY)
    output = subprocess.run(
        [sys.executable, '-c', script], capture_output=True, text=True,
        check=True, cwd=pathlib.Path(mistral_actions.__file__).parents[1])
    assert output.stdout.strip() == '[]', output.stdout

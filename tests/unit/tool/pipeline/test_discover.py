import subprocess
import sys

import pytest

from mistral_actions.tool.pipeline import discover as discovery

SAMPLE = 'tests.unit.tool.sample_actions'


@pytest.mark.parametrize('class_name,expected', [
    ('AssertStatus', 'assert_status'),
    ('Exec', 'exec'),
    ('AssertPowerStatus', 'assert_power_status'),
    ('HTTPCheck', 'http_check'),
    ('FilterBy', 'filter_by'),
    ('WaitForStatus', 'wait_for_status'),
])
def test_snake_case(class_name, expected):
    assert discovery.snake_case(class_name) == expected


def test_action_name_uses_path_below_package():
    assert discovery.action_name('mistral_actions.nova.servers',
                                 'AssertStatus') == \
        'int32bit.nova.servers.assert_status'
    assert discovery.action_name('mistral_actions.system', 'Exec') == \
        'int32bit.system.exec'


def test_only_own_export_flag_in_defining_module_counts():
    found = {spec.name: spec
             for spec in discovery.discover(SAMPLE, 'int32bit')}
    assert sorted(found) == [
        'int32bit.sub.other.imported',
        'int32bit.things.get_thing',
        'int32bit.things.http_check',
    ]
    imported = found['int32bit.sub.other.imported']
    assert imported.module.name == SAMPLE + '.sub.other'


def test_spec_carries_what_mistral_shows():
    spec = {s.name: s for s in discovery.discover(SAMPLE, 'int32bit')}[
        'int32bit.things.get_thing']
    assert spec.input == 'thing_id, status="ready", count=3'
    assert spec.summary == 'Get one thing.'
    assert ':param thing_id:' in spec.description
    assert spec.class_name == 'GetThing'
    assert spec.code_source_name == SAMPLE + '.things'
    assert spec.module.package == 'int32bit'
    assert spec.module.externals == ('mistral_lib',)
    assert (SAMPLE + '.things',
            'tests/unit/tool/sample_actions/things.py') in spec.module.files
    assert len(spec.module.sha256) == 64
    assert {s.input for s in discovery.discover(SAMPLE, 'int32bit')} >= {
        '**kwargs'}


def test_discovery_skips_the_tool_package():
    names = list(discovery.iter_module_names())
    assert names, 'the action modules should be walked'
    assert not [n for n in names if n.startswith('mistral_actions.tool')]


def test_importing_the_tool_does_not_import_mistral_or_clients():
    code = ('import sys; from mistral_actions.tool import shell, commands; '
            'from mistral_actions.tool.pipeline import discover; '
            'discover.discover(); '
            'heavy = [m for m in sys.modules if m.split(".")[0] in '
            '("mistral", "novaclient", "cinderclient", "glanceclient", '
            '"mistral_extra", "mistralclient")]; print(heavy)')
    out = subprocess.run([sys.executable, '-c', code], check=True,
                         capture_output=True, text=True).stdout
    assert out.strip() == '[]'

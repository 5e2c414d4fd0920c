"""The command itself: help, listings, catalog drift, one-line errors."""

from importlib import metadata
import json
from pathlib import Path
import re
import subprocess
import sys

import pytest

from mistral_actions.tool import catalog
from mistral_actions.tool.pipeline import discover as discovery
from tests.harness.package_copy import package_copy

ROOT = Path(__file__).resolve().parents[3]
#: The commands as installed: the entry points cliff finds them by (an
#: underscore in one's name is a space in the command: ``history show``).
ENTRY_POINTS = {entry.name.replace('_', ' '): entry
                for entry in metadata.entry_points(
                    group='mistral_actions.cli')}
COMMANDS = sorted(ENTRY_POINTS)


def tool(*args, env=None):
    clean = {'PATH': '/usr/bin:/bin', 'HOME': '/nonexistent'}
    clean.update(env or {})
    return subprocess.run(
        [str(Path(sys.executable).parent / 'mistral-actions'), *args],
        capture_output=True, text=True, timeout=120, env=clean)


def test_action_catalog_is_current():
    committed = (ROOT / 'action_catalog.md').read_text()
    assert committed == catalog.render_markdown(discovery.discover()), (
        'action_catalog.md is stale: run '
        '`mistral-actions markdown-dump > action_catalog.md`')


def test_markdown_dump_prints_the_catalog():
    result = tool('markdown-dump')
    assert result.returncode == 0, result.stderr
    assert result.stdout == (ROOT / 'action_catalog.md').read_text()


def test_discover_lists_every_action_in_json():
    result = tool('discover', '-f', 'json')
    assert result.returncode == 0, result.stderr
    rows = json.loads(result.stdout)
    assert [(r['Name'], r['Input']) for r in rows] == [
        (s.name, s.input) for s in discovery.discover()]


def test_discover_fits_100_columns_and_wide_shows_each_row_whole():
    found = discovery.discover()
    result = tool('discover')
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert max(len(line) for line in lines) <= 100
    names = [line.split('|')[1].strip() for line in lines
             if line.startswith('|') and line.split('|')[1].strip()]
    assert names == ['Name'] + [spec.name for spec in found]
    # What the nodes need, altogether, is said below the narrow table.
    needed = sorted({name for spec in found
                     for name in spec.module.externals})
    assert result.stderr.splitlines() == [
        'int32bit needs on the Mistral nodes: %s (--wide: per action)'
        % ', '.join(needed)]

    wide = tool('discover', '--wide')
    assert wide.returncode == 0, wide.stderr
    rows = [[cell.strip() for cell in line.split('|')[1:-1]]
            for line in wide.stdout.splitlines() if line.startswith('|')]
    assert rows[0] == ['Name', 'Package', 'Description', 'Input', 'Imports']
    assert rows[1:] == [[spec.name, spec.module.package, spec.summary,
                         spec.input, ', '.join(spec.module.externals)]
                        for spec in found]
    assert max(len(line) for line in wide.stdout.splitlines()) > 100


def test_bash_completion_says_it_needs_debians_package():
    # The script only works where bash's programmable completion is loaded.
    result = tool('help', 'bash-completion')
    assert "Debian's ``bash-completion`` package" in ' '.join(
        result.stdout.split())
    assert '(Debian and Ubuntu: the `bash-completion` package)' in ' '.join(
        (ROOT / 'README.md').read_text().split())
    assert '（Debian 和 Ubuntu：`bash-completion` 软件包）' in (
        ROOT / 'README.zh.md').read_text()


def test_help_lists_every_command_with_its_own_help_line():
    result = tool('--help')
    assert result.returncode == 0
    listed = dict(re.findall(r'^  (\S+(?: \S+)*)\s\s+(.+)$',
                             result.stdout.split('Commands:', 1)[1],
                             re.MULTILINE))
    assert set(COMMANDS) <= set(listed)
    for name, entry in ENTRY_POINTS.items():
        # cliff shows a docstring's first line without its final period.
        first_line = entry.load().__doc__.strip().splitlines()[0].rstrip('.')
        assert listed[name] == first_line, name


def test_readme_mentions_every_command():
    readme = (ROOT / 'README.md').read_text()
    readme_zh = (ROOT / 'README.zh.md').read_text()
    for name in COMMANDS:
        assert 'mistral-actions %s' % name in readme, name
        assert 'mistral-actions %s' % name in readme_zh, name


def test_bash_completion_knows_the_commands():
    result = tool('bash-completion')
    assert result.returncode == 0, result.stderr
    assert 'complete -F' in result.stdout and 'register' in result.stdout


@pytest.mark.parametrize('args,env,expected', [
    (('--backend', 'api', 'action-list'), {},
     'no Mistral to talk to'),
    (('--config-file', '/nonexistent/mistral.conf', 'register'), {},
     'cannot read Mistral config /nonexistent/mistral.conf'),
    (('--os-mistral-url', 'http://127.0.0.1:9/v2', '--backend', 'api',
      'register'), {}, 'cannot reach http://127.0.0.1:9/v2'),
    (('--backend', 'api', 'register'),
     {'OS_AUTH_URL': 'http://127.0.0.1:9/v3', 'OS_USERNAME': 'admin',
      'OS_PASSWORD': 's3cret-pass', 'OS_PROJECT_NAME': 'admin',
      'OS_USER_DOMAIN_NAME': 'Default', 'OS_PROJECT_DOMAIN_NAME': 'Default'},
     'cannot reach keystone at http://127.0.0.1:9/v3'),
    (('run', 'int32bit.nova.servers.nothing'), {},
     'no action int32bit.nova.servers.nothing in int32bit.*'),
    (('run', 'int32bit.system.exec', '-i', 'cmd=true'), {},
     'int32bit.system.exec is unsafe'),
    (('run', 'int32bit.system.exec', '--include-unsafe', '-i', 'command=x'),
     {}, 'int32bit.system.exec: missing cmd and unexpected command; its '
     'input is: cmd'),
    (('run', 'int32bit.system.exec', '--include-unsafe', '--input', '{'),
     {}, '--input is not JSON'),
    (('run', 'int32bit.system.exec', '--include-unsafe', '-i', 'cmd=true'),
     {'OS_AUTH_URL': 'http://127.0.0.1:9/v3', 'OS_USERNAME': 'admin',
      'OS_PASSWORD': 's3cret-pass', 'OS_PROJECT_NAME': 'admin',
      'OS_USER_DOMAIN_NAME': 'Default', 'OS_PROJECT_DOMAIN_NAME': 'Default'},
     'cannot reach keystone at http://127.0.0.1:9/v3'),
])
def test_expected_errors_are_one_line_without_traceback(args, env, expected):
    result = tool(*args, env=env)
    assert result.returncode == 1
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert expected in lines[0]
    assert 'Traceback' not in result.stderr
    assert 's3cret-pass' not in result.stderr + result.stdout


KEYSTONE_CREDENTIALS = {
    'OS_USERNAME': 'admin', 'OS_PASSWORD': 's3cret-pass',
    'OS_PROJECT_NAME': 'admin', 'OS_USER_DOMAIN_NAME': 'Default',
    'OS_PROJECT_DOMAIN_NAME': 'Default'}


@pytest.mark.parametrize('auth_url,problem', [
    ('127.0.0.1:5000/v3', 'is not an http:// or https:// URL'),
    ('http//127.0.0.1:5000/v3', 'is not an http:// or https:// URL'),
    ('http://:5000/v3', 'has no host'),
    ('http://127.0.0.1:99999/v3',
     'is not a URL (Port out of range 0-65535)'),
])
def test_a_malformed_keystone_url_is_named_not_blamed_on_the_catalog(
        auth_url, problem):
    result = tool('--backend', 'api', 'action-list',
                  env=dict(KEYSTONE_CREDENTIALS, OS_AUTH_URL=auth_url))
    assert result.returncode == 1
    assert result.stdout == ''
    assert result.stderr == (
        "OS_AUTH_URL (--os-auth-url) %r %s; give keystone's "
        "identity API URL, e.g. http://127.0.0.1:5000/v3\n" % (
            auth_url, problem))


def test_a_keystone_404_names_the_url_and_what_to_check():
    from tests.harness.http_stub import HttpStub
    stub = HttpStub({}).start()  # answers 404 to everything
    try:
        auth_url = stub.url + '/v3'
        result = tool('--backend', 'api', 'action-list',
                      env=dict(KEYSTONE_CREDENTIALS, OS_AUTH_URL=auth_url))
    finally:
        stub.stop()
    assert result.returncode == 1
    assert result.stdout == ''
    assert result.stderr == (
        "keystone at %s answered HTTP 404 Not Found to POST %s/auth/tokens; "
        "check OS_AUTH_URL (--os-auth-url): keystone's identity API, e.g. "
        "http://127.0.0.1:5000/v3\n" % (auth_url, auth_url))


def test_format_options_before_the_command_are_accepted():
    before = tool('-f', 'json', '-c', 'Name', 'discover')
    after = tool('discover', '-f', 'json', '-c', 'Name')
    assert before.returncode == 0, before.stderr
    assert before.stdout == after.stdout
    assert json.loads(before.stdout)[0].keys() == {'Name'}


@pytest.mark.parametrize('args,line', [
    (('-f', 'json', 'bogus'), "mistral-actions: '-f json bogus' is not a "
     "mistral-actions command; see mistral-actions --help"),
    (('bogus',), "mistral-actions: 'bogus' is not a mistral-actions "
     "command; see mistral-actions --help"),
])
def test_usage_errors_go_to_stderr_with_exit_2(args, line):
    result = tool(*args)
    assert result.returncode == 2
    assert result.stdout == ''
    assert result.stderr == line + '\n'


def test_an_unknown_option_is_a_usage_error_on_stderr():
    result = tool('register', '--bogus')
    assert result.returncode == 2
    assert result.stdout == ''
    assert result.stderr.strip().splitlines()[-1] == (
        'mistral-actions register: error: unrecognized arguments: --bogus')


BROKEN_MODULE = """from mistral_lib import actions


class Broken(actions.Action):
    __export__ = True

    def run(self, context)
        return 1
"""


@pytest.mark.parametrize('args', [
    ('discover',),
    ('--os-mistral-url', 'http://127.0.0.1:9/v2', 'register'),
])
def test_a_syntax_error_is_named_with_its_file_and_line(tmp_path, args):
    root = package_copy(tmp_path / 'copy', {'broken.py': BROKEN_MODULE})
    result = tool(*args, env={'PYTHONPATH': str(root),
                              'XDG_CACHE_HOME': str(tmp_path / 'cache')})
    assert result.returncode == 1
    assert result.stdout == ''
    assert result.stderr == (
        "mistral_actions.broken: SyntaxError in %s, line 7: expected ':'; "
        "fix that line and run the command again\n"
        % (root / 'mistral_actions' / 'broken.py'))


def test_discover_of_a_package_not_installed_says_so():
    result = tool('discover', '--package', 'nope_pkg')
    assert result.returncode == 0
    assert result.stdout == 'No exported actions in nope_pkg.\n'
    assert result.stderr.splitlines() == [
        'nope_pkg is not installed here (not a module, not a package '
        'folder): nothing to discover; as a prefix it still selects what '
        'Mistral holds of it']

"""What an operator sees when things go wrong, and what is left in Mistral.

Every failure must be one clear line on stderr and a non-zero exit, with no
traceback and no secret; Mistral is left as it was (db: one transaction) or
in a state that a rerun completes (api), and never with a dynamic action
whose code source is gone. Network faults are made by a proxy that cuts the
connection at a chosen request; keystone is a stub that rejects everyone.
"""

import configparser
import os
import shutil
import subprocess
import uuid

import pytest

from mistral_actions.tool.pipeline import discover as discovery
from tests.harness.clients import run
from tests.harness.clients import Tool
from tests.harness.http_stub import keystone_refusing_everyone
from tests.harness import infra
from tests.harness.mistral_servers import SingleProcessMistral
from tests.harness.process import free_port
from tests.harness.registry_state import assert_consistent
from tests.harness.registry_state import assert_exactly_registered
from tests.harness.registry_state import register_partially
from tests.harness.registry_state import state
from tests.harness.tcp_proxy import TcpProxy

#: The MySQL protocol packet of a COMMIT statement (length 7, COM_QUERY):
#: unlike the bare word, it does not match "READ COMMITTED".
COMMIT_PACKET = b'\x07\x00\x00\x00\x03COMMIT'

FORBIDDEN = 'Mistral refused (HTTP 403): creating, changing or deleting ' \
    'code sources and dynamic actions needs the admin role'


class Through:
    """The same Mistral reached another way (a proxy, another config):
    what Tool needs of a Mistral, with its own config file and URL."""

    def __init__(self, mistral, config_file=None, url=None):
        self.mistral = mistral
        self.config_file = str(config_file or mistral.config_file)
        self.url = url or mistral.url
        self.log_paths = mistral.log_paths

    def env(self):
        env = self.mistral.env()
        env['OS_MISTRAL_URL'] = self.url
        return env


def config_with_connection(mistral, path, connection):
    """A copy of mistral's config whose [database] connection is another."""
    config = configparser.ConfigParser(interpolation=None)
    config.read(mistral.config_file)
    config['database']['connection'] = connection
    with open(path, 'w') as copy:
        config.write(copy)
    return path


def assert_one_line_failure(result, says, *secrets):
    """Non-zero exit, nothing on stdout, one line on stderr saying
    ``says``, no traceback, no secret; that line."""
    output = result.stdout + result.stderr
    assert result.returncode != 0, output
    assert 'Traceback' not in output, output
    assert result.stdout == '', output
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert says in lines[0], lines[0]
    for secret in secrets:
        assert secret not in output, 'a secret was printed: %s' % output
    return lines[0]


def assert_rerun_completes(tool, specs):
    """A rerun registers everything; a third run writes nothing."""
    tool('register', '--include-unsafe')
    assert_exactly_registered(tool.mistral, specs)
    before = state(tool.mistral)
    rows = tool.rows('register', '--include-unsafe')
    assert {row['Result'] for row in rows} == {'unchanged'}
    assert state(tool.mistral) == before


@pytest.fixture(scope='module')
def specs():
    return discovery.discover()


@pytest.fixture(scope='module')
def db_user(distributed_mistral):
    """A MariaDB user with a password for the distributed Mistral's
    database, so that a leaked connection URL would show a secret."""
    name = infra.unique_name('ma_fault')
    password = 'pw-%s' % uuid.uuid4().hex
    with infra._connect() as conn, conn.cursor() as cursor:
        cursor.execute("CREATE USER %s@'%%' IDENTIFIED BY %s",
                       (name, password))
        cursor.execute("GRANT ALL PRIVILEGES ON `%s`.* TO %%s@'%%%%'"
                       % distributed_mistral.database_name, (name,))
    yield name, password
    with infra._connect() as conn, conn.cursor() as cursor:
        cursor.execute("DROP USER %s@'%%'", (name,))


def connection_url(user, port, database):
    name, password = user
    return 'mysql+pymysql://%s:%s@%s:%d/%s?charset=utf8mb4' % (
        name, password, infra.MARIADB_HOST, port, database)


@pytest.fixture
def db_tool(distributed_mistral):
    tool = Tool(distributed_mistral, 'db')
    tool('clear')
    yield tool
    tool('clear')


@pytest.mark.parametrize('cut_at', [
    (b'FROM code_sources',),
    (b'INSERT INTO code_sources',),
    (b'INSERT INTO dynamic_action_definitions',),
    (b'INSERT INTO', COMMIT_PACKET),
], ids=['reading', 'writing-code-sources', 'writing-actions', 'committing'])
def test_db_connection_lost_mid_register_changes_nothing(
        db_tool, db_user, specs, cut_at, tmp_path):
    mistral = db_tool.mistral
    register_partially(mistral, specs)
    before = state(mistral)
    with TcpProxy(infra.MARIADB_PORT, cut_at,
                  target_host=infra.MARIADB_HOST) as proxy:
        config = config_with_connection(
            mistral, tmp_path / 'mistral.conf',
            connection_url(db_user, proxy.port, mistral.database_name))
        result = Tool(Through(mistral, config), 'db')(
            'register', '--include-unsafe', check=False)
    assert proxy.cut_done.is_set(), result.stdout
    assert_one_line_failure(result, 'cannot use the Mistral database',
                            db_user[1])
    assert state(mistral) == before
    assert_consistent(mistral)
    assert_rerun_completes(db_tool, specs)


def test_db_unreachable(distributed_mistral, db_user, tmp_path):
    before = state(distributed_mistral)
    config = config_with_connection(
        distributed_mistral, tmp_path / 'mistral.conf',
        connection_url(db_user, free_port(), distributed_mistral
                       .database_name))
    result = Tool(Through(distributed_mistral, config), 'db')(
        'register', check=False)
    line = assert_one_line_failure(result, 'cannot use the Mistral database',
                                   db_user[1])
    assert 'Connection refused' in line
    assert state(distributed_mistral) == before


@pytest.fixture
def api_tool(mistral):
    tool = Tool(mistral, 'api')
    tool('clear')
    yield tool
    tool('clear')


@pytest.mark.parametrize('cut_at', [
    (b'POST /v2/code_sources',) * 2,
    (b'POST /v2/dynamic_actions',) * 3,
], ids=['creating-code-sources', 'creating-actions'])
def test_api_gone_mid_register_then_a_rerun_completes(api_tool, specs,
                                                      cut_at):
    mistral = api_tool.mistral
    port = int(mistral.url.rsplit(':', 1)[1].split('/')[0])
    with TcpProxy(port, cut_at) as proxy:
        result = Tool(Through(mistral, url='http://127.0.0.1:%d/v2'
                              % proxy.port), 'api')(
            'register', '--include-unsafe', check=False)
    assert proxy.cut_done.is_set(), result.stdout
    assert_one_line_failure(result, 'cannot reach http://127.0.0.1:%d/v2'
                            % proxy.port)
    assert_consistent(mistral)
    assert_rerun_completes(api_tool, specs)


def test_api_unreachable(single_mistral):
    url = 'http://127.0.0.1:%d/v2' % free_port()
    result = Tool(Through(single_mistral, url=url), 'api')(
        'register', check=False)
    assert_one_line_failure(result, 'cannot reach %s: Connection refused'
                            % url)


@pytest.mark.parametrize('credentials', [
    {'OS_USERNAME': 'admin', 'OS_PASSWORD': 'pw-%s' % uuid.uuid4().hex,
     'OS_PROJECT_NAME': 'admin', 'OS_USER_DOMAIN_NAME': 'Default',
     'OS_PROJECT_DOMAIN_NAME': 'Default'},
    {'OS_AUTH_TYPE': 'token', 'OS_TOKEN': 'tk-%s' % uuid.uuid4().hex,
     'OS_PROJECT_NAME': 'admin', 'OS_PROJECT_DOMAIN_NAME': 'Default'},
], ids=['password', 'token'])
@pytest.mark.parametrize('with_mistral_url', [True, False],
                         ids=['mistral-url', 'catalog'])
def test_keystone_rejects_the_credentials(single_mistral, credentials,
                                          with_mistral_url):
    before = state(single_mistral)
    tool = Tool(single_mistral, 'api')
    with keystone_refusing_everyone() as keystone:
        env = dict(tool.env(), OS_AUTH_URL=keystone.url + '/v3',
                   **credentials)
        if not with_mistral_url:
            del env['OS_MISTRAL_URL']
        result = run(tool.argv() + ['register'], env, check=False)
    assert ('POST', '/v3/auth/tokens') in keystone.requests
    secrets = [value for key, value in credentials.items()
               if key in ('OS_PASSWORD', 'OS_TOKEN')]
    assert_one_line_failure(result, 'keystone at %s/v3 rejected the '
                            'credentials (HTTP 401)' % keystone.url, *secrets)
    assert state(single_mistral) == before


@pytest.fixture(scope='module')
def guarded_mistral(tmp_path_factory):
    """A Mistral of this module's own whose policy refuses to create code
    sources (the policy file is read again when it changes)."""
    with SingleProcessMistral(tmp_path_factory.mktemp('guarded')) as mistral:
        policy = mistral.workdir / 'policy.yaml'
        policy.write_text(policy.read_text() + '"code_sources:create": "!"\n')
        yield mistral


def test_forbidden_by_policy_says_what_to_do(guarded_mistral):
    before = state(guarded_mistral)
    result = Tool(guarded_mistral, 'api')('register', check=False)
    line = assert_one_line_failure(result, FORBIDDEN)
    assert 'policy' in line
    assert state(guarded_mistral) == before


@pytest.mark.parametrize('problem', ['missing', 'directory', 'unreadable'])
def test_mistral_config_that_cannot_be_read(single_mistral, problem,
                                            tmp_path):
    config = tmp_path / 'mistral.conf'
    argv_prefix = []
    says = {'missing': 'No such file or directory',
            'directory': 'Is a directory',
            'unreadable': 'Permission denied'}[problem]
    if problem == 'directory':
        config.mkdir()
    elif problem == 'unreadable':
        shutil.copy(single_mistral.config_file, config)
        config.chmod(0)
        argv_prefix = without_root_file_access()
    before = state(single_mistral)
    tool = Tool(Through(single_mistral, config), 'db')
    result = run(argv_prefix + tool.argv() + ['register'], tool.env(),
                 check=False)
    assert_one_line_failure(result, 'cannot read Mistral config %s: %s'
                            % (config, says))
    assert state(single_mistral) == before


def without_root_file_access():
    """A command prefix that makes root obey file modes (it drops the
    capabilities that override them), or skip when that is impossible."""
    if os.geteuid() != 0:
        return []
    prefix = ['setpriv', '--bounding-set=-dac_override,-dac_read_search']
    if not shutil.which('setpriv') or subprocess.run(
            prefix + ['true'], capture_output=True).returncode != 0:
        pytest.skip('running as root, and cannot drop CAP_DAC_OVERRIDE: '
                    'an unreadable file is readable')
    return prefix

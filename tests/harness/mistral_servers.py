"""Real Mistral 23 servers for the functional tests, in its two shapes."""

import concurrent.futures
import configparser
import contextlib
import dataclasses
import functools
import os
from pathlib import Path
import subprocess
import sys
import time

import requests

from tests.harness import infra
from tests.harness import node_venvs
from tests.harness.process import free_port
from tests.harness.process import http_answers
from tests.harness.process import Process
from tests.harness.process import ServerError
from tests.harness.process import tail
from tests.harness.process import wait_until

LAUNCHER = Path(__file__).with_name('mistral_single_process.py')
#: What the servers run from unless told otherwise.
DEFAULT_NODE = 'mistral-with-extra'
START_TIMEOUT = 120
COMMAND_TIMEOUT = 300
CLIENT_TIMEOUT = 60
# Past graceful_shutdown_timeout (5 s). mistral-server --server api never
# ends by itself on SIGTERM: the cron trigger threads that its master
# process runs ([cron_trigger] run_in_api) keep it alive; it gets SIGKILL.
STOP_TIMEOUT = 8

# mistral-db-manage's own main(), several commands in one interpreter (each
# start costs seconds of imports). `create_all` is the way Mistral's unit
# tests make the schema, for SQLite: Alembic cannot migrate it (it would
# need ALTER of constraints).
DB_MANAGE = '''
import sys
from mistral.db.sqlalchemy.migration import cli
from mistral.db.v2 import api as db_api
config_file, *commands = sys.argv[1:]
for command in commands:
    if command == 'create_all':
        db_api.setup_db()
        continue
    sys.argv = ['mistral-db-manage', '--config-file', config_file,
                *command.split()]
    cli.CONF.clear()  # main() parses the command line again
    cli.main()
'''


@dataclasses.dataclass(frozen=True)
class KeystoneAuth:
    """A Keystone that Mistral's API checks tokens against."""

    auth_url: str
    admin_user: str
    admin_password: str
    admin_project: str
    region: str
    service_user: str
    service_password: str
    service_project: str
    domain: str = 'Default'


class _TimeoutSession(requests.Session):
    """python-mistralclient has no timeout of its own: give every call one."""

    def __init__(self, timeout):
        super().__init__()
        self.timeout = timeout

    def request(self, *args, **kwargs):
        kwargs.setdefault('timeout', self.timeout)
        return super().request(*args, **kwargs)


def client_environment() -> dict:
    """os.environ without OS_* and MISTRAL*: a client started with it
    talks to no cloud or Mistral of the caller's, only to what is added."""
    return {key: value for key, value in os.environ.items()
            if not key.startswith(('OS_', 'MISTRAL'))}


def _log_says(path, text):
    with contextlib.suppress(OSError), open(path, errors='replace') as log:
        return text in log.read()
    return False


class _Mistral:
    """What both shapes share: config, schema commands, clients, stop.

    Attributes: url (.../v2), config_file, log_path (the API's log),
    log_paths and processes (by server), start_seconds (from the first
    process start until every server is ready), python (the interpreter
    the servers run on).

    Servers run from a virtualenv shaped like a Mistral node (``node``, a
    kind of :mod:`tests.harness.node_venvs`: Mistral and mistral-extra,
    nothing of this project), or with ``node=None`` from the test
    environment itself, where this project is installed: the way a node
    was set up before code sources were self-contained.
    """

    keystone = None
    # By process name: the log line that says its RPC server listens.
    BANNERS = {}

    def __init__(self, workdir, node=DEFAULT_NODE):
        self.node = node
        self.python = node_venvs.node_python(node) if node \
            else Path(sys.executable)
        self.bin = self.python.parent
        self.server_env = {key: value for key, value in os.environ.items()
                           if key not in ('PYTHONPATH', 'VIRTUAL_ENV')}
        self.workdir = Path(workdir)
        self.workdir.mkdir(parents=True, exist_ok=True)
        self.config_file = str(self.workdir / 'mistral.conf')
        self.port = free_port()
        self.url = 'http://127.0.0.1:%d/v2' % self.port
        self.processes = []

    @property
    def log_paths(self):
        """Each server process's log file, by process name."""
        return {process.name: process.log_path for process in self.processes}

    def _config(self, connection, transport_url):
        return {
            'DEFAULT': {'transport_url': transport_url,
                        # A server still busy after that is killed.
                        'graceful_shutdown_timeout': '5'},
            'database': {'connection': connection},
            'api': {'host': '127.0.0.1', 'port': str(self.port)},
            # The ~1,200 generated OpenStack actions cost seconds per start.
            'legacy_action_provider': {'load_action_generators': 'False'},
            # Tests call services of their own on 127.0.0.1 with std.http.
            'action_std_http': {'denied_cidrs': ''},
        }

    def _without_auth(self, config):
        """No token checks; as nobody is admin then, open admin-only calls."""
        policy = self.workdir / 'policy.yaml'
        policy.write_text('"admin_only": ""\n')
        config['pecan'] = {'auth_enable': 'False'}
        config['oslo_policy'] = {'policy_file': str(policy)}

    def _write_config(self, sections):
        parser = configparser.ConfigParser(interpolation=None)
        parser.read_dict(sections)
        with open(self.config_file, 'w') as config:
            parser.write(config)

    def _db_manage(self, *commands):
        """Run mistral-db-manage commands, e.g. 'upgrade head', in order."""
        log_path = self.workdir / 'db-manage.log'
        with open(log_path, 'ab') as log:
            try:
                result = subprocess.run(
                    [str(self.python), '-c', DB_MANAGE, self.config_file,
                     *commands], env=self.server_env,
                    stdout=log, stderr=subprocess.STDOUT,
                    stdin=subprocess.DEVNULL, timeout=COMMAND_TIMEOUT)
            except subprocess.TimeoutExpired:
                failure = 'no end after %ss' % COMMAND_TIMEOUT
            else:
                failure = result.returncode and (
                    'exit status %s' % result.returncode)
        if failure:
            raise ServerError('mistral-db-manage %s: %s (log: %s)\n%s' % (
                ', '.join(commands), failure, log_path, tail(log_path)))

    def _start(self, processes):
        """Start processes; wait for the API and for each server's banner."""
        self.processes = list(processes)
        started = time.monotonic()
        for process in self.processes:
            process.start()
        try:
            wait_until(lambda: http_answers(self.url + '/', timeout=5),
                       START_TIMEOUT, processes=self.processes,
                       what='answering on %s' % self.url)
            for process in self.processes:
                banner = self.BANNERS.get(process.name)
                if banner:
                    wait_until(
                        functools.partial(_log_says, process.log_path, banner),
                        START_TIMEOUT, processes=self.processes,
                        what='logging %r' % banner)
        except BaseException:
            self._stop_processes()
            raise
        self.start_seconds = time.monotonic() - started

    def env(self):
        """os.environ for the `mistral` CLI, talking to this server only."""
        env = client_environment()
        env['OS_MISTRAL_URL'] = self.url
        if self.keystone:
            env.update({
                'OS_AUTH_URL': self.keystone.auth_url,
                'OS_USERNAME': self.keystone.admin_user,
                'OS_PASSWORD': self.keystone.admin_password,
                'OS_PROJECT_NAME': self.keystone.admin_project,
                'OS_USER_DOMAIN_NAME': self.keystone.domain,
                'OS_PROJECT_DOMAIN_NAME': self.keystone.domain,
                'OS_REGION_NAME': self.keystone.region,
            })
        return env

    def client(self, timeout=CLIENT_TIMEOUT, credentials=None, region=None):
        """A python-mistralclient client of this server, every call bounded.

        :param credentials: keystoneauth v3 password arguments of the user
            to act as; the admin by default (keystone only).
        :param region: the region Mistral gives the actions' context
            (header X-Region-Name).
        """
        from mistralclient.api import client
        if not self.keystone:
            return client.client(mistral_url=self.url,
                                 session=_TimeoutSession(timeout))
        from keystoneauth1.identity import v3
        from keystoneauth1 import session
        auth = v3.Password(**(credentials or dict(
            auth_url=self.keystone.auth_url,
            username=self.keystone.admin_user,
            password=self.keystone.admin_password,
            project_name=self.keystone.admin_project,
            user_domain_name=self.keystone.domain,
            project_domain_name=self.keystone.domain)))
        return client.client(
            mistral_url=self.url, region_name=region,
            session=session.Session(auth=auth, timeout=timeout))

    def stop(self):
        """Stop every server process by its pid."""
        self._stop_processes()

    def _stop_processes(self):
        """Stop the processes side by side: each may take seconds."""
        with concurrent.futures.ThreadPoolExecutor(
                max(1, len(self.processes))) as pool:
            list(pool.map(lambda process: process.stop(STOP_TIMEOUT),
                          self.processes))

    def __enter__(self):
        return self

    def __exit__(self, *exc_info):
        self.stop()


class SingleProcessMistral(_Mistral):
    """Mistral on SQLite and `fake:/` RPC in one process; needs nothing else.

    :param workdir: directory for mistral.conf, the database and the log.
    """

    BANNERS = {'mistral': 'Engine server started.'}

    def __init__(self, workdir, node=DEFAULT_NODE):
        super().__init__(workdir, node)
        database = self.workdir / 'mistral.sqlite'
        config = self._config('sqlite:///%s' % database, 'fake:/')
        config['executor'] = {'type': 'local'}
        config['notifier'] = {'type': 'local'}
        self._without_auth(config)
        self._write_config(config)
        self._db_manage('stamp head', 'create_all', 'populate')
        self._start([Process(
            'mistral', [str(self.python), LAUNCHER,
                        '--config-file', self.config_file],
            self.workdir / 'mistral.log', env=self.server_env)])
        self.log_path = self.processes[0].log_path


class DistributedMistral(_Mistral):
    """Mistral as deployed: MariaDB, RabbitMQ, one process per server.

    Makes a database and a vhost of its own, dropped again by stop().

    :param workdir: directory for mistral.conf and one log per server.
    :param keystone: a KeystoneAuth to authenticate API calls against;
        None leaves the API open (auth disabled, admin calls allowed).
    """

    SERVERS = ('api', 'engine', 'executor', 'notifier')
    BANNERS = {'engine': 'Engine server started.',
               'executor': 'Executor server started.',
               'notifier': 'Notification server started.'}

    def __init__(self, workdir, keystone=None, node=DEFAULT_NODE):
        super().__init__(workdir, node)
        self.keystone = keystone
        self.database_name = infra.unique_name('mistral')
        self.vhost = infra.unique_name('mistral')
        try:
            connection = infra.create_database(self.database_name)
            transport_url = infra.create_vhost(self.vhost)
            config = self._config(connection, transport_url)
            if keystone:
                self._use_keystone(config)
            else:
                self._without_auth(config)
            self._write_config(config)
            self._db_manage('upgrade head', 'populate')
            self._start(
                Process(server, [self.bin / 'mistral-server',
                                 '--server', server,
                                 '--config-file', self.config_file],
                        self.workdir / ('%s.log' % server),
                        env=self.server_env)
                for server in self.SERVERS)
        except BaseException:
            self._drop_infra()
            raise
        self.log_path = self.log_paths['api']

    def _use_keystone(self, config):
        """Real token checks and the real (admin-only) default policy, with
        mistral-extra's generated OpenStack actions (nova.servers_stop, ...)
        that workflows against a cloud use."""
        keystone = self.keystone
        config['pecan'] = {'auth_enable': 'True'}
        config['legacy_action_provider'] = {'load_action_generators': 'True'}
        config['keystone_authtoken'] = {
            'www_authenticate_uri': keystone.auth_url,
            'auth_url': keystone.auth_url,
            'auth_type': 'password',
            'username': keystone.service_user,
            'password': keystone.service_password,
            'project_name': keystone.service_project,
            'user_domain_name': keystone.domain,
            'project_domain_name': keystone.domain,
            'region_name': keystone.region,
            'interface': 'public',
        }
        config['openstack_actions'] = {'default_region': keystone.region}

    def _drop_infra(self):
        infra.drop_database(self.database_name)
        infra.drop_vhost(self.vhost)

    def stop(self):
        """Stop every server, then drop the database and the vhost."""
        try:
            self._stop_processes()
        finally:
            self._drop_infra()

"""Real Mistral 23 servers for the functional tests, in its two shapes."""

import concurrent.futures
import configparser
import contextlib
import dataclasses
import os
import subprocess
import sys
import time
from pathlib import Path

import requests

from tests.harness import infra
from tests.harness.process import (
    Process, ServerError, free_port, http_answers, tail, wait_until)

BIN = Path(sys.executable).parent
LAUNCHER = Path(__file__).with_name('mistral_single_process.py')
START_TIMEOUT = 120
COMMAND_TIMEOUT = 300
CLIENT_TIMEOUT = 60
# Past graceful_shutdown_timeout (5 s). mistral-server --server api never
# ends by itself on SIGTERM: the cron trigger threads that its master
# process runs ([cron_trigger] run_in_api) keep it alive; it gets SIGKILL.
STOP_TIMEOUT = 8

# Alembic cannot migrate SQLite (it would need ALTER of constraints), so
# the schema is made as Mistral's own unit tests make it (create_all), in
# between mistral-db-manage's own `stamp head` and `populate`, all in one
# interpreter: three Mistral imports would cost ~10 s.
SQLITE_SCHEMA = '''
import sys
from mistral.db.sqlalchemy.migration import cli
from mistral.db.v2 import api as db_api
config_file = sys.argv[1]
def db_manage(*command):
    sys.argv = ['mistral-db-manage', '--config-file', config_file, *command]
    cli.CONF.clear()  # main() parses the command line again
    cli.main()
db_manage('stamp', 'head')
db_api.setup_db()
db_manage('populate')
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


def _log_says(path, text):
    with contextlib.suppress(OSError), open(path, errors='replace') as log:
        return text in log.read()
    return False


class _Mistral:
    """What both shapes share: config, schema commands, clients, stop."""

    keystone = None

    def __init__(self, workdir):
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
            'pecan': {'auth_enable': 'False'},
            'oslo_policy': {'policy_file': self._permissive_policy()},
        }

    def _permissive_policy(self):
        """Without keystone nobody is admin: open the admin-only calls."""
        path = self.workdir / 'policy.yaml'
        path.write_text('"admin_only": ""\n')
        return str(path)

    def _write_config(self, sections):
        parser = configparser.ConfigParser(interpolation=None)
        parser.read_dict(sections)
        with open(self.config_file, 'w') as config:
            parser.write(config)

    def _run(self, name, argv):
        """Run a set-up command to its end; its output goes to name.log."""
        log_path = self.workdir / ('%s.log' % name)
        with open(log_path, 'ab') as log:
            try:
                result = subprocess.run(
                    [str(arg) for arg in argv], stdout=log,
                    stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
                    timeout=COMMAND_TIMEOUT)
            except subprocess.TimeoutExpired:
                raise ServerError('%s: no end after %ss (log: %s)\n%s' % (
                    name, COMMAND_TIMEOUT, log_path, tail(log_path)))
        if result.returncode:
            raise ServerError('%s: exit status %s (log: %s)\n%s' % (
                name, result.returncode, log_path, tail(log_path)))

    def _db_manage(self, *command):
        self._run('db-manage-' + command[0], [
            BIN / 'mistral-db-manage', '--config-file', self.config_file,
            *command])

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
            for process, banner in self._banners():
                wait_until(lambda: _log_says(process.log_path, banner),
                           START_TIMEOUT, processes=self.processes,
                           what='logging %r' % banner)
        except BaseException:
            self._stop_processes()
            raise
        self.start_seconds = time.monotonic() - started

    def _banners(self):
        """(process, log line) pairs that mean an RPC server listens."""
        raise NotImplementedError

    def env(self):
        """os.environ for the `mistral` CLI, talking to this server only."""
        env = {key: value for key, value in os.environ.items()
               if not key.startswith(('OS_', 'MISTRAL'))}
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

    def client(self, timeout=CLIENT_TIMEOUT):
        """A python-mistralclient client of this server, every call bounded."""
        from mistralclient.api import client
        if not self.keystone:
            return client.client(mistral_url=self.url,
                                 session=_TimeoutSession(timeout))
        from keystoneauth1 import session
        from keystoneauth1.identity import v3
        auth = v3.Password(
            auth_url=self.keystone.auth_url,
            username=self.keystone.admin_user,
            password=self.keystone.admin_password,
            project_name=self.keystone.admin_project,
            user_domain_name=self.keystone.domain,
            project_domain_name=self.keystone.domain)
        return client.client(
            mistral_url=self.url,
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

    def __init__(self, workdir):
        super().__init__(workdir)
        database = self.workdir / 'mistral.sqlite'
        config = self._config('sqlite:///%s' % database, 'fake:/')
        config['executor'] = {'type': 'local'}
        config['notifier'] = {'type': 'local'}
        self._write_config(config)
        self._run('db-manage', [
            sys.executable, '-c', SQLITE_SCHEMA, self.config_file])
        self._start([Process(
            # -P: the launcher's folder holds this mistral.py, which would
            # hide the real mistral package.
            'mistral', [sys.executable, '-P', LAUNCHER,
                        '--config-file', self.config_file],
            self.workdir / 'mistral.log')])
        self.log_path = self.processes[0].log_path

    def _banners(self):
        yield self.processes[0], 'Engine server started.'


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

    def __init__(self, workdir, keystone=None):
        super().__init__(workdir)
        self.keystone = keystone
        self.database_name = infra.unique_name('mistral')
        self.vhost = infra.unique_name('mistral')
        try:
            connection = infra.create_database(self.database_name)
            transport_url = infra.create_vhost(self.vhost)
            config = self._config(connection, transport_url)
            if keystone:
                self._use_keystone(config)
            self._write_config(config)
            self._db_manage('upgrade', 'head')
            self._db_manage('populate')
            self._start(
                Process(server, [BIN / 'mistral-server', '--server', server,
                                 '--config-file', self.config_file],
                        self.workdir / ('%s.log' % server))
                for server in self.SERVERS)
        except BaseException:
            self._drop_infra()
            raise
        self.log_path = self.log_paths['api']

    def _use_keystone(self, config):
        """Real token checks and the real (admin-only) default policy."""
        keystone = self.keystone
        del config['oslo_policy']
        config['pecan']['auth_enable'] = 'True'
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

    def _banners(self):
        for process in self.processes:
            if process.name in self.BANNERS:
                yield process, self.BANNERS[process.name]

    def _drop_infra(self):
        infra.drop_database(self.database_name)
        infra.drop_vhost(self.vhost)

    def stop(self):
        """Stop every server, then drop the database and the vhost."""
        try:
            self._stop_processes()
        finally:
            self._drop_infra()

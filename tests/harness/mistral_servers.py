"""Real Mistral 23 servers for the functional tests, in its two shapes."""

import dataclasses
import os
from pathlib import Path
import sys

import requests

from mistral_actions.tool.sandbox import server as sandbox_server
from tests.harness import infra
from tests.harness import node_venvs
from tests.harness.process import free_port
from tests.harness.process import Process

#: What the servers run from unless told otherwise.
DEFAULT_NODE = 'mistral-with-extra'
CLIENT_TIMEOUT = 60


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


class _Mistral:
    """What both shapes share: config, schema commands, clients, stop
    (the pieces of :mod:`mistral_actions.tool.sandbox.server`).

    Attributes: url (.../v2), config_file, log_path (the API's log),
    log_paths and processes (by server), start_seconds (until every server
    is ready), python (the interpreter the servers run on).

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
        return sandbox_server.base_config(self.port, connection,
                                          transport_url)

    def _without_auth(self, config):
        """No token checks; as nobody is admin then, open admin-only calls."""
        sandbox_server.open_without_auth(config, self.workdir)

    def _write_config(self, sections):
        sandbox_server.write_config(self.config_file, sections)

    def _db_manage(self, *commands):
        """Run mistral-db-manage commands, e.g. 'upgrade head', in order."""
        sandbox_server.db_manage(self.python, self.config_file, commands,
                                 self.workdir / 'db-manage.log',
                                 self.server_env)

    def _start(self, processes):
        """Start processes; wait for the API and for each server's banner."""
        self.processes = list(processes)
        self.start_seconds = sandbox_server.start_processes(
            self.processes, self.url, self.BANNERS)

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
        sandbox_server.stop_processes(self.processes)

    def __enter__(self):
        return self

    def __exit__(self, *exc_info):
        self.stop()


class SingleProcessMistral(_Mistral):
    """Mistral on SQLite and `fake:/` RPC in one process; needs nothing else.

    The product's sandbox server
    (:class:`mistral_actions.tool.sandbox.server.SandboxServer`), run from
    a node virtualenv.

    :param workdir: directory for mistral.conf, the database and the log.
    :param extra_config: mistral.conf options to add or override, by
        section.
    """

    BANNERS = {'mistral': sandbox_server.ENGINE_BANNER}

    def __init__(self, workdir, node=DEFAULT_NODE, extra_config=None):
        super().__init__(workdir, node)
        self.server = sandbox_server.SandboxServer(
            self.workdir, python=self.python, port=self.port,
            env=self.server_env, extra_config=extra_config).start()
        self.config_file = self.server.config_file
        self.processes = self.server.processes
        self.log_path = self.server.log_path
        self.start_seconds = self.server.start_seconds


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

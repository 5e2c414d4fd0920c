"""The cloud: Keystone, Glance, Placement, Cinder and Nova for a test session.

    with Cloud(workdir) as cloud:
        nova = cloud.nova()
        nova.servers.create('vm', cloud.image_id, cloud.flavor_id,
                            nics='none')

Every service binds 127.0.0.1 on a free port; the catalog uses those ports.
Cinder and Nova get their own MariaDB databases, all services one RabbitMQ
vhost, random names each; `stop()` stops every process by its process group
and drops the databases and the vhost. Keystone, Glance and Placement use
SQLite files under `workdir`, where every config file and log also lives.
"""

import atexit
import concurrent.futures
import contextlib
import importlib.util
import io
import os
import secrets
import stat
import time

from tests.harness.cloud_services.cinder_servers import Cinder
from tests.harness.cloud_services.glance_server import Glance
from tests.harness.cloud_services.keystone_server import Keystone
from tests.harness.cloud_services.keystone_server import set_endpoint
from tests.harness.cloud_services.neutron_stub import NeutronStub
from tests.harness.cloud_services.nova_servers import Nova
from tests.harness.cloud_services.placement_server import Placement
from tests.harness.cloud_services.service_base import BIN
from tests.harness import infra
from tests.harness.process import free_port
from tests.harness.process import ServerError

# tests/harness/cloud_services/cloud.py -> the repository: what the services'
# PYTHONPATH needs to import the drivers and the WSGI loader from here.
PROJECT_ROOT = os.path.dirname(os.path.dirname(os.path.dirname(
    os.path.dirname(os.path.abspath(__file__)))))

#: What must be importable in the test environment to run a cloud.
REQUIRED_MODULES = ('keystone', 'glance', 'placement', 'cinder', 'nova',
                    'gunicorn', 'keystoneclient', 'novaclient',
                    'cinderclient', 'glanceclient')

#: MariaDB databases, by their role.
DATABASES = ('cinder', 'nova_api', 'nova_cell0', 'nova')

NOVA_MICROVERSION = '2.90'
CINDER_MICROVERSION = '3.64'

IMAGE_PAYLOAD = b'mistral-actions test image\n'

SUDO_SHIM = '''#!/bin/sh
# Cinder and os-brick run "sudo cinder-rootwrap ...". The tests run as root
# on machines without sudo: run the command itself.
while [ $# -gt 0 ]; do
    case "$1" in --) shift; break ;; -*) shift ;; *) break ;; esac
done
exec "$@"
'''


def unavailable():
    """None when a cloud can be started here, else one line saying why."""
    missing = [name for name in REQUIRED_MODULES
               if importlib.util.find_spec(name) is None]
    if missing:
        return 'OpenStack services not installed: %s' % ', '.join(missing)
    return infra.unavailable()


class Cloud:
    """A real, small OpenStack cloud, started and stopped by the tests.

    :param workdir: directory for configs, SQLite files, volumes, images,
        backups and logs (created; kept after `stop()` for the logs)
    :param debug: debug logging in every service
    :param timeout: seconds each readiness wait may take

    After `start()`:
    `auth_url`, `region`, `admin_username`/`admin_password`/`admin_project`,
    `service_project`/`service_password` (users glance, placement, cinder,
    nova and mistral), `mistral_username`/`mistral_password`, `endpoints`
    ({service type: URL}), `ports`, `logs` ({name: path}), `image_id`,
    `flavor_id`, `timings`; clients from `session()`, `keystone()`,
    `nova()`, `cinder()`, `glance()`.
    """

    region = 'RegionOne'
    admin_username = 'admin'
    admin_project = 'admin'
    service_project = 'service'
    mistral_username = 'mistral'
    flavor_name = 'm1.tiny'
    image_name = 'cloud-test-image'
    #: Seconds any client call may take.
    client_timeout = 60

    def __init__(self, workdir, debug=False, timeout=300):
        self.workdir = os.path.abspath(str(workdir))
        self.debug = debug
        self.timeout = timeout
        self.name = infra.unique_name('ma_cloud')
        self.admin_password = secrets.token_hex(12)
        self.service_password = secrets.token_hex(12)
        self.ports = {}
        self.databases = {}
        self.transport_url = None
        self.logs = {}
        self.timings = {}
        self.image_id = None
        self.flavor_id = None
        self._processes = []
        self._created_databases = []
        self._vhost = None
        self._session = None
        self._stopped = False
        self.log_directory = os.path.join(self.workdir, 'logs')
        self.bin_directory = os.path.join(self.workdir, 'bin')
        self.keystone_service = Keystone(self)
        self.glance_service = Glance(self)
        self.services = [self.keystone_service, self.glance_service,
                         Placement(self), NeutronStub(self), Cinder(self),
                         Nova(self)]

    # Addresses and credentials

    @property
    def auth_url(self) -> str:
        return 'http://127.0.0.1:%d/v3' % self.ports['keystone']

    @property
    def neutron_url(self) -> str:
        return 'http://127.0.0.1:%d' % self.ports['neutron']

    @property
    def mistral_password(self) -> str:
        return self.service_password

    @property
    def endpoints(self) -> dict:
        """{service type: URL} of the catalog (block-storage with its
        `%(project_id)s` template)."""
        return {service_type: url for service in self.services
                for service_type, _, url in service.catalog()}

    def credentials(self, username=None, password=None,
                    project=None) -> dict:
        """keystoneauth v3 password arguments (admin by default)."""
        return {
            'auth_url': self.auth_url,
            'username': username or self.admin_username,
            'password': password or self.admin_password,
            'project_name': project or self.admin_project,
            'user_domain_name': 'Default',
            'project_domain_name': 'Default',
        }

    def os_environment(self) -> dict:
        """OS_* variables for the admin, as the OpenStack CLIs read them."""
        return {
            'OS_AUTH_URL': self.auth_url,
            'OS_USERNAME': self.admin_username,
            'OS_PASSWORD': self.admin_password,
            'OS_PROJECT_NAME': self.admin_project,
            'OS_USER_DOMAIN_NAME': 'Default',
            'OS_PROJECT_DOMAIN_NAME': 'Default',
            'OS_REGION_NAME': self.region,
            'OS_IDENTITY_API_VERSION': '3',
            'OS_INTERFACE': 'public',
        }

    # Clients (admin)

    def session(self):
        """A keystoneauth1 session of the admin (one token, reused)."""
        if self._session is None:
            from keystoneauth1.identity import v3
            from keystoneauth1 import session
            self._session = session.Session(
                auth=v3.Password(**self.credentials()),
                timeout=self.client_timeout)
        return self._session

    def keystone(self):
        from keystoneclient.v3 import client
        return client.Client(session=self.session(),
                             region_name=self.region,
                             interface='public')

    def nova(self, version=NOVA_MICROVERSION):
        from novaclient import client
        return client.Client(version, session=self.session(),
                             region_name=self.region)

    def cinder(self, version=CINDER_MICROVERSION):
        from cinderclient import client
        return client.Client(version, session=self.session(),
                             region_name=self.region)

    def glance(self):
        import glanceclient
        return glanceclient.Client('2', session=self.session(),
                                   region_name=self.region)

    def register_mistral_endpoint(self, url):
        """Put Mistral (service type workflowv2) at url in the catalog."""
        set_endpoint(self.keystone(), self.region, 'workflowv2', 'mistral',
                     url)
        self.forget_session()

    def forget_session(self):
        """Drop the cached admin session: tokens carry the catalog they were
        issued with, so a changed catalog needs a new token."""
        self._session = None

    # Life cycle

    def __enter__(self):
        return self.start()

    def __exit__(self, *exc_info):
        self.stop()

    def start(self):
        """Set up and start every service; return when a server can boot.

        Raises ServerError naming the process and the end of its log when
        something does not come up; everything started is stopped then.
        """
        begin = time.monotonic()
        atexit.register(self.stop)
        try:
            self._prepare()
            self._parallel(lambda service: service.configure())
            self._parallel(self._setup_step, self.services)
            self.timings['setup'] = time.monotonic() - begin
            started = time.monotonic()
            others = [service for service in self.services
                      if service is not self.keystone_service]
            for service in others:
                service.start()
            self._parallel(self._wait_ready, others)
            self._create_test_resources()
            self.timings['start'] = time.monotonic() - started
        except BaseException:
            self.stop()
            raise
        self.timings['total'] = time.monotonic() - begin
        return self

    def _setup_step(self, service):
        """Setup of one service; Keystone is started and filled right away,
        while the others still migrate their databases."""
        with self._timed('setup ' + service.name):
            service.setup()
        if service is self.keystone_service:
            service.start()
            service.wait_ready(self.timeout)
            service.register(
                self.services,
                [s.user for s in self.services if s.user] +
                [self.mistral_username])
            self.forget_session()

    def _wait_ready(self, service):
        with self._timed('ready ' + service.name):
            service.wait_ready(self.timeout)

    @contextlib.contextmanager
    def _timed(self, what):
        begin = time.monotonic()
        yield
        self.timings[what] = time.monotonic() - begin

    def stop(self):
        """Stop every process, drop the databases and the vhost. Idempotent."""
        if self._stopped:
            return
        self._stopped = True
        with concurrent.futures.ThreadPoolExecutor(8) as pool:
            list(pool.map(lambda process: process.stop(), self._processes))
        for database in self._created_databases:
            with contextlib.suppress(Exception):
                infra.drop_database(database)
        if self._vhost:
            with contextlib.suppress(Exception):
                infra.drop_vhost(self._vhost)
        with contextlib.suppress(Exception):
            atexit.unregister(self.stop)

    def _prepare(self):
        os.makedirs(self.log_directory, exist_ok=True)
        os.makedirs(self.bin_directory, exist_ok=True)
        sudo = os.path.join(self.bin_directory, 'sudo')
        with open(sudo, 'w') as shim:
            shim.write(SUDO_SHIM)
        os.chmod(sudo, os.stat(sudo).st_mode | stat.S_IXUSR | stat.S_IXGRP)
        for name in ('keystone', 'glance', 'placement', 'cinder', 'nova',
                     'neutron'):
            self.ports[name] = free_port()
        for role in DATABASES:
            database = '%s_%s' % (self.name, role)
            self.databases[role] = infra.create_database(database)
            self._created_databases.append(database)
        self.transport_url = infra.create_vhost(self.name)
        self._vhost = self.name

    def _parallel(self, function, items=None):
        """function(item) for each item (default: each service) in threads.

        Raises the first failure once all have finished. When interrupted,
        returns at once, so that `stop()` ends what the threads wait for.
        """
        items = self.services if items is None else items
        pool = concurrent.futures.ThreadPoolExecutor(len(items))
        try:
            futures = [pool.submit(function, item) for item in items]
            for future in futures:
                future.exception()
        finally:
            pool.shutdown(wait=False, cancel_futures=True)
        for future in futures:
            future.result()

    def _create_test_resources(self):
        self.flavor_id = self.nova().flavors.create(
            self.flavor_name, ram=512, vcpus=1, disk=1).id
        glance = self.glance()
        image = glance.images.create(
            name=self.image_name, disk_format='raw', container_format='bare',
            visibility='public')
        glance.images.upload(image.id, io.BytesIO(IMAGE_PAYLOAD))
        self.image_id = image.id

    # For the services

    def environment(self, extra=None) -> dict:
        """The environment of every service process."""
        env = {key: value for key, value in os.environ.items()
               if not key.startswith('OS_')}
        env['PATH'] = os.pathsep.join(
            [self.bin_directory, BIN, env.get('PATH', '')])
        env['PYTHONPATH'] = os.pathsep.join(
            filter(None, [PROJECT_ROOT, env.get('PYTHONPATH')]))
        env.update(extra or {})
        return env

    def log_path(self, name) -> str:
        path = os.path.join(self.log_directory, name + '.log')
        self.logs[name] = path
        return path

    def started(self, process):
        self._processes.append(process)

    # Reports

    def describe_logs(self) -> str:
        return '\n'.join('  %-18s %s' % (name, path)
                         for name, path in sorted(self.logs.items()))

    def rss_bytes(self) -> int:
        """Resident memory of every process of the cloud, children too."""
        groups = {process.pid for process in self._processes
                  if process.alive()}
        return sum(_resident_bytes(pid) for pid in _pids_in_groups(groups))


def _pids_in_groups(groups):
    for entry in os.listdir('/proc'):
        if entry.isdigit():
            with contextlib.suppress(OSError):
                if os.getpgid(int(entry)) in groups:
                    yield int(entry)


def _resident_bytes(pid) -> int:
    with contextlib.suppress(OSError):
        with open('/proc/%d/statm' % pid) as statm:
            return int(statm.read().split()[1]) * os.sysconf('SC_PAGE_SIZE')
    return 0


__all__ = ['Cloud', 'ServerError']

"""Nova: api, conductor, scheduler and compute on a fake hypervisor."""

import os
import shutil
import sys

from tests.harness.cloud_services.config_files import keystone_authtoken
from tests.harness.cloud_services.config_files import service_credentials
from tests.harness.cloud_services.config_files import write_config
from tests.harness.cloud_services import drivers
from tests.harness.cloud_services.drivers import FAKE_COMPUTE_MODULE
from tests.harness.cloud_services.service_base import ETC
from tests.harness.cloud_services.service_base import executable
from tests.harness.cloud_services.service_base import Service

BINARIES = ('nova-conductor', 'nova-scheduler', 'nova-compute')


class Nova(Service):
    """The compute service; servers are entries in a fake hypervisor."""

    name = 'nova'
    user = 'nova'

    @property
    def url(self):
        return 'http://127.0.0.1:%d/v2.1' % self.cloud.ports['nova']

    def catalog(self):
        return [('compute', 'nova', self.url)]

    def configure(self):
        cloud = self.cloud
        credentials = service_credentials(cloud, self.user)
        common = {
            'DEFAULT': {
                'debug': cloud.debug,
                'transport_url': cloud.transport_url,
                'state_path': self.directory_path('state'),
                'instances_path': self.directory_path('instances'),
                'compute_driver': FAKE_COMPUTE_MODULE + '.CloudFakeDriver',
                'my_ip': '127.0.0.1',
                'graceful_shutdown_timeout': 5,
            },
            'api': {'auth_strategy': 'keystone'},
            # Each worker costs about 300 MiB.
            'conductor': {'workers': 1},
            'scheduler': {'workers': 1},
            'keystone_authtoken': keystone_authtoken(cloud, self.user),
            'placement': credentials,
            'glance': {'region_name': cloud.region},
            'cinder': dict(credentials, os_region_name=cloud.region,
                           catalog_info='block-storage:cinderv3:publicURL'),
            # No Neutron: a stub that knows no port, outside the catalog.
            'neutron': dict(credentials,
                            endpoint_override=self.cloud.neutron_url),
            'service_user': dict(credentials, send_service_user_token=True),
            'vnc': {'enabled': False},
            'oslo_concurrency': {'lock_path': self.directory_path('locks')},
            'oslo_messaging_notifications': {'driver': 'noop'},
        }
        databases = {
            'api_database': {'connection': cloud.databases['nova_api']},
            'database': {'connection': cloud.databases['nova']},
        }
        # nova-api reads api-paste.ini and nova.conf from OS_NOVA_CONFIG_DIR.
        shutil.copy(os.path.join(ETC, 'nova', 'api-paste.ini'),
                    self.directory)
        self.config_file = write_config(self.path('nova.conf'),
                                        dict(common, **databases))
        # nova-compute refuses to start when it is given database access.
        self.compute_config_file = write_config(
            self.path('nova-compute.conf'), common)

    def setup(self):
        manage = (executable('nova-manage'), '--config-file',
                  self.config_file)
        self.run(*manage, 'api_db', 'sync')
        self.run(*manage, 'cell_v2', 'map_cell0', '--database_connection',
                 self.cloud.databases['nova_cell0'])
        self.run(*manage, 'cell_v2', 'create_cell', '--name', 'cell1')
        # Migrates cell1 and the mapped cell0.
        self.run(*manage, 'db', 'sync')

    def start(self):
        self.gunicorn('nova-api', self.cloud.ports['nova'],
                      'nova.wsgi.osapi_compute',
                      env={'OS_NOVA_CONFIG_DIR': self.directory})
        for binary in ('nova-conductor', 'nova-scheduler'):
            self.spawn(binary, [executable(binary), '--config-file',
                                self.config_file])
        self.spawn('nova-compute', [
            sys.executable, '-m', drivers.__name__ + '.nova_compute',
            '--config-file', self.compute_config_file])

    def wait_ready(self, timeout):
        self.wait_answering(self.url, timeout)
        nova = self.cloud.nova()
        self.wait(lambda: _services_up(nova), timeout,
                  'up (%s)' % ', '.join(BINARIES))
        # The scheduler needs the node's resources in Placement...
        self.wait(self._resource_provider_ready, timeout,
                  'reporting its resources to Placement')
        # ... and its host mapped to cell1 (the API lists it only then).
        self.run(executable('nova-manage'), '--config-file',
                 self.config_file, 'cell_v2', 'discover_hosts')
        self.wait(nova.hypervisors.list, timeout, 'listing a hypervisor')

    def _resource_provider_ready(self):
        session = self.cloud.session()

        def get(path):
            return session.get(path, endpoint_filter={
                'service_type': 'placement'}).json()

        return any(get('/resource_providers/%s/inventories' % provider[
            'uuid'])['inventories'].get('VCPU')
            for provider in get('/resource_providers')['resource_providers'])


def _services_up(nova):
    up = {service.binary for service in nova.services.list()
          if service.state == 'up' and service.status == 'enabled'}
    return up >= set(BINARIES)

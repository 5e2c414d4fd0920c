"""Cinder: api, scheduler, volume (file-backed driver), backup (POSIX)."""

import os

from tests.harness.cloud_services.config_files import keystone_authtoken
from tests.harness.cloud_services.config_files import service_credentials
from tests.harness.cloud_services.config_files import write_config
from tests.harness.cloud_services import drivers
from tests.harness.cloud_services.service_base import BIN
from tests.harness.cloud_services.service_base import ETC
from tests.harness.cloud_services.service_base import executable
from tests.harness.cloud_services.service_base import Service

BACKEND = 'file'
BINARIES = ('cinder-scheduler', 'cinder-volume', 'cinder-backup')


class Cinder(Service):
    """The block storage service, volumes being sparse files."""

    name = 'cinder'
    user = 'cinder'

    @property
    def url(self):
        return 'http://127.0.0.1:%d' % self.cloud.ports['cinder']

    def catalog(self):
        # cinderclient and mistral-extra find block-storage under volumev3.
        return [('block-storage', 'cinderv3',
                 self.url + '/v3/%(project_id)s')]

    def configure(self):
        cloud = self.cloud
        self.rootwrap_config = write_config(self.path('rootwrap.conf'), {
            'DEFAULT': {
                'filters_path': [os.path.join(ETC, 'cinder', 'rootwrap.d'),
                                 os.path.join(ETC, 'os-brick', 'rootwrap.d')],
                'exec_dirs': [BIN, '/sbin', '/usr/sbin', '/bin', '/usr/bin',
                              '/usr/local/sbin', '/usr/local/bin'],
                'use_syslog': False,
            }})
        self.config_file = write_config(self.path('cinder.conf'), {
            'DEFAULT': {
                'debug': cloud.debug,
                'transport_url': cloud.transport_url,
                'auth_strategy': 'keystone',
                'api_paste_config': os.path.join(
                    ETC, 'cinder', 'api-paste.ini'),
                'resource_query_filters_file': os.path.join(
                    ETC, 'cinder', 'resource_filters.json'),
                'state_path': self.directory_path('state'),
                'my_ip': '127.0.0.1',
                'enabled_backends': BACKEND,
                'backup_driver':
                    'cinder.backup.drivers.posix.PosixBackupDriver',
                'backup_posix_path': self.directory_path('backups'),
                'rootwrap_config': self.rootwrap_config,
                'osapi_volume_workers': 1,
                # Services show up (and down) quickly.
                'report_interval': 5,
                'graceful_shutdown_timeout': 5,
            },
            BACKEND: {
                'volume_driver':
                    drivers.__name__ + '.file_volume.FileVolumeDriver',
                'volume_backend_name': BACKEND,
                'file_volume_directory': self.directory_path('volumes'),
            },
            'database': {'connection': cloud.databases['cinder']},
            'keystone_authtoken': keystone_authtoken(cloud, self.user),
            'nova': service_credentials(cloud, self.user),
            'service_user': dict(service_credentials(cloud, self.user),
                                 send_service_user_token=True),
            'coordination': {
                'backend_url': 'file://' + self.directory_path(
                    'coordination')},
            'oslo_concurrency': {'lock_path': self.directory_path('locks')},
            'oslo_messaging_notifications': {'driver': 'noop'},
        })

    def setup(self):
        self.run(executable('cinder-manage'), '--config-file',
                 self.config_file, 'db', 'sync')

    def start(self):
        self.gunicorn('cinder-api', self.cloud.ports['cinder'],
                      'cinder.wsgi.api', '--config-file', self.config_file)
        for binary in BINARIES:
            self.spawn(binary, [executable(binary), '--config-file',
                                self.config_file])

    def wait_ready(self, timeout):
        self.wait_answering(self.url, timeout)
        cinder = self.cloud.cinder()
        self.wait(lambda: _services_up(cinder), timeout,
                  'up (%s)' % ', '.join(BINARIES))
        # The scheduler places volumes only once the backend reported in.
        self.wait(lambda: cinder.pools.list(), timeout,
                  'reporting a storage pool')


def _services_up(cinder):
    up = {service.binary for service in cinder.services.list()
          if service.state == 'up' and service.status == 'enabled'}
    return up >= set(BINARIES)

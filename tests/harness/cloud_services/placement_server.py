"""Placement: SQLite."""

from tests.harness.cloud_services.config_files import keystone_authtoken
from tests.harness.cloud_services.config_files import write_config
from tests.harness.cloud_services.service_base import executable
from tests.harness.cloud_services.service_base import Service


class Placement(Service):
    """The placement service Nova's scheduler and compute talk to."""

    name = 'placement'
    user = 'placement'

    @property
    def url(self):
        return 'http://127.0.0.1:%d' % self.cloud.ports['placement']

    def catalog(self):
        return [('placement', 'placement', self.url)]

    def configure(self):
        # placement-api reads placement.conf from OS_PLACEMENT_CONFIG_DIR.
        self.config_file = write_config(self.path('placement.conf'), {
            'DEFAULT': {'debug': self.cloud.debug},
            'api': {'auth_strategy': 'keystone'},
            'keystone_authtoken': keystone_authtoken(self.cloud, self.user),
            'placement_database': {'connection': 'sqlite:///' + self.path(
                'placement.db')},
        })

    def setup(self):
        self.run(executable('placement-manage'), '--config-file',
                 self.config_file, 'db', 'sync')

    def start(self):
        self.gunicorn('placement-api', self.cloud.ports['placement'],
                      'placement.wsgi.api',
                      env={'OS_PLACEMENT_CONFIG_DIR': self.directory})

    def wait_ready(self, timeout):
        self.wait_answering(self.url, timeout)

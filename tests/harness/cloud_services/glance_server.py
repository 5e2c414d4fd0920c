"""Glance: SQLite, images in a directory (the `fs` store)."""

import os
import sqlite3

from tests.harness.cloud_services.config_files import keystone_authtoken
from tests.harness.cloud_services.config_files import write_config
from tests.harness.cloud_services.service_base import ETC
from tests.harness.cloud_services.service_base import executable
from tests.harness.cloud_services.service_base import Service


class Glance(Service):
    """The image service."""

    name = 'glance'
    user = 'glance'

    @property
    def url(self):
        return 'http://127.0.0.1:%d' % self.cloud.ports['glance']

    def catalog(self):
        return [('image', 'glance', self.url)]

    def configure(self):
        def store(name):
            return {'filesystem_store_datadir': self.directory_path(name)}

        # glance-api reads glance-api.conf from OS_GLANCE_CONFIG_DIR.
        self.config_file = write_config(self.path('glance-api.conf'), {
            'DEFAULT': {
                'debug': self.cloud.debug,
                'enabled_backends': 'fs:file',
                'worker_self_reference_url': self.url,
            },
            'database': {'connection': 'sqlite:///' + self.path(
                'glance.db')},
            'glance_store': {'default_backend': 'fs'},
            'fs': store('images'),
            'os_glance_staging_store': store('staging'),
            'os_glance_tasks_store': store('tasks'),
            'paste_deploy': {
                'flavor': 'keystone',
                'config_file': os.path.join(
                    ETC, 'glance', 'glance-api-paste.ini'),
            },
            'keystone_authtoken': keystone_authtoken(self.cloud, self.user),
            'oslo_concurrency': {'lock_path': self.directory_path('locks')},
            'oslo_messaging_notifications': {'driver': 'noop'},
        })

    def setup(self):
        self.run(executable('glance-manage'), '--config-file',
                 self.config_file, 'db_sync')

    def start(self):
        self.gunicorn('glance-api', self.cloud.ports['glance'],
                      'glance.wsgi.api',
                      env={'OS_GLANCE_CONFIG_DIR': self.directory})

    def wait_ready(self, timeout):
        self.wait_answering(self.url, timeout)

    def set_image_status(self, image_id, status):
        """Put an image in ``status`` as Glance itself stores it.

        Glance v2 never lets a client reach ``killed``: a failed upload puts
        the image back to ``queued``. A test of what an action does on an
        image in an error state writes the status where glance-api reads
        it from, its database.
        """
        with sqlite3.connect(self.path('glance.db')) as database:
            changed = database.execute(
                'UPDATE images SET status = ? WHERE id = ?',
                (status, image_id)).rowcount
        if changed != 1:
            raise LookupError('no image %s in %s' % (
                image_id, self.path('glance.db')))

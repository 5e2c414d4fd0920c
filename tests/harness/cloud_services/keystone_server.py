"""Keystone: SQLite, fernet tokens, the admin from `bootstrap`, the catalog."""

import grp
import os
import pwd

from tests.harness.cloud_services.config_files import write_config
from tests.harness.cloud_services.service_base import executable
from tests.harness.cloud_services.service_base import Service

INTERFACES = ('public', 'internal', 'admin')


class Keystone(Service):
    """The identity service, and the users, roles and catalog of the cloud."""

    name = 'keystone'

    def catalog(self):
        return [('identity', 'keystone', self.cloud.auth_url)]

    def configure(self):
        self.fernet_keys = self.directory_path('fernet-keys')
        self.credential_keys = self.directory_path('credential-keys')
        self.config_file = write_config(self.path('keystone.conf'), {
            'DEFAULT': {'debug': self.cloud.debug},
            'database': {'connection': 'sqlite:///' + self.path(
                'keystone.db')},
            'token': {'provider': 'fernet'},
            'fernet_tokens': {'key_repository': self.fernet_keys},
            'fernet_receipts': {'key_repository': self.fernet_keys},
            'credential': {'key_repository': self.credential_keys},
            # The cheapest bcrypt: every password check costs CPU we share.
            'identity': {'password_hash_rounds': 4},
            'oslo_messaging_notifications': {'driver': 'noop'},
        })

    def setup(self):
        manage = (executable('keystone-manage'), '--config-file',
                  self.config_file)
        owner = ('--keystone-user', pwd.getpwuid(os.getuid()).pw_name,
                 '--keystone-group', grp.getgrgid(os.getgid()).gr_name)
        self.run(*manage, 'db_sync')
        self.run(*manage, 'fernet_setup', *owner)
        self.run(*manage, 'credential_setup', *owner)
        # Keystone warns on every token when others may read its keys.
        for directory in (self.fernet_keys, self.credential_keys):
            os.chmod(directory, 0o700)
        url = self.cloud.auth_url
        self.run(*manage, 'bootstrap',
                 '--bootstrap-username', self.cloud.admin_username,
                 '--bootstrap-password', self.cloud.admin_password,
                 '--bootstrap-project-name', self.cloud.admin_project,
                 '--bootstrap-admin-url', url,
                 '--bootstrap-public-url', url,
                 '--bootstrap-internal-url', url,
                 '--bootstrap-region-id', self.cloud.region)

    def start(self):
        self.gunicorn('keystone', self.cloud.ports['keystone'],
                      'keystone.wsgi.api', '--config-file', self.config_file)

    def wait_ready(self, timeout):
        self.wait_answering(self.cloud.auth_url, timeout)

    def register(self, services, usernames):
        """Create project `service`, the service users and the catalog.

        :param services: the cloud's `Service` objects (their `catalog()`)
        :param usernames: service users to create in project `service` with
            roles admin and service
        """
        keystone = self.cloud.keystone()
        project = keystone.projects.create(self.cloud.service_project,
                                           'default')
        roles = {role.name: role for role in keystone.roles.list()}
        admin = roles['admin']
        # Recent bootstraps make role `service` too.
        service_role = roles.get('service') or keystone.roles.create(
            'service')
        for username in usernames:
            user = keystone.users.create(
                username, domain='default', default_project=project,
                password=self.cloud.service_password)
            keystone.roles.grant(admin, user=user, project=project)
            if username != 'mistral':
                keystone.roles.grant(service_role, user=user, project=project)
        for service in services:
            for service_type, name, url in service.catalog():
                if service_type != 'identity':  # made by bootstrap
                    set_endpoint(keystone, self.cloud.region, service_type,
                                 name, url)


def set_endpoint(keystone, region, service_type, name, url):
    """Make `service_type` (named name) answer at url on every interface."""
    found = [service for service in keystone.services.list(
        type=service_type)]
    service = found[0] if found else keystone.services.create(
        name, service_type)
    existing = {endpoint.interface: endpoint for endpoint in
                keystone.endpoints.list(service=service, region=region)}
    for interface in INTERFACES:
        if interface in existing:
            keystone.endpoints.update(existing[interface], url=url)
        else:
            keystone.endpoints.create(service, url, interface=interface,
                                      region=region)

"""A real, small OpenStack cloud for the tests, started by the tests.

Keystone, Glance, Placement, Cinder and Nova (fake hypervisor) run from the
test environment on free ports of 127.0.0.1, with their own MariaDB
databases and RabbitMQ vhost. See `tests.cloud.cloud.Cloud`.

Nothing heavy is imported here: the compute launcher and the WSGI loader
live in this package and run inside the services.
"""

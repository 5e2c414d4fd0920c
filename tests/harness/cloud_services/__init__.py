"""A real, small OpenStack cloud for the tests, started by the tests.

Keystone, Glance, Placement, Cinder and Nova (fake hypervisor) run from the
test environment on free ports of 127.0.0.1, with their own MariaDB
databases and RabbitMQ vhost. See `tests.harness.cloud_services.cloud.Cloud`;
`python -m tests.harness.cloud_services` starts one by hand.

One module per service (`keystone_server`, `nova_servers`, ...), named so
that none hides the service's own package. Nothing heavy is imported here:
the compute launcher, the drivers and the WSGI loader live in this package
and run inside the services.
"""

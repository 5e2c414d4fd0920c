"""Start nova-compute with the fake driver of `fake_compute`.

Usage:

    python -m tests.harness.cloud_services.drivers.nova_compute \
        --config-file <conf>
"""

import sys

# nova.cmd.compute picks Nova's concurrency model when imported: first.
from nova.cmd import compute

from tests.harness.cloud_services.drivers import fake_compute
from tests.harness.cloud_services.drivers import FAKE_COMPUTE_MODULE


def main():
    sys.modules['nova.virt.' + FAKE_COMPUTE_MODULE] = fake_compute
    compute.main()


if __name__ == '__main__':
    main()

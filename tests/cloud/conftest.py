"""The `cloud` fixture: one real cloud for the whole test session.

Skipped, with one line saying why, where MariaDB, RabbitMQ or the OpenStack
services cannot be had; with MA_REQUIRE_SERVICES=1 (CI) that is a failure.
MA_CLOUD_DEBUG=1 turns on debug logging in every service. When a test using
the cloud fails, its report lists where every service logs.
"""

import os
import signal

import pytest

# Fixtures built on the cloud: Mistral with keystone, a tenant's user, a
# server, a volume.
from tests.cloud.cloud_fixtures import any_mistral  # noqa: F401
from tests.cloud.cloud_fixtures import cloud_mistral  # noqa: F401
from tests.cloud.cloud_fixtures import cloud_mistral_without_extra  # noqa
from tests.cloud.cloud_fixtures import flaky  # noqa: F401
from tests.cloud.cloud_fixtures import flaky_block_storage  # noqa: F401
from tests.cloud.cloud_fixtures import other_member  # noqa: F401
from tests.cloud.cloud_fixtures import server  # noqa: F401
from tests.cloud.cloud_fixtures import volume  # noqa: F401
from tests.harness.cloud_services.cloud import Cloud
from tests.harness.cloud_services.cloud import ServerError
from tests.harness.cloud_services.cloud import unavailable


@pytest.fixture(scope='session')
def cloud(tmp_path_factory):
    """A started `tests.harness.cloud_services.cloud.Cloud`, stopped after
    the session."""
    missing = unavailable()
    if missing:
        if os.environ.get('MA_REQUIRE_SERVICES') == '1':
            pytest.fail('MA_REQUIRE_SERVICES=1 but ' + missing,
                        pytrace=False)
        pytest.skip('no cloud: ' + missing)
    _tear_down_on_sigterm()
    started = Cloud(tmp_path_factory.mktemp('cloud'),
                    debug=os.environ.get('MA_CLOUD_DEBUG') == '1')
    try:
        started.start()
    except ServerError as error:
        pytest.fail('the cloud did not start: %s\nlogs:\n%s' % (
            error, started.describe_logs()), pytrace=False)
    print('\ncloud up in %.0f s (setup %.0f s), %.0f MiB resident; logs in '
          '%s' % (started.timings['total'], started.timings['setup'],
                  started.rss_bytes() / 2 ** 20, started.log_directory))
    yield started
    started.stop()


def _tear_down_on_sigterm():
    """A run killed with SIGTERM (a CI timeout) stops like one interrupted
    with Ctrl-C: pytest then still tears the cloud down."""
    if signal.getsignal(signal.SIGTERM) is signal.SIG_DFL:
        signal.signal(signal.SIGTERM, signal.default_int_handler)


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    outcome = yield
    report = outcome.get_result()
    started = getattr(item, 'funcargs', {}).get('cloud')
    if report.failed and isinstance(started, Cloud):
        report.sections.append(('cloud logs', started.describe_logs()))


#: Tests that look at what the other cloud tests did: run after them.
LAST = ('test_every_openstack_action_ran_here',)


@pytest.hookimpl(trylast=True)
def pytest_collection_modifyitems(items):
    """The LAST tests go last, after pytest's own ordering by fixture
    parameters, whatever order the others run in."""
    items.sort(key=lambda item: item.originalname in LAST)

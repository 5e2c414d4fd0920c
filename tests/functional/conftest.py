"""Real Mistral servers, started once per session, for functional tests."""

import os

import pytest

from tests.harness import infra
from tests.harness.mistral_servers import DistributedMistral
from tests.harness.mistral_servers import SingleProcessMistral


@pytest.fixture(scope='session')
def single_mistral(tmp_path_factory):
    """Mistral in one process on SQLite and fake:/ RPC; always available."""
    with SingleProcessMistral(tmp_path_factory.mktemp('single-mistral')) as m:
        yield m


@pytest.fixture(scope='session')
def distributed_mistral(tmp_path_factory):
    """Mistral as deployed (MariaDB, RabbitMQ, a process per server).

    Skipped when MariaDB or RabbitMQ does not answer, failed instead when
    MA_REQUIRE_SERVICES=1 (as CI sets it).
    """
    missing = infra.unavailable()
    if missing:
        if os.environ.get('MA_REQUIRE_SERVICES') == '1':
            pytest.fail('MA_REQUIRE_SERVICES=1 but ' + missing)
        pytest.skip(missing)
    workdir = tmp_path_factory.mktemp('distributed-mistral')
    with DistributedMistral(workdir) as m:
        yield m


@pytest.fixture(scope='session', params=['single', 'distributed'])
def mistral(request):
    """Each shape of Mistral in turn: the test runs against both."""
    return request.getfixturevalue('%s_mistral' % request.param)

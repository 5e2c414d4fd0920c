"""Real Mistral servers, started once per session, for functional tests."""

import os
from pathlib import Path
import shutil
import subprocess

import pytest

from tests.harness import infra
from tests.harness.mistral_servers import DistributedMistral
from tests.harness.mistral_servers import SingleProcessMistral

EXAMPLE = Path(__file__).resolve().parents[2] / 'examples' / 'acme-actions'


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


#: Where each backend is tested: the REST API against both shapes, the db
#: backend against Mistral as deployed (MariaDB), where operators run it.
#: (The db backend on SQLite would repeat the same writes at the cost of a
#: Mistral import per command; the sandbox and the demo use the API.)
BACKEND_SHAPES = (('single', 'api'), ('distributed', 'api'),
                  ('distributed', 'db'))


@pytest.fixture(params=BACKEND_SHAPES,
                ids=['-'.join(pair) for pair in BACKEND_SHAPES])
def mistral_and_backend(request):
    """(a Mistral, a backend name), for each pair of BACKEND_SHAPES."""
    shape, backend = request.param
    return request.getfixturevalue('%s_mistral' % shape), backend


@pytest.fixture(scope='session')
def acme_installed(tmp_path_factory):
    """A folder where the example package is pip-installed (with its entry
    point), for PYTHONPATH."""
    target = tmp_path_factory.mktemp('acme-installed')
    subprocess.run([shutil.which('pip') or 'pip', 'install', '-q',
                    '--no-deps', '--target', str(target), str(EXAMPLE)],
                   check=True, capture_output=True, timeout=300)
    return target

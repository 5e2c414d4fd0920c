"""The suite's two lanes (``--lane``), which tools/split_suite.py runs as
two pytest processes at once.

Each lane starts its own shared servers and no other lane's: ``local``
holds the functional tests on the harness's session Mistrals (one
process on SQLite; api/engine/executor on MariaDB and RabbitMQ); ``cloud``
holds the cloud tests (the test cloud and its Mistrals) and everything
that starts no shared server (unit tests, the sandbox, demo and plugin
tests, which start Mistrals of their own), so that the two lanes take
about as long. A test's lane follows from the fixtures its module uses.
"""

LANES = ('cloud', 'local')
#: The fixtures of tests/functional that start or pick its session
#: Mistrals: a functional module using one is in the local lane. One
#: missing here costs time, not correctness: the other lane would start
#: that Mistral too.
LOCAL_SERVERS = frozenset(['single_mistral', 'distributed_mistral',
                           'mistral', 'mistral_and_backend', 'any_mistral'])


def pytest_addoption(parser):
    parser.addoption(
        '--lane', choices=LANES,
        help='run only the tests of this lane (see tests/conftest.py); '
             'tools/split_suite.py runs both at once')


def lanes(items) -> dict:
    """item -> its lane. A functional test module that uses a session
    Mistral anywhere goes to the local lane whole (some of its tests reach
    them through fixtures of their own)."""
    local_modules = {item.path for item in items
                     if item.nodeid.startswith('tests/functional/')
                     and LOCAL_SERVERS & set(item.fixturenames)}
    return {item: 'local' if item.path in local_modules else 'cloud'
            for item in items}


def pytest_collection_modifyitems(config, items):
    lane = config.getoption('--lane')
    if not lane:
        return
    found = lanes(items)
    kept = [item for item in items if found[item] == lane]
    if len(kept) < len(items):
        config.hook.pytest_deselected(
            items=[item for item in items if found[item] != lane])
        items[:] = kept

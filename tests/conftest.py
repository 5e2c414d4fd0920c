"""How the suite is shared between pytest-xdist workers (tox runs it with
``-n 2 --dist loadgroup``): the cloud tests in one worker, which starts the
one test cloud and its Mistrals, and everything else in the other, which
starts the local Mistrals. Each server is started by one worker only, and
the two halves mostly wait on their servers, so on two cores they overlap.
"""

import pytest

CLOUD = 'cloud'
LOCAL = 'local'


def pytest_collection_modifyitems(items):
    for item in items:
        group = CLOUD if item.nodeid.startswith('tests/cloud/') else LOCAL
        item.add_marker(pytest.mark.xdist_group(group))

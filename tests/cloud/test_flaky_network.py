"""Waits and reads that survive a network blip (issue: a wait died on one
dropped keep-alive connection while the backup went on to `available`).

Cinder is reached through a proxy that drops a connection or answers 503
on demand; the actions run inside Mistral, with the region whose catalog
entry is that proxy, with and without mistral-extra on the executor (the
two ways a session is built).
"""

import pytest

from tests.cloud.cloud_fixtures import FLAKY_REGION
from tests.cloud.workflows import run_action

WAIT = 'int32bit.cinder.volumes.wait_for_status'
ASSERT = 'int32bit.cinder.volumes.assert_status'


def outcome(state_and_output):
    state, output = state_and_output
    return state, output.get('result')


@pytest.mark.parametrize('fault', ['drop', 503])
@pytest.mark.parametrize('action', [WAIT, ASSERT])
def test_one_blip_is_not_a_failure(any_mistral, flaky, volume, action,
                                   fault):
    flaky.fail_next(1, fault, path_contains='/volumes/' + volume)
    state, result = outcome(run_action(any_mistral, action,
                                       in_region=FLAKY_REGION,
                                       volume_id=volume))
    assert (state, result['status']) == ('SUCCESS', 'available'), result
    assert flaky.faults_served() == [fault]


def test_a_wait_outlasts_an_outage_longer_than_the_retries(
        any_mistral, flaky, volume):
    # Each poll tries 4 times (3 retries); 8 failures fail two polls.
    flaky.fail_next(8, 503, path_contains='/volumes/' + volume)
    state, result = outcome(run_action(
        any_mistral, WAIT, in_region=FLAKY_REGION, volume_id=volume,
        interval=1, timeout=120))
    assert (state, result['status']) == ('SUCCESS', 'available'), result
    assert flaky.faults_served() == [503] * 8


def test_a_wait_that_times_out_names_the_last_error(any_mistral, flaky,
                                                    volume):
    flaky.fail_next(1000, 503, path_contains='/volumes/' + volume)
    state, message = outcome(run_action(
        any_mistral, WAIT, in_region=FLAKY_REGION, volume_id=volume,
        interval=1, timeout=3))
    assert state == 'ERROR'
    assert 'volume %s could not be read after 3 s, not available; gave up ' \
        'waiting (the last poll failed: ' % volume in message, message
    assert '503' in message, message


def test_a_lasting_failure_still_ends_the_wait_at_once(any_mistral, flaky,
                                                       volume):
    flaky.fail_next(1, 403, path_contains='/volumes/' + volume)
    state, message = outcome(run_action(
        any_mistral, WAIT, in_region=FLAKY_REGION, volume_id=volume,
        interval=1, timeout=120))
    assert state == 'ERROR' and '403' in message, message
    assert flaky.faults_served() == [403]

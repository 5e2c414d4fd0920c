import re

import pytest

from mistral_actions.nova import servers
from tests.unit.actions.fakes import failure_message
from tests.unit.actions.fakes import run_like_mistral


def add_server(clients, server_id='srv-1', status='ACTIVE', power=1,
               task=None, **extra):
    clients.nova.servers.add(server_id, status=status, **{
        'OS-EXT-STS:power_state': power, 'OS-EXT-STS:task_state': task,
        'OS-EXT-STS:vm_state': status.lower(), 'name': 'web'}, **extra)


def test_assert_status_active(clients, context):
    add_server(clients)
    result = run_like_mistral(servers.AssertStatus('srv-1'), context)
    assert result == {'id': 'srv-1', 'status': 'ACTIVE',
                      'power_state': 'running', 'task_state': None}


def test_assert_status_ignores_case(clients, context):
    add_server(clients, status='SHUTOFF', power=4)
    result = run_like_mistral(servers.AssertStatus('srv-1', 'shutoff'),
                              context)
    assert result['status'] == 'SHUTOFF'


def test_assert_status_not_yet(clients, context):
    add_server(clients, status='BUILD', power=0, task='spawning')
    assert failure_message(run_like_mistral(
        servers.AssertStatus('srv-1'), context)) == \
        'server srv-1 is BUILD, not ACTIVE yet'


@pytest.mark.parametrize('status', ['ERROR', 'DELETED'])
def test_assert_status_error_state_fails_fast(clients, context, status):
    add_server(clients, status=status, power=0,
               fault={'message': 'No valid host was found.', 'code': 500})
    assert failure_message(run_like_mistral(
        servers.AssertStatus('srv-1'), context)) == (
        'server srv-1 is in error state %s; it will never become ACTIVE: '
        'No valid host was found.' % status)


def test_assert_status_of_error_itself_succeeds(clients, context):
    add_server(clients, status='ERROR', power=0)
    result = run_like_mistral(servers.AssertStatus('srv-1', 'ERROR'),
                              context)
    assert result['status'] == 'ERROR'


def test_assert_status_unknown_server(clients, context):
    assert failure_message(run_like_mistral(
        servers.AssertStatus('nope'), context)) == 'server nope not found'


def test_wait_for_status_polls_until_active(clients, context):
    clients.nova.servers.add_sequence('srv-1', [
        {'status': 'BUILD', 'OS-EXT-STS:power_state': 0},
        {'status': 'BUILD', 'OS-EXT-STS:power_state': 0},
        {'status': 'ACTIVE', 'OS-EXT-STS:power_state': 1},
    ])
    result = run_like_mistral(
        servers.WaitForStatus('srv-1', timeout=5, interval=0.01), context)
    assert result['status'] == 'ACTIVE'
    assert result['power_state'] == 'running'
    assert clients.nova.servers.gets == ['srv-1'] * 3


def test_wait_for_status_fails_fast_on_error(clients, context):
    clients.nova.servers.add_sequence('srv-1', [
        {'status': 'BUILD'}, {'status': 'ERROR'}, {'status': 'ACTIVE'}])
    message = failure_message(run_like_mistral(
        servers.WaitForStatus('srv-1', timeout=5, interval=0.01),
        context))
    assert 'in error state ERROR; it will never become ACTIVE' in message
    assert len(clients.nova.servers.gets) == 2


def test_wait_for_status_times_out_naming_last_status(clients, context):
    add_server(clients, status='BUILD', power=0)
    message = failure_message(run_like_mistral(
        servers.WaitForStatus('srv-1', timeout=0.05, interval=0.01),
        context))
    assert message == ('server srv-1 is still BUILD after 0.05 s, '
                       'not ACTIVE; gave up waiting')
    assert len(clients.nova.servers.gets) >= 2


def test_wait_for_status_unknown_server(clients, context):
    assert failure_message(run_like_mistral(servers.WaitForStatus(
        'nope', timeout=1, interval=0.01), context)) == \
        'server nope not found'


@pytest.mark.parametrize('timeout, interval', [
    (0, 1), (-1, 1), ('soon', 1), (1, 0), (1, None)])
def test_wait_for_status_rejects_bad_timing(clients, context, timeout,
                                            interval):
    add_server(clients, status='BUILD')
    message = failure_message(run_like_mistral(servers.WaitForStatus(
        'srv-1', timeout=timeout, interval=interval), context))
    assert re.search('must be a positive number', message), message


@pytest.mark.parametrize('code, name', sorted(servers.POWER_STATES.items()))
def test_get_status_names_power_states(clients, context, code, name):
    add_server(clients, status='ACTIVE', power=code, task='rebooting')
    result = run_like_mistral(servers.GetStatus('srv-1'), context)
    assert result == {'id': 'srv-1', 'status': 'ACTIVE',
                      'power_state': name, 'task_state': 'rebooting'}


def test_get_status_unknown_server(clients, context):
    assert failure_message(run_like_mistral(
        servers.GetStatus('nope'), context)) == 'server nope not found'


def test_assert_power_status_running(clients, context):
    add_server(clients, power=1)
    result = run_like_mistral(servers.AssertPowerStatus('srv-1'), context)
    assert result['power_state'] == 'running'


def test_assert_power_status_not_yet(clients, context):
    add_server(clients, status='SHUTOFF', power=4, task='powering-on')
    assert failure_message(run_like_mistral(
        servers.AssertPowerStatus('srv-1'), context)) == \
        'server srv-1 is shutdown, not running yet'


def test_assert_power_status_other_state(clients, context):
    add_server(clients, status='PAUSED', power=3)
    result = run_like_mistral(
        servers.AssertPowerStatus('srv-1', 'paused'), context)
    assert result['power_state'] == 'paused'


def test_assert_power_status_error_server_fails_fast(clients, context):
    add_server(clients, status='ERROR', power=4)
    assert failure_message(run_like_mistral(
        servers.AssertPowerStatus('srv-1'), context)) == (
        'server srv-1 is in error state ERROR; it will never become running')


@pytest.mark.parametrize('status', ['ERROR', 'DELETED'])
def test_error_state_beats_a_matching_power_state(clients, context, status):
    add_server(clients, status=status, power=1)  # still "running"
    assert failure_message(run_like_mistral(
        servers.AssertPowerStatus('srv-1'), context)) == (
        'server srv-1 is in error state %s; it will never become running'
        % status)


def test_expecting_the_error_state_itself_passes(clients, context):
    add_server(clients, status='ERROR', power=1)
    result = run_like_mistral(servers.AssertStatus('srv-1', 'error'),
                              context)
    assert result['status'] == 'ERROR'


def test_assert_power_status_unknown_name(clients, context):
    add_server(clients)
    assert failure_message(run_like_mistral(
        servers.AssertPowerStatus('srv-1', 'on'), context)).startswith(
        "unknown power state 'on'; expected one of nostate, running")


def test_assert_power_status_hidden_power_state(clients, context):
    clients.nova.servers.add('srv-1', status='ACTIVE')
    assert failure_message(run_like_mistral(
        servers.AssertPowerStatus('srv-1'), context)) == (
        'server srv-1 shows no OS-EXT-STS:power_state: the policy of this '
        'cloud hides it')

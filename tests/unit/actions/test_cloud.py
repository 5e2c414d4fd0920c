"""The shared helpers: client building, status logic, JSON results."""

import json

import pytest

from mistral_lib import exceptions

from mistral_actions.cinder import backups
from mistral_actions.cinder import volumes
from mistral_actions.cloud import cinder_client
from mistral_actions.cloud import clients
from mistral_actions.cloud import failures
from mistral_actions.cloud import glance_client
from mistral_actions.cloud import nova_client
from mistral_actions.cloud import polling
from mistral_actions.cloud import resources
from mistral_actions.cloud import sessions
from mistral_actions.glance import images
from mistral_actions.nova import servers
from tests.unit.actions.fake_cloud import FakeCloud
from tests.unit.actions import fakes


@pytest.fixture(autouse=True)
def no_timeout_variable(monkeypatch):
    monkeypatch.delenv(sessions.HTTP_TIMEOUT_VARIABLE, raising=False)


# -- small helpers -----------------------------------------------------------

def test_exceptions_are_distinct_action_exceptions():
    kinds = [failures.ResourceNotFound, failures.ResourceInErrorState,
             failures.StatusNotReached, failures.WaitTimeout]
    for kind in kinds:
        assert issubclass(kind, exceptions.ActionException)
        assert [other for other in kinds if issubclass(kind, other)] == \
            [kind]


@pytest.mark.parametrize('attribute', ['code', 'http_status',
                                       'status_code'])
def test_is_not_found(attribute):
    error = Exception('gone')
    setattr(error, attribute, 404)
    assert failures.is_not_found(error)
    setattr(error, attribute, 500)
    assert not failures.is_not_found(error)


def test_not_found_as_leaves_other_errors():
    with pytest.raises(fakes.Conflict):
        with failures.not_found_as('volume', 'v'):
            raise fakes.Conflict('busy')
    with pytest.raises(failures.ResourceNotFound, match='^volume v not'):
        with failures.not_found_as('volume', 'v'):
            raise fakes.NotFound('gone')


class BadRequest(Exception):
    code = 400


def test_a_bad_request_about_a_non_uuid_id_is_not_found():
    with pytest.raises(failures.ResourceNotFound, match='^volume nope not'):
        with failures.not_found_as('volume', 'nope'):
            raise BadRequest('Invalid input for field/attribute volume_id')
    # A 400 about a real id is some other mistake: left as it is.
    with pytest.raises(BadRequest):
        with failures.not_found_as(
                'volume', '00000000-0000-4000-8000-000000000042'):
            raise BadRequest('Invalid volume: status must be available')


def test_to_json():
    class Odd:
        def __str__(self):
            return 'odd'

    resource = fakes.FakeResource({'id': 'x', 'when': Odd(), 'n': [1]})
    assert resources.to_json(resource) == {'id': 'x', 'when': 'odd',
                                           'n': [1]}
    assert resources.to_json({'a': (1, 2)}) == {'a': [1, 2]}


def test_http_timeout(monkeypatch):
    assert sessions.http_timeout() == 60
    monkeypatch.setenv(sessions.HTTP_TIMEOUT_VARIABLE, '7.5')
    assert sessions.http_timeout() == 7.5
    monkeypatch.setenv(sessions.HTTP_TIMEOUT_VARIABLE, 'never')
    with pytest.raises(exceptions.ActionException,
                       match='MISTRAL_ACTIONS_HTTP_TIMEOUT must be'):
        sessions.http_timeout()


def test_status_resource_fields_and_case():
    resource = resources.Resource('thing', 'image', 'things',
                                  error_states=['Broken'],
                                  fields=('id', 'status'))
    thing = {'id': 't', 'status': 'BROKEN', 'other': 1}
    assert resource.error_state_of(thing) == 'BROKEN'
    assert resource.check(thing, 't', 'broken') == {'id': 't',
                                                    'status': 'BROKEN'}


def not_before(wanted):
    def check(current):
        if current != wanted:
            raise failures.StatusNotReached(current)
        return 'got %s' % current
    return check


def test_wait_until_polls_until_the_check_passes(monkeypatch):
    sleeps = []
    monkeypatch.setattr(polling.time, 'sleep', sleeps.append)
    fetched = iter(['a', 'b', 'c'])
    assert polling.wait_until(lambda: next(fetched), not_before('c'), 100,
                              2, RuntimeError) == 'got c'
    assert sleeps == [2, 2]


def test_wait_until_raises_what_on_timeout_makes_of_the_last_fetch():
    fetched = iter(range(1000000))
    with pytest.raises(RuntimeError, match='^last [1-9]'):
        polling.wait_until(lambda: next(fetched), not_before(-1), 0.05,
                           0.01,
                           lambda last, error: RuntimeError('last %s' % last))


def passing_failure(status=503):
    error = RuntimeError('Service Unavailable (HTTP %d)' % status)
    error.code = status
    return error


def test_wait_until_takes_a_passing_failure_for_not_yet(monkeypatch):
    monkeypatch.setattr(polling.time, 'sleep', lambda seconds: None)
    answers = iter([passing_failure(), 'a', passing_failure(502), 'c'])

    def fetch():
        answer = next(answers)
        if isinstance(answer, Exception):
            raise answer
        return answer

    assert polling.wait_until(fetch, not_before('c'), 100, 1,
                              RuntimeError) == 'got c'


def test_wait_until_names_the_last_error_on_timeout():
    def fetch():
        raise passing_failure()

    with pytest.raises(RuntimeError, match=r'^None, .*\(HTTP 503\)$'):
        polling.wait_until(fetch, not_before('c'), 0.05, 0.01,
                           lambda last, error: RuntimeError(
                               '%s, %s' % (last, error)))


@pytest.mark.parametrize('status', [400, 401, 403, 404, 409, 500])
def test_wait_until_stops_at_a_lasting_failure(status):
    def fetch():
        raise passing_failure(status)

    with pytest.raises(RuntimeError, match='HTTP %d' % status):
        polling.wait_until(fetch, not_before('c'), 100, 100, RuntimeError)


def test_a_connection_failure_is_transient_even_when_wrapped():
    from keystoneauth1 import exceptions as ks_exceptions
    try:
        try:
            raise ks_exceptions.ConnectFailure('Connection aborted.')
        except ks_exceptions.ConnectFailure:
            raise RuntimeError('glanceclient: CommunicationError')
    except RuntimeError as wrapped:
        assert failures.is_transient(wrapped)
    assert not failures.is_transient(RuntimeError('plain'))


def test_wait_until_stops_at_other_errors():
    def check(current):
        raise failures.ResourceInErrorState('broken')

    with pytest.raises(failures.ResourceInErrorState):
        polling.wait_until(lambda: 'x', check, 100, 100, RuntimeError)


# -- make_client: which way clients are built --------------------------------

def test_make_client_rejects_unknown_services():
    with pytest.raises(ValueError, match='unknown service'):
        clients.make_client('network', fakes.make_context())


def test_each_client_module_registers_its_keystone_service_type():
    assert (nova_client.SERVICE, cinder_client.SERVICE,
            glance_client.SERVICE) == ('compute', 'block-storage', 'image')
    for service in (nova_client, cinder_client, glance_client):
        assert clients._SERVICES[service.SERVICE][1] is service._build


@pytest.mark.parametrize('module, needs, never', [
    ('mistral_actions.nova.servers', 'novaclient',
     ('cinderclient', 'glanceclient')),
    ('mistral_actions.cinder.backups', 'cinderclient',
     ('novaclient', 'glanceclient')),
    ('mistral_actions.glance.images', 'glanceclient',
     ('novaclient', 'cinderclient')),
])
def test_an_action_module_needs_only_the_client_library_it_calls(
        module, needs, never):
    from mistral_actions.tool.pipeline import bundle

    made = bundle.build(module, 'int32bit')
    assert needs in made.externals
    assert not set(never) & set(made.externals)


@pytest.fixture
def mistral_request_context():
    """The thread-local request context Mistral's executor sets."""
    from mistral_extra.actions.openstack.utils import context
    from mistral_lib import utils

    context.set_ctx(object())
    yield
    utils.set_thread_local(context._CTX_THREAD_LOCAL_NAME, None)


@pytest.mark.parametrize('service, extra_class', [
    (nova_client.SERVICE, 'NovaAction'),
    (cinder_client.SERVICE, 'CinderAction'),
    (glance_client.SERVICE, 'GlanceAction')])
def test_inside_mistral_clients_come_from_mistral_extra(
        monkeypatch, mistral_request_context, service, extra_class):
    from mistral_extra.actions.openstack import actions as extra

    calls = []

    def create_client(self, context):
        calls.append((type(self).__mro__[1].__name__, self.action_region,
                      context))
        return 'client'

    monkeypatch.setattr(getattr(extra, extra_class), '_create_client',
                        create_client)
    context = fakes.make_context(region_name='RegionTwo')
    assert clients.make_client(service, context) == 'client'
    assert calls == [(extra_class, 'RegionTwo', context)]


def test_mistral_extra_sessions_get_a_timeout_and_retries(
        monkeypatch, mistral_request_context, flaky_service):
    from keystoneauth1 import session
    from mistral_extra.actions.openstack import actions as extra
    from mistral_extra.actions.openstack import base

    made = []

    def get_session_and_auth(self, context):
        made.append(session.Session())
        return {'session': made[-1], 'auth': None}

    monkeypatch.setattr(base.OpenStackAction, 'get_session_and_auth',
                        get_session_and_auth)
    monkeypatch.setattr(extra.NovaAction, 'get_service_endpoint',
                        lambda self: None)
    monkeypatch.setenv(sessions.HTTP_TIMEOUT_VARIABLE, '12')
    helper = clients._mistral_extra_helper('compute', None)
    result = helper.get_session_and_auth(fakes.make_context())
    assert result['session'] is made[0]
    assert made[0].timeout == 12
    proxy, _ = flaky_service
    proxy.fail_next(1, 'drop')
    assert made[0].get(proxy.url + '/thing').json() == {'ok': True}
    assert proxy.faults_served() == ['drop']


def test_outside_mistral_the_fallback_builds_clients(monkeypatch):
    built = []
    monkeypatch.setitem(clients._SERVICES, 'compute', (
        'NovaAction', lambda *args: built.append(args) or 'nova'))
    context = fakes.make_context(region_name='RegionTwo',
                                 service_catalog=FakeCloud().token_body())
    assert clients.make_client('compute', context) == 'nova'
    (session, region, interface), = built
    assert (region, interface) == ('RegionTwo', 'public')
    assert session.timeout == 60
    assert session.verify is True


@pytest.mark.parametrize('insecure, cacert, verify', [
    (True, '/etc/ca.pem', False), (False, '/etc/ca.pem', '/etc/ca.pem'),
    (None, None, True)])
def test_fallback_session_verify(insecure, cacert, verify):
    context = fakes.make_context(insecure=insecure, auth_cacert=cacert)
    assert sessions.session_for(context.security).verify == verify


def test_fallback_auth_uses_the_catalog_in_the_context():
    from keystoneauth1.identity import access

    body = FakeCloud().token_body()
    plugin = sessions._auth_plugin(
        fakes.make_context(service_catalog=body).security)
    assert isinstance(plugin, access.AccessInfoPlugin)
    assert plugin.auth_ref.auth_token == fakes.TOKEN
    assert plugin.auth_ref.project_id == 'project-1'


def test_fallback_auth_without_catalog_rescopes_the_token():
    from keystoneauth1.identity import v3

    plugin = sessions._auth_plugin(fakes.make_context().security)
    assert isinstance(plugin, v3.Token)
    assert plugin.auth_url == 'http://keystone.test/v3'
    assert plugin.project_id == 'project-1'


@pytest.mark.parametrize('service', [
    nova_client.SERVICE, cinder_client.SERVICE, glance_client.SERVICE])
def test_make_client_needs_a_token(service, mistral_request_context):
    with pytest.raises(exceptions.ActionException,
                       match='no auth token: OpenStack actions need Mistral '
                       'to run with Keystone authentication'):
        clients.make_client(service, fakes.make_context(auth_token=None))


@pytest.mark.parametrize('security, message', [
    ({'is_trust_scoped': True, 'trust_id': 't'}, 'install mistral-extra'),
    ({'auth_uri': None}, 'neither a service catalog nor auth_uri'),
])
def test_fallback_auth_errors(security, message):
    with pytest.raises(exceptions.ActionException, match=message):
        sessions._auth_plugin(fakes.make_context(**security).security)


# -- the fallback end to end, real client libraries, fake HTTP services ------

@pytest.fixture
def cloud():
    with FakeCloud() as cloud:
        region = cloud.servers['RegionTwo']
        region['srv-1'] = {'id': 'srv-1', 'name': 'web', 'status': 'ACTIVE',
                           'OS-EXT-STS:power_state': 1,
                           'OS-EXT-STS:task_state': None}
        cloud.volumes['RegionTwo']['vol-1'] = {
            'id': 'vol-1', 'name': 'data', 'status': 'in-use', 'size': 1}
        cloud.images['RegionTwo']['img-1'] = {
            'id': 'img-1', 'name': 'cirros', 'status': 'active',
            'visibility': 'public', 'size': 12, 'tags': ['base'],
            'os_distro': 'cirros'}
        yield cloud


def service_requests(cloud):
    return [request for request in cloud.requests
            if not request[1].startswith('/identity')]


def test_fallback_with_catalog_end_to_end(cloud):
    context = fakes.make_context(region_name='RegionTwo',
                                 service_catalog=cloud.token_body())
    assert fakes.run_like_mistral(servers.GetStatus('srv-1'), context) == {
        'id': 'srv-1', 'status': 'ACTIVE', 'power_state': 'running',
        'task_state': None}
    assert fakes.failure_of(servers.AssertStatus('nope'), context) == \
        'server nope not found'
    assert 'volume vol-1 is in-use, not available yet' in \
        fakes.failure_of(volumes.AssertStatus('vol-1'), context)
    assert fakes.run_like_mistral(
        images.AssertStatus('img-1'), context)['status'] == 'active'
    found = fakes.run_like_mistral(images.FilterBy(os_distro='cirros'),
                                   context)
    assert [image['id'] for image in found] == ['img-1']
    json.dumps(found)

    requests = service_requests(cloud)
    assert requests and all(path.startswith('/RegionTwo/')
                            for _, path, _, _ in requests)
    assert all(headers['X-Auth-Token'] == fakes.TOKEN
               for _, _, headers, _ in requests)
    assert not any(path.startswith('/identity') for _, path, _, _ in
                   cloud.requests)
    server_get = [headers for _, path, headers, _ in requests
                  if path.endswith('/servers/srv-1')][0]
    import novaclient
    assert server_get['X-OpenStack-Nova-API-Version'] == \
        novaclient.API_MAX_VERSION.get_string()
    volume_get = [headers for _, path, headers, _ in requests
                  if path.endswith('/volumes/vol-1')][0]
    from cinderclient import api_versions
    assert volume_get['OpenStack-API-Version'] == \
        'volume %s' % api_versions.MAX_VERSION


def test_fallback_backups_end_to_end(cloud):
    context = fakes.make_context(region_name='RegionTwo',
                                 service_catalog=cloud.token_body())
    first = fakes.run_like_mistral(backups.CreateBackup('vol-1'), context)
    assert first['is_incremental'] is False
    assert first['status'] == 'creating'
    cloud.backups['RegionTwo'][first['id']]['status'] = 'available'
    second = fakes.run_like_mistral(backups.CreateBackup('vol-1'), context)
    assert second['is_incremental'] is True
    assert second['chain_length'] == 2
    assert second['parent_id'] == first['id']
    posted = [body for method, _, _, body in cloud.requests
              if method == 'POST']
    assert [body['backup']['incremental'] for body in posted] == [False,
                                                                  True]
    assert all(body['backup']['force'] for body in posted)
    assert fakes.failure_of(backups.Create('nope', 'b'), context) == \
        'volume nope not found'


def test_fallback_without_catalog_asks_keystone(cloud):
    context = fakes.make_context(region_name='RegionTwo',
                                 auth_uri=cloud.url + '/identity/v3')
    result = fakes.run_like_mistral(servers.GetStatus('srv-1'), context)
    assert result['status'] == 'ACTIVE'
    (_, _, _, auth), = [request for request in cloud.requests
                        if request[1].startswith('/identity')]
    assert auth['auth']['identity']['token']['id'] == fakes.TOKEN
    assert auth['auth']['scope'] == {'project': {'id': 'project-1'}}
    assert all(headers['X-Auth-Token'] == cloud.issued_token
               for _, _, headers, _ in service_requests(cloud))


def test_fallback_region_one_by_default(cloud):
    cloud.servers['RegionOne']['srv-9'] = dict(
        cloud.servers['RegionTwo']['srv-1'], id='srv-9')
    context = fakes.make_context(service_catalog=cloud.token_body())
    result = fakes.run_like_mistral(servers.GetStatus('srv-9'), context)
    assert result['id'] == 'srv-9'


# -- retrying_reads: a real keystoneauth session through a flaky proxy -------

@pytest.fixture
def flaky_service():
    from tests.harness.flaky_http import FlakyProxy
    from tests.harness.http_stub import HttpStub

    stub = HttpStub({('GET', '/thing'): (200, {'ok': True}),
                     ('POST', '/thing'): (201, {'made': True})}).start()
    proxy = FlakyProxy(stub.url).start()
    yield proxy, stub
    proxy.stop()
    stub.stop()


def retrying_session():
    from keystoneauth1 import session
    return sessions.retrying_reads(session.Session(timeout=5))


@pytest.mark.parametrize('fault', ['drop', 502, 503, 504])
def test_a_read_survives_one_passing_failure(flaky_service, fault):
    proxy, stub = flaky_service
    proxy.fail_next(1, fault)
    response = retrying_session().get(proxy.url + '/thing')
    assert response.json() == {'ok': True}
    assert proxy.faults_served() == [fault]
    assert stub.requests == [('GET', '/thing')]


def test_a_write_is_never_sent_twice(flaky_service):
    from keystoneauth1 import exceptions as ks_exceptions

    proxy, stub = flaky_service
    proxy.fail_next(1, 'drop', method='POST')
    with pytest.raises(ks_exceptions.ConnectFailure):
        retrying_session().post(proxy.url + '/thing', json={})
    assert stub.requests == []


def test_a_lasting_outage_ends_the_read(flaky_service):
    proxy, stub = flaky_service
    proxy.fail_next(100, 503)
    with pytest.raises(Exception) as raised:
        retrying_session().get(proxy.url + '/thing')
    assert failures.is_transient(raised.value)
    assert proxy.faults_served() == [503] * (sessions.READ_RETRIES + 1)

"""Fixtures of the cloud tests beyond the cloud itself: Mistral with
keystone, a member of another project, a region whose Cinder is behind a
flaky proxy, and a fresh server or volume per test, deleted afterwards."""

import secrets
import uuid

import pytest

from tests.cloud import workflows
from tests.harness.clients import Tool
from tests.harness.cloud_services.cloud_mistral import start_mistral
from tests.harness.cloud_services.keystone_server import set_endpoint
from tests.harness.flaky_http import FlakyProxy


@pytest.fixture(scope='session')
def cloud_mistral(cloud, tmp_path_factory):
    """A production-shaped Mistral authenticating against the cloud's
    keystone, with our actions registered through the api backend."""
    mistral = start_mistral(cloud, tmp_path_factory.mktemp('cloud-mistral'))
    try:
        Tool(mistral, 'api')('register', '--include-unsafe')
        yield mistral
    finally:
        mistral.stop()


@pytest.fixture(scope='session')
def cloud_mistral_without_extra(cloud, tmp_path_factory):
    """The same, on nodes that have Mistral but not mistral-extra: the
    actions build their clients from the context's token with
    keystoneauth1 (the libraries they import are installed there)."""
    mistral = start_mistral(cloud, tmp_path_factory.mktemp('no-extra'),
                            node='mistral-without-extra', in_catalog=False)
    try:
        Tool(mistral, 'api')('register', '--include-unsafe')
        yield mistral
    finally:
        mistral.stop()


@pytest.fixture(scope='module', params=['with mistral-extra',
                                        'without mistral-extra'])
def any_mistral(request):
    """A test using it runs on a Mistral whose executor has mistral-extra
    (its clients are used) and on one without it (the keystoneauth path).
    """
    return request.getfixturevalue(
        'cloud_mistral' if request.param == 'with mistral-extra'
        else 'cloud_mistral_without_extra')


@pytest.fixture(scope='session')
def other_member(cloud):
    """keystoneauth password arguments of a user with only the `member`
    role, in a project of its own: an ordinary tenant of the cloud."""
    keystone = cloud.keystone()
    suffix = uuid.uuid4().hex[:8]
    project = keystone.projects.create('tenant-%s' % suffix, 'default')
    password = secrets.token_hex(12)
    user = keystone.users.create('member-%s' % suffix, domain='default',
                                 default_project=project, password=password)
    member = next(role for role in keystone.roles.list()
                  if role.name == 'member')
    keystone.roles.grant(member, user=user, project=project)
    yield cloud.credentials(user.name, password, project.name)
    keystone.users.delete(user)
    keystone.projects.delete(project)


#: The region whose block-storage endpoint is the flaky proxy.
FLAKY_REGION = 'FlakyOne'


@pytest.fixture(scope='session')
def flaky_block_storage(cloud):
    """A FlakyProxy in front of the cloud's Cinder, in the catalog as the
    block-storage endpoint of region FLAKY_REGION: actions run with that
    region (``mistral.client(region=FLAKY_REGION)``) reach Cinder only
    through it. Faults are set per test; none are left after one."""
    cinder = next(service for service in cloud.services
                  if service.name == 'cinder')
    proxy = FlakyProxy(cinder.url).start()
    keystone = cloud.keystone()
    region = keystone.regions.create(id=FLAKY_REGION)
    for service_type, name, url in cinder.catalog():
        set_endpoint(keystone, FLAKY_REGION, service_type, name,
                     url.replace(cinder.url, proxy.url))
    cloud.forget_session()
    yield proxy
    for endpoint in keystone.endpoints.list(region=FLAKY_REGION):
        keystone.endpoints.delete(endpoint)
    keystone.regions.delete(region)
    cloud.forget_session()
    proxy.stop()


@pytest.fixture
def flaky(flaky_block_storage):
    """The flaky proxy, healed before and after the test."""
    flaky_block_storage.heal()
    yield flaky_block_storage
    flaky_block_storage.heal()


#: Tries at building a test server: under the load of a 2-core machine the
#: test cloud's scheduler now and then gives up on a build (a server of ours
#: in ERROR with Nova's fault); that is the harness's weather, not the action
#: under test, so the fixture builds again and names each fault it saw.
SERVER_BUILDS = 3


@pytest.fixture
def server(cloud):
    """An ACTIVE server of the cloud's tiny flavor and image."""
    nova = cloud.nova()
    faults = []
    for _ in range(SERVER_BUILDS):
        created = nova.servers.create('test-%s' % uuid.uuid4().hex[:8],
                                      cloud.image_id, cloud.flavor_id,
                                      nics='none')
        workflows.wait_for(lambda: nova.servers.get(created.id).status,
                           lambda status: status in ('ACTIVE', 'ERROR'),
                           'server %s ACTIVE' % created.id)
        built = nova.servers.get(created.id)
        if built.status == 'ACTIVE':
            break
        faults.append('%s: %s' % (created.id, getattr(built, 'fault', {})))
        nova.servers.delete(created.id)
    else:
        raise AssertionError('no server became ACTIVE in %d builds (see '
                             'the nova-* logs listed below): %s' % (
                                 SERVER_BUILDS, '; '.join(faults)))
    if faults:
        print('server builds that failed first: %s' % '; '.join(faults))
    yield created.id
    nova.servers.delete(created.id)


@pytest.fixture
def volume(cloud):
    """An available 1 GiB volume; its snapshots and backups go with it."""
    cinder = cloud.cinder()
    created = cinder.volumes.create(1, name='test-%s' % uuid.uuid4().hex[:8])
    workflows.wait_for(lambda: cinder.volumes.get(created.id).status,
                       lambda status: status in ('available', 'error'),
                       'volume %s available' % created.id)
    yield created.id
    delete_volume(cinder, created.id)


def delete_volume(cinder, volume_id, reset=True):
    """Backups newest first (a parent cannot go before its children), then
    snapshots, then the volume, each waited for; each first reset to
    available unless not ``reset`` (that takes an admin)."""
    backups = sorted(cinder.backups.list(search_opts={'volume_id':
                                                      volume_id}),
                     key=lambda b: (b.created_at, b.id), reverse=True)
    for backup in backups:
        if reset:
            cinder.backups.reset_state(backup.id, 'available')
        cinder.backups.delete(backup.id)
        workflows.wait_for(lambda: [b for b in cinder.backups.list()
                                    if b.id == backup.id],
                           lambda left: not left, 'backup deleted')
    for snapshot in cinder.volume_snapshots.list(
            search_opts={'volume_id': volume_id}):
        if reset:
            cinder.volume_snapshots.reset_state(snapshot.id, 'available')
        cinder.volume_snapshots.delete(snapshot.id)
        workflows.wait_for(lambda: [s for s in cinder.volume_snapshots.list()
                                    if s.id == snapshot.id],
                           lambda left: not left, 'snapshot deleted')
    if reset:
        cinder.volumes.reset_state(volume_id, 'available')
    cinder.volumes.delete(volume_id)

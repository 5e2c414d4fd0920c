import json

import pytest

from mistral_actions.glance import images
from tests.unit.actions.fakes import failure_of
from tests.unit.actions.fakes import run_like_mistral


def add_image(clients, image_id='img-1', status='active', **extra):
    info = dict(name='cirros', status=status, visibility='public',
                size=16338944, tags=['base'], os_distro='cirros',
                container_format='bare', disk_format='qcow2',
                protected=False, locations=[], owner='project-1')
    info.update(extra)
    clients.glance.images.add(image_id, **info)


def test_assert_status_active(clients, context):
    add_image(clients)
    result = run_like_mistral(images.AssertStatus('img-1'), context)
    assert result == {'id': 'img-1', 'name': 'cirros', 'status': 'active',
                      'visibility': 'public', 'size': 16338944}


def test_assert_status_not_yet(clients, context):
    add_image(clients, status='queued')
    assert failure_of(images.AssertStatus('img-1'), context) == \
        'image img-1 is queued, not active yet'


@pytest.mark.parametrize('status', ['killed', 'deleted', 'pending_delete'])
def test_assert_status_error_states(clients, context, status):
    add_image(clients, status=status)
    assert failure_of(images.AssertStatus('img-1'), context) == (
        'image img-1 is in error state %s; it will never become active'
        % status)


def test_assert_status_deactivated_is_not_an_error(clients, context):
    add_image(clients, status='deactivated')
    # Not yet, rather than never: an admin may reactivate it.
    assert failure_of(images.AssertStatus('img-1'), context) == \
        'image img-1 is deactivated, not active yet'


def test_assert_status_unknown(clients, context):
    assert failure_of(images.AssertStatus('nope'), context) == \
        'image nope not found'


def test_wait_for_status(clients, context):
    clients.glance.images.add_sequence('img-1', [
        {'status': 'queued'}, {'status': 'saving'}, {'status': 'active'}])
    result = run_like_mistral(images.WaitForStatus(
        'img-1', timeout=5, interval=0.01), context)
    assert result['status'] == 'active'
    assert len(clients.glance.images.gets) == 3


def test_wait_for_status_killed_and_timeout(clients, context):
    clients.glance.images.add_sequence('img-1', [
        {'status': 'saving'}, {'status': 'killed'}])
    assert 'in error state killed' in \
        failure_of(images.WaitForStatus(
            'img-1', timeout=5, interval=0.01), context)
    add_image(clients, 'img-2', status='importing')
    assert 'image img-2 is still importing after' in \
        failure_of(images.WaitForStatus(
            'img-2', timeout=0.03, interval=0.01), context)


def test_filter_by_passes_filters_to_glance(clients, context):
    add_image(clients, 'img-1')
    add_image(clients, 'img-2', name='ubuntu', os_distro='ubuntu')
    result = run_like_mistral(images.FilterBy(
        name='cirros', status='active', visibility='all', owner='p',
        os_distro='cirros', tags=['base', 'x86'], protected=False,
        limit=10, sort='name:asc'), context)
    query, = clients.glance.images.queries
    assert query == {
        'filters': {'name': 'cirros', 'status': 'active',
                    'visibility': 'all', 'owner': 'p',
                    'os_distro': 'cirros', 'tag': ['base', 'x86'],
                    'protected': 'false'},
        'limit': 10, 'sort': 'name:asc'}
    assert [image['id'] for image in result] == ['img-1', 'img-2']
    assert result[0]['name'] == 'cirros'
    assert result[0]['status'] == 'active'
    assert result[0]['tags'] == ['base']


def test_filter_by_single_tag_and_no_filters(clients, context):
    run_like_mistral(images.FilterBy(tag='base'), context)
    run_like_mistral(images.FilterBy(), context)
    assert clients.glance.images.queries == [
        {'filters': {'tag': ['base']}}, {'filters': {}}]


def test_filter_by_returns_json_safe_dicts(clients, context):
    class Model(dict):
        """Like glanceclient's warlock models: a dict subclass."""

    add_image(clients)
    clients.glance.images.list = lambda **kwargs: iter(
        [Model(id='img-1', name='x', status='active', size=None,
               created_at=object())])
    result = run_like_mistral(images.FilterBy(name='x'), context)
    assert type(result[0]) is dict
    json.dumps(result)

"""Actions on Glance images: status checks, waiting, filtered listing."""

from mistral_actions.cloud import glance_client
from mistral_actions.cloud import resources

IMAGES = resources.Resource(
    'image', glance_client.SERVICE, 'images',
    error_states=('killed', 'deleted', 'pending_delete'),
    fields=('id', 'name', 'status', 'visibility', 'size'))

# Options of the listing itself rather than filters on image properties.
LIST_OPTIONS = ('limit', 'sort', 'sort_key', 'sort_dir')


class AssertStatus(resources.AssertStatusAction):
    """Check that an image has the expected status (active by default).

    Fails fast, with "image ID is in error state killed; it will never
    become active", when the image is killed, deleted or pending_delete,
    and with "image ID is queued, not active yet" otherwise, so that a
    retry can stop at once on the first kind::

        retry:
          count: 30
          delay: 10
          break-on: "{{ 'will never become' in (task().state_info or '') }}"

    Returns {id, name, status, visibility, size}.

    :param image_id: ID of the image.
    :param status: the expected status.
    """

    __export__ = True
    _resource = IMAGES

    def __init__(self, image_id, status="active"):
        super().__init__(image_id, status)


class WaitForStatus(resources.WaitForStatusAction):
    """Wait until an image has the expected status (active by default).

    Polls every ``interval`` seconds for at most ``timeout`` seconds in one
    action run; a dropped connection or a 502/503/504 is "not yet". Fails
    at once when the image is killed, deleted or pending_delete or does not
    exist, and names the last status on timeout. Returns {id, name, status,
    visibility, size}.

    :param image_id: ID of the image.
    :param status: the expected status.
    :param timeout: seconds to wait at most.
    :param interval: seconds between two polls.
    """

    __export__ = True
    _resource = IMAGES

    def __init__(self, image_id, status="active", timeout=300, interval=5):
        super().__init__(image_id, status, timeout, interval)


class FilterBy(resources.OpenStackAction):
    """List the images whose properties have the given values.

    Every keyword is a filter Glance applies: name, status, visibility
    (``all`` for every visibility), owner, tags (a list: images carrying
    all of them), container_format, disk_format, protected, os_hidden,
    size_min, size_max, member_status, or any custom property such as
    os_distro. ``limit``, ``sort``, ``sort_key`` and ``sort_dir`` shape the
    listing. Returns a list of dicts (id, name, status and every other
    field Glance shows).

    :param kwargs: property names and the values to match.
    """

    __export__ = True
    _service = IMAGES.service

    def __init__(self, **kwargs):
        super().__init__()
        self.filters = kwargs

    def run(self, context):
        filters = dict(self.filters)
        options = {name: filters.pop(name) for name in LIST_OPTIONS
                   if name in filters}
        tags = filters.pop('tags', None) or filters.pop('tag', None)
        if tags:
            filters['tag'] = [tags] if isinstance(tags, str) else list(tags)
        for name, value in filters.items():
            if isinstance(value, bool):
                filters[name] = 'true' if value else 'false'
        images = self.client(context).images.list(filters=filters, **options)
        return [resources.to_json(image) for image in images]

"""Glance's client (glanceclient, image API v2)."""

from mistral_actions.cloud import clients


def _build(session, region, interface):
    import glanceclient

    return glanceclient.Client('2', session=session, region_name=region,
                               interface=interface)


#: Glance's keystone service type, which :func:`.clients.make_client`
#: builds clients of once this module is imported.
SERVICE = clients.register('image', 'GlanceAction', _build)

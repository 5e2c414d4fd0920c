"""Cinder's client (cinderclient 3.x), at the newest microversion both
sides know."""

from mistral_actions.cloud import clients


def _build(session, region, interface):
    from cinderclient import api_versions
    from cinderclient import client

    def build(version):
        return client.Client(version, session=session, region_name=region,
                             endpoint_type=interface,
                             service_type='block-storage')

    newest = api_versions.APIVersion(api_versions.MAX_VERSION)
    return build(api_versions.discover_version(build(newest), newest))


#: Cinder's keystone service type, which :func:`.clients.make_client`
#: builds clients of once this module is imported.
SERVICE = clients.register('block-storage', 'CinderAction', _build)

"""Nova's client (novaclient), at the newest microversion both sides know."""

from mistral_actions.cloud import clients


def _build(session, region, interface):
    from novaclient import api_versions
    from novaclient import client

    def build(version):
        return client.Client(version, session=session, region_name=region,
                             endpoint_type=interface)

    return build(api_versions.discover_version(
        build(api_versions.APIVersion('2.1')),
        api_versions.APIVersion('2.latest')))


#: Nova's keystone service type, which :func:`.clients.make_client` builds
#: clients of once this module is imported.
SERVICE = clients.register('compute', 'NovaAction', _build)

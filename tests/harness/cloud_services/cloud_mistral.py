"""Mistral as in production against the test cloud: keystone on, the
admin-only default policy, mistral-extra's OpenStack actions, and its
endpoint in the cloud's catalog."""

from tests.harness.mistral_servers import DEFAULT_NODE
from tests.harness.mistral_servers import DistributedMistral
from tests.harness.mistral_servers import KeystoneAuth


def keystone_for_mistral(cloud) -> KeystoneAuth:
    """The cloud's keystone, as Mistral's API and its clients use it."""
    return KeystoneAuth(
        auth_url=cloud.auth_url, admin_user=cloud.admin_username,
        admin_password=cloud.admin_password,
        admin_project=cloud.admin_project, region=cloud.region,
        service_user=cloud.mistral_username,
        service_password=cloud.mistral_password,
        service_project=cloud.service_project)


def start_mistral(cloud, workdir, node=DEFAULT_NODE,
                  in_catalog=True) -> DistributedMistral:
    """A distributed Mistral checking tokens against the cloud's keystone,
    its servers run from a node virtualenv of kind ``node``, in the
    catalog (service type workflowv2) unless ``in_catalog`` is false;
    stop() it when done."""
    mistral = DistributedMistral(workdir, keystone=keystone_for_mistral(cloud),
                                 node=node)
    try:
        if in_catalog:
            cloud.register_mistral_endpoint(mistral.url)
    except BaseException:
        mistral.stop()
        raise
    return mistral

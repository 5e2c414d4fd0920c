"""`mistral-actions run NAME` with keystone credentials: the action gets a
real token, project, catalog and region, the context Mistral with
keystone gives, and reaches the real services with them."""

import json
import subprocess

import pytest

from tests.harness.clients import BIN
from tests.harness.clients import environment
from tests.harness.clients import run_action
from tests.harness.clients import Tool

PROBE = '''
from mistral_lib import actions


class Context(actions.Action):
    """The security context the action is given."""

    __export__ = True

    def run(self, context):
        return vars(context.security)
'''

#: Fields both contexts must hold alike (the token differs: two logins).
SAME = ('user_name', 'project_name', 'project_id', 'region_name',
        'is_trust_scoped', 'is_target', 'trust_id', 'insecure',
        'redelivered', 'auth_cacert')


def local_run(cloud, *args, env=None):
    """`mistral-actions run ...` with the admin's OS_* variables (or only
    those of ``env`` when it names a cloud)."""
    variables = environment()
    if 'OS_CLOUD' not in (env or {}):
        variables.update(cloud.os_environment())
    variables.update(env or {})
    return subprocess.run([str(BIN / 'mistral-actions'), 'run', *args],
                          env=variables, capture_output=True, text=True,
                          timeout=180)


@pytest.fixture(scope='module')
def probe(cloud_mistral, tmp_path_factory):
    folder = tmp_path_factory.mktemp('probe') / 'cloud_probe'
    folder.mkdir()
    (folder / '__init__.py').write_text('')
    (folder / 'acts.py').write_text(PROBE)
    tool = Tool(cloud_mistral, 'api')
    tool('register', '--package', str(folder))
    yield folder
    tool('clear', '--package', str(folder))


def catalog(body):
    """{(service type, interface, region): URL} of a token body."""
    return {(service['type'], endpoint['interface'], endpoint['region_id']):
            endpoint['url'] for service in body['catalog']
            for endpoint in service['endpoints']}


def test_the_context_is_the_one_mistral_with_keystone_gives(
        cloud, cloud_mistral, probe):
    in_mistral = run_action(cloud_mistral, 'cloud_probe.acts.context',
                            {})['result']
    done = local_run(cloud, 'cloud_probe.acts.context', '--package',
                     str(probe))
    assert done.returncode == 0, done.stderr
    here = json.loads(done.stdout)
    assert here.keys() == in_mistral.keys()
    assert {key: here[key] for key in SAME} == {
        key: in_mistral[key] for key in SAME}
    assert here['project_name'] == cloud.admin_project
    assert here['region_name'] == cloud.region
    assert here['auth_token'] and here['auth_token'] != in_mistral[
        'auth_token']
    body, mistrals = here['service_catalog'], in_mistral['service_catalog']
    assert body.keys() == mistrals.keys()
    assert body['version'] == mistrals['version']
    assert body['auth_token'] == here['auth_token']
    assert catalog(body) == catalog(mistrals)
    assert body['project']['id'] == here['project_id']
    assert here['expires_at'] == body['expires_at']
    assert here['auth_uri'].rstrip('/').removesuffix('/v3') == \
        in_mistral['auth_uri'].rstrip('/').removesuffix('/v3')


def test_a_glance_action_reaches_glance_with_the_token(cloud):
    done = local_run(cloud, 'int32bit.glance.images.assert_status', '-i',
                     'image_id=%s' % cloud.image_id)
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout)['id'] == cloud.image_id
    # Without a valid login nothing runs: one line, no password.
    refused = local_run(cloud, 'int32bit.glance.images.assert_status', '-i',
                        'image_id=%s' % cloud.image_id,
                        env={'OS_PASSWORD': 'wrong-password-x'})
    assert (refused.returncode, refused.stdout) == (1, '')
    assert refused.stderr.splitlines() == [
        'keystone at %s rejected the credentials (HTTP 401); check '
        'OS_USERNAME/OS_PASSWORD/OS_PROJECT_NAME or the token'
        % cloud.auth_url]


def test_a_cloud_of_clouds_yaml_works_alike(cloud, tmp_path):
    import yaml
    clouds = tmp_path / 'clouds.yaml'
    clouds.write_text(yaml.safe_dump({'clouds': {'test': {
        'auth': cloud.credentials(), 'region_name': cloud.region,
        'identity_api_version': 3}}}))
    done = local_run(cloud, 'int32bit.glance.images.assert_status', '-i',
                     'image_id=%s' % cloud.image_id,
                     env={'OS_CLOUD': 'test',
                          'OS_CLIENT_CONFIG_FILE': str(clouds)})
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout)['id'] == cloud.image_id

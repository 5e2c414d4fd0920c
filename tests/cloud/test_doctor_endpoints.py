"""`mistral-actions doctor` on a Mistral with keystone: the catalog has
what the OpenStack actions call, a service it lacks is named, and a user
Mistral's policy does not allow is told which rule refused."""

import json

from tests.harness.clients import run
from tests.harness.clients import Tool

#: A package of actions whose one action calls a service the test cloud
#: does not run (object storage).
SWIFT_MODULE = '''"""An action that calls object storage."""
from mistral_lib import actions


class CountContainers(actions.Action):
    """Count the containers."""

    __export__ = True
    _service = 'object-store'

    def run(self, context):
        return 0
'''


def doctor(tool, *args):
    result = tool('doctor', '-f', 'json', *args, check=False)
    return result.returncode, {row['Check']: (row['OK'], row['Reason'])
                               for row in json.loads(result.stdout)}


def test_the_catalog_has_what_the_actions_call(cloud_mistral, tmp_path):
    tool = Tool(cloud_mistral, 'api')
    code, found = doctor(tool, '--package', 'mistral_actions=int32bit')
    endpoints = found['keystone catalog has the services']
    assert endpoints == ('✔', 'block-storage, compute, image'), found
    assert code == 0, found

    folder = tmp_path / 'stored'
    folder.mkdir()
    (folder / '__init__.py').write_text('')
    (folder / 'containers.py').write_text(SWIFT_MODULE)
    code, found = doctor(tool, '--package', str(folder))
    status, reason = found['keystone catalog has the services']
    assert code == 1
    assert status == '✘'
    assert 'object-store (for stored.containers.count_containers)' in reason


def test_the_ledger_names_the_keystone_user_and_project(cloud_mistral):
    """The deployment the fixture made through keystone is recorded as
    made by its user in its project."""
    rows = Tool(cloud_mistral, 'api').rows('history')
    keystone = cloud_mistral.keystone
    assert rows and rows[-1]['Who'] == '%s@%s' % (
        keystone.admin_user, keystone.admin_project), rows


def test_a_member_of_another_project_is_refused_by_policy(cloud_mistral,
                                                          other_member):
    """Mistral 23's default policy keeps code sources and dynamic actions
    to admins: doctor, run by a keystone user with only the member role,
    names the rule that refused it and leaves nothing behind."""
    tool = Tool(cloud_mistral, 'api')
    env = tool.env()
    env.update({'OS_USERNAME': other_member['username'],
                'OS_PASSWORD': other_member['password'],
                'OS_PROJECT_NAME': other_member['project_name']})
    result = run(tool.argv() + ['doctor', '-f', 'json'], env, check=False)
    assert result.returncode == 1, result.stderr
    found = {row['Check']: (row['OK'], row['Reason'])
             for row in json.loads(result.stdout)}
    assert found['Mistral reachable'][0] == '✔', found
    assert found['allowed to manage code sources and dynamic actions'] == (
        '✘', "Mistral's policy refused code_sources:list"), found
    assert other_member['password'] not in result.stdout + result.stderr
    assert not [source.name for source in
                cloud_mistral.client().code_sources.list()
                if source.name.startswith('mistral-actions-doctor-probe-')]

"""The doctor's reading of action inputs and workflow definitions (the
checks themselves run against a real Mistral: tests/functional)."""

import pytest

from mistral_actions.tool import doctor


@pytest.mark.parametrize('text,accepted,required', [
    ('', set(), set()),
    ('server_id', {'server_id'}, {'server_id'}),
    ('server_id, status, timeout=600, interval=5',
     {'server_id', 'status', 'timeout', 'interval'}, {'server_id', 'status'}),
    ('cmd, env=null, *args, **kwargs', {'cmd', 'env', 'args', 'kwargs'},
     {'cmd'}),
])
def test_parameters_of_an_input_as_mistral_shows_it(text, accepted,
                                                    required):
    assert doctor.parameters(text) == (accepted, required)


class Examined(doctor.Doctor):
    """A doctor that knows two registered actions and nothing else."""

    def __init__(self):
        self.prefixes = {'int32bit'}
        self.inputs = {'int32bit.nova.servers.get_status': 'server_id',
                       'int32bit.glance.images.filter_by': 'status=null'}


WORKBOOK = '''
version: '2.0'
name: book
workflows:
  first:
    tasks:
      inline:
        action: int32bit.nova.servers.get_status server_id=<% $.id %> x=1
      as_input:
        action: int32bit.nova.servers.get_status
        input:
          colour: red
      by_expression:
        action: int32bit.nova.servers.get_status
        input: <% $.everything %>
      other_provider:
        action: std.echo output=1
      removed:
        action: int32bit.nova.servers.reboot server_id=1
      fine:
        action: int32bit.glance.images.filter_by
'''


def test_every_task_of_a_workbook_is_checked():
    problems = Examined().workflow_problems(WORKBOOK)
    assert problems == [
        'task inline gives int32bit.nova.servers.get_status unexpected x '
        '(it takes: server_id)',
        'task as_input gives int32bit.nova.servers.get_status unexpected '
        'colour and no server_id (it takes: server_id)',
        'task removed names int32bit.nova.servers.reboot, which Mistral '
        'does not hold']


def test_a_definition_that_is_not_yaml_is_one_problem():
    assert Examined().workflow_problems('a: [') == [
        'not YAML: while parsing a flow node']

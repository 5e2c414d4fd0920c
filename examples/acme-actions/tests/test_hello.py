"""The acme actions, run by a real Mistral 23: the mistral_sandbox fixture
of mistral-actions' pytest plugin."""

from pathlib import Path

import pytest

# The package folder beside tests/: registered from there, installed or not.
PACKAGE = Path(__file__).resolve().parents[1] / 'acme_actions'

WORKFLOW = """
version: '2.0'
greet_loudly:
  input:
    - name
  tasks:
    shout:
      action: acme.hello.shout
      input:
        name: <% $.name %>
      publish:
        greeting: <% task().result %>
  output:
    greeting: <% $.greeting %>
"""


@pytest.fixture(scope='module')
def mistral(mistral_sandbox):
    mistral_sandbox.register(package='%s=acme' % PACKAGE)
    return mistral_sandbox


def test_greet(mistral):
    assert mistral.run_action('acme.hello.greet', name='operator') == \
        'Hello, operator!'


def test_shout_in_a_workflow(mistral):
    run = mistral.run_workflow(WORKFLOW, name='operator')
    assert run.state == 'SUCCESS', run.state_info
    assert run.output == {'greeting': 'HELLO, OPERATOR!'}

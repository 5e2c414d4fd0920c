"""pytest fixtures to test packages of actions against a real Mistral 23.

Installed with mistral-actions (entry point ``pytest11``), no conftest
needed; the fixtures need the Mistral server (``pip install
'mistral-actions[sandbox]'``):

- ``mistral_sandbox`` (session): a sandbox Mistral started once per test
  session (:class:`mistral_actions.tool.sandbox.client.Sandbox`: ``url``,
  ``register(package=...)``, ``run_action(name, **input)``,
  ``run_workflow(yaml_text, **input)``, ``clear()``);
- ``clean_mistral_sandbox`` (function): the same, with no dynamic action
  and no code source left from earlier tests.

``--mistral-sandbox-url URL`` uses a Mistral that runs already (e.g.
``mistral-actions sandbox`` in another shell) instead of starting one.
Loading this plugin imports nothing of Mistral: a session that uses none
of the fixtures pays nothing.
"""

import pytest

URL_OPTION = '--mistral-sandbox-url'


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption(
        URL_OPTION, metavar='URL', default=None,
        help='mistral_sandbox fixture: use the Mistral (without keystone) '
             'at URL, e.g. one `mistral-actions sandbox` runs, instead of '
             'starting one for the session')


@pytest.fixture(scope='session')
def mistral_sandbox_python():
    """The Python the sandbox runs Mistral with: None for this one.
    Override it to run Mistral from another virtualenv."""
    return None


@pytest.fixture(scope='session')
def mistral_sandbox(request, tmp_path_factory, mistral_sandbox_python):
    """A sandbox Mistral 23 for the whole test session."""
    from mistral_actions.tool import errors
    from mistral_actions.tool.sandbox import client
    from mistral_actions.tool.sandbox import processes
    url = request.config.getoption(URL_OPTION)
    if url:
        yield client.Sandbox(url)
        return
    try:
        sandbox = client.Sandbox.start(
            tmp_path_factory.mktemp('mistral-sandbox'),
            python=mistral_sandbox_python)
    except (errors.ToolError, processes.ServerError) as error:
        pytest.fail('mistral_sandbox: %s' % error, pytrace=False)
    with sandbox:
        yield sandbox


@pytest.fixture
def clean_mistral_sandbox(mistral_sandbox):
    """The session's sandbox, with nothing registered in it."""
    mistral_sandbox.clear()
    return mistral_sandbox

"""The demo's story without a server: what it prints on success, where it
points a newcomer who wants to keep a Mistral, and a failed workflow."""

from types import SimpleNamespace

from tools import demo


class FakeSandbox:
    """What the story uses of client.Sandbox, with a canned workflow run."""

    url = 'http://127.0.0.1:1/v2'
    server = SimpleNamespace(log_path='/tmp/x/mistral.log')

    def __init__(self, state):
        self.state = state

    def register(self, include_unsafe):
        assert include_unsafe
        return SimpleNamespace(steps=[SimpleNamespace(
            name='int32bit.system.exec', verdict='create', scope='private')])

    def run_workflow(self, text, **workflow_input):
        assert 'disk_usage' in text
        return SimpleNamespace(state=self.state, state_info='task failed',
                               output={'usage': '1%'})


def test_without_keep_the_demo_says_how_to_keep_a_mistral(capsys):
    assert demo.story(FakeSandbox('SUCCESS'), keep=False) == 0
    out = capsys.readouterr().out.splitlines()
    assert 'state: SUCCESS' in out
    assert out[-1] == (
        'This Mistral stops now. To keep one to play with: python3 '
        'tools/venv_run.py demo --keep, or mistral-actions sandbox '
        '--register --include-unsafe (README: "mistral-actions sandbox").')


def test_a_failed_workflow_says_why_and_exits_1(capsys):
    assert demo.story(FakeSandbox('ERROR'), keep=False) == 1
    out = capsys.readouterr().out.splitlines()
    assert out[-2:] == ['state: ERROR', 'task failed']

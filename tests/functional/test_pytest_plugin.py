"""The pytest plugin as an author uses it: the example package's tests,
as the README shows and runs them, pass, and fail when an action breaks;
clean_mistral_sandbox starts from an empty registry."""

from pathlib import Path
import re
import shlex
import shutil
import subprocess
import sys

import pytest

from tests.harness.clients import environment
from tests.harness import readme_blocks
from tests.harness.readme_blocks import blocks

ROOT = Path(__file__).resolve().parents[2]
EXAMPLE = ROOT / 'examples' / 'acme-actions'
EXAMPLE_TESTS = EXAMPLE / 'tests' / 'test_hello.py'
READMES = ('README.md', 'README.zh.md')
SECTION = {'README.md': '## Testing your actions with pytest',
           'README.zh.md': '## 用 pytest 测试你的 action'}
TIMEOUT = 600


def section(readme):
    return readme_blocks.section(readme, SECTION[readme])


def readme_command():
    """The README's command, the same in both languages, as argv."""
    commands = [blocks(section(readme), 'sh')[0].strip()
                for readme in READMES]
    assert commands[0] == commands[1]
    argv = shlex.split(commands[0])
    assert argv[0] == 'pytest'
    return argv


def checkout_copy(tmp_path):
    """The example where the README's command finds it, in a copy."""
    copy = tmp_path / 'checkout'
    shutil.copytree(EXAMPLE, copy / EXAMPLE.relative_to(ROOT),
                    ignore=shutil.ignore_patterns('__pycache__', '*.egg-info',
                                                  'build'))
    return copy


def run_pytest(copy, *extra):
    """The README's command in the copy, with this environment's pytest
    (where mistral-actions and Mistral are installed), on its own."""
    argv = readme_command()
    env = environment()
    env.pop('PYTHONPATH', None)
    return subprocess.run(
        [sys.executable, '-m', 'pytest', '-p', 'no:cacheprovider', *extra,
         *argv[1:]], cwd=copy, env=env, capture_output=True, text=True,
        timeout=TIMEOUT)


def break_greet(copy):
    hello = copy / EXAMPLE.relative_to(ROOT) / 'acme_actions' / 'hello.py'
    text = hello.read_text()
    broken = text.replace('        return wording.greeting(self.name)\n',
                          '        return wording.greeting(self.name) + 1\n',
                          1)
    assert broken != text
    hello.write_text(broken)


@pytest.mark.parametrize('readme', READMES)
def test_the_readme_shows_the_example_tests(readme):
    assert blocks(section(readme), 'python') == [EXAMPLE_TESTS.read_text()]


def test_the_example_package_tests_itself(tmp_path):
    """Its own sandbox, started by the plugin: no conftest, no option."""
    copy = checkout_copy(tmp_path)
    assert not list(copy.rglob('conftest.py'))
    done = run_pytest(copy)
    assert done.returncode == 0, done.stdout + done.stderr
    assert re.search(r'\b2 passed\b', done.stdout), done.stdout


def test_a_broken_action_fails_them(mistral_sandbox, tmp_path):
    """Run against this session's sandbox (--mistral-sandbox-url): the
    failure is the action's own message."""
    copy = checkout_copy(tmp_path)
    break_greet(copy)
    done = run_pytest(copy, '--mistral-sandbox-url', mistral_sandbox.url)
    assert done.returncode == 1, done.stdout + done.stderr
    assert re.search(r'\b1 failed, 1 passed\b', done.stdout), done.stdout
    assert 'FAILED' in done.stdout and 'test_greet' in done.stdout
    assert 'ActionFailed' in done.stdout
    assert 'can only concatenate str (not "int") to str' in done.stdout
    # It registered into the sandbox it was pointed at.
    assert 'acme.hello.greet' in [
        action.name for action in
        mistral_sandbox.client.dynamic_actions.list()]


def test_clean_mistral_sandbox_has_nothing_registered(
        mistral_sandbox, request):
    mistral_sandbox.register(package='%s=acme' % (EXAMPLE / 'acme_actions'))
    client = mistral_sandbox.client
    assert client.dynamic_actions.list() and client.code_sources.list()
    clean = request.getfixturevalue('clean_mistral_sandbox')
    assert clean is mistral_sandbox
    assert client.dynamic_actions.list() == []
    assert client.code_sources.list() == []

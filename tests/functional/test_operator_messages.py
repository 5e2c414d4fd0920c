"""What a first-time operator reads, on a real Mistral 23: why an unsafe
action registered earlier stays, another provider's action left alone,
a sentence instead of an empty table, progress on a terminal only, and
relative imports in a stored module."""

import fcntl
import json
import os
import pty
import re
import struct
import subprocess
import termios
import threading

import pytest

from mistral_actions.tool.pipeline import discover as discovery
from tests.harness.clients import run_action
from tests.harness.clients import TIMEOUT
from tests.harness.clients import Tool
from tests.harness.mistral_servers import SingleProcessMistral
from tests.harness.package_copy import package_copy

EXEC = 'int32bit.system.exec'


@pytest.fixture
def tool(single_mistral):
    """The api backend (REST: where many writes take long), nothing of
    ours registered before or after."""
    tool = Tool(single_mistral, 'api')
    tool('clear')
    yield tool
    tool('clear')


def test_plain_register_says_why_an_unsafe_action_registered_earlier_stays(
        tool):
    tool('register', '--include-unsafe')
    for options in ((), ('--prune',)):
        rows = {row['Action']: row
                for row in tool.rows('register', *options)}
        assert rows[EXEC]['Result'] == 'unchanged', options
        assert rows[EXEC]['Scope'] == 'private'
        assert rows[EXEC]['Detail'] == (
            'registered earlier (--include-unsafe), so kept up to date; '
            'mistral-actions unregister int32bit.system.exec removes it')


def test_unregister_of_a_builtin_says_it_is_not_ours_and_left_alone(tool):
    tool('register')
    result = tool('unregister', 'std.echo', check=False)
    assert result.returncode == 1
    assert result.stdout == ''
    assert result.stderr == (
        "std.echo is not a mistral-actions action (it is Mistral's own, a "
        "plugin's or an ad-hoc action): left alone; unregister removes only "
        "actions mistral-actions registered (mistral-actions action-list)\n")


def test_listings_with_nothing_to_show_say_so_in_a_sentence(tool):
    result = tool('action-list')
    assert (result.returncode, result.stdout, result.stderr) == (
        0, 'Mistral holds no actions of int32bit.*; mistral-actions register '
           'registers them.\n', '')
    result = tool('clear')
    assert (result.returncode, result.stdout, result.stderr) == (
        0, 'Nothing to clear: Mistral holds no actions of int32bit.*.\n', '')
    # Formats for programs stay as they are: an empty list.
    assert tool.rows('action-list') == []
    assert tool.rows('clear') == []


def on_a_terminal(tool, *args):
    """Run with stderr on a pseudo-terminal (100 columns), stdout a pipe:
    (exit code, stdout, what the terminal showed)."""
    controller, terminal = pty.openpty()
    fcntl.ioctl(terminal, termios.TIOCSWINSZ,
                struct.pack('HHHH', 24, 100, 0, 0))
    shown = []

    def read_terminal():
        while True:
            try:
                chunk = os.read(controller, 4096)
            except OSError:  # EIO: the command closed its end
                return
            if not chunk:
                return
            shown.append(chunk)

    reader = threading.Thread(target=read_terminal, daemon=True)
    reader.start()
    try:
        process = subprocess.Popen(
            [str(arg) for arg in tool.argv() + list(args)], env=tool.env(),
            stdout=subprocess.PIPE, stderr=terminal, stdin=subprocess.DEVNULL,
            text=True)
        os.close(terminal)
        stdout, _ = process.communicate(timeout=TIMEOUT)
        reader.join(timeout=10)
    finally:
        os.close(controller)
    return process.returncode, stdout, b''.join(shown).decode()


def writes_to_register_everything():
    """Code sources, then dynamic actions: what register --include-unsafe
    writes into an empty Mistral."""
    found = discovery.discover()
    return len({spec.module.name for spec in found}) + len(found)


def assert_counts_up_to(total, shown):
    """One bar, redrawn in place, counting writes from 0 towards total,
    within the terminal's width, erased at the end."""
    frames = [frame for frame in shown.split('\r') if frame.strip()]
    assert frames and all(frame.startswith('Writing to Mistral: ')
                          for frame in frames), shown
    counts = [int(re.search(r' (\d+)/%d ' % total, frame).group(1))
              for frame in frames]
    assert counts[0] == 0 and len(counts) > 1, shown
    assert counts == sorted(counts) and counts[-1] <= total, shown
    assert max(len(frame) for frame in frames) <= 100, shown
    assert shown.endswith('\r'), shown


def test_progress_on_a_terminal_and_nothing_extra_elsewhere(tool):
    total = writes_to_register_everything()
    code, stdout, shown = on_a_terminal(tool, 'register', '--include-unsafe')
    assert code == 0, shown
    assert_counts_up_to(total, shown)
    assert '| int32bit.system.exec' in stdout  # the table, on stdout
    assert 'Writing to Mistral' not in stdout

    code, stdout, shown = on_a_terminal(tool, 'clear')
    assert code == 0
    assert_counts_up_to(total, shown)

    # Not a terminal, or a format for programs: stderr stays empty.
    result = tool('register', '--include-unsafe')
    assert result.returncode == 0 and result.stderr == ''
    tool('clear')
    code, stdout, shown = on_a_terminal(tool, 'register', '--include-unsafe',
                                        '-f', 'json')
    assert code == 0 and shown == ''
    assert len(json.loads(stdout)) == len(discovery.discover())


HELPER_MODULE = """WORD = 'bundled'
"""

RELATIVE_MODULE = """from mistral_lib import actions

from . import helper
from .. import PREFIX


class Relative(actions.Action):
    \"\"\"Say what its relative imports gave.\"\"\"

    __export__ = True

    def run(self, context):
        return {'prefix': PREFIX, 'word': helper.WORD}
"""


def test_a_module_imports_relatively_what_only_its_package_has(
        tool, tmp_path):
    """``from . import helper`` of a helper that only the package has (the
    Mistral here has no such module installed): it travels in the code
    source, as the README says."""
    copy = tool.with_package(package_copy(
        tmp_path, {'extra/helper.py': HELPER_MODULE,
                   'extra/relative.py': RELATIVE_MODULE}))
    rows = {row['Action']: row['Result']
            for row in copy.rows('register')}
    assert rows['int32bit.extra.relative.relative'] == 'created'
    output = run_action(tool.mistral, 'int32bit.extra.relative.relative', {})
    assert output['result'] == {'prefix': 'int32bit', 'word': 'bundled'}


GENERATED = 'keystone.oauth1.consumers_create'
CLASHING_MODULE = '''
from mistral_lib import actions


class ConsumersCreate(actions.Action):
    """Named as one of mistral-extra's generated actions."""

    __export__ = True

    def run(self, context):
        return 'shadowed'
'''


@pytest.fixture(scope='module')
def generating_mistral(tmp_path_factory):
    """A Mistral of this module's own with mistral-extra's generated
    OpenStack actions on (the shared ones have them off: they are slow)."""
    with SingleProcessMistral(
            tmp_path_factory.mktemp('generating'),
            extra_config={'legacy_action_provider': {
                'load_action_generators': 'True'}}) as mistral:
        yield mistral


@pytest.mark.parametrize('backend', ['api', 'db'])
def test_a_generated_openstack_action_is_another_providers_on_each_backend(
        generating_mistral, backend, tmp_path):
    # mistral-extra generates keystone.oauth1.consumers_create; a package
    # of prefix keystone with that action is refused, and unregister
    # leaves it alone, whichever backend reads Mistral.
    tool = Tool(generating_mistral, backend)
    package = tmp_path / 'clashing'
    package.mkdir()
    (package / '__init__.py').write_text('')
    (package / 'oauth1.py').write_text(CLASHING_MODULE)
    result = tool('register', '--package', '%s=keystone' % package,
                  check=False)
    assert result.returncode == 1, result.stdout
    assert result.stderr.startswith(
        '%s: Mistral already has an action of that name from another '
        'provider' % GENERATED), result.stderr
    assert GENERATED not in {
        action.name for action in generating_mistral.client()
        .dynamic_actions.list()}
    result = tool('unregister', GENERATED, check=False)
    assert (result.returncode, result.stdout) == (1, '')
    # One line, nothing of what generating the actions logs.
    assert result.stderr.startswith(
        '%s is not a mistral-actions action' % GENERATED), result.stderr
    assert len(result.stderr.splitlines()) == 1, result.stderr

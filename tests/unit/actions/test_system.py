import os
import re
import sys
import time

import pytest

from mistral_lib import actions

from mistral_actions import system
from tests.unit.actions.fakes import failure_message
from tests.unit.actions.fakes import run_like_mistral

PYTHON = sys.executable


@pytest.fixture(autouse=True)
def default_timeout(monkeypatch):
    monkeypatch.delenv(system.TIMEOUT_VARIABLE, raising=False)


def run(cmd, context=None):
    return run_like_mistral(system.Exec(cmd), context)


def error_of(result):
    assert isinstance(result, actions.Result), result
    assert result.is_error()
    return result.error


def alive(pid):
    """Whether the process exists and is not a zombie."""
    try:
        with open('/proc/%d/stat' % pid) as stat:
            return stat.read().rsplit(')', 1)[1].split()[0] not in 'ZX'
    except FileNotFoundError:
        return False


def test_echo():
    result = run('echo hello world')
    assert result == {'stdout': 'hello world\n', 'stderr': '',
                      'exit_code': 0, 'exit_codes': [0],
                      'truncated': False}
    assert type(result['stdout']) is str


@pytest.mark.parametrize('cmd, printed', [
    ('echo $HOME', '$HOME'),
    ('echo *', '*'),
    ('echo `id`', '`id`'),
    ('echo a; echo b', 'a; echo b'),
    ('echo a && echo b', 'a && echo b'),
    ("echo 'a | b'", 'a | b'),
    (r'echo a \| b', 'a | b'),
    ('echo "x|y"', 'x|y'),
])
def test_no_shell(cmd, printed):
    assert run(cmd)['stdout'] == printed + '\n'


def test_no_redirection(tmp_path):
    target = tmp_path / 'out'
    result = run('echo hi > %s' % target)
    assert result['stdout'] == 'hi > %s\n' % target
    assert not target.exists()


def test_pipeline():
    result = run('echo hello | tr a-z A-Z | rev')
    assert result['stdout'] == 'OLLEH\n'
    assert result['exit_codes'] == [0, 0, 0]


def test_pipe_without_spaces():
    assert run('echo abc|tr a x')['stdout'] == 'xbc\n'


def test_failing_left_side_fails_the_pipeline():
    error = error_of(run("sh -c 'echo oops >&2; exit 3' | cat"))
    assert error['exit_code'] == 3
    assert error['exit_codes'] == [3, 0]
    assert "stage 1 of 2 (sh -c 'echo oops >&2; exit 3') exited with 3" \
        in error['message']
    assert error['message'].endswith('stderr: oops\n')
    assert error['stderr'] == 'oops\n'


def test_failing_right_side_fails_the_pipeline():
    error = error_of(run("echo hi | sh -c 'cat >/dev/null; exit 4'"))
    assert error['exit_code'] == 4
    assert 'failed with exit code 4' in error['message']
    assert 'stage 2 of 2' in error['message']
    assert 'stage 1' not in error['message']


def test_both_sides_failing_reports_the_rightmost_code():
    error = error_of(run('false | sh -c "exit 5"'))
    assert error['exit_code'] == 5
    assert error['exit_codes'] == [1, 5]
    assert 'stage 1 of 2 (false) exited with 1' in error['message']
    assert 'stage 2 of 2' in error['message']


def test_stage_killed_by_sigpipe_counts_as_failed():
    error = error_of(run('yes | head -n 1'))
    assert error['stdout'] == 'y\n'
    assert error['exit_code'] == 141
    assert 'stage 1 of 2 (yes) was killed by SIGPIPE' in error['message']


def test_nonzero_exit_keeps_output():
    error = error_of(run("sh -c 'echo partial; exit 2'"))
    assert error['stdout'] == 'partial\n'
    assert error['exit_code'] == 2


def test_each_command_runs_once(tmp_path):
    counter = tmp_path / 'runs'
    result = run("sh -c 'echo left >> %s; echo out' | "
                 "sh -c 'cat; echo right >> %s'" % (counter, counter))
    assert result['stdout'] == 'out\n'
    assert sorted(counter.read_text().split()) == ['left', 'right']


def test_stdin_is_empty():
    assert run('cat')['stdout'] == ''


def test_output_is_text_with_replacement():
    result = run(r"printf '\377ok\n'")
    assert result['stdout'] == '\ufffdok\n'


def test_large_output_on_both_streams_does_not_block():
    result = run(PYTHON + " -c 'import sys; sys.stdout.write(\"o\" * 500000);"
                 " sys.stderr.write(\"e\" * 500000)' | cat")
    assert len(result['stdout']) == system.OUTPUT_LIMIT
    assert len(result['stderr']) == system.OUTPUT_LIMIT
    assert result['truncated'] is True


def test_timeout_from_environment_kills_the_pipeline(monkeypatch,
                                                     tmp_path):
    monkeypatch.setenv(system.TIMEOUT_VARIABLE, '0.5')
    pids = tmp_path / 'pids'
    started = time.monotonic()
    # The left side starts a grandchild: it must die too.
    error = error_of(run(
        "sh -c 'sleep 30 & echo $! $$ > %s; wait' | cat" % pids))
    assert time.monotonic() - started < 10
    assert 'timed out after 0.5 s (MISTRAL_ACTIONS_EXEC_TIMEOUT)' in \
        error['message']
    for pid in map(int, pids.read_text().split()):
        deadline = time.monotonic() + 5
        while alive(pid) and time.monotonic() < deadline:
            time.sleep(0.05)
        assert not alive(pid)


def test_timeout_when_a_child_keeps_the_output_open(monkeypatch):
    monkeypatch.setenv(system.TIMEOUT_VARIABLE, '0.5')
    error = error_of(run("sh -c 'sleep 30 & echo started'"))
    assert error['stdout'] == 'started\n'
    assert 'timed out' in error['message']


def test_default_timeout():
    assert system.exec_timeout() == 60


@pytest.mark.parametrize('value', ['0', '-1', 'soon', 'inf', 'nan'])
def test_bad_timeout_variable(monkeypatch, value):
    monkeypatch.setenv(system.TIMEOUT_VARIABLE, value)
    assert failure_message(run('echo hi')) == (
        'MISTRAL_ACTIONS_EXEC_TIMEOUT must be a positive number of seconds, '
        'got %r' % value)


@pytest.mark.parametrize('cmd, says', [
    ('', 'empty command'),
    ('echo a || echo b', 'empty command'),
    ('echo a |', 'empty command'),
    ('echo "unclosed', 'No closing quotation'),
    (['echo', 'hi'], 'cmd must be a string'),
    ('no-such-command-here',
     r'cannot run stage 1 \(no-such-command-here\): No such file'),
    ('echo hi | no-such-command-here', 'cannot run stage 2'),
])
def test_bad_commands(cmd, says):
    message = failure_message(run(cmd))
    assert re.search(says, message), message


def test_failed_start_leaves_no_process_behind(monkeypatch):
    started = []
    real_popen = system.subprocess.Popen

    def recording_popen(*args, **kwargs):
        process = real_popen(*args, **kwargs)
        started.append(process)
        return process

    monkeypatch.setattr(system.subprocess, 'Popen', recording_popen)
    assert failure_message(run('sleep 30 | no-such-command')).startswith(
        'cannot run stage 2 (no-such-command): ')
    first, = started
    assert first.returncode == -9


def test_split_pipeline():
    assert system.split_pipeline(
        "grep -c 'a b' file | sort -r|head") == [
            ['grep', '-c', 'a b', 'file'], ['sort', '-r'], ['head']]
    assert os.environ.get(system.TIMEOUT_VARIABLE) is None

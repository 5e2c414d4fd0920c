"""The suite's two lanes: what runs where, and the exit code of both."""

from pathlib import Path
import subprocess
import sys

import pytest

from tools import split_suite

ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.parametrize('args,names', [
    ([], False), (['-ra', '--durations=30'], False), (['-k', 'ledger'], False),
    (['tests/unit'], True),
    (['-x', 'tests/unit/test_split_suite.py::x'], True),
    (['no/such/folder'], False), (['--lane', 'cloud'], True),
    (['-ra', '--lane=local'], True),
])
def test_tests_named_on_the_command_line_run_in_one_process(args, names):
    assert split_suite.one_process(args) is names


@pytest.mark.parametrize('codes,expected', [
    ([0, 0], 0), ([0, 1], 1), ([2, 0], 2), ([5, 0], 0), ([5, 1], 1),
    ([5, 5], 5), ([0, -15], 1),
])
def test_the_worse_lane_decides(codes, expected):
    assert split_suite.worse(codes) == expected


def test_the_lanes_together_are_the_whole_suite():
    def collected(*args):
        done = subprocess.run(
            [sys.executable, '-m', 'pytest', '--collect-only', '-q',
             '-p', 'no:cacheprovider', *args],
            capture_output=True, text=True, timeout=300, cwd=ROOT)
        return {line for line in done.stdout.splitlines() if '::' in line}

    whole = collected('tests')
    lanes = [collected(*where) for where in split_suite.LANES.values()]
    assert whole and all(lanes)
    assert set.union(*lanes) == whole
    assert not set.intersection(*lanes)

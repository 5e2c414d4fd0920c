"""README's commands work on a machine that has only Python: none of them
needs a bare `tox` on PATH (a newcomer gets `tox: command not found`);
tox is reached through tools/venv_run.py or the virtualenv it makes."""

import re

import pytest

from tests.harness.readme_blocks import ROOT

# A command line of an indented block, or one in `backticks`, that starts
# with tox as the program.
BARE_TOX = re.compile(r'^(?: {4}|.*`)tox(?:\s|`|$)')


@pytest.mark.parametrize('readme', ['README.md', 'README.zh.md'])
def test_no_readme_command_needs_tox_on_path(readme):
    lines = (ROOT / readme).read_text().splitlines()
    bare = ['%d: %s' % (number, line) for number, line in
            enumerate(lines, 1) if BARE_TOX.match(line)]
    assert bare == []


@pytest.mark.parametrize('line', ['    tox -e pep8', 'run `tox -e bench` ',
                                  '    tox'])
def test_the_check_sees_a_bare_tox(line):
    assert BARE_TOX.match(line)


@pytest.mark.parametrize('line', ['    .venvs/test/bin/tox -e pep8',
                                  '    python3 tools/venv_run.py test',
                                  'holds [tox](https://tox.wiki), which'])
def test_the_check_leaves_other_lines(line):
    assert not BARE_TOX.match(line)

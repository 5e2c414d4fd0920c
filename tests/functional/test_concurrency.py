"""Several nodes running `mistral-actions` at the same moment against one
Mistral on MariaDB, as a configuration tool does on every node at once.

Each writer is the real command in a process of its own; a start gate
holds them after their imports so that they snapshot, plan and write
within milliseconds of each other: the races happen every round, and
the retries they cause are counted (the tool logs them at INFO).
"""

import collections
import json
import subprocess
import sys

import pytest

from mistral_actions.tool.pipeline import discover as discovery
from mistral_actions.tool.registry import api
from tests.functional.test_faults import Through
from tests.harness.clients import TIMEOUT
from tests.harness.clients import Tool
from tests.harness.flaky_http import FlakyProxy
from tests.harness.registry_state import assert_consistent
from tests.harness.registry_state import assert_exactly_registered
from tests.harness.registry_state import OUR_ACTIONS
from tests.harness.registry_state import OUR_SOURCES
from tests.harness.registry_state import register_partially
from tests.harness.registry_state import sql_state

WRITERS = 4
ROUNDS = 3
#: Rounds a race may take until its writers have met at least once: on a
#: machine busy with other servers they can miss each other for a while.
MAX_ROUNDS = 8

# The console script's main(), started once its imports are done and the
# gate opens (a line on stdin); retries go to the file named first.
GATE = '''
import logging
import sys
import warnings

with warnings.catch_warnings():  # silenced by the command itself too
    warnings.simplefilter('ignore')
    import keystoneauth1.loading  # noqa: F401 - what the backends import
    import mistral.config  # noqa: F401
    import mistral.db.v2.api  # noqa: F401
    import mistralclient.api.v2.client  # noqa: F401
from mistral_actions.tool import shell
from mistral_actions.tool.pipeline import apply

retries, *argv = sys.argv[1:]
log = logging.getLogger(apply.__name__)
log.setLevel(logging.INFO)
log.propagate = False
log.addHandler(logging.FileHandler(retries))
print('ready', flush=True)
sys.stdin.readline()
sys.exit(shell.main(argv))
'''


@pytest.fixture(scope='module')
def specs():
    return discovery.discover()


@pytest.fixture(params=['db', 'api'])
def tool(request, distributed_mistral):
    tool = Tool(distributed_mistral, request.param)
    tool('clear')
    yield tool
    tool('clear')


class Race:
    """Commands started together; their results and their retries."""

    def __init__(self, tool, workdir, commands):
        self.tool = tool
        self.workdir = workdir
        self.workdir.mkdir(parents=True, exist_ok=True)
        self.commands = commands
        self.results = []

    def run(self):
        processes = []
        try:
            for index, args in enumerate(self.commands):
                argv = [sys.executable, '-c', GATE, self._retries(index),
                        *self.tool.argv()[1:], *args]
                processes.append(subprocess.Popen(
                    [str(arg) for arg in argv], env=self.tool.env(),
                    text=True, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                    stderr=subprocess.PIPE))
            for process in processes:
                assert process.stdout.readline() == 'ready\n', \
                    process.communicate(timeout=TIMEOUT)
            for process in processes:
                process.stdin.write('go\n')
                process.stdin.flush()  # communicate() closes it
            for process, args in zip(processes, self.commands):
                stdout, stderr = process.communicate(timeout=TIMEOUT)
                self.results.append((args, process.returncode, stdout,
                                     stderr))
        finally:
            for process in processes:
                if process.poll() is None:
                    process.kill()
                    process.wait()
        return self

    def _retries(self, index):
        return self.workdir / ('retries-%d.log' % index)

    def assert_all_succeeded(self):
        for args, code, stdout, stderr in self.results:
            assert (code, stderr) == (0, ''), (args, stderr, stdout)

    @property
    def retries(self) -> int:
        return sum(len(self._retries(i).read_text().splitlines())
                   for i in range(len(self.commands)))

    def reports(self):
        """Each writer's rows: action -> result."""
        return [{row['Action']: row['Result'] for row in json.loads(stdout)}
                for _, _, stdout, _ in self.results]


def register_together(tool, workdir, writers=WRITERS):
    race = Race(tool, workdir, [('register', '--include-unsafe', '-f',
                                 'json')] * writers).run()
    race.assert_all_succeeded()
    return race


def assert_reports_agree(race, specs, missing):
    """Every writer accounts for every action; no action was created twice;
    with one transaction per writer (db), the reports are exact."""
    created = collections.Counter()
    for report in race.reports():
        assert set(report) == {spec.name for spec in specs}
        assert set(report.values()) <= {'created', 'unchanged'}, report
        created.update(name for name, result in report.items()
                       if result == 'created')
    assert max(created.values(), default=0) <= 1, created
    if race.tool.backend == 'db':
        assert set(created) == set(missing)


def race_rounds(play):
    """play(round number) -> its race: ROUNDS rounds, and more, up to
    MAX_ROUNDS, until the writers have met (one retried) at least once."""
    retries = 0
    for round_number in range(MAX_ROUNDS):
        if round_number >= ROUNDS and retries:
            return
        retries += play(round_number).retries
    # Otherwise the writers never met and the test proved nothing.
    assert retries > 0, 'the writers never met in %d rounds' % MAX_ROUNDS


def test_simultaneous_registers_from_a_clean_state(tool, specs, tmp_path):
    def play(round_number):
        tool('clear')
        race = register_together(tool, tmp_path / str(round_number))
        assert_exactly_registered(tool.mistral, specs)
        assert_reports_agree(race, specs, {spec.name for spec in specs})
        return race

    race_rounds(play)


def test_simultaneous_registers_complete_a_partial_state(tool, specs,
                                                         tmp_path):
    def play(round_number):
        tool('clear')
        present = register_partially(tool.mistral, specs, round_number)
        race = register_together(tool, tmp_path / str(round_number))
        assert_exactly_registered(tool.mistral, specs)
        assert_reports_agree(race, specs, {spec.name for spec in specs
                                           if spec.name not in present})
        return race

    race_rounds(play)


def test_register_racing_clear_leaves_a_consistent_state(tool, specs,
                                                         tmp_path):
    """Writers that undo each other: each still ends well. With one
    transaction each (db) the end state is all or nothing; over the API
    it may be anything in between, but never broken."""
    for round_number in range(ROUNDS):
        tool('register', '--include-unsafe')
        race = Race(tool, tmp_path / str(round_number), [
            ('register', '--include-unsafe'), ('clear',)] * 2).run()
        race.assert_all_succeeded()
        assert_consistent(tool.mistral)
        sources, actions = sql_state(tool.mistral)
        ours = [row for row in sources if row[1].startswith(OUR_SOURCES)]
        if tool.backend == 'db' and ours:
            assert_exactly_registered(tool.mistral, specs)
        elif tool.backend == 'db':
            assert not [row for row in actions
                        if row[1].startswith(OUR_ACTIONS)]
        # Whatever the race left, one more register completes it.
        tool('register', '--include-unsafe')
        assert_exactly_registered(tool.mistral, specs)
        tool('clear')


def test_the_api_backend_writes_eight_at_a_time(distributed_mistral):
    """The api backend's writes of one phase go out in parallel, and never
    more than 8 at once (a bound on the load one node puts on Mistral's
    API): measured where they arrive, at a proxy that holds each request
    a moment so that those sent together are seen together."""
    target = distributed_mistral.url.split('/v2')[0]
    proxy = FlakyProxy(target, delay=0.2).start()
    try:
        tool = Tool(Through(distributed_mistral, url=proxy.url + '/v2'),
                    'api')
        tool('clear')
        tool('register', '--include-unsafe')
        tool('clear')
    finally:
        proxy.stop()
    actions = len(discovery.discover())
    assert actions > api.RestRegistry.parallel_writes
    # Creates (POST) and removals (DELETE), each phase 8 at a time.
    assert proxy.most_in_flight['POST'] == api.RestRegistry.parallel_writes
    assert proxy.most_in_flight['DELETE'] == api.RestRegistry.parallel_writes

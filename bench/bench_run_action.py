"""Running an int32bit action against running Mistral's own `std.echo`.

The fairest pair does the same work: an int32bit echo action registered
by the tool (a generated module, as the scaling benchmark's) against
`std.echo`, so the difference is what a dynamic action costs (Mistral reads
and execs its code source on every run). `int32bit.system.exec` running
`true` is timed too, as a catalog action. Measured through `mistral
run-action` (what the README shows) and through the API alone (without
the CLI's start-up, which otherwise dominates).
"""

import json

from bench import common
from tests.harness.clients import environment
from tests.harness.clients import run

NEEDS_SERVERS = True
RUNS_CLI = 10
RUNS_API = 30
TARGET = 1.1
ECHO = 'int32bit.generated.m0000.echo0'
ACTIONS = {  # name -> (input, expected result)
    'std.echo': ({'output': 'hi'}, 'hi'),
    ECHO: ({'value': 'hi'}, 'hi'),
    'int32bit.system.exec': ({'cmd': 'true'}, None),
}


def check(name, output):
    """The run gave what the action gives, not just any answer."""
    result = json.loads(output)['result']
    expected = ACTIONS[name][1]
    assert result == expected if expected else result['exit_code'] == 0, \
        result


def by_cli(mistral, name):
    result = run([common.MISTRAL, 'run-action', name,
                  json.dumps(ACTIONS[name][0])], environment(mistral))
    check(name, result.stdout)


def by_api(client, name):
    execution = client.action_executions.create(name, ACTIONS[name][0])
    assert execution.state == 'SUCCESS', execution.state_info
    check(name, execution.output)


def measure(mistral, package, runs):
    """(key -> median seconds, CLI runs, API calls); key: (way, action)."""
    common.clear(mistral)
    common.tool(mistral, 'api', 'register', '--include-unsafe',
                pythonpath=package)
    client = mistral.client()
    for name in ACTIONS:  # warm: modules loaded, caches filled
        by_cli(mistral, name)
        by_api(client, name)
    api_runs = runs * RUNS_API // RUNS_CLI
    times = common.interleave(
        {('cli', name): (lambda n=name: common.seconds(by_cli, mistral, n))
         for name in ACTIONS}, runs)
    times.update(common.interleave(
        {('api', name): (lambda n=name: common.seconds(by_api, client, n))
         for name in ACTIONS}, api_runs))
    common.clear(mistral)
    return ({key: common.median(values) for key, values in times.items()},
            runs, api_runs)


def report(label, times, runs, api_runs):
    def ratio(way, name):
        return times[way, name] / times[way, 'std.echo']
    common.heading('run an action, %s (medians of %d CLI runs, %d API '
                   'calls)' % (label, runs, api_runs))
    common.table([(name, '%.3f s' % times['cli', name],
                   '%.2fx' % ratio('cli', name),
                   '%.1f ms' % (times['api', name] * 1000),
                   '%.2fx' % ratio('api', name)) for name in ACTIONS],
                 ('action', 'mistral run-action', 'vs std.echo', 'API call',
                  'vs std.echo'))
    return ('run-action (%s): %s (an int32bit echo, the same work as '
            'std.echo) %.2f s vs std.echo %.2f s through `mistral '
            'run-action`: %s; through the API %.0f ms vs %.0f ms (%.2fx); '
            'int32bit.system.exec `true` %.2fx' % (
                label, ECHO, times['cli', ECHO], times['cli', 'std.echo'],
                common.verdict(ratio('cli', ECHO), TARGET),
                times['api', ECHO] * 1000, times['api', 'std.echo'] * 1000,
                ratio('api', ECHO), ratio('cli', 'int32bit.system.exec')))


def main(servers, workdir, runs=None):
    package = common.generated_package(workdir / 'echo', 1, 1)
    common.warm(package)
    return [report(label, *measure(mistral, package, runs or RUNS_CLI))
            for label, mistral in servers]


if __name__ == '__main__':
    common.standalone(__import__(__name__))

"""`mistral-actions run X` (here, in one process) against `mistral run-action
X` (python-mistralclient's CLI) on a warm one-process Mistral.

The same action both ways: an int32bit echo (a generated module, as the
run-action benchmark's), registered by the tool in Mistral and run from
the same package copy here. Both are whole commands, start-up included, as
an author trying an action types them; the ratio is local / Mistral's.
"""

import json

from bench import common
from tests.harness.clients import environment
from tests.harness.clients import run

NEEDS_SERVERS = True
RUNS = 10
ECHO = 'int32bit.generated.m0000.echo0'
INPUT = {'value': 'hi'}


def by_mistral(mistral):
    result = run([common.MISTRAL, 'run-action', ECHO, json.dumps(INPUT)],
                 environment(mistral))
    assert json.loads(result.stdout)['result'] == INPUT['value'], \
        result.stdout


def by_tool(package):
    # No OS_*: an empty context, nothing asked of keystone or Mistral.
    result = run([common.TOOL, 'run', ECHO, '--input', json.dumps(INPUT)],
                 environment(pythonpath=package))
    assert json.loads(result.stdout) == INPUT['value'], result.stdout


def measure(mistral, package, runs):
    """{way: median seconds}."""
    common.clear(mistral)
    common.tool(mistral, 'api', 'register', pythonpath=package)
    by_mistral(mistral)  # warm: the module loaded, caches filled
    by_tool(package)
    times = common.interleave({
        'mistral run-action': lambda: common.seconds(by_mistral, mistral),
        'mistral-actions run': lambda: common.seconds(by_tool, package),
    }, runs)
    common.clear(mistral)
    return {way: common.median(values) for way, values in times.items()}


def report(label, times, runs):
    ratio = times['mistral-actions run'] / times['mistral run-action']
    common.heading('run one action locally vs in Mistral, %s (medians of %d '
                   'runs)' % (label, runs))
    common.table([(way, '%.3f s' % seconds)
                  for way, seconds in times.items()], ('way', 'seconds'))
    return ('local-run (%s): `mistral-actions run %s` %.2f s vs `mistral '
            'run-action` %.2f s: %.2fx' % (
                label, ECHO, times['mistral-actions run'],
                times['mistral run-action'], ratio))


def main(servers, workdir, runs=None):
    package = common.generated_package(workdir / 'local-run', 1, 1)
    common.warm(package)
    runs = runs or RUNS
    # A warm one-process Mistral: the distributed one adds its RPC hops.
    return [report(label, measure(mistral, package, runs), runs)
            for label, mistral in servers[:1]]


if __name__ == '__main__':
    common.standalone(__import__(__name__))

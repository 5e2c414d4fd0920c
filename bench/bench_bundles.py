"""What self-contained code sources cost Mistral, against the same Mistral
without them, in the same run.

* `mistral action-list`: Mistral's API loads every code source a dynamic
  action points at to answer it. Timed on an empty Mistral and with the
  catalog plus a 100-action package registered.
* a workflow running a bundled echo action `with-items` over 200 items
  (concurrency 10) against the same workflow with `std.echo`: the
  executor reads and execs the code source on every run; on the deployed
  shape (MariaDB, RabbitMQ, a separate executor) only.
"""

import json
import time

from bench import common
from tests.harness.clients import environment
from tests.harness.clients import run
from tests.harness.clients import wait_for_execution

NEEDS_SERVERS = True
RUNS = 5
ITEMS = 200
TARGET_LIST = 1.3
TARGET_ITEMS = 1.2
ECHO = 'int32bit.generated.m0000.echo0'

WORKFLOW = '''
version: '2.0'
bench_with_items:
  input:
    - action
    - items
  tasks:
    each:
      with-items: item in <%% $.items %%>
      concurrency: 10
      action: %(action)s
      input:
        %(parameter)s: <%% $.item %%>
      publish:
        results: <%% task().result %%>
  output:
    count: <%% len($.results) %%>
'''


def action_list(mistral):
    run([common.MISTRAL, 'action-list', '-f', 'value', '-c', 'Name'],
        environment(mistral))


def with_items(mistral, action, parameter):
    client = mistral.client()
    name = 'bench_with_items'
    definition = WORKFLOW % {'action': action, 'parameter': parameter}
    client.workflows.create(definition)
    try:
        started = time.perf_counter()
        execution = client.executions.create(
            name, workflow_input={'action': action,
                                  'items': list(range(ITEMS))})
        execution = wait_for_execution(client, execution.id, 600)
        elapsed = time.perf_counter() - started
    finally:
        client.workflows.delete(name)
    assert execution.state == 'SUCCESS', execution.state_info
    assert json.loads(execution.output)['count'] == ITEMS
    return elapsed


def main(servers, workdir, runs=None):
    runs = runs or RUNS
    package = common.generated_package(workdir / 'bundles', 10, 10)
    common.warm(package)
    lines = []
    for label, mistral in servers:
        common.clear(mistral)
        # Not interleaved: the two states follow one another.
        empty = [common.seconds(action_list, mistral) for _ in range(runs)]
        common.tool(mistral, 'api', 'register', pythonpath=package)
        action_list(mistral)  # the API's cache of loaded code sources
        full = [common.seconds(action_list, mistral) for _ in range(runs)]
        bare = common.median(empty)
        loaded = common.median(full)
        common.heading('action-list, %s (median of %d)' % (label, runs))
        common.table([('nothing of ours', '%.2f s' % bare, '1x'),
                      ('catalog + 100 generated actions', '%.2f s' % loaded,
                       '%.2fx' % (loaded / bare))],
                     ('registered', 'mistral action-list', 'ratio'))
        lines.append('action-list (%s): with the catalog and 100 bundled '
                     'actions %.2f s vs nothing of ours %.2f s: %s' % (
                         label, loaded, bare,
                         common.verdict(loaded / bare, TARGET_LIST)))
        if 'MariaDB' in label:
            times = common.interleave({
                'std.echo': lambda: with_items(mistral, 'std.echo',
                                               'output'),
                ECHO: lambda: with_items(mistral, ECHO, 'value'),
            }, max(1, runs // 2))
            echo = common.median(times['std.echo'])
            ours = common.median(times[ECHO])
            common.heading('with-items over %d, concurrency 10, %s' % (
                ITEMS, label))
            common.table([('std.echo', '%.1f s' % echo, '1x'),
                          (ECHO, '%.1f s' % ours, '%.2fx' % (ours / echo))],
                         ('action', 'workflow', 'ratio'))
            lines.append('with-items x%d (%s): bundled echo %.1f s vs '
                         'std.echo %.1f s: %s' % (
                             ITEMS, label, ours, echo,
                             common.verdict(ours / echo, TARGET_ITEMS)))
        common.clear(mistral)
    return lines


if __name__ == '__main__':
    common.standalone(__import__(__name__))

"""What self-contained code sources cost Mistral, against the same Mistral
without them, in the same run.

* `mistral action-list`: Mistral's API loads every code source a dynamic
  action points at to answer it. Timed on an empty Mistral, with the
  catalog plus a 100-action package registered, and with as many
  one-line dynamic actions that bundle nothing: what listing that many
  dynamic actions costs Mistral whatever they hold, so that the share of
  the bundles is seen apart.
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


PLAIN_CLASS = '''
class Plain{number}(actions.Action):
    def run(self, context):
        return {number}
'''


def plain_actions(mistral, count):
    """``count`` dynamic actions in one code source of one-line classes,
    nothing bundled; returns a function that removes them."""
    client = mistral.client()
    name = 'bench_plain_actions'
    client.code_sources.create(name, 'from mistral_lib import actions\n' +
                               ''.join(PLAIN_CLASS.format(number=number)
                                       for number in range(count)),
                               scope='public')
    for number in range(count):
        client.dynamic_actions.create('bench.plain.%d' % number,
                                      'Plain%d' % number, name,
                                      scope='public')

    def remove():
        for number in range(count):
            client.dynamic_actions.delete('bench.plain.%d' % number)
        client.code_sources.delete(name)
    return remove


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
        count = len(mistral.client().dynamic_actions.list())
        common.clear(mistral)
        remove = plain_actions(mistral, count)
        action_list(mistral)
        plain = [common.seconds(action_list, mistral) for _ in range(runs)]
        remove()
        common.tool(mistral, 'api', 'register', pythonpath=package)
        bare = common.median(empty)
        loaded = common.median(full)
        unbundled = common.median(plain)
        common.heading('action-list, %s (median of %d)' % (label, runs))
        common.table([
            ('nothing of ours', '%.2f s' % bare, '1x'),
            ('%d one-line dynamic actions, nothing bundled' % count,
             '%.2f s' % unbundled, '%.2fx' % (unbundled / bare)),
            ('catalog + 100 generated actions (%d, bundled)' % count,
             '%.2f s' % loaded, '%.2fx' % (loaded / bare))],
            ('registered', 'mistral action-list', 'ratio'))
        lines.append('action-list (%s): with the catalog and 100 bundled '
                     'actions %.2f s vs nothing of ours %.2f s: %s; as many '
                     'one-line dynamic actions: %.2f s (bundled / one-line: '
                     '%.2fx)' % (
                         label, loaded, bare,
                         common.verdict(loaded / bare, TARGET_LIST),
                         unbundled, loaded / unbundled))
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

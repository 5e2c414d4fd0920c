"""Registering the catalog: `mistral-actions register --include-unsafe`
(each backend) against the same code sources and dynamic actions created
with the `mistral` CLI, one call per object, as the README's manual way.

Same local Mistral, state cleared before each way; both ways end with the
same objects, checked each time. The db backend's floor is importing
Mistral's own DB API, which the same run times alone
(``python -c 'import mistral.db.v2.api'``): a register on that backend is
judged against it.
"""

import collections
import sys

from bench import common
from mistral_actions.tool import ownership
from mistral_actions.tool.pipeline import discover as discovery
from tests.harness.clients import environment
from tests.harness.clients import run
from tests.harness.registry_state import assert_exactly_registered

NEEDS_SERVERS = True
RUNS = 2
#: how many times faster than the CLI, per backend
TARGET = {'api': 20}
#: the db register against the bare import of Mistral's DB API
TARGET_DB_FLOOR = 1.25
BACKENDS = ('db', 'api')
BARE_IMPORT = 'python -c "import mistral.db.v2.api"'


def public_flag(scope):
    """The `mistral` CLI's way to say scope: --public, or nothing."""
    return ['--public'] if scope == ownership.PUBLIC else []


def by_cli(mistral, specs, workdir):
    """One `mistral` call per code source (the same self-contained text
    register stores, from a file), then per dynamic action, each in the
    scope register gives it."""
    env = environment(mistral)
    modules = collections.defaultdict(list)
    for spec in specs:
        modules[spec.module.name].append(spec)
    for name, module_specs in sorted(modules.items()):
        text = workdir / ('%s.py' % name)
        text.write_text(module_specs[0].module.content)
        run([common.MISTRAL, 'code-source-create', name, text,
             *public_flag(ownership.source_scope(module_specs))], env)
    for spec in specs:
        run([common.MISTRAL, 'dynamic-action-create', spec.name,
             spec.class_name, spec.code_source_name,
             *public_flag(ownership.action_scope(spec))], env)


def by_tool(mistral, backend):
    common.tool(mistral, backend, 'register', '--include-unsafe')


def measured(mistral, specs, register):
    """Seconds of one way from a cleared state; checks what it left."""
    common.clear(mistral)
    elapsed = common.seconds(register)
    assert_exactly_registered(mistral, specs)
    return elapsed


def main(servers, workdir, runs=None):
    runs = runs or RUNS
    specs = discovery.discover()
    objects = len(specs) + len({spec.module.name for spec in specs})
    lines = []
    for label, mistral in servers:
        ways = {'mistral-actions register (%s)' % backend:
                (lambda b=backend: measured(
                    mistral, specs, lambda: by_tool(mistral, b)))
                for backend in BACKENDS}
        ways['mistral CLI, one call per object'] = lambda: measured(
            mistral, specs, lambda: by_cli(mistral, specs, workdir))
        ways[BARE_IMPORT] = lambda: common.timed(
            [sys.executable, '-c', 'import mistral.db.v2.api'],
            environment())
        times = common.interleave(ways, runs)
        floor = common.median(times.pop(BARE_IMPORT))
        common.clear(mistral)
        cli = common.median(times.pop('mistral CLI, one call per object'))
        common.heading('catalog: %d actions + %d code sources = %d objects, '
                       '%s (median of %d)' % (
                           len(specs), objects - len(specs), objects, label,
                           runs))
        rows = [('mistral CLI, one call per object', '%.2f s' % cli, '1x')]
        for way, values in times.items():
            rows.append((way, '%.2f s' % common.median(values),
                         '%.1fx faster' % (cli / common.median(values))))
        rows.append((BARE_IMPORT, '%.2f s' % floor, ''))
        common.table(rows, ('way', 'median', 'vs CLI'))
        for backend in BACKENDS:
            ours = common.median(times['mistral-actions register (%s)'
                                       % backend])
            line = ('register vs mistral CLI (%s, %s): %d objects in %.2f s '
                    'vs %.1f s with %d CLI calls, faster by %s' % (
                        backend, label, objects, ours, cli, objects,
                        common.verdict(cli / ours, TARGET[backend],
                                       at_least=True)
                        if backend in TARGET else '%.1fx' % (cli / ours)))
            if backend == 'db':
                line += '; vs the bare import of its DB API (%.2f s): %s' % (
                    floor, common.verdict(ours / floor, TARGET_DB_FLOOR))
            lines.append(line)
    return lines


if __name__ == '__main__':
    common.standalone(__import__(__name__))

"""Write rate: `mistral-actions register` of 1,000 generated actions over
the api backend against the raw limit of the REST API, measured in the
same run.

The raw limit is python-mistralclient's `dynamic_actions.create` called
directly, one after another and 8 at a time (the api backend's width), on
one shared client, for actions pointing at one code source: nothing the
tool could do over REST is cheaper per object. The register writes 100
code sources and 1,000 dynamic actions and is timed whole (start-up,
discovery, validation, snapshot, writes, verify), so its rate in objects
per second is a fair fraction of the raw rate.
"""

from concurrent import futures
import time

from bench import common
from tests.harness.registry_state import OUR_ACTIONS
from tests.harness.registry_state import OUR_SOURCES
from tests.harness.registry_state import state

NEEDS_SERVERS = True
RUNS = 3
ACTIONS = 1000
PER_MODULE = 10
RAW_WRITES = 300
WIDTH = 8
#: register's rate as a fraction of the raw rate at the same width
TARGET_FRACTION = 0.8
#: objects per second on the deployed shape, where its raw limit allows
TARGET_RATE = 100

RAW_SOURCE = '''from mistral_lib import actions


class Echo(actions.Action):
    def run(self, context):
        return None
'''


def raw_rate(mistral, width, writes=RAW_WRITES):
    """Objects per second of raw `dynamic_actions.create`, ``width`` at a
    time; everything it made is removed after (not timed)."""
    client = mistral.client()
    source = 'bench_raw_limit'
    client.code_sources.create(source, RAW_SOURCE, scope='public')
    names = ['bench.raw.echo%04d' % index for index in range(writes)]

    def create(name):
        client.dynamic_actions.create(name, 'Echo', source, scope='public')

    try:
        started = time.perf_counter()
        if width == 1:
            for name in names:
                create(name)
        else:
            with futures.ThreadPoolExecutor(width) as pool:
                list(pool.map(create, names))
        elapsed = time.perf_counter() - started
    finally:
        with futures.ThreadPoolExecutor(WIDTH) as pool:
            list(pool.map(_deleted(client), names))
        client.code_sources.delete(source)
    return writes / elapsed


def _deleted(client):
    def delete(name):
        try:
            client.dynamic_actions.delete(name)
        except Exception:  # noqa: BLE001 - not created: nothing to delete
            pass
    return delete


def register_rate(mistral, package):
    """Objects per second of a whole `register` from a cleared Mistral,
    counting what it left there."""
    common.clear(mistral)
    elapsed = common.seconds(common.tool, mistral, 'api', 'register',
                             pythonpath=package)
    return objects_of_ours(mistral) / elapsed


def objects_of_ours(mistral):
    """Code sources and dynamic actions of ours that Mistral holds."""
    (sources, actions), _ = state(mistral)
    return (len([s for s in sources if s[0].startswith(OUR_SOURCES)])
            + len([a for a in actions if a[0].startswith(OUR_ACTIONS)]))


def main(servers, workdir, runs=None):
    runs = runs or RUNS
    modules = ACTIONS // PER_MODULE
    package = common.generated_package(workdir / 'write-rate', modules,
                                       PER_MODULE)
    common.warm(package)
    lines = []
    for label, mistral in servers:
        times = common.interleave({
            'raw create, one at a time': lambda: raw_rate(mistral, 1),
            'raw create, %d at a time' % WIDTH:
                lambda: raw_rate(mistral, WIDTH),
            'mistral-actions register (api)':
                lambda: register_rate(mistral, package),
        }, runs)
        objects = objects_of_ours(mistral)
        common.clear(mistral)
        rates = {way: common.median(values) for way, values in times.items()}
        raw = rates['raw create, %d at a time' % WIDTH]
        ours = rates['mistral-actions register (api)']
        common.heading('write rate, %s: %d objects per register, %d raw '
                       'creates per run (median of %d)' % (
                           label, objects, RAW_WRITES, runs))
        common.table([(way, '%.0f objects/s' % rate, '%.2fx' % (rate / raw))
                      for way, rate in rates.items()],
                     ('way', 'rate', 'vs raw, %d at a time' % WIDTH))
        line = ('write rate (api, %s): register of %d objects at %.0f/s vs '
                'raw create %.0f/s one at a time, %.0f/s %d at a time: %s' % (
                    label, objects, ours,
                    rates['raw create, one at a time'], raw, WIDTH,
                    common.verdict(ours / raw, TARGET_FRACTION,
                                   at_least=True)))
        if 'MariaDB' in label:
            line += '; %.0f objects/s (target >= %d/s%s: %s)' % (
                ours, TARGET_RATE,
                '' if raw >= TARGET_RATE else
                ', beyond this raw limit of %.0f/s' % raw,
                'met' if ours >= min(TARGET_RATE, TARGET_FRACTION * raw)
                else 'MISSED')
        lines.append(line)
    return lines


if __name__ == '__main__':
    common.standalone(__import__(__name__))

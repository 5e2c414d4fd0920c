"""Scaling: registering 100 and 1,000 generated actions (10 per module),
on each backend, and registering them again unchanged.

A register's cost is a start-up plus a cost per action; the start-up is
measured alone (the catalog without generated modules, from the same kind
of package copy) and taken out, so that what is compared is the cost of
one more action at 100 and at 1,000: it must not grow with the catalog.
"""

from bench import common
from tests.harness.registry_state import state

SIZES = (100, 1000)
PER_MODULE = 10
NEEDS_SERVERS = True
RUNS = 3
#: Extra repeats per run of the cheap sizes: their cost per action is a
#: small difference between two start-ups, which are noisy.
REPEATS = {0: 3, 100: 3, 1000: 1}
TARGET = 1.3
BACKENDS = ('db', 'api')


def register(mistral, backend, package):
    """Seconds of `register --include-unsafe` with this package."""
    return common.seconds(common.tool, mistral, backend, 'register',
                          '--include-unsafe', pythonpath=package)


def main(servers, workdir, runs=None):
    runs = runs or RUNS
    packages = {size: common.generated_package(
        workdir / ('actions-%d' % size), size // PER_MODULE, PER_MODULE)
        for size in (0,) + SIZES}
    for package in packages.values():
        common.warm(package)
    lines = []
    for label, mistral in servers:
        for backend in BACKENDS:
            first = {size: [] for size in packages}
            again = {size: [] for size in SIZES}
            for _ in range(runs):
                for size, package in packages.items():
                    for _ in range(REPEATS[size]):
                        common.clear(mistral)
                        first[size].append(register(mistral, backend,
                                                    package))
                        if size:
                            before = state(mistral)
                            again[size].append(register(mistral, backend,
                                                        package))
                            assert state(mistral) == before, \
                                'a register of an unchanged catalog wrote'
            common.clear(mistral)
            lines.append(report(label, backend, first, again))
    return lines


def report(label, backend, first, again):
    start = common.median(first[0])
    per_action = {size: (common.median(first[size]) - start) / size
                  for size in SIZES}
    common.heading('scaling, %s backend, %s (medians of %s runs)' % (
        backend, label, '/'.join(str(len(first[size])) for size in first)))
    rows = [('catalog only (start-up)', '%.2f s' % start, '', '')]
    for size in SIZES:
        rows.append(('+%d generated actions' % size,
                     '%.2f s' % common.median(first[size]),
                     '%.1f ms' % (per_action[size] * 1000),
                     '%.2f s' % common.median(again[size])))
    common.table(rows, ('register', 'first', 'per action',
                        'again (unchanged)'))
    small, large = SIZES
    rerun = common.median(again[large]) / common.median(first[large])
    return ('scaling (%s, %s): %s actions %.1f s, %s %.1f s; per action '
            'beyond start-up %.1f ms vs %.1f ms: %s; re-register of %s '
            'unchanged %.1f s (%.2fx of the first, writes nothing)' % (
                backend, label, small, common.median(first[small]),
                '{:,}'.format(large), common.median(first[large]),
                per_action[small] * 1000, per_action[large] * 1000,
                common.verdict(per_action[large] / per_action[small],
                               TARGET),
                '{:,}'.format(large), common.median(again[large]), rerun))


if __name__ == '__main__':
    common.standalone(__import__(__name__))

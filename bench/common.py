"""What the benchmarks share: local Mistral servers, the commands they time,
medians of interleaved runs, generated action modules and the summaries.

Each benchmark compares two ways of doing one thing in the same run, on the
same servers, alternating them: whatever else loads the machine weighs on
both alike, and the ratio of medians is what the summary reports.
"""

import contextlib
from pathlib import Path
import statistics
import sys
import time

from tests.harness.clients import environment
from tests.harness.clients import run
from tests.harness.clients import Tool
from tests.harness import infra
from tests.harness.mistral_servers import DistributedMistral
from tests.harness.mistral_servers import SingleProcessMistral
from tests.harness.package_copy import package_copy

BIN = Path(sys.executable).parent
TOOL = BIN / 'mistral-actions'
MISTRAL = BIN / 'mistral'
# What a register of thousands of generated actions may take.
TIMEOUT = 1800

GENERATED_MODULE = '''"""Generated module {index} of the benchmarks."""

from mistral_lib import actions

from mistral_actions.generated import copies
{classes}'''

#: The helper every generated module imports: its code source bundles it,
#: as a real package's modules bundle their helpers.
GENERATED_HELPER = '''"""What the generated echo actions return."""


def of(value, times):
    """The value itself, or a list of ``times`` copies of it."""
    return value if times == 1 else [value] * times
'''

GENERATED_CLASS = '''

class Echo{number}(actions.Action):
    """Return the value it is given, times copies ({number}).

    :param value: any JSON value.
    :param times: how many copies to return.
    """

    __export__ = True

    def __init__(self, value, times=1):
        self.value = value
        self.times = times

    def run(self, context):
        return copies.of(self.value, self.times)
'''


def generated_package(root, modules, per_module=10):
    """A PYTHONPATH whose mistral_actions holds, besides the catalog,
    ``modules`` generated modules (``generated/m0000.py``, ...) of
    ``per_module`` echo actions each
    (``int32bit.generated.m0000.echo0``, ...), each importing the helper
    module ``generated/copies.py``."""
    generated = {
        'generated/m%04d.py' % index: GENERATED_MODULE.format(
            index=index, classes=''.join(GENERATED_CLASS.format(number=n)
                                         for n in range(per_module)))
        for index in range(modules)}
    generated['generated/copies.py'] = GENERATED_HELPER
    return package_copy(root, modules=generated)


def warm(pythonpath):
    """First-run costs out of the way for a package copy: its bytecode
    compiled, stevedore's entry point cache filled for its sys.path."""
    env = environment(pythonpath=pythonpath)
    run([sys.executable, '-m', 'compileall', '-q', pythonpath], env)
    run([TOOL, '--help'], env)


def timed(argv, env):
    """Wall-clock seconds of one successful run of a command."""
    started = time.perf_counter()
    run(argv, env)
    return time.perf_counter() - started


def seconds(function, *args, **kwargs):
    """Wall-clock seconds of function(*args, **kwargs)."""
    started = time.perf_counter()
    function(*args, **kwargs)
    return time.perf_counter() - started


def interleave(candidates, runs):
    """name -> list of seconds: each candidate (a function returning the
    seconds of one run) run ``runs`` times, in turns, the order reversed
    every other turn."""
    times = {name: [] for name in candidates}
    order = list(candidates)
    for turn in range(runs):
        for name in (order if turn % 2 == 0 else order[::-1]):
            times[name].append(candidates[name]())
    return times


def median(values):
    return statistics.median(values)


def verdict(ratio, target, at_least=False):
    """'12.3x (target >= 10x: met)' and the like."""
    met = ratio >= target if at_least else ratio <= target
    return '%.2fx (target %s %gx: %s)' % (
        ratio, '>=' if at_least else '<=', target, 'met' if met else 'MISSED')


def tool(mistral, backend, *args, pythonpath=None):
    """Run mistral-actions against a Mistral; its result."""
    return Tool(mistral, backend, pythonpath, timeout=TIMEOUT)(*args)


def clear(mistral):
    """Nothing of ours left in this Mistral."""
    tool(mistral, 'api', 'clear')


@contextlib.contextmanager
def servers(workdir, distributed=True):
    """[(label, Mistral)]: one process on SQLite, and as deployed (MariaDB,
    RabbitMQ, a process per server) when those answer."""
    workdir = Path(workdir)
    with contextlib.ExitStack() as stack:
        started = [('SQLite, one process', stack.enter_context(
            SingleProcessMistral(workdir / 'single')))]
        missing = distributed and infra.unavailable()
        if distributed and not missing:
            started.append(('MariaDB+RabbitMQ, 4 processes',
                            stack.enter_context(DistributedMistral(
                                workdir / 'distributed'))))
        elif distributed:
            print('(no distributed Mistral: %s)' % missing)
        yield started


def heading(text):
    print('\n== %s ==' % text, flush=True)


def table(rows, header):
    """Print rows of strings as aligned columns."""
    widths = [max(len(str(row[i])) for row in [header] + rows)
              for i in range(len(header))]
    for row in [header] + rows:
        print('  '.join(str(cell).ljust(width)
                        for cell, width in zip(row, widths)).rstrip())
    print(flush=True)


def standalone(benchmark):
    """Run one benchmark module on its own, from the repository:
    ``python -m bench.x [runs]``."""
    import tempfile
    runs = int(sys.argv[1]) if len(sys.argv) > 1 else None
    with tempfile.TemporaryDirectory(prefix='mistral-actions-bench-') as work:
        if benchmark.NEEDS_SERVERS:
            with servers(work) as started:
                lines = benchmark.main(started, Path(work), runs)
        else:
            lines = benchmark.main([], Path(work), runs)
    print('\n'.join(lines))

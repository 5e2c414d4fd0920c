"""Start-up: `mistral-actions discover` against `mistral --help`.

Both start Python, cliff and their plugins and print something without
talking to Mistral: what an operator waits for before any work starts.
"""

from bench import common
from tests.harness.clients import environment

NEEDS_SERVERS = False
RUNS = 15
TARGET = 0.5


def main(servers, workdir, runs=None):
    runs = runs or RUNS
    env = environment()
    commands = {'mistral-actions discover': [common.TOOL, 'discover', '-f',
                                             'value'],
                'mistral --help': [common.MISTRAL, '--help']}
    for argv in commands.values():  # caches: bytecode, entry points
        common.timed(argv, env)
    times = common.interleave(
        {name: (lambda argv=argv: common.timed(argv, env))
         for name, argv in commands.items()}, runs)
    common.heading('start-up (median of %d, interleaved)' % runs)
    common.table([(name, '%.3f s' % common.median(values),
                   '%.3f s' % min(values))
                  for name, values in times.items()],
                 ('command', 'median', 'best'))
    ours = common.median(times['mistral-actions discover'])
    theirs = common.median(times['mistral --help'])
    return ['start-up: `mistral-actions discover` %.2f s vs `mistral --help` '
            '%.2f s (medians of %d): %s' % (
                ours, theirs, runs, common.verdict(ours / theirs, TARGET))]


if __name__ == '__main__':
    common.standalone(__import__(__name__))

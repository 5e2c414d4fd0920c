"""Run every benchmark on one pair of local Mistral servers, then print one
summary line per benchmark (what README.md quotes).

    python -m bench.run_all [--only NAME ...] [--runs N] [--no-distributed]

Timings are wall-clock on whatever machine this is; each benchmark
measures its alternative in the same run, so read the ratios.
"""

import argparse
from pathlib import Path
import sys
import tempfile

from bench import bench_bundles
from bench import bench_local_run
from bench import bench_register_vs_cli
from bench import bench_run_action
from bench import bench_scaling
from bench import bench_startup
from bench import bench_write_rate
from bench import common

BENCHMARKS = {
    'startup': bench_startup,
    'register-vs-cli': bench_register_vs_cli,
    'scaling': bench_scaling,
    'run-action': bench_run_action,
    'write-rate': bench_write_rate,
    'bundles': bench_bundles,
    'local-run': bench_local_run,
}


def parse(argv):
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('--only', action='append', choices=BENCHMARKS,
                        help='run only this benchmark (repeatable)')
    parser.add_argument('--runs', type=int,
                        help='runs per measurement instead of each '
                             "benchmark's default")
    parser.add_argument('--no-distributed', action='store_true',
                        help='only the one-process SQLite Mistral, even '
                             'where MariaDB and RabbitMQ answer')
    return parser.parse_args(argv)


def main(argv=None):
    args = parse(sys.argv[1:] if argv is None else argv)
    chosen = [BENCHMARKS[name] for name in args.only or BENCHMARKS]
    lines = []
    with tempfile.TemporaryDirectory(prefix='mistral-actions-bench-') as work:
        work = Path(work)
        offline = [b for b in chosen if not b.NEEDS_SERVERS]
        online = [b for b in chosen if b.NEEDS_SERVERS]
        for benchmark in offline:
            lines += benchmark.main([], work, args.runs)
        if online:
            with common.servers(work / 'servers',
                                not args.no_distributed) as servers:
                for benchmark in online:
                    lines += benchmark.main(servers, work, args.runs)
    print('\n== summary ==')
    print('\n'.join(lines))
    return 0


if __name__ == '__main__':
    sys.exit(main())

"""Demo: a throw-away local Mistral 23 with the int32bit actions in it.

Starts Mistral in one process on SQLite (no keystone, no RabbitMQ),
registers the actions with `mistral-actions register --include-unsafe`,
runs examples/system/disk_usage.yaml, prints its result, and stops
Mistral again. Run it with `tox -e demo` (or `python -m tools.demo`);
`tox -e demo -- --keep` keeps that Mistral running to play with, until
Ctrl-C (or SIGTERM) stops it.
"""

import argparse
import json
import os
from pathlib import Path
import signal
import sys
import tempfile

from tests.harness.clients import run_workflow
from tests.harness.clients import Tool
from tests.harness.mistral_servers import SingleProcessMistral

ROOT = Path(__file__).resolve().parent.parent

EXAMPLE = ROOT / 'examples' / 'system' / 'disk_usage.yaml'


def parse(argv):
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('--keep', action='store_true',
                        help='keep Mistral running after the demo, until '
                             'Ctrl-C, and print how to reach it')
    return parser.parse_args(argv)


def wait_for_stop():
    """Until Ctrl-C or SIGTERM; both end the demo normally."""
    def stop(signum, frame):
        raise KeyboardInterrupt
    signal.signal(signal.SIGTERM, stop)
    try:
        while True:
            signal.pause()
    except KeyboardInterrupt:
        print('Stopping Mistral ...', flush=True)


def main(argv=None):
    args = parse(sys.argv[1:] if argv is None else argv)
    with tempfile.TemporaryDirectory(prefix='mistral-actions-demo-') as work:
        print('Starting a local Mistral 23 (SQLite, one process) ...')
        with SingleProcessMistral(Path(work)) as mistral:
            print('Mistral API at %s (log: %s)' % (
                mistral.url, ', '.join(map(str, mistral.log_paths.values()))))
            tool = Tool(mistral, 'api')
            print('$ OS_MISTRAL_URL=%s mistral-actions register '
                  '--include-unsafe' % mistral.url)
            print(tool('register', '--include-unsafe').stdout)
            print('$ mistral execution-create disk_usage (%s)' % (
                EXAMPLE.relative_to(ROOT)))
            execution = run_workflow(mistral.client(), EXAMPLE.read_text(),
                                     'disk_usage', {'path': os.getcwd()})
            print('state: %s' % execution.state)
            if execution.state != 'SUCCESS':
                print(execution.state_info)
                return 1
            print('output: %s' % json.dumps(json.loads(execution.output),
                                            indent=2))
            if args.keep:
                print('\nMistral keeps running; in another shell:\n'
                      '    export OS_MISTRAL_URL=%s\n'
                      '    mistral-actions action-list\n'
                      '    mistral run-action int32bit.system.exec '
                      '\'{"cmd": "uname -a"}\'\n'
                      'Ctrl-C stops it.' % mistral.url, flush=True)
                wait_for_stop()
    return 0


if __name__ == '__main__':
    sys.exit(main())

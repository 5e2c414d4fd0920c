"""Demo: a throw-away local Mistral 23 with the int32bit actions in it.

Starts Mistral in one process on SQLite (no keystone, no RabbitMQ),
registers the actions with `mistral-actions register --include-unsafe`,
runs examples/system/disk_usage.yaml, prints its result, and stops
Mistral again. Run it with `tox -e demo` (or `python -m tools.demo`).
"""

import json
import os
from pathlib import Path
import sys
import tempfile

from tests.harness.clients import run_workflow
from tests.harness.clients import Tool
from tests.harness.mistral_servers import SingleProcessMistral

ROOT = Path(__file__).resolve().parent.parent

EXAMPLE = ROOT / 'examples' / 'system' / 'disk_usage.yaml'


def main():
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
    return 0


if __name__ == '__main__':
    sys.exit(main())

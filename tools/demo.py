"""Demo: a throw-away local Mistral 23 with the int32bit actions in it.

The story of `mistral-actions sandbox --register --include-unsafe`, told
step by step: start the sandbox (SQLite, one process, no keystone),
register the actions, run examples/system/disk_usage.yaml, print its
result, stop Mistral again. Run it with `python3 tools/venv_run.py demo`
(README's command: its own virtualenv, made once) or `tox -e demo`;
`--keep` keeps that Mistral running to play with, until Ctrl-C (or
SIGTERM) stops it.
"""

import argparse
import json
import os
from pathlib import Path
import sys

from mistral_actions.tool import commands
from mistral_actions.tool import errors
from mistral_actions.tool.sandbox import client
from mistral_actions.tool.sandbox import foreground
from mistral_actions.tool.sandbox import processes

ROOT = Path(__file__).resolve().parent.parent

EXAMPLE = ROOT / 'examples' / 'system' / 'disk_usage.yaml'


def parse(argv):
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('--keep', action='store_true',
                        help='keep Mistral running after the demo, until '
                             'Ctrl-C, and print how to reach it')
    return parser.parse_args(argv)


def story(sandbox, keep):
    print('Mistral API at %s (log: %s)' % (sandbox.url,
                                           sandbox.server.log_path))
    print('$ mistral-actions register --include-unsafe')
    plan = sandbox.register(include_unsafe=True)
    for step in plan.steps:
        print('  %-45s %-8s %s' % (step.name, commands.DONE.get(
            step.verdict, step.verdict), step.scope))
    print('$ mistral execution-create disk_usage (%s)' % (
        EXAMPLE.relative_to(ROOT)))
    run = sandbox.run_workflow(EXAMPLE.read_text(), path=os.getcwd())
    print('state: %s' % run.state)
    if run.state != 'SUCCESS':
        print(run.state_info)
        return 1
    print('output: %s' % json.dumps(run.output, indent=2))
    if keep:
        print('\nMistral keeps running; in another shell:\n'
              '    export OS_MISTRAL_URL=%s\n'
              '    mistral-actions action-list\n'
              '    mistral run-action int32bit.system.exec '
              '\'{"cmd": "uname -a"}\'\n'
              'Ctrl-C stops it.' % sandbox.url, flush=True)
        foreground.wait_for_stop(sandbox)
        print('Stopping Mistral ...', flush=True)
    else:
        print('\nThis Mistral stops now. To keep one to play with: '
              'python3 tools/venv_run.py demo --keep, or mistral-actions '
              'sandbox --register --include-unsafe (README: "mistral-actions '
              'sandbox").')
    return 0


def main(argv=None):
    args = parse(sys.argv[1:] if argv is None else argv)
    print('Starting a local Mistral 23 (SQLite, one process) ...')
    with foreground.stop_on_signals():
        try:
            with client.Sandbox.start() as sandbox:
                return story(sandbox, args.keep)
        except foreground.Stop:
            return 0
        except (errors.ToolError, processes.ServerError) as error:
            print('demo: %s' % error, file=sys.stderr)
            return 1


if __name__ == '__main__':
    sys.exit(main())

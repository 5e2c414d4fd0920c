"""Start a cloud by hand:

    python -m tests.harness.cloud_services [WORKDIR] [--debug] [--stop]

Prints the timings, the memory, the admin's OS_* variables and the logs,
then waits for Ctrl-C (or stops at once with --stop) and cleans up.
"""

import signal
import sys
import tempfile
import time

from tests.harness.cloud_services.cloud import Cloud


def main(argv):
    # Stop cleanly on Ctrl-C and on kill, even when started in the
    # background (where SIGINT is ignored).
    signal.signal(signal.SIGINT, signal.default_int_handler)
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
    options = [arg for arg in argv if arg.startswith('--')]
    paths = [arg for arg in argv if not arg.startswith('--')]
    workdir = paths[0] if paths else tempfile.mkdtemp(prefix='ma-cloud-')
    cloud = Cloud(workdir, debug='--debug' in options)
    print('starting a cloud in %s' % workdir, flush=True)
    with cloud:
        print(report(cloud), flush=True)
        if '--stop' not in options:
            try:
                while True:
                    time.sleep(3600)
            except (KeyboardInterrupt, SystemExit):
                pass
    return 0


def report(cloud) -> str:
    lines = ['setup %.1f s, start %.1f s, total %.1f s; RSS %.0f MiB' % (
        cloud.timings['setup'], cloud.timings['start'],
        cloud.timings['total'], cloud.rss_bytes() / 2 ** 20)]
    lines += ['  %s: %.1f s' % item for item in sorted(cloud.timings.items())
              if ' ' in item[0]]
    lines += ['export %s=%s' % item
              for item in sorted(cloud.os_environment().items())]
    lines += ['logs:', cloud.describe_logs()]
    return '\n'.join(lines)


if __name__ == '__main__':
    sys.exit(main(sys.argv[1:]))

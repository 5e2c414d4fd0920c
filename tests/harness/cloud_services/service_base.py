"""What every service of the cloud has: a directory, a setup, processes."""

import os
import subprocess
import sys
import time

from tests.harness.cloud_services import wsgi_loader
from tests.harness.process import http_answers
from tests.harness.process import Process
from tests.harness.process import ServerError
from tests.harness.process import tail
from tests.harness.process import wait_until

# The venv's etc/ holds the paste and rootwrap files the wheels ship.
ETC = os.path.join(sys.prefix, 'etc')
BIN = os.path.dirname(sys.executable)


def executable(name) -> str:
    """A console script of the environment the tests run in."""
    return os.path.join(BIN, name)


class Service:
    """One OpenStack project in the cloud.

    Subclasses say how to write its configuration (`configure`), what to
    run once before it can start (`setup`: database migrations...), which
    processes to start (`start`), and when it is usable (`wait_ready`).

    :param cloud: the `Cloud` this service belongs to; it provides ports,
        credentials, databases, the process environment and the log paths.
    """

    name = None
    #: The service user in project `service`, or None.
    user = None

    def __init__(self, cloud):
        self.cloud = cloud
        self.directory = os.path.join(cloud.workdir, self.name)
        os.makedirs(self.directory, exist_ok=True)
        self.processes = []

    def path(self, *parts) -> str:
        """A path under this service's directory, its parent created."""
        path = os.path.join(self.directory, *parts)
        os.makedirs(os.path.dirname(path), exist_ok=True)
        return path

    def directory_path(self, *parts) -> str:
        """A directory under this service's directory, created."""
        path = os.path.join(self.directory, *parts)
        os.makedirs(path, exist_ok=True)
        return path

    # What subclasses define

    def catalog(self):
        """[(service type, service name, endpoint URL)] for the catalog."""
        return []

    def configure(self):
        """Write the configuration files."""

    def setup(self):
        """One-time work before the first start (runs beside other services'
        setup, in a thread)."""

    def start(self):
        """Start the processes."""

    def wait_ready(self, timeout):
        """Return when the service answers; raise ServerError otherwise."""

    # Helpers

    def run(self, *argv, timeout=600, env=None):
        """Run a setup command; its output goes to `<name>-setup.log`."""
        log_path = self.cloud.log_path(self.name + '-setup')
        begin = time.monotonic()
        with open(log_path, 'ab') as log:
            log.write(('%s $ %s\n' % (time.strftime('%H:%M:%S'), ' '.join(
                map(str, argv)))).encode())
            log.flush()
            try:
                completed = subprocess.run(
                    [str(arg) for arg in argv], stdout=log,
                    stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
                    env=self.cloud.environment(env), timeout=timeout)
            except subprocess.TimeoutExpired:
                raise ServerError('%s setup: %s did not finish in %ss '
                                  '(log: %s)\n%s' % (
                                      self.name, argv[0], timeout, log_path,
                                      tail(log_path))) from None
        with open(log_path, 'ab') as log:
            log.write(b'(%.1f s)\n' % (time.monotonic() - begin))
        if completed.returncode:
            raise ServerError('%s setup: %s exited with %s (log: %s)\n%s' % (
                self.name, ' '.join(map(str, argv[:3])),
                completed.returncode, log_path, tail(log_path)))

    def spawn(self, name, argv, env=None) -> Process:
        """Start one long-running process, logging to `<name>.log`."""
        process = Process(name, argv, self.cloud.log_path(name),
                          env=self.cloud.environment(env),
                          cwd=self.directory)
        self.cloud.started(process)
        self.processes.append(process.start())
        return process

    def gunicorn(self, name, port, module, *argv, env=None) -> Process:
        """Serve module's WSGI application on 127.0.0.1:port.

        The module is imported through `wsgi_loader.load` with `sys.argv`
        set to argv.
        """
        spec = '%s:load(%s)' % (wsgi_loader.__name__, ', '.join(
            repr(str(arg)) for arg in (module, *argv)))
        return self.serve(name, port, spec, env=env)

    def serve(self, name, port, app_spec, env=None) -> Process:
        """Serve a WSGI app spec (`module:attribute`) with gunicorn."""
        return self.spawn(name, [
            sys.executable, '-m', 'gunicorn',
            '--bind', '127.0.0.1:%d' % port,
            '--workers', '1', '--threads', '4', '--no-control-socket',
            # Importing an API takes long on a busy machine: do not let the
            # arbiter kill the worker while it boots.
            '--timeout', '600', '--graceful-timeout', '5',
            '--name', name, app_spec], env=env)

    def wait_answering(self, url, timeout):
        """Return once url answers HTTP (any status), while the processes
        live."""
        self.wait(lambda: http_answers(url), timeout, 'answering on %s' % url)

    def wait(self, check, timeout, what):
        """wait_until check() is true while this service's processes live.

        On timeout the error also tells the last exception check() raised.
        """
        errors = []

        def remembering_check():
            try:
                return check()
            except Exception as error:
                errors[:] = [error]
                raise

        try:
            return wait_until(remembering_check, timeout, interval=0.5,
                              processes=self.processes, what=what)
        except ServerError as failure:
            if not errors:
                raise
            raise ServerError('last error of the check: %r\n%s' % (
                errors[0], failure)) from None

"""A throw-away Mistral 23 in ONE process: SQLite, fake:/ RPC, no keystone.

The one implementation behind ``mistral-actions sandbox``, the pytest
plugin, the demo and the tests' single-process Mistral. Its pieces (the
config, the open policy, the schema commands, starting and stopping by
pid) are also what the tests' distributed Mistral is made of.

Mistral runs from the Python given (the sandbox's own by default: the
``[sandbox]`` extra installs Mistral next to the tool; in the tests, a
virtualenv shaped like a Mistral node, without this project) as the plain
script :data:`LAUNCHER`.
"""

import concurrent.futures
import configparser
import contextlib
import functools
import importlib.util
from pathlib import Path
import subprocess
import sys
import time
import typing

from mistral_actions.tool import errors
from mistral_actions.tool.sandbox import processes

LAUNCHER = Path(__file__).with_name('one_process.py')
#: The Mistral release the sandbox is tested with (the ``[sandbox]`` extra).
MISTRAL_RELEASE = '23.0.0'
INSTALL_HINT = "pip install 'mistral-actions[sandbox]'"
START_TIMEOUT = 120
COMMAND_TIMEOUT = 300
# Past graceful_shutdown_timeout (5 s). mistral-server --server api never
# ends by itself on SIGTERM: the cron trigger threads that its master
# process runs ([cron_trigger] run_in_api) keep it alive; it gets SIGKILL.
STOP_TIMEOUT = 8
#: What the one process logs once its engine listens.
ENGINE_BANNER = 'Engine server started.'

# mistral-db-manage's own main(), several commands in one interpreter (each
# start costs seconds of imports). `create_all` is the way Mistral's unit
# tests make the schema, for SQLite: Alembic cannot migrate it (it would
# need ALTER of constraints).
DB_MANAGE = '''
import sys
from mistral.db.sqlalchemy.migration import cli
from mistral.db.v2 import api as db_api
config_file, *commands = sys.argv[1:]
for command in commands:
    if command == 'create_all':
        db_api.setup_db()
        continue
    sys.argv = ['mistral-db-manage', '--config-file', config_file,
                *command.split()]
    cli.CONF.clear()  # main() parses the command line again
    cli.main()
'''


class MistralMissing(errors.ToolError):
    """This Python has no Mistral server to run."""


def check_mistral_installed() -> None:
    """Say in one line what to install when this Python lacks Mistral."""
    try:
        found = importlib.util.find_spec('mistral') is not None
    except (ImportError, ValueError):
        found = False
    if not found:
        raise MistralMissing(
            'the sandbox runs the Mistral server, which is not installed '
            'in %s: %s (Mistral %s)' % (sys.prefix, INSTALL_HINT,
                                        MISTRAL_RELEASE))


def base_config(port: int, connection: str, transport_url: str) -> dict:
    """mistral.conf sections every Mistral of ours starts from."""
    return {
        'DEFAULT': {'transport_url': transport_url,
                    # A server still busy after that is killed.
                    'graceful_shutdown_timeout': '5'},
        'database': {'connection': connection},
        'api': {'host': '127.0.0.1', 'port': str(port)},
        # The ~1,200 generated OpenStack actions cost seconds per start.
        'legacy_action_provider': {'load_action_generators': 'False'},
        # Workflows may call services of their own on 127.0.0.1 (std.http).
        'action_std_http': {'denied_cidrs': ''},
    }


def open_without_auth(config: dict, workdir: Path) -> None:
    """No token checks; as nobody is admin then, a policy opening the
    admin-only calls (code sources and dynamic actions among them)."""
    policy = Path(workdir) / 'policy.yaml'
    policy.write_text('"admin_only": ""\n')
    config['pecan'] = {'auth_enable': 'False'}
    config['oslo_policy'] = {'policy_file': str(policy)}


def write_config(path: typing.Union[str, Path], sections: dict) -> None:
    parser = configparser.ConfigParser(interpolation=None)
    parser.read_dict(sections)
    with open(path, 'w') as config:
        parser.write(config)


def db_manage(python: typing.Union[str, Path], config_file: str,
              commands: typing.Sequence[str], log_path: Path,
              env: typing.Optional[dict] = None) -> None:
    """Run mistral-db-manage commands (e.g. 'upgrade head', or
    'create_all' for SQLite) in order, in one interpreter."""
    with open(log_path, 'ab') as log:
        try:
            result = subprocess.run(
                [str(python), '-c', DB_MANAGE, config_file, *commands],
                env=env, stdout=log, stderr=subprocess.STDOUT,
                stdin=subprocess.DEVNULL, timeout=COMMAND_TIMEOUT)
        except subprocess.TimeoutExpired:
            failure = 'no end after %ss' % COMMAND_TIMEOUT
        else:
            failure = result.returncode and (
                'exit status %s' % result.returncode)
    if failure:
        raise processes.ServerError(
            'mistral-db-manage %s: %s (log: %s)\n%s' % (
                ', '.join(commands), failure, log_path,
                processes.tail(log_path)))


def _log_says(path: str, text: str) -> bool:
    with contextlib.suppress(OSError), open(path, errors='replace') as log:
        return text in log.read()
    return False


def start_processes(started: typing.Sequence[processes.Process], url: str,
                    banners: typing.Optional[dict] = None,
                    timeout: float = START_TIMEOUT) -> float:
    """Start the processes, wait for the API at url and for each one's
    banner (by process name) in its log; the seconds it took. Stops them
    all again when one dies or does not come up in time."""
    begun = time.monotonic()
    for process in started:
        process.start()
    try:
        processes.wait_until(
            lambda: processes.http_answers(url + '/', timeout=5), timeout,
            processes=started, what='answering on %s' % url)
        for process in started:
            banner = (banners or {}).get(process.name)
            if banner:
                processes.wait_until(
                    functools.partial(_log_says, process.log_path, banner),
                    timeout, processes=started,
                    what='logging %r' % banner)
    except BaseException:
        stop_processes(started)
        raise
    return time.monotonic() - begun


def stop_processes(started: typing.Sequence[processes.Process],
                   timeout: float = STOP_TIMEOUT) -> None:
    """Stop the processes side by side (each may take seconds), by pid."""
    with concurrent.futures.ThreadPoolExecutor(
            max(1, len(started))) as pool:
        list(pool.map(lambda process: process.stop(timeout), started))


class SandboxServer:
    """Mistral 23 on SQLite and ``fake:/`` RPC in one process.

    :param workdir: folder for mistral.conf, policy.yaml, the database and
        the logs (mistral.log, db-manage.log). A database already there is
        used as it is: its registrations survive a restart.
    :param python: the interpreter that has Mistral (default: this one).
    :param port: the API's port on 127.0.0.1 (default: a free one).
    :param env: the server's environment (default: this one's).
    :param start_timeout: seconds for the API and the engine to come up.
    :param extra_config: mistral.conf sections and options to add or
        override, e.g. ``{'action_providers': {'denylist': 'dynamic'}}``.

    Attributes once started: url (``http://127.0.0.1:PORT/v2``),
    config_file, log_path, processes, start_seconds (from the first
    command until the engine is ready).
    """

    def __init__(self, workdir: typing.Union[str, Path],
                 python: typing.Union[str, Path, None] = None,
                 port: typing.Optional[int] = None,
                 env: typing.Optional[dict] = None,
                 start_timeout: float = START_TIMEOUT,
                 extra_config: typing.Optional[dict] = None):
        self.workdir = Path(workdir)
        self.extra_config = extra_config or {}
        self.python = Path(python or sys.executable)
        self.port = port or processes.free_port()
        self.env = env
        self.start_timeout = start_timeout
        self.url = 'http://127.0.0.1:%d/v2' % self.port
        self.config_file = str(self.workdir / 'mistral.conf')
        self.database = self.workdir / 'mistral.sqlite'
        self.log_path = str(self.workdir / 'mistral.log')
        self.processes = []
        self.start_seconds = None

    @property
    def log_paths(self) -> dict:
        """Each server process's log file, by process name."""
        return {process.name: process.log_path for process in self.processes}

    def start(self) -> 'SandboxServer':
        """Write the config, make the schema if there is no database yet,
        start Mistral and wait until its engine is ready."""
        begun = time.monotonic()
        self.workdir.mkdir(parents=True, exist_ok=True)
        config = base_config(self.port, 'sqlite:///%s' % self.database,
                             'fake:/')
        # A remote executor in the same process deadlocks dynamic actions
        # on Mistral's process-wide DB lock.
        config['executor'] = {'type': 'local'}
        config['notifier'] = {'type': 'local'}
        open_without_auth(config, self.workdir)
        for section, options in self.extra_config.items():
            config.setdefault(section, {}).update(options)
        write_config(self.config_file, config)
        if not self.database.exists():
            try:
                db_manage(self.python, self.config_file,
                          ('stamp head', 'create_all', 'populate'),
                          self.workdir / 'db-manage.log', self.env)
            except BaseException:
                # Half a schema must not pass for a kept state next time.
                with contextlib.suppress(OSError):
                    self.database.unlink()
                raise
        self.processes = [processes.Process(
            'mistral', [self.python, LAUNCHER,
                        '--config-file', self.config_file],
            self.log_path, env=self.env)]
        start_processes(self.processes, self.url,
                        {'mistral': ENGINE_BANNER}, self.start_timeout)
        self.start_seconds = time.monotonic() - begun
        return self

    @property
    def pid(self) -> typing.Optional[int]:
        return self.processes[0].pid if self.processes else None

    def alive(self) -> bool:
        return bool(self.processes) and self.processes[0].alive()

    def stop(self) -> None:
        """Stop Mistral by its pid (SIGTERM, then SIGKILL)."""
        stop_processes(self.processes)

    def __enter__(self) -> 'SandboxServer':
        return self.start()

    def __exit__(self, *exc_info) -> None:
        self.stop()

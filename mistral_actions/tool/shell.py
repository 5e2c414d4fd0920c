"""The ``mistral-actions`` command: a cliff application.

Global options choose and reach the registry backend; the subcommands are
found through the ``mistral_actions.cli`` entry points.
"""

import logging
import os
import sys
import warnings

from cliff import app
from cliff import commandmanager

from mistral_actions.tool import connection
from mistral_actions.tool import errors
from mistral_actions.tool import ledger
from mistral_actions.tool import registry as registries

#: Commands that never talk to Mistral.
OFFLINE_COMMANDS = frozenset({'discover', 'markdown-dump'})
#: What calls for keystoneauth's credential options: its variables or
#: options (ours look alike), or help, which lists them.
KEYSTONE_VARIABLES = ('OS_AUTH_URL', 'OS_AUTH_TYPE')
KEYSTONE_OPTIONS = ('--os-',)
HELP = frozenset({'-h', '--help', 'help', 'bash-completion', 'complete'})

DESCRIPTION = """Ship the int32bit actions to OpenStack Mistral 23: discover
them, register them as code sources and dynamic actions (no Mistral restart),
list, unregister or clear them, run one here as Mistral would, see the
history of deployments and roll back."""


#: Exit code of a usage error (argparse's and cliff's convention).
EXIT_USAGE = 2


def command_first(argv: list, command_manager) -> list:
    """The command's own options (``-f json``, ``-c Name``...) may come
    before it, as people type them: move them after the command name."""
    names = {name for name, _ in command_manager}
    if not argv or not argv[0].startswith('-'):
        return list(argv)
    for index, arg in enumerate(argv):
        if arg in names:
            return [arg] + argv[:index] + argv[index + 1:]
    return list(argv)


class MistralActionsApp(app.App):
    def __init__(self, argv):
        self._argv = list(argv)
        self._registry = None
        super().__init__(
            description=DESCRIPTION, version=ledger.tool_version(),
            command_manager=commandmanager.CommandManager(
                'mistral_actions.cli'),
            deferred_help=True)

    def build_option_parser(self, description, version, argparse_kwargs=None):
        parser = super().build_option_parser(description, version,
                                             argparse_kwargs)
        parser.add_argument(
            '--backend', choices=('db', 'api'),
            default=os.environ.get('MISTRAL_ACTIONS_BACKEND'),
            help='db: write Mistral\'s database with its config (on a '
                 'Mistral node); api: use Mistral\'s REST API. Default: db '
                 'when --config-file is given, or when %s exists and '
                 'Mistral is importable; else api (env '
                 'MISTRAL_ACTIONS_BACKEND)' % registries.DEFAULT_CONFIG_FILE)
        parser.add_argument(
            '--config-file', metavar='PATH',
            help='Mistral\'s config, for the db backend (default: %s)'
                 % registries.DEFAULT_CONFIG_FILE)
        parser.add_argument(
            '--project-id', metavar='ID',
            default=os.environ.get('MISTRAL_ACTIONS_PROJECT_ID'),
            help='db backend with keystone on: the keystone project the '
                 'backend acts for; private (unsafe) actions are registered '
                 'for it (env MISTRAL_ACTIONS_PROJECT_ID)')
        connection.add_arguments(parser)
        if self._needs_keystone():
            from keystoneauth1 import loading
            loading.register_auth_argparse_arguments(parser, self._argv,
                                                     default='password')
        return parser

    def _needs_keystone(self) -> bool:
        """Whether to offer keystoneauth's options: only when keystone can
        be of use, or for help. Loading its plugins for them is a good part
        of a start-up, and a Mistral without keystone needs none."""
        argv = self._argv
        if HELP.intersection(argv) or any(
                arg.startswith(KEYSTONE_OPTIONS)
                and not arg.startswith(connection.OWN_OPTIONS)
                for arg in argv):
            return True
        return not OFFLINE_COMMANDS.intersection(argv) and any(
            os.environ.get(name) for name in KEYSTONE_VARIABLES)

    def registry(self):
        """The registry backend the global options ask for (opened once)."""
        if self._registry is None:
            backend = self.options.backend or registries.default_backend(
                self.options.config_file)
            self._registry = registries.open_registry(
                backend, config_file=self.options.config_file,
                project_id=self.options.project_id,
                connection_options=connection.ConnectionOptions
                .from_arguments(self.options) if backend == 'api' else None)
        return self._registry

    def run_subcommand(self, argv):
        # Expected failures are one line and exit 1 (cliff does that for
        # any exception unless --debug); keep library chatter quiet.
        argv = command_first(argv, self.command_manager)
        try:
            self.command_manager.find_command(argv)
        except ValueError:
            # cliff would say it on stdout, over several lines.
            print('mistral-actions: %r is not a mistral-actions command; '
                  'see mistral-actions --help' % ' '.join(argv),
                  file=sys.stderr)
            return EXIT_USAGE
        with warnings.catch_warnings():
            if not self.options.debug:
                warnings.simplefilter('ignore')
            return super().run_subcommand(argv)

    def configure_logging(self):
        super().configure_logging()
        if self.options.verbose_level < 2:
            # Mistral, oslo and client libraries log start-up chatter and
            # warnings an operator cannot act on; -vv shows them.
            logging.getLogger().setLevel(logging.WARNING)
            for name in ('keystoneauth', 'mistral', 'oslo_db', 'oslo_config',
                         'oslo_service', 'oslo_policy', 'alembic',
                         'stevedore', 'urllib3', 'mistralclient'):
                logging.getLogger(name).setLevel(logging.ERROR)
            # Its pool logs a traceback when it cannot roll back on a
            # connection that broke: the command's own error says it all.
            logging.getLogger('sqlalchemy').setLevel(logging.CRITICAL)


def main(argv=None):
    argv = sys.argv[1:] if argv is None else argv
    try:
        return MistralActionsApp(argv).run(argv)
    except errors.ToolError as error:  # raised while building the parser
        print('mistral-actions: %s' % error, file=sys.stderr)
        return error.exit_code


if __name__ == '__main__':
    sys.exit(main())

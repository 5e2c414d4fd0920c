"""The ``mistral-actions`` subcommands: thin cliff classes over the pipeline.

Listings return ``(columns, rows)`` so cliff prints table, json, yaml, csv
or value; the work itself lives in :mod:`mistral_actions.tool.deploy`.
"""

import json
import sys

from cliff import command
from cliff import lister
from cliff import show as show_command

from mistral_actions.tool import catalog
from mistral_actions.tool import connection
from mistral_actions.tool import deploy
from mistral_actions.tool import doctor
from mistral_actions.tool import errors
from mistral_actions.tool import layout
from mistral_actions.tool import ledger
from mistral_actions.tool import local_run
from mistral_actions.tool import ownership
from mistral_actions.tool import packages
from mistral_actions.tool.pipeline import plan as planning
from mistral_actions.tool.pipeline import verify
from mistral_actions.tool import progress
from mistral_actions.tool import rollback
from mistral_actions.tool import specs

#: How an applied step is reported.
DONE = {planning.CREATE: 'created', planning.UPDATE: 'updated',
        planning.REMOVE: 'removed', planning.SKIP: 'skipped'}

#: Exit code of ``plan`` when register would change something.
EXIT_CHANGES = 2


class _OwnEpilog:
    """cliff would read the file list of every installed distribution (a
    good part of a start-up) to add "provided by the ... plugin" under a
    command from another distribution than the app's; ours never are."""

    def get_epilog(self):
        return self._epilog or ''


class _Lister(_OwnEpilog, lister.Lister):
    #: Said instead of an empty table (cliff prints a blank line).
    empty_message = ''
    #: The exit code once the table is printed, set by take_action when
    #: the listing itself is the answer (plan: changes pending; doctor: a
    #: check failed).
    exit_code = 0

    def run(self, parsed_args):
        return super().run(parsed_args) or self.exit_code

    def produce_output(self, parsed_args, column_names, data):
        data = list(data)
        if (not data and self.empty_message
                and parsed_args.formatter == 'table'
                and not getattr(parsed_args, 'print_empty', False)):
            self.app.stdout.write(self.empty_message + '\n')
            return 0
        return super().produce_output(parsed_args, column_names, data)

    def progress_bar(self, parsed_args):
        """Progress of the writes on stderr, when a person watches."""
        return progress.bar(progress.wanted(parsed_args.formatter,
                                            self.app.stderr))


class _Command(_OwnEpilog, command.Command):
    pass


class _OfPackages:
    """A command that works on packages of actions (``--package``)."""

    def get_parser(self, prog_name):
        parser = super().get_parser(prog_name)
        parser.add_argument(
            '--package', metavar='MODULE[=PREFIX]', action='append',
            dest='packages',
            help='work on this package of actions (repeatable): an '
                 'installed module, a path to a package folder, or the '
                 'prefix of one registered earlier; PREFIX names its '
                 'actions (default: its entry point\'s name, or the '
                 'folder\'s or module\'s name). Default: every package '
                 'declared by a "%s" entry point' % packages.GROUP)
        return parser

    def packages(self, parsed_args) -> list:
        return packages.select(parsed_args.packages)


def _prefixes(chosen) -> str:
    """The packages a command worked on, for a sentence: ``int32bit.*``."""
    return ', '.join(package.prefix + '.*' for package in chosen) \
        or 'any package'


def report(plan, applied=True):
    """Rows of (action, result, scope, detail), one per action."""
    rows = [(step.name, DONE.get(step.verdict, step.verdict) if applied
             else step.verdict, step.scope, step.reason)
            for step in plan.steps]
    return ('Action', 'Result', 'Scope', 'Detail'), rows


def warn_public_unsafe(plan, requested):
    """Say loudly what a public unsafe action gives to whom."""
    names = plan.public_unsafe()
    if names:
        print(ownership.PUBLIC_UNSAFE_WARNING % (
            ', '.join(names) + (' is' if len(names) == 1 else ' are'),
            ownership.MAKE_PRIVATE_HINT[bool(requested)]), file=sys.stderr)


#: What discover's default table shows (``--wide``: every column).
NARROW_COLUMNS = ('Name', 'Description', 'Input')


class Discover(_OfPackages, _Lister):
    """List the actions of the packages of actions, and what each imports
    from the Mistral nodes."""

    def get_parser(self, prog_name):
        parser = super().get_parser(prog_name)
        parser.add_argument(
            '--wide', action='store_true',
            help='every column (package and imports too), each action on '
                 'one line, however wide; the default table shows %s, '
                 'wrapped to fit %d columns (-f json: every column, full '
                 'text)' % (', '.join(NARROW_COLUMNS).lower(),
                            layout.DEFAULT_WIDTH))
        return parser

    def take_action(self, parsed_args):
        columns = ('Name', 'Package', 'Description', 'Input', 'Imports')
        chosen = self.packages(parsed_args)
        for package in chosen:
            if not package.installed:
                print('%s is not installed here (not a module, not a '
                      'package folder): nothing to discover; as a prefix '
                      'it still selects what Mistral holds of it' %
                      package.prefix, file=sys.stderr)
        self.empty_message = 'No exported actions in %s.' % ', '.join(
            package.prefix for package in chosen)
        found = deploy.discovered(chosen)
        rows = [(spec.name, spec.module.package, spec.summary, spec.input,
                 ', '.join(spec.module.externals)) for spec in found]
        if parsed_args.formatter != 'table' or parsed_args.wide:
            return columns, rows
        # Five columns cannot share 100 readably: the table for reading
        # keeps what an operator copies into a workflow, and one line per
        # package says what its actions import altogether.
        needs = {}
        for spec in found:
            needs.setdefault(spec.module.package, set()).update(
                spec.module.externals)
        for package, imports in sorted(needs.items()):
            print('%s needs on the Mistral nodes: %s (--wide: per action)'
                  % (package, ', '.join(sorted(imports)) or
                     'nothing but Python'), file=sys.stderr)
        return NARROW_COLUMNS, layout.fit(NARROW_COLUMNS, [
            tuple(row[columns.index(name)] for name in NARROW_COLUMNS)
            for row in rows])


class _Registering(_OfPackages, _Lister):
    def get_parser(self, prog_name):
        parser = super().get_parser(prog_name)
        parser.add_argument(
            '--override', action='store_true',
            help='update actions that are registered but differ (the code '
                 'source version goes up; Mistral uses it at once)')
        parser.add_argument(
            '--include-unsafe', action='store_true',
            help='also register the unsafe actions (int32bit.system.exec '
                 'runs commands on the Mistral executors), private to the '
                 'registering project: only its users can run them')
        parser.add_argument(
            '--public-unsafe', action='store_true',
            help='register the unsafe actions PUBLIC: users of every '
                 'project can then run commands on the executors (implies '
                 '--include-unsafe; prints a warning)')
        parser.add_argument(
            '--prune', action='store_true',
            help='also remove our actions that are no longer discovered')
        return parser

    def plan(self, parsed_args, dry_run):
        with self.progress_bar(parsed_args) as written:
            return deploy.register(
                self.app.registry(), self.packages(parsed_args),
                override=parsed_args.override,
                include_unsafe=parsed_args.include_unsafe,
                public_unsafe=parsed_args.public_unsafe,
                prune=parsed_args.prune, dry_run=dry_run, progress=written)


class Register(_Registering):
    """Register the discovered actions in Mistral (one line per action)."""

    def get_parser(self, prog_name):
        parser = super().get_parser(prog_name)
        parser.add_argument(
            '--dry-run', action='store_true',
            help='only show what would be done (same as `plan`)')
        return parser

    def take_action(self, parsed_args):
        result = self.plan(parsed_args, parsed_args.dry_run)
        warn_public_unsafe(result, parsed_args.public_unsafe)
        if any(s.verdict == planning.DIFFERENT for s in result.steps):
            print('Some registered actions differ from the package; '
                  'run `register --override` to update them.',
                  file=sys.stderr)
        return report(result, applied=not parsed_args.dry_run)


class Plan(_Registering):
    """Show what `register` would do, writing nothing.

    Exit code 2 when `register` with the same options would write, else 0;
    findings it would leave alone (different, stale) say which option acts
    on them.
    """

    def take_action(self, parsed_args):
        result = self.plan(parsed_args, dry_run=True)
        warn_public_unsafe(result, parsed_args.public_unsafe)
        self.exit_code = EXIT_CHANGES if result.writes else 0
        return report(result, applied=False)


class Unregister(_OfPackages, _Lister):
    """Remove registered actions (and code sources no action uses)."""

    def get_parser(self, prog_name):
        parser = super().get_parser(prog_name)
        parser.add_argument('names', metavar='NAME', nargs='+',
                            help='action name, e.g. int32bit.nova.servers.'
                                 'assert_status')
        return parser

    def take_action(self, parsed_args):
        with self.progress_bar(parsed_args) as written:
            return report(deploy.unregister(
                self.app.registry(), parsed_args.names,
                self.packages(parsed_args) if parsed_args.packages else None,
                progress=written))


class Clear(_OfPackages, _Lister):
    """Remove the actions and code sources of the packages, nothing else."""

    def take_action(self, parsed_args):
        chosen = self.packages(parsed_args)
        self.empty_message = 'Nothing to clear: Mistral holds no actions ' \
            'of %s.' % _prefixes(chosen)
        with self.progress_bar(parsed_args) as written:
            return report(deploy.clear(self.app.registry(), chosen,
                                       progress=written))


class ActionList(_OfPackages, _Lister):
    """List the actions of the packages that Mistral holds, as Mistral
    describes them."""

    def take_action(self, parsed_args):
        chosen = self.packages(parsed_args)
        self.empty_message = 'Mistral holds no actions of %s; ' \
            'mistral-actions register registers them.' % _prefixes(chosen)
        return ('Name', 'Package', 'Description', 'Input'), [
            (action.name, package, specs.first_line(action.description),
             action.input)
            for package, action in deploy.registered_actions(
                self.app.registry(), chosen)]


class MarkdownDump(_OfPackages, _Command):
    """Print the Markdown catalog of the packages' actions."""

    def take_action(self, parsed_args):
        self.app.stdout.write(catalog.render_markdown(
            deploy.discovered(self.packages(parsed_args))))
        return 0


class BashCompletion(_Command):
    """Print a bash completion script for mistral-actions.

    Load it with ``eval "$(mistral-actions bash-completion)"``; bash needs
    its completion support (Debian's ``bash-completion`` package).
    """

    def take_action(self, parsed_args):
        from cliff import complete
        complete_command = complete.CompleteCommand(self.app, self.app_args)
        return complete_command.run(complete_command.get_parser(
            'complete').parse_args(['--shell', 'bash']))


#: How ``run`` prints a result.
RESULT_FORMATS = ('json', 'yaml', 'value')


class Run(_OfPackages, _Command):
    """Run one action here, as Mistral would, from the code register stores.

    The action's bundled code source is loaded as a fresh module, its input
    checked and sent through JSON, the instance rebuilt as Mistral's
    executor rebuilds it, and run(context) called with the context Mistral
    would give: with OS_* variables or --os-cloud a real keystone token,
    project, catalog and region; without them, an empty one. Prints the
    result; exit 1 with one line when the action fails (--debug: the
    traceback).
    """

    def get_parser(self, prog_name):
        parser = super().get_parser(prog_name)
        parser.add_argument('name', metavar='NAME',
                            help='action name, e.g. acme.hello.greet')
        parser.add_argument(
            '--input', metavar='JSON|@FILE', action='append', default=[],
            help='the input, a JSON object (or @FILE holding one), e.g. '
                 '--input \'{"name": "x"}\'')
        parser.add_argument(
            '-i', metavar='NAME=VALUE', action='append', default=[],
            dest='pairs',
            help='one input parameter (repeatable); VALUE is read as JSON '
                 'when it is JSON (3, true, [1]), else as a string; it '
                 'overrides --input')
        parser.add_argument(
            '-f', '--format', choices=RESULT_FORMATS, default='json',
            dest='formatter',
            help='how to print the result (default: json)')
        parser.add_argument(
            '--include-unsafe', action='store_true',
            help='allow an unsafe action (int32bit.system.exec runs '
                 'commands, here), as register needs it too')
        return parser

    def take_action(self, parsed_args):
        params = local_run.parse_input(parsed_args.input, parsed_args.pairs)
        spec = local_run.find(parsed_args.name, self.packages(parsed_args))
        # Refused before keystone is asked for anything.
        problem = local_run.refusal(spec, params, parsed_args.include_unsafe)
        if problem:
            raise errors.ToolError(problem)
        security = local_run.security_context(
            connection.ConnectionOptions.from_arguments(self.app.options))
        result = local_run.run(spec, params, security,
                               include_unsafe=parsed_args.include_unsafe)
        self.app.stdout.write(render(result, parsed_args.formatter))
        return 0


def render(result, formatter: str) -> str:
    """A result as ``run -f FORMAT`` prints it, with a final newline."""
    if formatter == 'value':
        return (result if isinstance(result, str) else json.dumps(
            result, ensure_ascii=False)) + '\n'
    if formatter == 'yaml':
        import yaml
        return yaml.safe_dump(result, default_flow_style=False,
                              allow_unicode=True)
    return json.dumps(result, indent=2, ensure_ascii=False) + '\n'


class Doctor(_OfPackages, _Lister):
    """Check that the actions will run: Mistral, its policy and providers,
    the executors, drift, keystone endpoints and stored workflows.

    One row per check, ✔ or ✘ with a reason and a hint; exit code 1 when
    any check fails. It stores a private probe action for a moment and
    runs it through Mistral's executors.
    """

    def get_parser(self, prog_name):
        parser = super().get_parser(prog_name)
        parser.add_argument(
            '--workflow', metavar='FILE.yaml', action='append', default=[],
            help='also check this workflow file before it is uploaded: the '
                 'actions of ours it names exist and take its input '
                 '(repeatable)')
        return parser

    def take_action(self, parsed_args):
        files = []
        for path in parsed_args.workflow:
            try:
                with open(path) as workflow:
                    files.append((path, workflow.read()))
            except OSError as error:
                raise errors.ToolError('cannot read workflow %s: %s' % (
                    path, error.strerror)) from error
        chosen = self.packages(parsed_args)
        try:
            registry = self.app.registry()
        except errors.ToolError as error:
            checks = [doctor.Check(doctor.Doctor.REACHABLE, doctor.FAILED,
                                   str(error), 'check --os-mistral-url / '
                                   'OS_* and --timeout')]
        else:
            checks = doctor.examine(
                registry, deploy.discovered(chosen),
                {package.prefix for package in chosen}, files)
        self.exit_code = 1 if any(check.failed for check in checks) else 0
        columns = ('Check', 'OK', 'Reason', 'Hint')
        rows = [(check.name, check.status, check.reason, check.hint)
                for check in checks]
        if parsed_args.formatter != 'table':
            return columns, rows
        return columns, layout.fit(columns, rows)


def _history_prefixes(parsed_args):
    """The prefixes of ``--package`` options, or None (every package)."""
    if not parsed_args.packages:
        return None
    return {package.prefix for package in
            packages.select(parsed_args.packages)}


class History(_Lister):
    """List the deployments Mistral's ledger holds, newest first.

    Every register, unregister and clear that changed something recorded
    one (the last 50 are kept).
    """

    def get_parser(self, prog_name):
        parser = super().get_parser(prog_name)
        parser.add_argument(
            '--package', metavar='PREFIX', action='append', dest='packages',
            help='only deployments of this package of actions (its prefix, '
                 'e.g. int32bit, or MODULE[=PREFIX]; repeatable). Default: '
                 'every deployment')
        parser.add_argument(
            '-n', '--limit', metavar='N', type=int, default=None,
            help='show only the N newest deployments')
        return parser

    def take_action(self, parsed_args):
        entries = deploy.history(self.app.registry(),
                                 _history_prefixes(parsed_args))
        entries.reverse()
        if parsed_args.limit is not None:
            entries = entries[:max(parsed_args.limit, 0)]
        self.empty_message = 'No deployment recorded in Mistral yet.'
        columns = ('ID', 'When', 'Who', 'Command', 'Created', 'Updated',
                   'Deleted', 'Packages')
        rows = []
        for entry in entries:
            counts = entry.counts()
            rows.append((entry.id, entry.time, entry.who_text(),
                         entry.command, counts['created'], counts['updated'],
                         counts['deleted'], ', '.join(
                             ('%s %s' % (prefix, version)).strip()
                             for prefix, version in sorted(
                                 entry.packages.items()))))
        return columns, rows


class HistoryShow(_Command, show_command.ShowOne):
    """Show one deployment: its whole record and the diff to the one before.

    The one before is the previous deployment of the same packages.
    """

    def get_parser(self, prog_name):
        parser = super().get_parser(prog_name)
        parser.add_argument('id', metavar='ID',
                            help='a deployment id, or its start '
                                 '(mistral-actions history lists them)')
        return parser

    def take_action(self, parsed_args):
        entries = deploy.history(self.app.registry())
        entry = ledger.find(entries, parsed_args.id)
        before = ledger.previous(entries, entry)
        record = entry.to_variables()
        record['previous'] = before.id if before else ''
        record['diff'] = ledger.diff(before, entry)
        if parsed_args.formatter == 'table':
            record = {key: _shown(value) for key, value in record.items()}
        names = sorted(record)
        return names, [record[name] for name in names]


def _shown(value) -> str:
    """A record's value in a table cell: one item per line."""
    if isinstance(value, dict):
        return '\n'.join('%s: %s' % (key, _shown(item) if not isinstance(
            item, dict) else ', '.join('%s=%s' % pair for pair in sorted(
                item.items()))) for key, item in sorted(value.items()))
    if isinstance(value, list):
        return '\n'.join(str(item) for item in value)
    return str(value)


class Rollback(_Lister):
    """Put actions back as they were after a recorded deployment.

    Restores the code sources and actions of the deployment's packages
    exactly (texts, classes, scopes), removing what came later; shows the
    plan and asks first. Recorded in the ledger like any deployment.
    """

    def get_parser(self, prog_name):
        parser = super().get_parser(prog_name)
        parser.add_argument(
            'id', metavar='ID', nargs='?',
            help='the deployment to go back to (mistral-actions history '
                 'lists them; its start or tail is enough). Default: the '
                 'one before the newest, of the same packages')
        parser.add_argument('--yes', action='store_true',
                            help='do not ask before writing')
        parser.add_argument('--dry-run', action='store_true',
                            help='only show what the rollback would do')
        parser.add_argument(
            '--force', action='store_true',
            help='roll back even when it removes actions that workflows in '
                 'Mistral use (they would fail)')
        return parser

    def take_action(self, parsed_args):
        def confirm(record, plan):
            if parsed_args.yes:
                return True
            print('Rolling back to deployment %s (%s, %s by %s) will:\n%s'
                  % (record.id, record.time, record.command,
                     record.who_text(), '\n'.join(
                         '  ' + line for line in verify.leftovers(plan))),
                  file=self.app.stderr)
            self.app.stderr.write('Roll back? [y/N] ')
            self.app.stderr.flush()
            answer = sys.stdin.readline()
            return answer.strip().lower() in ('y', 'yes')

        with self.progress_bar(parsed_args) as written:
            _, plan, used = deploy.rollback(
                self.app.registry(), parsed_args.id,
                dry_run=parsed_args.dry_run, force=parsed_args.force,
                confirm=confirm, progress=written)
        if used:
            print('WARNING: ' + rollback.removal_warning(used).split(
                '; give --force')[0], file=sys.stderr)
        return report(plan, applied=not parsed_args.dry_run)


def _port(text: str) -> int:
    """argparse type of --port: a TCP port number."""
    import argparse
    if not text.isdigit() or not 0 < int(text) < 65536:
        raise argparse.ArgumentTypeError('%r is not a port (1-65535)' % text)
    return int(text)


class Sandbox(_OfPackages, _Command):
    """Run a throw-away Mistral 23 here, in the foreground, until Ctrl-C.

    SQLite, one process, no keystone, a policy that allows dynamic actions.
    Prints the `export OS_MISTRAL_URL=...` line for other shells. Needs the
    Mistral server: pip install 'mistral-actions[sandbox]'.
    """

    def get_parser(self, prog_name):
        parser = super().get_parser(prog_name)
        parser.add_argument(
            '--port', type=_port,
            help='the API\'s port on 127.0.0.1 (default: a free one)')
        parser.add_argument(
            '--dir', metavar='DIR', dest='directory',
            help='keep Mistral\'s config, database and log in DIR, and '
                 'start from what is there (default: a temporary folder, '
                 'removed on exit)')
        parser.add_argument(
            '--register', action='store_true',
            help='register the packages of actions (all declared ones, or '
                 'those of --package) once Mistral is ready')
        parser.add_argument(
            '--include-unsafe', action='store_true',
            help='with --register: also the unsafe actions '
                 '(int32bit.system.exec runs commands here)')
        return parser

    def take_action(self, parsed_args):
        from mistral_actions.tool.sandbox import foreground
        return foreground.serve(
            port=parsed_args.port, directory=parsed_args.directory,
            package_options=parsed_args.packages,
            register=parsed_args.register,
            include_unsafe=parsed_args.include_unsafe, out=self.app.stdout)

"""Packages of actions: which ones a command works on, and their prefixes.

Any installed Python package declares itself a package of actions with an
entry point in the group ``mistral_actions.packages``::

    [project.entry-points."mistral_actions.packages"]
    acme = "acme_actions"

so that the exported classes under ``acme_actions`` are registered as
``acme.<module path>.<snake_case class>``. This project declares its own
library the same way (``int32bit = mistral_actions``). ``--package
MODULE[=PREFIX]`` picks packages instead of all declared ones; MODULE may be
a path to a package folder (actions kept in a git checkout), and a PREFIX
alone names a package registered earlier that is no longer installed here.
"""

import dataclasses
from importlib import metadata
import importlib.util
import os
import re
import sys
import typing

from mistral_actions.tool import errors

GROUP = 'mistral_actions.packages'

#: A prefix is one or more dotted words: it starts every action name.
PREFIX = re.compile(r'^[A-Za-z0-9_][A-Za-z0-9_\-]*(\.[A-Za-z0-9_\-]+)*$')


@dataclasses.dataclass(frozen=True)
class Package:
    """A package of actions as a command sees it."""

    prefix: str  #: names its actions, e.g. ``acme``
    module: str = ''  #: its top-level module; '' when known by prefix only
    path: str = ''  #: the folder put first on sys.path, for a path package
    version: str = ''  #: its distribution's version, when installed

    @property
    def installed(self) -> bool:
        """Whether its modules can be discovered here."""
        return bool(self.module)


def declared() -> typing.List[Package]:
    """Every package declared by an installed distribution, by prefix.
    Two distributions declaring one prefix for different modules are both
    kept: a command that would use both refuses them (see
    :func:`select`) instead of silently taking one."""
    found = {}
    for entry in metadata.entry_points(group=GROUP):
        version = entry.dist.version if entry.dist else ''
        found.setdefault((entry.name, entry.value), Package(
            entry.name, entry.value, version=version))
    return [found[key] for key in sorted(found)]


def parse(option: str,
          known: typing.Optional[typing.Sequence[Package]] = None
          ) -> Package:
    """One ``--package MODULE|PATH|PREFIX[=PREFIX]`` option."""
    target, _, prefix = option.partition('=')
    if not target:
        raise errors.ToolError('--package %r: give a module, a package '
                               'folder or a prefix, e.g. --package '
                               'acme_actions=acme' % option)
    by_module = {package.module: package for package in known or ()}
    by_prefix = {package.prefix: package for package in known or ()}
    if os.sep in target or target.startswith('.') or os.path.isdir(target):
        return _from_path(option, target, prefix)
    if target in by_module:
        return dataclasses.replace(by_module[target],
                                   prefix=_checked(option, prefix or
                                                   by_module[target].prefix))
    if not prefix and target in by_prefix:
        claims = [package for package in known if package.prefix == target]
        if len(claims) > 1:
            raise errors.ToolError(
                '--package %s: installed packages %s all declare the prefix '
                '%s; give the module instead, e.g. --package %s' % (
                    option, ' and '.join(package.module for package in
                                         claims), target, claims[0].module))
        return by_prefix[target]
    if _importable(target):
        return Package(_checked(option, prefix or target), target)
    # Not here: a package registered earlier, known to Mistral by prefix.
    return Package(_checked(option, prefix or target))


def _from_path(option: str, target: str, prefix: str) -> Package:
    folder = os.path.abspath(target.rstrip(os.sep))
    name = os.path.basename(folder)
    if not os.path.isfile(os.path.join(folder, '__init__.py')):
        raise errors.ToolError(
            '--package %s: %s is not a package folder (it has no '
            '__init__.py); give the folder that holds the action modules'
            % (option, folder))
    if not name.isidentifier():
        raise errors.ToolError(
            '--package %s: the folder name %r is not a Python module name; '
            'rename it or install the package' % (option, name))
    return Package(_checked(option, prefix or name), name,
                   path=os.path.dirname(folder))


def _checked(option: str, prefix: str) -> str:
    if not PREFIX.match(prefix):
        raise errors.ToolError(
            '--package %s: %r is not a valid prefix (letters, digits, "_", '
            '"-", dots between words)' % (option, prefix))
    return prefix


def _importable(module: str) -> bool:
    try:
        return module.isidentifier() and \
            importlib.util.find_spec(module) is not None
    except (ImportError, ValueError):
        return False


def select(options: typing.Optional[typing.Sequence[str]] = None
           ) -> typing.List[Package]:
    """The packages a command works on: those of ``--package`` options, or
    every declared one. Two packages claiming one prefix, or one module
    under two prefixes, are refused here, before anything is read. The
    folder of a path package is put first on sys.path, so that its
    modules can be discovered."""
    known = declared()
    chosen = [parse(option, known) for option in options] if options \
        else known
    if not chosen:
        raise errors.ToolError(
            'no package of actions is installed or given: install one that '
            'declares a %r entry point, or give --package MODULE|PATH' %
            GROUP)
    _refuse_clashes(chosen)
    for package in chosen:
        if package.path and package.path not in sys.path:
            sys.path.insert(0, package.path)
    return chosen


def _refuse_clashes(chosen: typing.Sequence[Package]) -> None:
    prefixes = {}
    modules = {}
    for package in chosen:
        other = prefixes.setdefault(package.prefix, package)
        if other is not package and other != package:
            raise errors.ToolError(
                'two packages claim the prefix %s (%s and %s): give one of '
                'them another prefix with --package MODULE=PREFIX' % (
                    package.prefix, other.module or '?',
                    package.module or '?'))
        if package.module:
            other = modules.setdefault(package.module, package)
            if other.prefix != package.prefix:
                raise errors.ToolError(
                    '%s is given twice, as %s and as %s: its code sources '
                    'can belong to one prefix only' % (
                        package.module, other.prefix, package.prefix))
    for prefix in prefixes:
        for other in prefixes:
            if other != prefix and other.startswith(prefix + '.'):
                raise errors.ToolError(
                    'the prefixes %s and %s overlap (names of one could be '
                    'names of the other): choose prefixes that do not start '
                    'with one another' % (prefix, other))

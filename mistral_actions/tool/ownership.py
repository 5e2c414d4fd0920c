"""What is ours, what is unsafe, and who may run each action: one place.

Every other module asks here instead of testing prefixes or flags itself:

* ours, per package of actions: a code source is package P's when its text
  says so (the bundle header ``# mistral-actions package: P``, written by
  ``register``; code sources named ``mistral_actions.*`` from before
  bundles belong to ``int32bit``); a dynamic action is P's when its name
  starts with ``P.`` and it points at a code source of P. Recorded in
  Mistral, so a package no longer installed here is still known by its
  prefix. Nothing else is ever changed or removed;
* unsafe: an action marked ``__unsafe__ = True`` in its class body (such as
  ``int32bit.system.exec``, which runs commands on the executors): only
  registered when asked for, and then private to the registering project;
* scope: safe actions are public (every project may run them); unsafe ones
  private unless the operator explicitly makes them public.
"""

import re
import typing

import mistral_actions
from mistral_actions.tool import specs

if typing.TYPE_CHECKING:
    from mistral_actions.tool import registry

PUBLIC = 'public'
PRIVATE = 'private'

#: Code sources written before bundles: the module's text alone, named
#: after it, and all of the built-in library's.
LEGACY_SOURCE_PREFIX = 'mistral_actions.'
LEGACY_PACKAGE = mistral_actions.PREFIX

Prefixes = typing.Optional[typing.Collection[str]]

_PACKAGE_LINE = re.compile(r'^# mistral-actions package: (\S+)$', re.M)

UNSAFE_REASON = ('runs commands on the Mistral executors; register '
                 '--include-unsafe registers it private to this project')

#: Why an unsafe action is kept although register was not asked for it.
KEPT_UNSAFE_REASON = ('registered earlier (--include-unsafe), so kept up to '
                      'date; mistral-actions unregister %s removes it')

#: Why unregister leaves an action of another provider alone.
NOT_OURS_REASON = ('%s is not a mistral-actions action (it is Mistral\'s '
                   'own, a plugin\'s or an ad-hoc action): left alone; '
                   'unregister removes only actions mistral-actions '
                   'registered (mistral-actions action-list)')

PUBLIC_UNSAFE_WARNING = (
    'WARNING: %s public: every user of every project can run any command on '
    'the Mistral executors, as the OS user of the executor, which can read '
    'mistral.conf (database password, service credentials). %s')
#: How to make them private again, by whether --public-unsafe was given.
MAKE_PRIVATE_HINT = {
    True: 'Register without --public-unsafe, with --override, to make it '
          'private again.',
    False: 'register --override makes it private to this project.',
}


def package_header(prefix: str) -> str:
    """The line of a code source's text that records its package."""
    return '# mistral-actions package: %s\n' % prefix


def source_package(source: 'registry.CodeSource') -> typing.Optional[str]:
    """The package of actions a code source belongs to, or None."""
    found = _PACKAGE_LINE.search((source.content or '')[:4000])
    package = found.group(1) if found else None
    if package is None and source.name.startswith(LEGACY_SOURCE_PREFIX):
        return LEGACY_PACKAGE
    return package


def named_in(name: str, prefixes: typing.Iterable[str]
             ) -> typing.Optional[str]:
    """The prefix among these whose package an action name is in (it
    starts with ``PREFIX.``), or None. The name alone: whether Mistral's
    action of that name is ours also takes its code source
    (:func:`action_package`)."""
    for prefix in prefixes:
        if name.startswith(prefix + '.'):
            return prefix
    return None


def action_package(action: 'registry.DynamicAction',
                   snapshot: 'registry.Snapshot') -> typing.Optional[str]:
    """The package of actions a registered dynamic action belongs to: its
    code source's, when its name carries that prefix; else None."""
    source = snapshot.code_sources.get(action.code_source_name)
    package = source_package(source) if source is not None else None
    if package and named_in(action.name, (package,)):
        return package
    return None


def is_our_source(source: 'registry.CodeSource',
                  prefixes: Prefixes = None) -> bool:
    """Whether a code source is ours (of one of these packages)."""
    package = source_package(source)
    return package is not None and (prefixes is None or package in prefixes)


def is_ours(action: 'registry.DynamicAction', snapshot: 'registry.Snapshot',
            prefixes: Prefixes = None) -> bool:
    """Whether a dynamic action is ours (of one of these packages)."""
    package = action_package(action, snapshot)
    return package is not None and (prefixes is None or package in prefixes)


def is_unsafe_class(cls: type) -> bool:
    """Marked unsafe in its own body (like ``__export__``, not inherited)."""
    return cls.__dict__.get('__unsafe__') is True


def action_scope(spec: specs.ActionSpec, public_unsafe: bool = False
                 ) -> str:
    """The scope an action is registered with."""
    if spec.unsafe and not public_unsafe:
        return PRIVATE
    return PUBLIC


def source_scope(specs_of_module: typing.Iterable[specs.ActionSpec],
                 public_unsafe: bool = False) -> str:
    """The scope of a code source: public when any action registered from
    it is public (they must be able to load it), else private."""
    if any(action_scope(spec, public_unsafe) == PUBLIC
           for spec in specs_of_module):
        return PUBLIC
    return PRIVATE


def exposure(scope: str) -> str:
    """What a scope means, for the operator."""
    if scope == PRIVATE:
        return 'only the registering project can run it'
    return 'every project can run it'

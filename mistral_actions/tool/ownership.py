"""What is ours, what is unsafe, and who may run each action: one place.

Every other module asks here instead of testing prefixes or flags itself:

* ours: a dynamic action under our prefix pointing at a code source of our
  package; nothing else is ever changed or removed;
* unsafe: an action marked ``__unsafe__ = True`` in its class body (such as
  ``int32bit.system.exec``, which runs commands on the executors): only
  registered when asked for, and then private to the registering project;
* scope: safe actions are public (every project may run them); unsafe ones
  private unless the operator explicitly makes them public.
"""

import typing

import mistral_actions
from mistral_actions.tool import specs

if typing.TYPE_CHECKING:
    from mistral_actions.tool import registry

PUBLIC = 'public'
PRIVATE = 'private'

OUR_CODE_SOURCE_PREFIX = 'mistral_actions.'
OUR_ACTION_PREFIX = mistral_actions.PREFIX + '.'

UNSAFE_REASON = ('runs commands on the Mistral executors; register '
                 '--include-unsafe registers it private to this project')

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


def is_our_source(name: str) -> bool:
    """Whether a code source of this name belongs to our package."""
    return name.startswith(OUR_CODE_SOURCE_PREFIX)


def is_ours(action: 'registry.DynamicAction') -> bool:
    """A registered dynamic action we own: our prefix, our code source."""
    return (action.name.startswith(OUR_ACTION_PREFIX)
            and is_our_source(action.code_source_name))


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

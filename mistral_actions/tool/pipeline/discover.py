"""Find the exported action classes of a package by walking it with pkgutil.

A class is exported when ``__export__ = True`` stands in its own body (not
inherited), it is defined in the module being walked and it subclasses
``mistral_lib.actions.Action``; it is unsafe when ``__unsafe__ = True``
stands there too. The tool's own package is never walked.

Importing the modules (and mistral_lib with them) is most of a command's
start-up, so commands use :func:`discover_cached`, which keeps what it
found in :mod:`.cache`.
"""

import importlib
import inspect
import pkgutil
import re
import types
import typing

import mistral_actions
from mistral_actions.tool import errors
from mistral_actions.tool import ownership
from mistral_actions.tool.pipeline import bundle
from mistral_actions.tool.pipeline import cache
from mistral_actions.tool import specs

_SKIPPED_PACKAGES = ('mistral_actions.tool',)


def snake_case(class_name: str) -> str:
    """``AssertPowerStatus`` -> ``assert_power_status``."""
    words = re.sub(r'([A-Z]+)([A-Z][a-z])', r'\1_\2', class_name)
    return re.sub(r'([a-z0-9])([A-Z])', r'\1_\2', words).lower()


def action_name(module_name: str, class_name: str,
                package: str = 'mistral_actions',
                prefix: str = mistral_actions.PREFIX) -> str:
    """``mistral_actions.nova.servers`` + ``AssertStatus`` ->
    ``int32bit.nova.servers.assert_status``."""
    below = module_name[len(package) + 1:]
    return '.'.join(part for part in (prefix, below, snake_case(class_name))
                    if part)


def is_exported(cls: typing.Any, module: types.ModuleType) -> bool:
    from mistral_lib import actions as ml_actions
    return (inspect.isclass(cls)
            and cls.__dict__.get('__export__') is True
            and cls.__module__ == module.__name__
            and issubclass(cls, ml_actions.Action))


def iter_module_names(package_name: str = 'mistral_actions'
                      ) -> typing.Iterator[str]:
    """Dotted names of every module of the package, tool package excluded."""
    package = importlib.import_module(package_name)
    prefix = package_name + '.'
    for info in pkgutil.walk_packages(package.__path__, prefix):
        if info.name.startswith(_SKIPPED_PACKAGES):
            continue
        if not info.ispkg:
            yield info.name


def read_module(module: types.ModuleType, prefix: str) -> specs.ModuleSpec:
    """The module as Mistral will store it: bundled with its helpers."""
    made = bundle.build(module.__name__, prefix)
    return specs.ModuleSpec(name=module.__name__,
                            path=inspect.getsourcefile(module),
                            content=made.text, package=prefix,
                            externals=made.externals, files=made.files)


def discover(package_name: str = 'mistral_actions',
             prefix: typing.Optional[str] = None) -> list:
    """Every exported action of the package, sorted by name; ``prefix``
    names them (default: ``int32bit`` for this project's library, else the
    package's own name)."""
    # Only here: commands that do not discover start without mistral_lib.
    from mistral_lib.utils import inspect_utils
    if prefix is None:
        prefix = mistral_actions.PREFIX if package_name == 'mistral_actions' \
            else package_name
    found = []
    for module_name in iter_module_names(package_name):
        try:
            module = importlib.import_module(module_name)
        except SyntaxError as error:
            raise errors.ToolError('%s: %s' % (
                module_name, errors.syntax_error_line(error))) from error
        exported = [cls for _, cls in inspect.getmembers(module)
                    if is_exported(cls, module)]
        if not exported:
            continue
        module_spec = read_module(module, prefix)
        for cls in exported:
            name = action_name(module_name, cls.__name__, package_name,
                               prefix)
            found.append(specs.ActionSpec(
                name=name,
                class_name=cls.__name__,
                module=module_spec,
                input=inspect_utils.get_arg_list_as_str(cls.__init__),
                description=inspect_utils.get_docstring(cls) or '',
                unsafe=ownership.is_unsafe_class(cls),
            ))
    return sorted(found, key=lambda spec: spec.name)


def discover_cached(package_name: str = 'mistral_actions',
                    cache_dir: typing.Optional[str] = None,
                    prefix: typing.Optional[str] = None) -> list:
    """:func:`discover`, or what it gave last time when nothing it depends
    on changed since (see :mod:`.cache`)."""
    kept = cache.DiscoveryCache(package_name, cache_dir, prefix)
    found = kept.specs()
    if found is None:
        found = discover(package_name, prefix)
        kept.store(found)
    return found

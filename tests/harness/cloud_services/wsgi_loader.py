"""Load an OpenStack service's WSGI application for gunicorn.

gunicorn imports `<this module>:load('keystone.wsgi.api', '--config-file',
'<conf>')`. Keystone, Nova and Cinder parse `sys.argv` with oslo.config when
their WSGI module is imported; under gunicorn that is gunicorn's own command
line, which they reject, and the worker restarts forever while the port
accepts connections. So the module is imported with `sys.argv` set to the
arguments given here, then `sys.argv` is put back.
"""

import importlib
import sys


def load(module_name, *argv):
    """Import module_name with sys.argv = [module_name, *argv]; its app."""
    saved = sys.argv
    sys.argv = [module_name, *argv]
    try:
        module = importlib.import_module(module_name)
    finally:
        sys.argv = saved
    return module.application

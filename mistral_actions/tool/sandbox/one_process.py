"""Runs Mistral 23 api + engine as threads of ONE process, for fake:/ RPC.

A plain script, run by file path with the Python that has Mistral (the
sandbox's own, or a Mistral node's virtualenv in the tests): it must not
import mistral_actions, which that Python may not have.
"""

import os
import sys

import mistral.cmd  # noqa: F401 - selects oslo.service's threading backend
from mistral.api import service as api_service  # noqa: H306
from mistral import config
from mistral.engine import engine_server
from mistral.rpc import base as rpc
from oslo_config import cfg
from oslo_log import log as logging
from oslo_service import service

LOG = logging.getLogger(__name__)


class ExitOnStartFailure(service.ServiceBase):
    """A service whose failed start ends the process.

    The threading Launcher only logs a failed start and waits forever; a
    test harness wants a dead process it can see at once.
    """

    def __init__(self, wrapped):
        self.wrapped = wrapped

    def start(self):
        try:
            self.wrapped.start()
        except BaseException:
            LOG.exception('%s did not start', type(self.wrapped).__name__)
            os._exit(1)

    def stop(self):
        self.wrapped.stop()

    def wait(self):
        self.wrapped.wait()

    def reset(self):
        self.wrapped.reset()


def main(argv):
    """Usage: python one_process.py --config-file C

    `mistral-server --server all` forks a process per server, and the fake
    transport cannot cross processes. Here oslo.service's threading Launcher
    runs the API and the engine side by side; the engine runs actions and
    notifications itself (`[executor] type = local`, `[notifier] type =
    local`). Run as a script, this folder comes first on sys.path: no
    module in it may be named like a package Mistral imports.
    """
    config.parse_args(argv)
    for group in ('executor', 'notifier'):
        if cfg.CONF[group].type != 'local':
            sys.exit('[%s] type must be local in one process' % group)
    logging.setup(cfg.CONF, 'Mistral')
    rpc.get_transport()
    launcher = service.Launcher(cfg.CONF)
    launcher.launch_service(ExitOnStartFailure(
        engine_server.get_oslo_service()))
    launcher.launch_service(ExitOnStartFailure(
        api_service.WSGIService('mistral_api')))
    launcher.wait()


if __name__ == '__main__':
    main(sys.argv[1:])

"""Start, watch and stop the servers the tests need, by their own pid.

The process handling itself is the product's (the sandbox starts Mistral
with it); what only the tests need is added here.
"""

import contextlib
import socket

from mistral_actions.tool.sandbox.processes import free_port
from mistral_actions.tool.sandbox.processes import http_answers
from mistral_actions.tool.sandbox.processes import Process
from mistral_actions.tool.sandbox.processes import ServerError
from mistral_actions.tool.sandbox.processes import tail
from mistral_actions.tool.sandbox.processes import wait_until


def port_open(port, host='127.0.0.1') -> bool:
    with contextlib.closing(socket.socket()) as sock:
        sock.settimeout(1)
        return sock.connect_ex((host, port)) == 0


__all__ = ['free_port', 'http_answers', 'port_open', 'Process',
           'ServerError', 'tail', 'wait_until']

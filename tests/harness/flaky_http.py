"""An HTTP proxy that fails chosen requests, for network blips on demand.

Put in front of a real API server (Cinder, say), it forwards every request
as is (the Host header too, so that links the server builds point back at
the proxy) except the next few that match a rule: those get a fault
instead, either a dropped connection (closed without an answer, what a
client sees when the server closes an idle keep-alive connection just as
it is reused) or an HTTP status such as 503.
"""

import http.client
import socket
import threading
import time
import urllib.parse

from tests.harness.background_server import HttpServer
from tests.harness.background_server import QuietHandler

DROP = 'drop'
# Hop-by-hop headers: they describe one connection, not the message.
HOP_BY_HOP = frozenset({'connection', 'keep-alive', 'transfer-encoding',
                        'proxy-connection', 'te', 'trailer', 'upgrade'})


class FlakyProxy(HttpServer):
    """Forwards http://127.0.0.1:PORT to ``target`` (``http://host:port``).

    Attributes: url, port, log (every (method, path, outcome) in order:
    outcome is the status forwarded, a fault's status, or ``drop``),
    most_in_flight (the most requests of each method it held at once).

    :param delay: seconds each request is held before it is forwarded (a
        slow link: requests sent at once then overlap here for sure).
    """

    def __init__(self, target: str, delay: float = 0):
        parsed = urllib.parse.urlsplit(target)
        self.target = (parsed.hostname, parsed.port)
        self.delay = delay
        self.log = []
        self.most_in_flight = {}
        self._in_flight = {}
        self._rules = []
        self._lock = threading.Lock()
        super().__init__(_ProxyHandler, 'flaky-proxy')

    def _enter(self, method):
        with self._lock:
            now = self._in_flight[method] = self._in_flight.get(method, 0) + 1
            self.most_in_flight[method] = max(
                self.most_in_flight.get(method, 0), now)

    def _leave(self, method):
        with self._lock:
            self._in_flight[method] -= 1

    def fail_next(self, count: int, fault, method: str = 'GET',
                  path_contains: str = '') -> None:
        """The next ``count`` requests of ``method`` whose path contains
        ``path_contains`` get ``fault``: DROP or an HTTP status."""
        with self._lock:
            self._rules.append([count, fault, method, path_contains])

    def heal(self) -> None:
        """Forget the faults not yet served, and the log."""
        with self._lock:
            self._rules.clear()
            self.log.clear()

    def faults_served(self) -> list:
        """The outcomes of the requests that got a fault, in order."""
        with self._lock:
            return [outcome for _, _, outcome, faulted in self.log
                    if faulted]

    def _fault_for(self, method, path):
        with self._lock:
            for rule in self._rules:
                count, fault, rule_method, part = rule
                if count > 0 and method == rule_method and part in path:
                    rule[0] -= 1
                    return fault
        return None

    def _record(self, method, path, outcome, faulted):
        with self._lock:
            self.log.append((method, path, outcome, faulted))


class _ProxyHandler(QuietHandler):
    protocol_version = 'HTTP/1.1'

    def answer(self):
        proxy = self.server.owner
        proxy._enter(self.command)
        try:
            if proxy.delay:
                time.sleep(proxy.delay)
            self._answer(proxy)
        finally:
            proxy._leave(self.command)

    def _answer(self, proxy):
        length = int(self.headers.get('Content-Length') or 0)
        body = self.rfile.read(length) if length else None
        fault = proxy._fault_for(self.command, self.path)
        if fault == DROP:
            proxy._record(self.command, self.path, DROP, True)
            self.close_connection = True
            self.connection.shutdown(socket.SHUT_RDWR)
            return
        if fault is not None:
            proxy._record(self.command, self.path, fault, True)
            self.reply(fault, [('Content-Type', 'text/plain')],
                       b'injected by the test proxy\n')
            return
        status, headers, data = self.forward(proxy.target, body)
        proxy._record(self.command, self.path, status, False)
        self.reply(status, [(name, value) for name, value in headers
                            if name.lower() not in
                            HOP_BY_HOP | {'content-length'}], data)

    def forward(self, target, body):
        connection = http.client.HTTPConnection(*target, timeout=120)
        try:
            headers = {name: value for name, value in self.headers.items()
                       if name.lower() not in HOP_BY_HOP}
            connection.request(self.command, self.path, body=body,
                               headers=headers)
            response = connection.getresponse()
            return response.status, response.getheaders(), response.read()
        finally:
            connection.close()

    do_GET = do_HEAD = do_POST = do_PUT = do_PATCH = do_DELETE = answer

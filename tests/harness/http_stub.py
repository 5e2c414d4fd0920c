"""A canned HTTP server standing in for a service that only has to say no.

Functional tests have no keystone; to see what the tool prints when keystone
rejects credentials, a stub that answers its discovery document and a 401
on /v3/auth/tokens is all it takes.
"""

import json

from tests.harness.background_server import HttpServer
from tests.harness.background_server import QuietHandler


class HttpStub(HttpServer):
    """Answers (method, path) from a table of (status, JSON body); 404 for
    anything else. A body may hold ``{url}``, replaced by the stub's URL.

    Attributes: url (``http://127.0.0.1:PORT``), requests (every (method,
    path) received, in order).
    """

    def __init__(self, routes):
        self.routes = dict(routes)
        self.requests = []
        super().__init__(_StubHandler, 'http-stub')


class _StubHandler(QuietHandler):
    def answer(self):
        stub = self.server.owner
        self.rfile.read(int(self.headers.get('Content-Length') or 0))
        path = self.path.split('?', 1)[0].rstrip('/')
        stub.requests.append((self.command, path))
        status, body = stub.routes.get(
            (self.command, path), (404, {'error': 'not found'}))
        data = json.dumps(body).replace('{url}', stub.url).encode()
        self.reply(status, [('Content-Type', 'application/json')], data)

    do_GET = do_POST = do_PUT = do_DELETE = answer


def keystone_refusing_everyone():
    """A keystone v3 that is found (discovery) but rejects every login."""
    return HttpStub({
        ('GET', '/v3'): (200, {'version': {
            'id': 'v3.14', 'status': 'stable',
            'updated': '2020-04-07T00:00:00Z',
            'links': [{'rel': 'self', 'href': '{url}/v3/'}],
            'media-types': [{
                'base': 'application/json',
                'type': 'application/vnd.openstack.identity-v3+json'}]}}),
        ('POST', '/v3/auth/tokens'): (401, {'error': {
            'code': 401, 'title': 'Unauthorized',
            'message': 'The request you have made requires '
                       'authentication.'}}),
    })

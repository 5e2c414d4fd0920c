"""A Networking API that knows no network: enough for Nova without Neutron.

Servers boot with `nics='none'`, yet Nova still asks Neutron things (ports of
an instance when deleting it, extensions, ...). Every collection is empty,
every item is missing, every write is refused. Nova reaches it through
`[neutron] endpoint_override`; it is not in the catalog.

Served by gunicorn as `<this module>:application`.
"""

import json

from tests.harness.cloud_services.service_base import Service


class NeutronStub(Service):
    """The stub as a service of the cloud."""

    name = 'neutron-stub'

    @property
    def url(self):
        return 'http://127.0.0.1:%d' % self.cloud.ports['neutron']

    def start(self):
        self.serve('neutron-stub', self.cloud.ports['neutron'],
                   __name__ + ':application')

    def wait_ready(self, timeout):
        self.wait_answering(self.url, timeout)


def _version_document(environ):
    host = environ.get('HTTP_HOST') or '%s:%s' % (
        environ['SERVER_NAME'], environ['SERVER_PORT'])
    return {'versions': [{
        'id': 'v2.0', 'status': 'CURRENT',
        'links': [{'rel': 'self', 'href': 'http://%s/v2.0/' % host}]}]}


def _answer(environ):
    method = environ['REQUEST_METHOD']
    segments = [segment for segment in
                environ.get('PATH_INFO', '').strip('/').split('/') if segment]
    if segments and segments[-1].endswith('.json'):
        segments[-1] = segments[-1][:-len('.json')]
    if method != 'GET':
        return '405 Method Not Allowed', {
            'NeutronError': {'type': 'HTTPMethodNotAllowed',
                             'message': 'this is a stub', 'detail': ''}}
    if not segments or segments == ['v2.0']:
        return '200 OK', _version_document(environ)
    if segments[0] == 'v2.0':
        segments = segments[1:]
    # /v2.0/<collection> is a list; anything deeper is an item.
    if len(segments) == 1:
        return '200 OK', {segments[0].replace('-', '_'): []}
    return '404 Not Found', {
        'NeutronError': {'type': 'NotFound', 'message': 'not found',
                         'detail': ''}}


def application(environ, start_response):
    status, document = _answer(environ)
    body = json.dumps(document).encode()
    start_response(status, [('Content-Type', 'application/json'),
                            ('Content-Length', str(len(body)))])
    return [body]

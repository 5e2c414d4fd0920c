"""A tiny in-process HTTP server that answers like Keystone, Nova, Cinder
and Glance do for the few calls the actions make, so that the real client
libraries run end to end against it (microversion discovery included)."""

import http.server
import json
import re
import threading
import urllib.parse

PROJECT = 'project-1'
EXPIRES = '2099-01-01T00:00:00.000000Z'
NOVA_MAX = '2.200'
CINDER_MAX = '3.99'

IMAGE_SCHEMA = {
    'name': 'image',
    'properties': {
        'id': {'type': 'string'},
        'name': {'type': ['null', 'string']},
        'status': {'type': 'string'},
        'visibility': {'type': 'string'},
        'size': {'type': ['null', 'integer']},
        'tags': {'type': 'array', 'items': {'type': 'string'}},
    },
    'additionalProperties': {'type': 'string'},
    'links': [{'rel': 'self', 'href': '{self}'}],
}


class FakeCloud:
    """Start with ``with FakeCloud() as cloud``; ``cloud.requests`` holds
    (method, path, headers, body) of each request; ``cloud.servers`` etc.
    are the resources by id, per region."""

    def __init__(self, regions=('RegionOne', 'RegionTwo')):
        self.regions = regions
        self.requests = []
        self.servers = {region: {} for region in regions}
        self.volumes = {region: {} for region in regions}
        self.backups = {region: {} for region in regions}
        self.images = {region: {} for region in regions}
        self.issued_token = 'token-from-keystone'
        self.url = 'http://127.0.0.1:9'  # until started

    def __enter__(self):
        cloud = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def log_message(self, *args):
                pass

            def _handle(self, method):
                length = int(self.headers.get('Content-Length') or 0)
                body = json.loads(self.rfile.read(length)) if length else None
                cloud.requests.append(
                    (method, self.path, dict(self.headers), body))
                status, payload, headers = cloud.answer(method, self.path,
                                                        body)
                data = json.dumps(payload).encode()
                self.send_response(status)
                self.send_header('Content-Type', 'application/json')
                self.send_header('Content-Length', str(len(data)))
                for name, value in headers.items():
                    self.send_header(name, value)
                self.end_headers()
                self.wfile.write(data)

            def do_GET(self):
                self._handle('GET')

            def do_POST(self):
                self._handle('POST')

        self.server = http.server.ThreadingHTTPServer(('127.0.0.1', 0),
                                                      Handler)
        self.url = 'http://127.0.0.1:%d' % self.server.server_address[1]
        self.thread = threading.Thread(target=self.server.serve_forever,
                                       kwargs={'poll_interval': 0.05},
                                       daemon=True)
        self.thread.start()
        return self

    def __exit__(self, *exc):
        self.server.shutdown()
        self.server.server_close()

    # -- what Keystone would put in a token ----------------------------------

    def catalog(self):
        def service(kind, path):
            return {'type': kind, 'name': kind, 'id': kind, 'endpoints': [
                {'id': '%s-%s' % (kind, region), 'interface': 'public',
                 'region': region, 'region_id': region,
                 'url': '%s/%s/%s' % (self.url, region, path)}
                for region in self.regions]}

        return [service('compute', 'compute/v2.1'),
                service('block-storage', 'volume/v3/%s' % PROJECT),
                service('image', 'image')]

    def token_body(self):
        return {
            'methods': ['password'], 'expires_at': EXPIRES,
            'issued_at': '2024-01-01T00:00:00.000000Z',
            'user': {'id': 'user-1', 'name': 'demo',
                     'domain': {'id': 'default', 'name': 'Default'}},
            'project': {'id': PROJECT, 'name': 'demo',
                        'domain': {'id': 'default', 'name': 'Default'}},
            'roles': [{'id': 'r', 'name': 'member'}],
            'catalog': self.catalog(),
        }

    # -- answers -------------------------------------------------------------

    def answer(self, method, raw_path, body):
        parsed = urllib.parse.urlsplit(raw_path)
        path, query = parsed.path, urllib.parse.parse_qs(parsed.query)
        if method == 'POST' and path == '/identity/v3/auth/tokens':
            return 201, {'token': self.token_body()}, {
                'X-Subject-Token': self.issued_token}
        match = re.match(r'^/(?P<region>[^/]+)/(?P<rest>.*)$', path)
        if not match or match['region'] not in self.regions:
            return 404, {'error': 'no route'}, {}
        region, rest = match['region'], match['rest'].rstrip('/')
        if rest == 'compute/v2.1':
            return 200, {'version': {
                'id': 'v2.1', 'status': 'CURRENT', 'version': NOVA_MAX,
                'min_version': '2.1', 'updated': '2013-07-23T11:33:21Z',
                'links': [{'rel': 'self',
                           'href': '%s/%s/compute/v2.1/' % (self.url,
                                                            region)}]}}, {}
        if rest == 'volume':
            return 200, {'versions': [{
                'id': 'v3.0', 'status': 'CURRENT', 'version': CINDER_MAX,
                'min_version': '3.0', 'updated': '2023-08-31T00:00:00Z',
                'links': []}]}, {}
        found = re.match(r'^compute/v2\.1/servers/(.+)$', rest)
        if found:
            return self._one(self.servers[region], found[1], 'server')
        volume_api = 'volume/v3/%s/' % PROJECT
        if rest.startswith(volume_api):
            return self._cinder(region, method, rest[len(volume_api):],
                                query, body)
        if rest == 'image/v2/schemas/image':
            return 200, IMAGE_SCHEMA, {}
        if rest == 'image/v2/images':
            images = [image for image in self.images[region].values()
                      if all(image.get(key) == values[0]
                             for key, values in query.items()
                             if key not in ('limit', 'tag'))]
            return 200, {'images': images}, {}
        found = re.match(r'^image/v2/images/(.+)$', rest)
        if found:
            return self._one(self.images[region], found[1], None)
        return 404, {'error': 'no route for %s' % rest}, {}

    @staticmethod
    def _one(resources, resource_id, wrapper):
        if resource_id not in resources:
            return 404, {'itemNotFound': {'code': 404, 'message': 'gone'}}, {}
        resource = resources[resource_id]
        return 200, {wrapper: resource} if wrapper else resource, {}

    def _cinder(self, region, method, rest, query, body):
        if rest.startswith('volumes/'):
            return self._one(self.volumes[region], rest[len('volumes/'):],
                             'volume')
        if rest == 'backups/detail' and method == 'GET':
            volume_id = query.get('volume_id', [None])[0]
            return 200, {'backups': [
                backup for backup in self.backups[region].values()
                if volume_id in (None, backup['volume_id'])]}, {}
        if rest == 'backups' and method == 'POST':
            request = body['backup']
            if request['volume_id'] not in self.volumes[region]:
                return 404, {'itemNotFound': {'code': 404,
                                              'message': 'no volume'}}, {}
            backup_id = 'backup-%d' % (len(self.backups[region]) + 1)
            self.backups[region][backup_id] = {
                'id': backup_id, 'name': request.get('name'),
                'status': 'creating', 'volume_id': request['volume_id'],
                'is_incremental': bool(request.get('incremental')),
                'metadata': dict(request.get('metadata') or {}),
                'created_at': '2030-01-01T00:00:00.000000',
                'data_timestamp': '2030-01-01T00:00:00.000000'}
            return 202, {'backup': {'id': backup_id,
                                    'name': request.get('name'),
                                    'links': []}}, {}
        if rest.startswith('backups/'):
            return self._one(self.backups[region], rest[len('backups/'):],
                             'backup')
        return 404, {'error': 'no route'}, {}

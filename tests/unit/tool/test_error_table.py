"""Each Mistral and keystone failure the REST backend meets becomes its one
line for the operator (no traceback, nothing secret), and listings page
through Mistral's row limit."""

import pytest

from keystoneauth1 import exceptions as ks_exc
from mistralclient.api import base

from mistral_actions.tool import errors
from mistral_actions.tool.registry import api

URL = 'http://mistral.example:8989/v2'


@pytest.mark.parametrize('code,message,kind,expected', [
    (403, 'Policy doesn\'t allow code_sources:create', errors.Forbidden,
     api.FORBIDDEN_HINT),
    (409, 'Duplicate entry for CodeSource\ndetails', errors.ConflictError,
     'Duplicate entry for CodeSource'),
    (401, 'The request you have made requires authentication.',
     errors.RegistryError, 'Mistral rejected the credentials (HTTP 401)'),
    (500, 'Internal Server Error\nTraceback (most recent call last):',
     errors.RegistryError, 'Mistral answered HTTP 500: Internal Server '
     'Error'),
])
def test_mistral_answers(code, message, kind, expected):
    error = api.api_error(base.APIException(code, message))
    assert type(error) is kind
    assert str(error) == expected
    assert '\n' not in str(error)


def translated(error):
    registry = api.RestRegistry(client=None, where=URL)
    with pytest.raises(errors.RegistryError) as raised:
        with registry.translated_errors():
            raise error
    return str(raised.value)


@pytest.mark.parametrize('error,expected', [
    (ks_exc.Unauthorized('bad password s3cret'),
     'keystone rejected the credentials (HTTP 401); check '
     'OS_USERNAME/OS_PASSWORD/OS_PROJECT_NAME or the token'),
    (ks_exc.EndpointNotFound('no workflowv2'),
     'no Mistral (workflowv2) endpoint in the keystone catalog; check its '
     'endpoints (openstack endpoint list --service workflowv2) or give '
     '--os-mistral-url'),
    (ks_exc.ConnectFailure('Unable to establish connection to ' + URL),
     'cannot reach %s: Unable to establish connection to %s; check that '
     'Mistral\'s API runs there (--os-mistral-url)' % (URL, URL)),
    (ks_exc.ConnectTimeout('Request to %s timed out' % URL),
     'no answer from %s within 60 s (--timeout); check that it is up and '
     'not overloaded, or allow longer with --timeout' % URL),
    (ks_exc.BadRequest('odd request'),
     '%s answered HTTP 400 Bad Request; check --os-mistral-url and '
     'Mistral\'s API log' % URL),
])
def test_keystoneauth_failures(error, expected):
    message = translated(error)
    assert message == expected
    assert 's3cret' not in message


def test_network_reason_is_the_innermost_cause():
    try:
        try:
            raise ConnectionRefusedError(111, 'Connection refused')
        except OSError as inner:
            raise ks_exc.ConnectFailure('Unable to establish connection '
                                        'to %s: layers of text' % URL) \
                from inner
    except ks_exc.ConnectFailure as error:
        assert translated(error) == (
            'cannot reach %s: Connection refused; check that Mistral\'s API '
            'runs there (--os-mistral-url)' % URL)


def test_an_answer_that_is_not_json_is_not_a_type_error():
    # Mistral's client keeps the body as bytes when it is not JSON.
    with pytest.raises(base.APIException):
        with api._races_are_conflicts():
            raise base.APIException(404, b'<html>Not Found</html>')
    error = api.api_error(base.APIException(404, b'<html>Not Found</html>'),
                          URL)
    assert str(error) == (
        "%s does not answer as Mistral's API (HTTP 404); check "
        "--os-mistral-url, e.g. http://127.0.0.1:8989/v2" % URL)


@pytest.mark.parametrize('code,message,conflict', [
    (404, 'Code Source not found [name=x, namespace=]', True),
    (404, 'The resource could not be found.', False),
    (500, '(pymysql.err.IntegrityError) (1452, FOREIGN KEY ...)', True),
    (400, 'UNIQUE constraint failed: code_sources.name', True),
    (500, 'Something else broke', False),
])
def test_a_concurrent_writers_traces_are_conflicts(code, message, conflict):
    with pytest.raises((errors.ConflictError, base.APIException)) as raised:
        with api._races_are_conflicts():
            raise base.APIException(code, message)
    assert isinstance(raised.value, errors.ConflictError) == conflict


class Row:
    def __init__(self, number):
        self.id = '%04d' % number


class PagedManager:
    """Mistral 23's listing: at most `limit` rows after the marker."""

    def __init__(self, total, limit):
        self.rows = [Row(n) for n in range(total)]
        self.limit = limit
        self.calls = []

    def list(self, marker=''):
        self.calls.append(marker)
        after = [row for row in self.rows if row.id > marker]
        return after[:self.limit]


@pytest.mark.parametrize('total,limit,calls', [
    (0, 1000, 1), (999, 1000, 2), (1000, 1000, 2), (2500, 1000, 4)])
def test_listings_page_through_the_row_limit(total, limit, calls):
    manager = PagedManager(total, limit)
    rows = api._every_row(manager)
    assert [row.id for row in rows] == [row.id for row in manager.rows]
    assert len(manager.calls) == calls


KEYSTONE = 'http://keystone.example:5000/v3'


@pytest.mark.parametrize('error,expected', [
    (ks_exc.NotFound('Not Found', method='POST',
                     url=KEYSTONE + '/auth/tokens'),
     'keystone at %s answered HTTP 404 Not Found to POST %s/auth/tokens; '
     'check OS_AUTH_URL (--os-auth-url): keystone\'s identity API, e.g. '
     'http://127.0.0.1:5000/v3' % (KEYSTONE, KEYSTONE)),
    (ks_exc.DiscoveryFailure('Bad version data returned: <html>'),
     'cannot reach keystone at %s: Bad version data returned: <html>; check '
     'OS_AUTH_URL (--os-auth-url): keystone\'s identity API, e.g. '
     'http://127.0.0.1:5000/v3' % KEYSTONE),
])
def test_keystone_failures_say_what_to_check(error, expected):
    from mistral_actions.tool import connection
    with pytest.raises(errors.RegistryError) as raised:
        with connection.translated_errors(KEYSTONE, 60, keystone=True):
            raise error
    assert str(raised.value) == expected

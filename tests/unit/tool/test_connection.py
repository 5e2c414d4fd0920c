"""Reaching Mistral: the URL as people paste it, and a timeout that holds
against a server that accepts the connection and never answers."""

from pathlib import Path
import socket
import subprocess
import sys
import threading
import time

import pytest

from mistral_actions.tool import connection
from mistral_actions.tool import errors

TOOL = str(Path(sys.executable).parent / 'mistral-actions')
ENV = {'PATH': '/usr/bin:/bin', 'HOME': '/nonexistent'}


@pytest.mark.parametrize('given,expected', [
    ('http://127.0.0.1:8989', 'http://127.0.0.1:8989/v2'),
    ('http://127.0.0.1:8989/', 'http://127.0.0.1:8989/v2'),
    ('http://127.0.0.1:8989/v2', 'http://127.0.0.1:8989/v2'),
    ('http://127.0.0.1:8989/v2/', 'http://127.0.0.1:8989/v2'),
    ('https://cloud.example/workflow', 'https://cloud.example/workflow/v2'),
])
def test_the_url_with_or_without_v2(given, expected):
    assert connection.mistral_url(given) == expected


@pytest.mark.parametrize('given,problem', [
    ('127.0.0.1:8989', "is not an http:// or https:// URL"),
    ('ftp://x/v2', "is not an http:// or https:// URL"),
    ('http:///v2', 'has no host'),
    ('http://h:x/v2',
     "is not a URL (Port could not be cast to integer value as 'x')"),
])
def test_a_url_that_cannot_be_mistrals_says_why(given, problem):
    with pytest.raises(errors.RegistryError) as raised:
        connection.mistral_url(given)
    assert str(raised.value) == (
        "--os-mistral-url %r %s; give Mistral's API URL, e.g. "
        "http://127.0.0.1:8989/v2" % (given, problem))


def test_no_password_of_a_url_is_shown():
    assert connection.shown('http://u:s3cret@h:1/v2') == 'http://u:***@h:1/v2'


@pytest.fixture
def silent_server():
    """Accepts TCP connections and never answers: a hung Mistral."""
    listener = socket.socket()
    listener.bind(('127.0.0.1', 0))
    listener.listen(64)
    accepted = []
    stop = threading.Event()

    def accept():
        listener.settimeout(0.2)
        while not stop.is_set():
            try:
                accepted.append(listener.accept()[0])
            except OSError:
                continue

    thread = threading.Thread(target=accept, daemon=True)
    thread.start()
    yield listener.getsockname()[1], accepted
    stop.set()
    thread.join()
    for conn in accepted:
        conn.close()
    listener.close()


def test_timeout_gives_up_on_a_mistral_that_never_answers(silent_server):
    port, accepted = silent_server
    started = time.monotonic()
    result = subprocess.run(
        [TOOL, '--backend', 'api', '--os-mistral-url',
         'http://127.0.0.1:%d' % port, '--timeout', '3', 'register'],
        capture_output=True, text=True, timeout=60, env=ENV)
    elapsed = time.monotonic() - started
    assert accepted, 'the tool never connected'
    assert result.returncode == 1
    assert result.stdout == ''
    assert result.stderr == (
        'no answer from http://127.0.0.1:%d/v2 within 3 s (--timeout); '
        'check that it is up and not overloaded, or allow longer with '
        '--timeout\n' % port)
    assert elapsed < 10, elapsed


def test_a_url_that_is_not_http_is_one_line():
    result = subprocess.run(
        [TOOL, '--backend', 'api', '--os-mistral-url', 'mistral:8989',
         'action-list'], capture_output=True, text=True, timeout=60, env=ENV)
    assert result.returncode == 1
    assert result.stderr == (
        "--os-mistral-url 'mistral:8989' is not an http:// or https:// URL; "
        "give Mistral's API URL, e.g. http://127.0.0.1:8989/v2\n")

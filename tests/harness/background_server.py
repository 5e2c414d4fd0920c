"""Servers that run in a thread of the test process: stubs and proxies.

They need no process of their own (nothing to import, nothing to kill): a
daemon thread serves on a free port of 127.0.0.1 until stop(). What they
share lives here: the thread and the `with` protocol, and for HTTP the
listening server and a quiet request handler.
"""

from http import server
import threading


class BackgroundServer:
    """Serves in a daemon thread from start() until stop().

    Subclasses define serve() (runs in the thread until stopped) and stop().
    ``with`` starts on entry and stops on exit.
    """

    def __init__(self, thread_name: str):
        self._thread = threading.Thread(target=self.serve, daemon=True,
                                        name=thread_name)

    def serve(self) -> None:
        raise NotImplementedError

    def stop(self) -> None:
        raise NotImplementedError

    def start(self):
        self._thread.start()
        return self

    def __enter__(self):
        return self.start()

    def __exit__(self, *exc_info):
        self.stop()


class HttpServer(BackgroundServer):
    """An HTTP server on a free port of 127.0.0.1.

    :param handler_class: a `QuietHandler` subclass; it reaches this object
        as ``self.server.owner``.
    :param name: names the thread (with the port), for stack dumps.

    Attributes: port, url (``http://127.0.0.1:PORT``).
    """

    def __init__(self, handler_class, name: str):
        self._server = server.ThreadingHTTPServer(('127.0.0.1', 0),
                                                  handler_class)
        self._server.daemon_threads = True
        self._server.owner = self
        self.port = self._server.server_address[1]
        self.url = 'http://127.0.0.1:%d' % self.port
        super().__init__('%s-%d' % (name, self.port))

    def serve(self) -> None:
        self._server.serve_forever()

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()


class QuietHandler(server.BaseHTTPRequestHandler):
    """A request handler that logs nothing (pytest shows stderr) and answers
    a whole body at once."""

    def reply(self, status: int, headers, data: bytes) -> None:
        """Send status, headers ((name, value) pairs; Content-Length is
        set here) and data (not for HEAD)."""
        self.send_response(status)
        for name, value in headers:
            self.send_header(name, value)
        self.send_header('Content-Length', str(len(data)))
        self.end_headers()
        if self.command != 'HEAD':
            self.wfile.write(data)

    def log_message(self, *args):
        pass

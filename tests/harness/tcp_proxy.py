"""A TCP proxy that breaks its connections at a chosen moment.

Put between a client and a server (MariaDB, Mistral's API), it makes a
network fault happen exactly where a test wants it: when the client sends
a given piece of protocol (an SQL statement, an HTTP request line), that
piece is never forwarded, every connection is reset and new ones are
refused, as when the server's host goes away.
"""

import contextlib
import socket
import struct
import threading

from tests.harness.background_server import BackgroundServer

CHUNK = 65536


class TcpProxy(BackgroundServer):
    """Forwards 127.0.0.1:port to target_host:target_port.

    :param target_port: where the real server listens.
    :param cut_at: byte strings the client sends, in this order (on any of
        its connections); the last one is not forwarded: the proxy cuts
        everything instead. E.g. ``(b'INSERT', b'COMMIT')`` cuts at the
        first COMMIT after an INSERT, ``(b'POST ',) * 3`` at the third POST.
        Empty: forward until cut() is called.
    :param target_host: the real server's address.

    Attributes: port (where clients connect), cut_done (an Event set once
    cut), seen (how many of cut_at went by).
    """

    def __init__(self, target_port, cut_at=(), target_host='127.0.0.1'):
        self.target = (target_host, target_port)
        self.cut_at = tuple(cut_at)
        self.seen = 0
        self.cut_done = threading.Event()
        self._lock = threading.Lock()
        self._sockets = set()
        self._listener = socket.create_server(('127.0.0.1', 0))
        self.port = self._listener.getsockname()[1]
        super().__init__('tcp-proxy-%d' % self.port)

    def cut(self):
        """Reset every connection and refuse new ones from now on."""
        with self._lock:
            self.cut_done.set()
            sockets, self._sockets = self._sockets, set()
        with contextlib.suppress(OSError):
            self._listener.close()
        for sock in sockets:
            _reset(sock)

    def stop(self):
        self.cut()

    def serve(self):
        """Accept clients and pump their bytes until cut."""
        while not self.cut_done.is_set():
            try:
                client, _ = self._listener.accept()
            except OSError:
                return
            try:
                server = socket.create_connection(self.target, timeout=10)
                server.settimeout(None)
            except OSError:
                _reset(client)
                continue
            with self._lock:
                if self.cut_done.is_set():
                    _reset(client)
                    _reset(server)
                    return
                self._sockets.update((client, server))
            for source, sink, watched in ((client, server, True),
                                          (server, client, False)):
                threading.Thread(target=self._pump, daemon=True,
                                 args=(source, sink, watched)).start()

    def _pump(self, source, sink, watched):
        """Copy source to sink; from the client, watch for cut_at."""
        tail = b''
        while True:
            try:
                data = source.recv(CHUNK)
            except OSError:
                data = b''
            if not data:
                break
            if watched and self.cut_at:
                triggered, tail = self._watch(tail + data)
                if triggered:
                    self.cut()
                    return
            try:
                sink.sendall(data)
            except OSError:
                break
        with contextlib.suppress(OSError):
            sink.shutdown(socket.SHUT_WR)

    def _watch(self, buffer):
        """Advance through cut_at along buffer; (cut now?, the tail to put
        before the next chunk, so that a string split between two chunks
        is found, too short to hold the string again)."""
        with self._lock:
            position = 0
            while self.seen < len(self.cut_at):
                expected = self.cut_at[self.seen]
                found = buffer.find(expected, position)
                if found < 0:
                    break
                position = found + len(expected)
                self.seen += 1
            if self.seen == len(self.cut_at):
                return True, b''
            keep = len(self.cut_at[self.seen]) - 1
            return False, buffer[max(position, len(buffer) - keep):]


def _reset(sock):
    """Drop a connection at once: shutdown wakes the pump blocked on it,
    a zero linger makes close send RST instead of waiting to drain."""
    with contextlib.suppress(OSError):
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER,
                        struct.pack('ii', 1, 0))
    with contextlib.suppress(OSError):
        sock.shutdown(socket.SHUT_RDWR)
    with contextlib.suppress(OSError):
        sock.close()

"""A quiet threaded HTTP server on 127.0.0.1 for the fakes (Slack, calendars) that tests and the sandbox talk to."""

from __future__ import annotations

import threading
from collections.abc import Callable
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

Handle = Callable[[BaseHTTPRequestHandler], None]


class _Server(ThreadingHTTPServer):
    # The standard library's listen backlog is 5: under a benchmark's bursts, connections beyond it were dropped
    # and retried by the client's TCP a second or more later, which was charged to the app as a late answer.
    request_queue_size = 1024


def serve_on_loopback(get: Handle, post: Handle) -> ThreadingHTTPServer:
    """Serve GET and POST with these on a free port of 127.0.0.1, in a daemon thread; stop with `stop_server`."""

    class Handler(BaseHTTPRequestHandler):
        def log_message(self, format: str, *args: Any) -> None:
            return

        def do_GET(self) -> None:
            get(self)

        def do_POST(self) -> None:
            post(self)

    server = _Server(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True).start()
    return server


def stop_server(server: ThreadingHTTPServer | None) -> None:
    if server is not None:
        server.shutdown()
        server.server_close()

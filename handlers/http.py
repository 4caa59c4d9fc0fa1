"""The HTTP door: `POST /slack/events` into Bolt, `GET /healthz` for load balancers, the pages features serve to
browsers (a calendar's sign-in coming back), 404 for the rest."""

from __future__ import annotations

import json
import threading
from collections.abc import Callable, Iterable, Mapping
from typing import TYPE_CHECKING, Any
from urllib.parse import parse_qsl

from slack_bolt import App, BoltRequest, BoltResponse
from slack_bolt.adapter.wsgi import SlackRequestHandler
from slack_bolt.adapter.wsgi.http_request import WsgiHttpRequest
from slack_bolt.adapter.wsgi.http_response import WsgiHttpResponse
from waitress.server import create_server

if TYPE_CHECKING:
    from wsgiref.types import StartResponse, WSGIApplication, WSGIEnvironment

EVENTS_PATH = "/slack/events"
HEALTH_PATH = "/healthz"
# A page a browser GETs: its query parameters in, the page out (as Bolt serves its own install pages).
Page = Callable[[Mapping[str, str]], BoltResponse]


class _EventsHandler(SlackRequestHandler):
    """Bolt's WSGI handler, with one parsing fix.

    Bolt treats any form body that merely contains the text "payload" as an interactive payload and parses
    it as empty when there is no `payload` field, so `/mentor find payload engineering` went unhandled.
    The raw body, which the signature check uses, is left as it is.
    """

    def dispatch(self, request: WsgiHttpRequest) -> BoltResponse:
        bolt_request = BoltRequest(body=request.get_body(), query=request.query_string, headers=request.get_headers())
        if not bolt_request.body and "payload" in bolt_request.raw_body:
            fields = dict(parse_qsl(bolt_request.raw_body, keep_blank_values=True))
            if "payload" not in fields:
                # A request built from the parsed fields gives Bolt's own context for them; the signed raw body
                # and the HTTP mode (so the signature check) stay those of the request as it came.
                bolt_request.body = fields
                bolt_request.context = BoltRequest(body=fields, mode="socket_mode").context
        return self.app.dispatch(bolt_request)


def wsgi_app(bolt_app: App, healthy: Callable[[], bool], pages: Mapping[str, Page] | None = None) -> WSGIApplication:
    slack = _EventsHandler(bolt_app, path=EVENTS_PATH)
    pages = dict(pages or {})

    def application(environ: WSGIEnvironment, start_response: StartResponse) -> Iterable[bytes]:
        page = pages.get(str(environ.get("PATH_INFO"))) if environ.get("REQUEST_METHOD") == "GET" else None
        if page is not None:
            answer = page(dict(parse_qsl(str(environ.get("QUERY_STRING") or ""), keep_blank_values=True)))
            response = WsgiHttpResponse(status=answer.status, headers=answer.headers, body=answer.body)
            start_response(response.status, response.get_headers())
            return response.get_body()
        if environ.get("PATH_INFO") == HEALTH_PATH and environ.get("REQUEST_METHOD") in {"GET", "HEAD"}:
            ok = healthy()
            body = json.dumps({"ok": ok}).encode()
            status = "200 OK" if ok else "503 Service Unavailable"
            start_response(status, [("Content-Type", "application/json"), ("Content-Length", str(len(body)))])
            return [body]
        return slack(environ, start_response)

    return application


class BackgroundServer:
    """The production server (waitress) on a background thread: used by the sandbox, benchmarks and tests."""

    def __init__(self, app: WSGIApplication, host: str = "127.0.0.1", port: int = 0, threads: int = 8) -> None:
        # Typed as Any: waitress's stubs omit the loop internals (trigger, socket map) that a clean stop needs.
        self._server: Any = create_server(app, host=host, port=port, threads=threads, ident="mentorbot")
        self._thread = threading.Thread(target=self._server.run, name="mentorbot-http", daemon=True)

    @property
    def port(self) -> int:
        return int(self._server.effective_port)

    @property
    def events_url(self) -> str:
        return f"http://127.0.0.1:{self.port}{EVENTS_PATH}"

    def start(self) -> BackgroundServer:
        self._thread.start()
        return self

    def stop(self) -> None:
        server = self._server

        def close_everything() -> None:
            # Runs on the server's own loop thread, so no socket is closed under a running select().
            for channel in list(server._map.values()):
                channel.close()

        try:
            server.trigger.pull_trigger(close_everything)
        except OSError:
            # The loop already closed its wake-up pipe (it is ending); close what is left from here.
            close_everything()
        self._thread.join(timeout=5)
        server.task_dispatcher.shutdown()

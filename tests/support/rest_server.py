"""A loopback stand-in for the GitHub REST endpoints trunkgate calls.

Answers come from routes the test declares; every request is recorded (method, path, query,
headers, JSON body), so a test can assert what was called and with which token::

    with RestServer() as api:
        api.route("GET", "/repos/o/r/pulls/7", {"title": "feat: x", "labels": []})
        api.route("GET", "/repos/o/r/pulls/7/reviews", pages=[[...], [...]])
        env["GITHUB_API_URL"] = api.url
        ...
        assert api.calls[0].method == "GET"

A route with ``pages`` answers ``?page=N`` (1 when absent) with that page and a ``Link``
header to the next one, as GitHub does. An unknown route answers 404 with GitHub's body.
``fail_with`` makes every request fail with that status.
"""

from __future__ import annotations

import json
import threading
import urllib.parse
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from types import TracebackType
from typing import Any


@dataclass
class Call:
    method: str
    path: str
    query: dict[str, str]
    headers: dict[str, str]
    body: Any = None


@dataclass
class _Route:
    status: int = 200
    payload: Any = None
    pages: list[Any] | None = None
    headers: dict[str, str] = field(default_factory=dict)


class _Handler(BaseHTTPRequestHandler):
    server: _HTTPServer
    disable_nagle_algorithm = True

    def log_message(self, format: str, *args: Any) -> None:
        pass

    def _answer(self) -> None:
        owner = self.server.owner
        parts = urllib.parse.urlsplit(self.path)
        query = dict(urllib.parse.parse_qsl(parts.query))
        length = int(self.headers.get("Content-Length") or 0)
        raw = self.rfile.read(length) if length else b""
        try:
            body = json.loads(raw) if raw else None
        except ValueError:
            body = raw.decode("utf-8", "replace")
        headers = {key.lower(): value for key, value in self.headers.items()}
        owner.record(Call(self.command, parts.path, query, headers, body))
        if owner.fail_with is not None:
            self._send(owner.fail_with, {"message": f"forced failure {owner.fail_with}"}, {})
            return
        route = owner.routes.get((self.command, parts.path))
        if route is None:
            self._send(404, {"message": "Not Found"}, {})
            return
        extra = dict(route.headers)
        payload = route.payload
        if route.pages is not None:
            page = int(query.get("page", "1"))
            payload = route.pages[page - 1] if 0 < page <= len(route.pages) else []
            if page < len(route.pages):
                following = {**query, "page": str(page + 1)}
                extra["Link"] = (
                    f'<{owner.url}{parts.path}?{urllib.parse.urlencode(following)}>; rel="next"'
                )
        self._send(route.status, payload, extra)

    def _send(self, status: int, payload: Any, headers: dict[str, str]) -> None:
        body = b"" if payload is None else json.dumps(payload).encode("utf-8")
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        for key, value in headers.items():
            self.send_header(key, value)
        self.end_headers()
        self.wfile.write(body)

    do_GET = do_POST = do_PATCH = do_PUT = do_DELETE = _answer


class _HTTPServer(ThreadingHTTPServer):
    daemon_threads = True
    request_queue_size = 64
    owner: RestServer


class RestServer:
    """The REST stand-in on 127.0.0.1, served from a daemon thread; a context manager."""

    def __init__(self) -> None:
        self.routes: dict[tuple[str, str], _Route] = {}
        self.fail_with: int | None = None
        self._calls: list[Call] = []
        self._lock = threading.Lock()
        self._httpd: _HTTPServer | None = None
        self._thread: threading.Thread | None = None

    def route(
        self,
        method: str,
        path: str,
        payload: Any = None,
        *,
        status: int = 200,
        pages: list[Any] | None = None,
        headers: dict[str, str] | None = None,
    ) -> None:
        self.routes[(method, path)] = _Route(status, payload, pages, dict(headers or {}))

    def record(self, call: Call) -> None:
        with self._lock:
            self._calls.append(call)

    @property
    def calls(self) -> list[Call]:
        with self._lock:
            return list(self._calls)

    @property
    def url(self) -> str:
        assert self._httpd is not None, "the server is not started"
        host, port = self._httpd.server_address[:2]
        return f"http://{host!s}:{port}"

    def start(self) -> RestServer:
        self._httpd = _HTTPServer(("127.0.0.1", 0), _Handler)
        self._httpd.owner = self
        self._thread = threading.Thread(target=self._httpd.serve_forever, daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        if self._httpd is not None:
            self._httpd.shutdown()
            self._httpd.server_close()
            self._httpd = None

    def __enter__(self) -> RestServer:
        return self.start()

    def __exit__(
        self,
        kind: type[BaseException] | None,
        value: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.stop()

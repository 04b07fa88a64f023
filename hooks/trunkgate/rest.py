"""The GitHub REST API, for the few calls trunkgate makes: standard library only.

One ``Client`` per run. The base URL is ``GITHUB_API_URL`` (set by the runner; GitHub
Enterprise sets its own), the token ``GITHUB_TOKEN``. Every failure is a ``RestError`` with
one line that names the method, the URL (without query) and what went wrong; the token is
never part of any message. Pagination follows the ``Link: rel="next"`` header, only to the
same scheme, host and port as the base URL, so a token is never sent elsewhere.
"""

from __future__ import annotations

import json
import urllib.error
import urllib.parse
import urllib.request

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Iterator, Mapping
    from typing import Any

DEFAULT_API = "https://api.github.com"
LIMIT = 10 * 1024 * 1024  # a response larger than this is refused
PAGES = 100  # a paginated listing stops with an error past this many pages
TIMEOUT = 10.0


class RestError(Exception):
    """A call that did not answer as expected: one line, safe to print."""


def _origin(url: str) -> tuple[str, str]:
    parts = urllib.parse.urlsplit(url)
    return parts.scheme, parts.netloc


class Client:
    """A GitHub REST client for ``api`` with an optional ``token``."""

    def __init__(self, api: str, token: str | None, *, timeout: float = TIMEOUT) -> None:
        scheme, netloc = _origin(api)
        if scheme not in ("http", "https") or not netloc:
            raise RestError(f"GITHUB_API_URL {api!r}: expected an http(s) URL")
        self.api = api.rstrip("/")
        self.token = token or None
        self.timeout = timeout

    @classmethod
    def from_env(cls, env: Mapping[str, str]) -> Client:
        return cls(env.get("GITHUB_API_URL") or DEFAULT_API, env.get("GITHUB_TOKEN"))

    def url(self, path: str, params: Mapping[str, str | int] | None = None) -> str:
        query = f"?{urllib.parse.urlencode(params)}" if params else ""
        return f"{self.api}/{path.lstrip('/')}{query}"

    # ------------------------------------------------------------------ calls
    def get(self, path: str, params: Mapping[str, str | int] | None = None) -> Any:
        """The decoded JSON of ``GET path``."""
        return self._call("GET", self.url(path, params), None)[0]

    def post(self, path: str, body: object) -> Any:
        return self._call("POST", self.url(path), body)[0]

    def patch(self, path: str, body: object) -> Any:
        return self._call("PATCH", self.url(path), body)[0]

    def paginate(self, path: str, params: Mapping[str, str | int] | None = None) -> Iterator[Any]:
        """Each item of a listing, page after page (``per_page=100``)."""
        url: str | None = self.url(path, {"per_page": 100, **(params or {})})
        pages = 0
        while url is not None:
            pages += 1
            if pages > PAGES:
                raise RestError(f"GET {self.url(path)}: more than {PAGES} pages")
            data, link = self._call("GET", url, None)
            items = data.get("items") if isinstance(data, dict) else data
            if not isinstance(items, list):
                raise RestError(f"GET {self.url(path)}: expected a list, got {type(data).__name__}")
            yield from items
            url = self._next(link)

    def _next(self, link: str) -> str | None:
        for part in link.split(","):
            target, _, rest = part.partition(";")
            if 'rel="next"' in rest:
                url = target.strip().strip("<>")
                if _origin(url) != _origin(self.api):
                    raise RestError(f"a next page on another host was refused: {url.split('?')[0]}")
                return url
        return None

    def _call(self, method: str, url: str, body: object) -> tuple[Any, str]:
        shown = f"{method} {url.split('?')[0]}"
        headers = {
            "Accept": "application/vnd.github+json",
            "X-GitHub-Api-Version": "2022-11-28",
            "User-Agent": "trunkgate",
        }
        if self.token:
            headers["Authorization"] = f"Bearer {self.token}"
        data = None
        if body is not None:
            data = json.dumps(body).encode("utf-8")
            headers["Content-Type"] = "application/json"
        request = urllib.request.Request(url, data=data, headers=headers, method=method)  # noqa: S310
        try:
            # The scheme was checked in __init__ and in _next: only http(s) reaches here. A new
            # opener reads the proxy settings as they are now, not as urlopen's first call saw.
            opener = urllib.request.build_opener()
            with opener.open(request, timeout=self.timeout) as response:
                raw = response.read(LIMIT + 1)
                link = response.headers.get("Link") or ""
        except urllib.error.HTTPError as exc:
            raise RestError(f"{shown}: HTTP {exc.code} {_message(exc)}".rstrip()) from None
        except (urllib.error.URLError, OSError) as exc:
            reason = getattr(exc, "reason", exc)
            raise RestError(f"{shown}: no answer ({reason})") from None
        if len(raw) > LIMIT:
            raise RestError(f"{shown}: the answer is larger than {LIMIT // (1024 * 1024)} MiB")
        if not raw.strip():
            return None, link
        try:
            return json.loads(raw), link
        except (ValueError, RecursionError):
            raise RestError(f"{shown}: the answer is not JSON") from None


def _message(exc: urllib.error.HTTPError) -> str:
    """GitHub's own ``message`` of an error answer, on one line, when there is one."""
    try:
        data = json.loads(exc.read(64 * 1024) or b"null")
    except (ValueError, OSError, RecursionError):
        return ""
    message = data.get("message") if isinstance(data, dict) else None
    return " ".join(str(message).split())[:200] if message else ""

"""A small loopback server that answers the OSV API from a directory of OSV records.

Only the Python standard library is used for the HTTP side; ``packaging`` is imported lazily
to compare versions. pip-audit's OSV service sends one ``POST /v1/query`` per dependency;
``/v1/querybatch`` and ``GET /v1/vulns/<id>`` are answered too.

Manual use::

    python tests/support/osv_server.py tests/data/osv   # prints the query URL first
"""

from __future__ import annotations

import argparse
import contextlib
import json
import re
import threading
from collections.abc import Iterable
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from types import TracebackType
from typing import Any

Record = dict[str, Any]

_NAME_SEPARATORS = re.compile(r"[-_.]+")


def normalize_name(name: str) -> str:
    """PEP 503 normalisation of a package name."""
    return _NAME_SEPARATORS.sub("-", name).lower()


def load_records(directory: str | Path) -> list[Record]:
    """Load every ``*.json`` file of ``directory`` (one OSV record each), sorted by file name."""
    records: list[Record] = []
    for path in sorted(Path(directory).glob("*.json")):
        record = json.loads(path.read_text(encoding="utf-8"))
        if not isinstance(record, dict) or "id" not in record:
            raise ValueError(f"{path.name}: not an OSV record (no 'id')")
        records.append(record)
    return records


def _in_range(version: str, events: list[dict[str, str]]) -> bool:
    """OSV ECOSYSTEM range: introduced <= v < fixed, or introduced <= v <= last_affected."""
    from packaging.version import InvalidVersion, Version

    try:
        wanted = Version(version)
    except InvalidVersion:
        return False

    kinds = ("introduced", "fixed", "last_affected")
    known = [event for event in events if any(kind in event for kind in kinds)]

    def event_version(event: dict[str, str]) -> Version:
        return Version(next(event[kind] for kind in kinds if kind in event))

    affected = False
    for event in sorted(known, key=event_version):
        if "introduced" in event:
            start = event["introduced"]
            affected = affected or start == "0" or wanted >= Version(start)
        elif "fixed" in event:
            affected = affected and wanted < Version(event["fixed"])
        else:
            affected = affected and wanted <= Version(event["last_affected"])
    return affected


def _in_versions(version: str, versions: Iterable[str]) -> bool:
    from packaging.version import InvalidVersion, Version

    listed = list(versions)
    if version in listed:
        return True
    try:
        wanted = Version(version)
    except InvalidVersion:
        return False
    for candidate in listed:
        try:
            if Version(candidate) == wanted:
                return True
        except InvalidVersion:
            continue
    return False


def is_affected(record: Record, name: str, ecosystem: str, version: str | None) -> bool:
    """Whether ``record`` applies to the package (any version when ``version`` is None)."""
    wanted_name = normalize_name(name)
    for affected in record.get("affected", []):
        package = affected.get("package", {})
        if package.get("ecosystem") != ecosystem:
            continue
        if normalize_name(package.get("name", "")) != wanted_name:
            continue
        if version is None:
            return True
        if _in_versions(version, affected.get("versions", [])):
            return True
        for range_ in affected.get("ranges", []):
            if range_.get("type") == "ECOSYSTEM" and _in_range(version, range_.get("events", [])):
                return True
    return False


class _Handler(BaseHTTPRequestHandler):
    server: _HTTPServer
    disable_nagle_algorithm = True  # headers and body go out in two writes

    def log_message(self, format: str, *args: Any) -> None:
        if self.server.owner.verbose:
            super().log_message(format, *args)

    def _send_json(self, status: int, payload: object) -> None:
        body = json.dumps(payload).encode("utf-8")
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def _fail_if_asked(self) -> bool:
        status = self.server.owner.fail_with
        if status is None:
            return False
        self._send_json(status, {"code": 13, "message": f"forced failure {status}"})
        return True

    def do_GET(self) -> None:
        if self._fail_if_asked():
            return
        if self.server.owner.fail_get_with is not None:
            status = self.server.owner.fail_get_with
            self._send_json(status, {"code": 13, "message": f"forced failure {status}"})
            return
        self.server.owner.record_get(self.path)
        prefix = "/v1/vulns/"
        if not self.path.startswith(prefix):
            self._send_json(404, {"code": 5, "message": "Not found."})
            return
        record = self.server.owner.get(self.path[len(prefix) :])
        if record is None:
            self._send_json(404, {"code": 5, "message": "Bug not found."})
        else:
            self._send_json(200, record)

    def do_POST(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        raw = self.rfile.read(length)
        try:
            body = json.loads(raw or b"null")
        except ValueError:
            body = None
        owner = self.server.owner
        owner.record_request(body)
        if self._fail_if_asked():
            return
        if not isinstance(body, dict):
            self._send_json(400, {"code": 3, "message": "Invalid JSON body."})
            return
        if self.path == "/v1/query":
            vulns = owner.query(body)
            self._send_json(200, {"vulns": vulns} if vulns else {})
        elif self.path == "/v1/querybatch":
            results = []
            for query in body.get("queries", []):
                found = owner.query(query) if isinstance(query, dict) else []
                brief = [{"id": v["id"], "modified": v.get("modified")} for v in found]
                results.append({"vulns": brief} if brief else {})
            self._send_json(200, {"results": results})
        else:
            self._send_json(404, {"code": 5, "message": "Not found."})


class _HTTPServer(ThreadingHTTPServer):
    daemon_threads = True
    request_queue_size = 64  # the default 5 drops bursts of connects (1 s SYN retry)
    owner: OSVServer


class OSVServer:
    """OSV API on 127.0.0.1, served from a daemon thread; use it as a context manager.

        ``url`` is the ``/v1/query`` endpoint to hand to ``pip-audit --osv-url``. ``requests`` is a
        snapshot of the decoded JSON bodies of the POSTs received so far (``None`` for a body that
        was not JSON), ``gets`` the paths of the GETs. Set ``fail_with`` to an HTTP status to make
    every request fail with it, ``fail_get_with`` to fail only the GETs of records by id.
    """

    def __init__(self, records_dir: str | Path, *, port: int = 0, verbose: bool = False) -> None:
        self.records: list[Record] = load_records(records_dir)
        self.fail_with: int | None = None
        self.fail_get_with: int | None = None  # GET /v1/vulns/<id> only
        self.gets: list[str] = []  # the paths of the GETs received
        self.verbose = verbose
        self._port = port
        self._lock = threading.Lock()
        self._requests: list[Any] = []
        self._httpd: _HTTPServer | None = None
        self._thread: threading.Thread | None = None

    # -- data -------------------------------------------------------------------------------
    def get(self, vuln_id: str) -> Record | None:
        """The record with this id (withdrawn ones included, as OSV does)."""
        return next((record for record in self.records if record["id"] == vuln_id), None)

    def query(self, query: dict[str, Any]) -> list[Record]:
        """Non-withdrawn records matching an OSV query ``{"package": {...}, "version": ...}``."""
        package = query.get("package")
        if not isinstance(package, dict) or not package.get("name"):
            return []
        name = str(package["name"])
        ecosystem = str(package.get("ecosystem", "PyPI"))
        version = query.get("version")
        version = None if version is None else str(version)
        return [
            record
            for record in self.records
            if not record.get("withdrawn") and is_affected(record, name, ecosystem, version)
        ]

    def record_get(self, path: str) -> None:
        with self._lock:
            self.gets.append(path)

    def record_request(self, body: Any) -> None:
        with self._lock:
            self._requests.append(body)

    @property
    def requests(self) -> list[Any]:
        with self._lock:
            return list(self._requests)

    def clear_requests(self) -> None:
        with self._lock:
            self._requests.clear()

    # -- lifecycle --------------------------------------------------------------------------
    @property
    def port(self) -> int:
        if self._httpd is None:
            raise RuntimeError("OSVServer is not running")
        return int(self._httpd.server_address[1])

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def url(self) -> str:
        return f"{self.base_url}/v1/query"

    def start(self) -> OSVServer:
        if self._httpd is not None:
            raise RuntimeError("OSVServer already started")
        httpd = _HTTPServer(("127.0.0.1", self._port), _Handler)
        httpd.owner = self
        self._httpd = httpd
        self._thread = threading.Thread(
            target=httpd.serve_forever,
            kwargs={"poll_interval": 0.05},
            name="osv-server",
            daemon=True,
        )
        self._thread.start()
        return self

    def stop(self) -> None:
        httpd, self._httpd = self._httpd, None
        if httpd is None:
            return
        httpd.shutdown()
        httpd.server_close()
        if self._thread is not None:
            self._thread.join(timeout=5)
            self._thread = None

    def __enter__(self) -> OSVServer:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Serve OSV records from a directory.")
    parser.add_argument("directory", help="directory of OSV records (*.json)")
    parser.add_argument("--port", type=int, default=0, help="port on 127.0.0.1 (default: any)")
    parser.add_argument("-v", "--verbose", action="store_true", help="log each request")
    args = parser.parse_args(argv)
    server = OSVServer(args.directory, port=args.port, verbose=args.verbose)
    with server:
        print(server.url, flush=True)
        with contextlib.suppress(KeyboardInterrupt):
            threading.Event().wait()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

"""The loopback OSV server, on its own and behind the real pip-audit (fully offline).

Every pip-audit run gets HTTP(S)_PROXY pointing at a closed port with only the loopback
addresses exempt, so any request to anything but the test server fails.
"""

from __future__ import annotations

import json
import os
import select
import shutil
import subprocess
import sys
import threading
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.support.osv_server import OSVServer

HERE = Path(__file__).resolve().parent
OSV_DATA = HERE / "data" / "osv"
DEAD_PROXY = "http://127.0.0.1:9"
_NO_PROXY = urllib.request.build_opener(urllib.request.ProxyHandler({}))


@pytest.fixture
def osv() -> Iterator[OSVServer]:
    with OSVServer(OSV_DATA) as server:
        yield server


def call(server: OSVServer, path: str, body: object = None) -> tuple[int, Any]:
    """GET (no body) or POST JSON to the server, bypassing any proxy settings."""
    data = None if body is None else json.dumps(body).encode()
    request = urllib.request.Request(server.base_url + path, data=data)
    try:
        with _NO_PROXY.open(request, timeout=10) as response:
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as error:
        return error.code, json.loads(error.read())


def query_ids(server: OSVServer, name: str, version: str, ecosystem: str = "PyPI") -> list[str]:
    status, payload = call(
        server, "/v1/query", {"package": {"name": name, "ecosystem": ecosystem}, "version": version}
    )
    assert status == 200
    if not payload:
        assert payload == {}
        return []
    return [vuln["id"] for vuln in payload["vulns"]]


# -- the server on its own -------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "version", "expected"),
    [
        ("requests", "2.25.0", ["PYSEC-2023-74"]),
        ("requests", "2.3.0", ["PYSEC-2023-74"]),
        ("requests", "2.2.1", []),
        ("requests", "2.31.0", []),
        ("urllib3", "1.26.4", ["PYSEC-2021-108"]),
        ("urllib3", "1.26.5", []),
        ("PyYAML", "5.3", ["PYSEC-2021-142"]),
        ("pyyaml", "5.4", []),
        ("Jinja2", "2.11.2", ["PYSEC-2021-66"]),
        ("jinja2", "2.11.3", []),
        ("trunkgate-demo-pkg", "0.9", []),
        ("trunkgate-demo-pkg", "1.0", ["TRUNKGATE-TEST-0002"]),
        ("TRUNKGATE_DEMO.pkg", "1.4.2", ["TRUNKGATE-TEST-0002"]),
        ("trunkgate-demo-pkg", "1.4.3", []),
        ("trunkgate-listed-pkg", "0.3.1", ["TRUNKGATE-TEST-0003"]),
        ("trunkgate-listed-pkg", "0.3.2", []),
        ("no-such-package", "1.0", []),
    ],
)
def test_query_matches_like_osv(
    osv: OSVServer, name: str, version: str, expected: list[str]
) -> None:
    assert query_ids(osv, name, version) == expected


def test_query_checks_the_ecosystem(osv: OSVServer) -> None:
    assert query_ids(osv, "requests", "2.25.0", ecosystem="npm") == []


def test_query_without_version_lists_every_live_record_of_the_package(osv: OSVServer) -> None:
    status, payload = call(osv, "/v1/query", {"package": {"name": "requests", "ecosystem": "PyPI"}})
    assert status == 200
    assert [vuln["id"] for vuln in payload["vulns"]] == ["PYSEC-2023-74"]


def test_withdrawn_record_is_never_matched_but_can_be_fetched(osv: OSVServer) -> None:
    for version in ("0.1", "2.25.0", "2.32.3", "99"):
        assert "TRUNKGATE-TEST-0001" not in query_ids(osv, "requests", version)
    status, record = call(osv, "/v1/vulns/TRUNKGATE-TEST-0001")
    assert status == 200
    assert record["withdrawn"]


def test_get_vuln_by_id(osv: OSVServer) -> None:
    status, record = call(osv, "/v1/vulns/PYSEC-2023-74")
    assert status == 200
    assert record["aliases"][0] == "CVE-2023-32681"
    assert call(osv, "/v1/vulns/PYSEC-0000-0")[0] == 404


def test_querybatch(osv: OSVServer) -> None:
    queries = [
        {"package": {"name": "requests", "ecosystem": "PyPI"}, "version": "2.25.0"},
        {"package": {"name": "requests", "ecosystem": "PyPI"}, "version": "2.32.3"},
        {"package": {"name": "pyyaml", "ecosystem": "PyPI"}, "version": "5.3"},
    ]
    status, payload = call(osv, "/v1/querybatch", {"queries": queries})
    assert status == 200
    results = payload["results"]
    assert [[vuln["id"] for vuln in r.get("vulns", [])] for r in results] == [
        ["PYSEC-2023-74"],
        [],
        ["PYSEC-2021-142"],
    ]
    assert results[1] == {}
    assert set(results[0]["vulns"][0]) == {"id", "modified"}


def test_bad_requests(osv: OSVServer) -> None:
    request = urllib.request.Request(osv.url, data=b"{not json")
    with pytest.raises(urllib.error.HTTPError) as caught:
        _NO_PROXY.open(request, timeout=10)
    assert caught.value.code == 400
    assert call(osv, "/v1/nothing", {})[0] == 404
    assert call(osv, "/v2/vulns/PYSEC-2023-74")[0] == 404
    assert osv.requests == [None, {}]


def test_fail_with_makes_every_endpoint_fail(osv: OSVServer) -> None:
    osv.fail_with = 503
    body = {"package": {"name": "requests", "ecosystem": "PyPI"}, "version": "2.25.0"}
    assert call(osv, "/v1/query", body)[0] == 503
    assert call(osv, "/v1/vulns/PYSEC-2023-74")[0] == 503
    assert osv.requests == [body]
    osv.fail_with = None
    assert call(osv, "/v1/query", body)[0] == 200


def test_requests_are_recorded_from_concurrent_clients(osv: OSVServer) -> None:
    def client(index: int) -> None:
        for version in range(5):
            query_ids(osv, f"pkg-{index}", f"1.{version}")

    threads = [threading.Thread(target=client, args=(i,)) for i in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    seen = {(r["package"]["name"], r["version"]) for r in osv.requests}
    assert len(osv.requests) == 40
    assert seen == {(f"pkg-{i}", f"1.{v}") for i in range(8) for v in range(5)}
    osv.clear_requests()
    assert osv.requests == []


def test_binds_loopback_ephemeral_port_and_stops() -> None:
    server = OSVServer(OSV_DATA)
    with server:
        assert server.url == f"http://127.0.0.1:{server.port}/v1/query"
        assert server.port != 0
        url = server.url
    with pytest.raises(urllib.error.URLError):
        _NO_PROXY.open(urllib.request.Request(url, data=b"{}"), timeout=5)


def test_main_serves_a_directory_and_prints_the_url_first() -> None:
    script = HERE / "support" / "osv_server.py"
    proc = subprocess.Popen(
        [sys.executable, str(script), str(OSV_DATA)],
        stdout=subprocess.PIPE,
        stdin=subprocess.DEVNULL,
        text=True,
    )
    try:
        assert proc.stdout is not None
        ready, _, _ = select.select([proc.stdout], [], [], 10)
        assert ready, "osv_server.py printed nothing within 10 s"
        url = proc.stdout.readline().strip()
        assert url.startswith("http://127.0.0.1:")
        assert url.endswith("/v1/query")
        body = json.dumps({"package": {"name": "urllib3", "ecosystem": "PyPI"}, "version": "1.25"})
        with _NO_PROXY.open(urllib.request.Request(url, data=body.encode()), timeout=10) as resp:
            assert [v["id"] for v in json.loads(resp.read())["vulns"]] == ["PYSEC-2021-108"]
    finally:
        proc.terminate()
        proc.wait(timeout=10)


# -- the real pip-audit against it -------------------------------------------------------------


def pip_audit_exe() -> str:
    found = shutil.which("pip-audit", path=str(Path(sys.executable).parent))
    if found is None:
        pytest.fail("pip-audit is not installed next to this Python (see requirements-dev.txt)")
    return found


def offline_env() -> dict[str, str]:
    proxy_vars = {"HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY", "NO_PROXY"}
    env = {
        key: value
        for key, value in os.environ.items()
        if key.upper() not in proxy_vars and not key.upper().startswith("PIP_AUDIT_")
    }
    for name in ("HTTP_PROXY", "HTTPS_PROXY"):
        env[name] = env[name.lower()] = DEAD_PROXY
    env["NO_PROXY"] = env["no_proxy"] = "127.0.0.1,localhost"
    return env


def pip_audit(
    tmp_path: Path, osv_url: str | None, requirements: list[str], *extra: str
) -> tuple[subprocess.CompletedProcess[str], dict[str, Any] | None]:
    """Run pip-audit on pinned requirements; return the process and its JSON report, if any."""
    req = tmp_path / "requirements.txt"
    req.write_text("\n".join(requirements) + "\n", encoding="utf-8")
    out = tmp_path / "audit.json"
    out.unlink(missing_ok=True)
    url_args = [] if osv_url is None else ["--osv-url", osv_url]
    cmd = [
        pip_audit_exe(),
        *("-r", str(req), "-s", "osv", *url_args, "--no-deps", "--disable-pip"),
        *("--format", "json", "-o", str(out), "--cache-dir", str(tmp_path / "cache")),
        *("--progress-spinner", "off", *extra),
    ]
    proc = subprocess.run(
        cmd,
        env=offline_env(),
        stdin=subprocess.DEVNULL,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    report = json.loads(out.read_text(encoding="utf-8")) if out.exists() else None
    return proc, report


def vulns_by_package(report: dict[str, Any] | None) -> dict[str, list[dict[str, Any]]]:
    assert report is not None, "pip-audit wrote no report"
    return {dep["name"]: dep["vulns"] for dep in report["dependencies"]}


def test_pip_audit_reports_the_known_vulnerabilities(osv: OSVServer, tmp_path: Path) -> None:
    requirements = ["requests==2.25.0", "urllib3==1.26.4", "Jinja2==2.11.2", "PyYAML==5.3"]
    proc, report = pip_audit(tmp_path, osv.url, requirements)
    assert proc.returncode == 1, proc.stderr
    found = vulns_by_package(report)
    expected = {
        "requests": ("PYSEC-2023-74", "CVE-2023-32681", "2.31.0"),
        "urllib3": ("PYSEC-2021-108", "CVE-2021-33503", "1.26.5"),
        "jinja2": ("PYSEC-2021-66", "CVE-2020-28493", "2.11.3"),
        "pyyaml": ("PYSEC-2021-142", "CVE-2020-14343", "5.4"),
    }
    assert set(found) == set(expected)
    for name, (vuln_id, alias, fixed) in expected.items():
        [vuln] = found[name]
        assert vuln["id"] == vuln_id
        assert alias in vuln["aliases"]
        assert vuln["fix_versions"] == [fixed]
    assert "TRUNKGATE-TEST-0001" not in json.dumps(report)
    assert sorted(osv.requests, key=lambda r: r["package"]["name"]) == [
        {"package": {"name": name, "ecosystem": "PyPI"}, "version": version}
        for name, version in [
            ("jinja2", "2.11.2"),
            ("pyyaml", "5.3"),
            ("requests", "2.25.0"),
            ("urllib3", "1.26.4"),
        ]
    ]


def test_pip_audit_fixed_versions_are_clean(osv: OSVServer, tmp_path: Path) -> None:
    # requests is still covered by the withdrawn synthetic record, which must not count.
    requirements = ["requests==2.31.0", "urllib3==1.26.5", "jinja2==2.11.3", "pyyaml==5.4"]
    proc, report = pip_audit(tmp_path, osv.url, requirements)
    assert proc.returncode == 0, proc.stderr
    assert vulns_by_package(report) == {
        "requests": [],
        "urllib3": [],
        "jinja2": [],
        "pyyaml": [],
    }
    assert len(osv.requests) == 4


@pytest.mark.parametrize(
    ("version", "expected"),
    [("1.0", ["TRUNKGATE-TEST-0002"]), ("1.4.2", ["TRUNKGATE-TEST-0002"]), ("1.4.3", [])],
)
def test_pip_audit_last_affected_boundaries(
    osv: OSVServer, tmp_path: Path, version: str, expected: list[str]
) -> None:
    proc, report = pip_audit(tmp_path, osv.url, [f"trunkgate-demo-pkg=={version}"])
    assert proc.returncode == (1 if expected else 0), proc.stderr
    vulns = vulns_by_package(report)["trunkgate-demo-pkg"]
    assert [vuln["id"] for vuln in vulns] == expected
    for vuln in vulns:
        assert vuln["fix_versions"] == []
        assert vuln["aliases"] == ["TRUNKGATE-ALIAS-0002"]


def test_pip_audit_explicit_versions_list(osv: OSVServer, tmp_path: Path) -> None:
    requirements = ["trunkgate-listed-pkg==0.3.1", "trunkgate-demo-pkg==0.9"]
    proc, report = pip_audit(tmp_path, osv.url, requirements)
    assert proc.returncode == 1, proc.stderr
    found = vulns_by_package(report)
    assert [vuln["id"] for vuln in found["trunkgate-listed-pkg"]] == ["TRUNKGATE-TEST-0003"]
    assert found["trunkgate-demo-pkg"] == []


def test_pip_audit_ignore_vuln_by_alias(osv: OSVServer, tmp_path: Path) -> None:
    proc, report = pip_audit(
        tmp_path, osv.url, ["requests==2.25.0"], "--ignore-vuln", "CVE-2023-32681"
    )
    assert proc.returncode == 0, proc.stderr
    assert vulns_by_package(report) == {"requests": []}


def test_pip_audit_fails_when_the_service_is_broken(osv: OSVServer, tmp_path: Path) -> None:
    osv.fail_with = 500
    proc, report = pip_audit(tmp_path, osv.url, ["requests==2.25.0"])
    assert proc.returncode != 0
    assert report is None
    assert "ServiceError" in proc.stderr
    assert osv.requests == [
        {"package": {"name": "requests", "ecosystem": "PyPI"}, "version": "2.25.0"}
    ]


def test_pip_audit_reaches_nothing_but_the_loopback_server(tmp_path: Path) -> None:
    # Without --osv-url pip-audit goes to the public OSV API: the dead proxy must stop it.
    proc, report = pip_audit(tmp_path, None, ["requests==2.25.0"])
    assert proc.returncode != 0
    assert report is None
    assert "ProxyError" in proc.stderr

"""The audit gate: the real pip-audit against the loopback OSV server, fully offline.

Every test runs with HTTP(S)_PROXY pointing at a closed port and only the loopback
addresses exempt, so nothing but the test's own OSV server can be reached.
"""

from __future__ import annotations

import datetime
import json
import os
import sys
import zipfile
from pathlib import Path

import pytest

from tests.support.cli import run_cli
from tests.support.osv_server import OSVServer
from tests.support.runner import outputs
from trunkgate import config, flags, lockfiles, pip_audit_api, report, requirements
from trunkgate.change import Change
from trunkgate.context import Context
from trunkgate.gates import audit

OSV_DATA = Path(__file__).resolve().parent / "data" / "osv"
DEAD_PROXY = "http://127.0.0.1:9"
FUTURE = "2099-12-31"
PAST = "2020-01-01"
VULNERABLE = "requests==2.25.0\nurllib3==1.26.4\n"
FIXED = "requests==2.31.0\nurllib3==1.26.5\n"
REQUESTS_74_TEXT = (
    "requests 2.25.0: PYSEC-2023-74 (CVE-2023-32681, GHSA-j8r2-6x86-q33q), fixed in 2.31.0"
)
REQUESTS_74 = (
    f"{REQUESTS_74_TEXT}; severity unknown (no severity in PYSEC-2023-74 or its aliases' "
    "records), counted as high (unknown-severity)"
)
URLLIB3_108 = (
    "urllib3 1.26.4: PYSEC-2021-108 (CVE-2021-33503), fixed in 1.26.5; "
    "severity high (CVSS 7.5, CVSS_V3 of PYSEC-2021-108)"
)
PINNED = "all pinned with ==: no resolver, no package index"


@pytest.fixture(autouse=True)
def offline(monkeypatch: pytest.MonkeyPatch) -> None:
    """No proxy but a dead one, no pip or pip-audit settings from this machine."""
    for name in list(os.environ):
        upper = name.upper()
        proxy = upper in {"HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY", "NO_PROXY"}
        if proxy or upper.startswith(("PIP_", "PIPAPI_")) or upper == "VIRTUAL_ENV":
            monkeypatch.delenv(name)
    for name in ("HTTP_PROXY", "HTTPS_PROXY"):
        monkeypatch.setenv(name, DEAD_PROXY)
        monkeypatch.setenv(name.lower(), DEAD_PROXY)
    monkeypatch.setenv("NO_PROXY", "127.0.0.1,localhost")
    monkeypatch.setenv("no_proxy", "127.0.0.1,localhost")


@pytest.fixture
def osv():
    with OSVServer(OSV_DATA) as server:
        yield server


def run(capsys, *argv: str) -> tuple[int, str, str]:
    code = run_cli("audit", list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def as_json(capsys, *argv: str) -> tuple[int, dict]:
    code, out, err = run(capsys, *argv, "--format", "json")
    assert out, err
    return code, json.loads(out)


def located(data: dict) -> list[tuple[str | None, int | None, str, str]]:
    return [(f["file"], f["line"], f["rule"], f["message"]) for f in data["findings"]]


def queried(server: OSVServer) -> list[tuple[str, str]]:
    return sorted((r["package"]["name"], r["version"]) for r in server.requests)


def policy_file(repo, table: str) -> None:
    repo.write("pyproject.toml", f"[tool.trunkgate.audit]\n{table}\n")


# --------------------------------------------------------------------------- pure


def test_parse_requirements_reads_pins_lines_and_includes():
    text = (
        "# comment\n"
        "requests==2.25.0  # pinned\n"
        "\n"
        "urllib3 >= 1.26 \\\n"
        "    ; python_version >= '3'\n"
        "-r more.txt\n"
        "--requirement=other.txt\n"
        "-rthird.txt\n"
        "--requirement   fourth.txt  # spaced\n"
        "--requirements nope.txt\n"
        "-r\n"
        "six==1.16.0; platform_machine != 'x#y'  # only '#' after a space starts a comment\n"
        "-c constraints.txt\n"
        "-e ./local\n"
        "--index-url https://example.invalid/simple\n"
        "Jinja2==2.11.2 --hash=sha256:0123\n"
        "flask==2.*\n"
        "old==1.0; python_version < '3'\n"
        "pkg @ https://example.invalid/pkg-1.0.whl\n"
        "https://example.invalid/other-1.0.tar.gz\n"
        "./vendored\n"
        "PyYAML===5.3\n"
        "-e .[dev, test]\n"
        "--editable=../lib\n"
        "-e git+https://example.invalid/x.git#egg=x\n"
        ".\n"
    )
    reqs, includes, projects = requirements.parse_requirements(text, "requirements.txt")
    assert [(r.name, r.version, r.line, r.skip) for r in reqs] == [
        ("requests", "2.25.0", 2, None),
        ("urllib3", None, 4, None),
        ("six", "1.16.0", 12, None),
        ("jinja2", "2.11.2", 16, None),
        ("flask", None, 17, None),
        ("pkg @ https://example.invalid/pkg-1.0.whl", None, 19, "a URL or path names no version"),
        (
            "https://example.invalid/other-1.0.tar.gz",
            None,
            20,
            "a URL or path names no version",
        ),
        ("pyyaml", None, 22, None),
    ]
    assert reqs[0].text == "requests==2.25.0"
    assert repr(reqs[0]) == "Requirement(requirements.txt:2: 'requests==2.25.0')"
    assert includes == ["more.txt", "other.txt", "third.txt", "fourth.txt"]
    assert [(p.path, p.extras, p.line) for p in projects] == [
        ("./local", [], 14),
        ("./vendored", [], 21),
        (".", ["dev", "test"], 23),
        ("../lib", [], 24),
        (".", [], 26),
    ]


def test_parse_requirements_ends_on_a_continuation():
    reqs, _, _ = requirements.parse_requirements("requests==2.25.0 \\", "r.txt")
    assert [(r.name, r.version) for r in reqs] == [("requests", "2.25.0")]
    assert requirements.parse_requirements("# only \\", "r.txt") == ([], [], [])


@pytest.mark.parametrize("text", ["requests>=<", "!!!", "requests==", "a b c"])
def test_parse_requirement_refuses_what_is_not_a_requirement(text):
    with pytest.raises(report.UsageError) as caught:
        requirements.parse_requirements(f"urllib3==1.26.4\n{text}\n", "req/dev.txt")
    message = str(caught.value)
    assert message.startswith(f"req/dev.txt:2: cannot parse {text!r} as a requirement (")
    assert "expected a name and version such as requests==2.31.0" in message
    assert "\n" not in message


def test_project_dependencies_with_lines():
    text = (
        '[build-system]\nrequires = ["requests==1.0"]\n\n'
        "[project]\n"
        'name = "demo"\n'
        "dependencies = [\n"
        '  "requests==2.25.0",\n'
        "  'urllib3>=1.26',\n"
        "  \"old==1.0; python_version < '3'\",\n"
        "]\n"
    )
    reqs = requirements.project_dependencies(text, "pyproject.toml")
    assert reqs is not None
    assert [(r.name, r.version, r.file, r.line) for r in reqs] == [
        ("requests", "2.25.0", "pyproject.toml", 7),
        ("urllib3", None, "pyproject.toml", 8),
    ]


def test_project_dependencies_absent_or_malformed():
    assert requirements.project_dependencies("[tool.x]\na = 1\n", "pyproject.toml") is None
    assert requirements.project_dependencies('[project]\nname = "x"\n', "pyproject.toml") is None
    with pytest.raises(report.UsageError, match=r"pyproject.toml: \[project\] dependencies: "):
        requirements.project_dependencies("[project]\ndependencies = [1]\n", "pyproject.toml")
    with pytest.raises(report.UsageError, match=r"^pyproject.toml: invalid TOML"):
        requirements.project_dependencies("[project\n", "pyproject.toml")


def test_advisory_text():
    vuln = {"id": "PYSEC-1", "fix_versions": ["1.2", "2.0.1"], "aliases": ["GHSA-x", "CVE-2"]}
    assert audit.advisory_text("pkg", "1.0", vuln) == (
        "pkg 1.0: PYSEC-1 (CVE-2, GHSA-x), fixed in 1.2, 2.0.1"
    )
    bare = {"id": "X-1", "fix_versions": [], "aliases": []}
    assert audit.advisory_text("pkg", "1.0", bare) == "pkg 1.0: X-1, no fixed version yet"


def _source() -> audit.Source:
    reqs = [requirements.Requirement("requests", "2.25.0", "requests==2.25.0", "r.txt", 3)]
    return audit.Source("requirements", "r.txt", files=["/x/r.txt"], requirements=reqs)


def test_check_report_applies_ignores_by_id_or_alias_until_their_date():
    today = datetime.date(2026, 6, 1)
    deps = [
        {
            "name": "requests",
            "version": "2.25.0",
            "vulns": [
                {"id": "PYSEC-1", "fix_versions": ["2.31.0"], "aliases": ["CVE-1"]},
                {"id": "PYSEC-2", "fix_versions": [], "aliases": ["CVE-2"]},
                {"id": "PYSEC-3", "fix_versions": [], "aliases": []},
                "not a vulnerability",
            ],
        },
        {"name": "other", "version": "1.0", "vulns": []},
        {"name": "-e ./x", "skip_reason": "could not deduce package version"},
        "not a dependency",
    ]
    ignores = [
        {"id": "cve-1", "reason": "not reachable", "until": datetime.date(2026, 6, 1)},
        {"id": "PYSEC-2", "reason": "too old", "until": datetime.date(2026, 5, 31)},
    ]
    verdict = audit.check_report(deps, ignores, today, _source())
    assert verdict.findings == [
        report.Finding(
            "PYSEC-2",
            "requests 2.25.0: PYSEC-2 (CVE-2), no fixed version yet",
            file="r.txt",
            line=3,
        ),
        report.Finding(
            "PYSEC-3", "requests 2.25.0: PYSEC-3, no fixed version yet", file="r.txt", line=3
        ),
    ]
    assert verdict.notes == [
        "ignored requests 2.25.0: PYSEC-1 (CVE-1), fixed in 2.31.0 (until 2026-06-01): "
        "not reachable",
        "not audited: -e ./x (could not deduce package version)",
    ]
    assert (verdict.vulnerabilities, verdict.ignored) == (3, 1)
    assert verdict.used == [ignores[0]]


def test_check_report_refuses_an_unexpected_report():
    with pytest.raises(report.UsageError, match="pip-audit: expected a JSON list"):
        audit.check_report({"dependencies": 1}, [], datetime.date.today(), _source())


def test_a_package_not_in_any_file_has_no_location():
    deps = [{"name": "idna", "version": "2.0", "vulns": [{"id": "X-1", "aliases": None}]}]
    verdict = audit.check_report(deps, [], datetime.date.today(), _source())
    assert verdict.findings == [report.Finding("X-1", "idna 2.0: X-1, no fixed version yet")]


def test_check_ignores_reports_expired_entries_where_they_are_written():
    today = datetime.date(2026, 6, 1)
    ignores = [
        {"id": "PYSEC-1", "reason": "r1", "until": datetime.date(2026, 6, 1)},
        {"id": "PYSEC-2", "reason": "r2", "until": datetime.date(2026, 5, 31)},
    ]
    text = '[tool.trunkgate.audit]\nignore = [\n  {id = "PYSEC-1"},\n  {id = "PYSEC-2"},\n]\n'
    found = audit.check_ignores(ignores, today, "pyproject.toml", text)
    assert found == [
        report.Finding(
            "ignore-expired",
            "the ignore entry for PYSEC-2 expired on 2026-05-31 (reason given: r2); fix the "
            "vulnerability, or review the reason and set a new until date",
            file="pyproject.toml",
            line=4,
        )
    ]
    assert [f.line for f in audit.check_ignores(ignores, today)] == [None]
    elsewhere = audit.check_ignores(ignores, today, ".trunkgate.toml", "[audit]\n")
    assert [(f.file, f.line) for f in elsewhere] == [(".trunkgate.toml", None)]


@pytest.mark.parametrize(
    ("stderr", "expected"),
    [
        (
            "Traceback (most recent call last):\n"
            "requests.exceptions.HTTPError: 500 Server Error: Internal Server Error for url: "
            "http://127.0.0.1:1/v1/query\n\nThe above exception was the direct cause\n"
            "pip_audit._service.interface.ServiceError\n",
            "500 Server Error: Internal Server Error",
        ),
        (
            "requests.exceptions.ConnectionError: HTTPConnectionPool(host='127.0.0.1', port=1): "
            'Max retries exceeded (Caused by NewConnectionError("...: [Errno 111] Connection '
            'refused"))\n',
            "[Errno 111] Connection refused",
        ),
        (
            "requests.exceptions.ProxyError: HTTPConnectionPool(host='127.0.0.1', port=9): "
            "Max retries exceeded (Caused by ProxyError('Unable to connect to proxy', "
            'NewConnectionError("...: [Errno 111] Connection refused")))\n',
            "cannot connect to the proxy ([Errno 111] Connection refused)",
        ),
        (
            "requests.exceptions.ConnectionError: HTTPSConnectionPool(host='osv.invalid'): "
            "(Caused by NameResolutionError(\"...: Failed to resolve 'osv.invalid' "
            '([Errno -2] Name or service not known)"))\n',
            "[Errno -2] Name or service not known",
        ),
        (
            "requests.exceptions.JSONDecodeError: Expecting value: line 1 column 1 (char 0)\n",
            "the answer was not JSON (Expecting value: line 1 column 1 (char 0))",
        ),
        ("pip_audit._service.interface.ServiceError\n", "ServiceError"),
        (
            # A chained traceback, as pip-audit prints it: the outer requests error wins.
            "ConnectionRefusedError: [Errno 111] Connection refused\n"
            "urllib3.exceptions.NewConnectionError: HTTPSConnection(host='127.0.0.1', port=9): "
            "Failed to establish a new connection: [Errno 111] Connection refused\n"
            "urllib3.exceptions.ProxyError: ('Unable to connect to proxy', ...)\n"
            "requests.exceptions.ProxyError: HTTPSConnectionPool(host='api.osv.dev', port=443): "
            "Max retries exceeded (Caused by ProxyError('Unable to connect to proxy', "
            'NewConnectionError("...: [Errno 111] Connection refused")))\n',
            "cannot connect to the proxy ([Errno 111] Connection refused)",
        ),
        (
            "ERROR:pip_audit._cli:Could not connect to OSV's vulnerability feed\n"
            "ERROR:pip_audit._cli:Tip: your network may be blocking this service.\n",
            "the connection timed out",
        ),
        ("ERROR:pip_audit._cli:invalid requirements input: r.txt\n", None),
        ("", None),
    ],
)
def test_service_problem(stderr, expected):
    assert pip_audit_api.service_problem(stderr) == expected


def test_merge_requirement_flags():
    merge = audit.prepare_argv
    assert merge(["--requirement", "a.txt", "x", "--requirement=b.txt,c.txt"]) == [
        "--requirement",
        "a.txt,b.txt,c.txt",
        "x",
    ]
    assert merge(["--all", "--", "--requirement", "f"]) == ["--all", "--", "--requirement", "f"]
    assert merge(["--requirement"]) == ["--requirement"]
    assert merge([]) == []


def test_osv_url_precedence(repo):
    policy_file(repo, 'osv-url = "http://file.invalid/v1/query"')
    opts, policy = flags.parse_args("trunkgate audit", "audit", [], audit.ARGS, "", "")
    env = {"PIP_AUDIT_OSV_URL": "http://env.invalid/v1/query"}
    assert audit.osv_url(policy, opts, Context(env)) == "http://env.invalid/v1/query"
    assert audit.osv_url(policy, opts, Context({})) == "http://file.invalid/v1/query"
    opts, policy = flags.parse_args(
        "trunkgate audit",
        "audit",
        ["--osv-url", "http://flag.invalid/v1/query"],
        audit.ARGS,
        "",
        "",
    )
    assert audit.osv_url(policy, opts, Context(env)) == "http://flag.invalid/v1/query"
    repo.write("pyproject.toml", "")
    opts, policy = flags.parse_args("trunkgate audit", "audit", [], audit.ARGS, "", "")
    assert audit.osv_url(policy, opts, Context({})) == audit.DEFAULT_OSV_URL


def test_cache_dir(repo, tmp_path):
    _opts, policy = flags.parse_args("trunkgate audit", "audit", [], audit.ARGS, "", "")
    ctx = Context({"TRUNKGATE_CACHE_DIR": str(tmp_path / "c")})
    assert audit.cache_dir(policy, ctx) == str(tmp_path / "c" / "pip-audit")
    ctx = Context({"XDG_CACHE_HOME": str(tmp_path / "x")})
    assert audit.cache_dir(policy, ctx) == str(tmp_path / "x" / "trunkgate" / "pip-audit")
    policy_file(repo, 'cache-dir = ".cache/audit"')
    _, policy = flags.parse_args("trunkgate audit", "audit", [], audit.ARGS, "", "")
    assert audit.cache_dir(policy, ctx) == str(repo.path / ".cache" / "audit")


# --------------------------------------------------------------------------- requirements files


def test_vulnerable_pins_fail_with_file_and_line(repo, osv, capsys):
    repo.write("requirements.txt", "\ufeff# runtime\n" + VULNERABLE)
    code, out, err = run(capsys, "--osv-url", osv.url)
    assert code == 1, err
    assert f"requirements.txt:2: PYSEC-2023-74: {REQUESTS_74}" in out
    assert f"requirements.txt:3: PYSEC-2021-108: {URLLIB3_108}" in out
    assert PINNED in out
    assert f"vulnerability service: OSV at {osv.url}" in out
    assert "accept it for a while" in out  # the how-to-fix block
    assert out.rstrip().endswith("trunkgate audit: failed (2 errors)")
    assert queried(osv) == [("requests", "2.25.0"), ("urllib3", "1.26.4")]


def test_fixed_pins_pass(repo, osv, capsys):
    repo.write("requirements.txt", FIXED)
    code, out, err = run(capsys, "--osv-url", osv.url)
    assert code == 0, err
    assert "PYSEC" not in out
    assert "audited 2 requirements from requirements.txt, all pinned with ==" in out
    assert out.rstrip().endswith("trunkgate audit: passed")
    assert queried(osv) == [("requests", "2.31.0"), ("urllib3", "1.26.5")]


def test_json_output_with_metrics(repo, osv, capsys):
    repo.write("requirements.txt", VULNERABLE)
    policy_file(repo, f'ignore = [{{id = "PYSEC-2021-108", reason = "ok", until = {FUTURE}}}]')
    code, data = as_json(capsys, "--osv-url", osv.url)
    assert code == 1
    assert data["gate"] == "audit"
    assert data["passed"] is False
    assert located(data) == [("requirements.txt", 1, "PYSEC-2023-74", REQUESTS_74)]
    assert data["metrics"] == {"vulnerabilities": 2, "ignored": 1, "source": "requirements.txt"}
    assert data["findings"][0]["severity"] == "error"


def test_every_requirements_file_in_the_root_and_their_includes(repo, osv, capsys):
    repo.write("requirements.txt", "requests==2.25.0\n-r req/base.txt\n")
    repo.write("requirements-dev.txt", "Jinja2==2.11.2\n")
    repo.write("req/base.txt", "-r ../requirements.txt\nurllib3==1.26.4\n")
    repo.write("requirements.in", "PyYAML==5.3\n")  # not a requirements*.txt file
    code, data = as_json(capsys, "--osv-url", osv.url)
    assert code == 1
    assert [(f, line, rule) for f, line, rule, _ in located(data)] == [
        ("requirements-dev.txt", 1, "PYSEC-2021-66"),
        ("requirements.txt", 1, "PYSEC-2023-74"),
        ("req/base.txt", 2, "PYSEC-2021-108"),
    ]
    assert "requirements-dev.txt, requirements.txt, req/base.txt" in data["notes"][0]
    assert ("pyyaml", "5.3") not in queried(osv)


def test_requirement_flag_chooses_files(repo, osv, capsys, monkeypatch):
    repo.write("requirements.txt", "requests==2.25.0\n")
    repo.write("deps/a.txt", "urllib3==1.26.4\n")
    repo.write("deps/b.txt", "Jinja2==2.11.2\n")
    repo.write("deps/c.txt", "PyYAML==5.3\n")
    monkeypatch.chdir(repo.path / "deps")
    code, data = as_json(
        capsys, "--osv-url", osv.url, "--requirement", "a.txt", "--requirement=b.txt,c.txt"
    )
    assert code == 1
    assert [(f, rule) for f, _, rule, _ in located(data)] == [
        ("deps/a.txt", "PYSEC-2021-108"),
        ("deps/b.txt", "PYSEC-2021-66"),
        ("deps/c.txt", "PYSEC-2021-142"),
    ]
    assert ("requests", "2.25.0") not in queried(osv)


def test_requirements_policy_key_is_relative_to_the_root(repo, osv, capsys, monkeypatch):
    repo.write("requirements.txt", "requests==2.25.0\n")
    repo.write("deps/prod.txt", FIXED)
    policy_file(repo, 'requirements = ["deps/prod.txt"]')
    monkeypatch.chdir(repo.path / "deps")
    code, out, err = run(capsys, "--osv-url", osv.url)
    assert code == 0, err
    assert "from deps/prod.txt, all pinned" in out
    assert queried(osv) == [("requests", "2.31.0"), ("urllib3", "1.26.5")]


def test_a_missing_requirements_file_is_a_usage_error(repo, osv, capsys):
    code, _out, err = run(capsys, "--osv-url", osv.url, "--requirement", "nope.txt")
    assert code == 2
    assert err == "trunkgate audit: error: nope.txt: no such file, expected a requirements file\n"
    repo.write("requirements.txt", "-r missing/base.txt\n")
    code, _, err = run(capsys, "--osv-url", osv.url)
    assert code == 2
    assert (
        "missing/base.txt: no such file, expected a requirements file (included by "
        "requirements.txt)" in err
    )
    assert osv.requests == []


def test_an_unreadable_requirements_file_is_a_usage_error(repo, osv, capsys):
    (repo.path / "requirements.txt").write_bytes(b"requests==2.25.0 \xff\n")
    code, _, err = run(capsys, "--osv-url", osv.url)
    assert code == 2
    assert err == (
        "trunkgate audit: error: requirements.txt: not UTF-8 text (byte 0xff at offset 17), "
        "expected a requirements file\n"
    )


@pytest.mark.parametrize(
    ("text", "line"), [("requests>=<\n", 1), ("urllib3==1.26.4\n\ngarbage here!\n", 3)]
)
def test_unparseable_requirements_exit_2_naming_file_and_line(repo, osv, capsys, text, line):
    repo.write("requirements.txt", text)
    code, out, err = run(capsys, "--osv-url", osv.url)
    assert code == 2
    assert out == ""
    assert err.startswith(f"trunkgate audit: error: requirements.txt:{line}: cannot parse ")
    assert err.count("\n") == 1
    assert osv.requests == []


def test_url_and_editable_requirements_are_noted_not_audited(repo, osv, capsys):
    repo.write("requirements.txt", "requests==2.31.0\nfoo @ https://example.invalid/f.whl\n")
    code, out, err = run(capsys, "--osv-url", osv.url)
    assert code == 0, err
    assert (
        "not audited: foo @ https://example.invalid/f.whl (requirements.txt:2): a URL "
        "or path names no version" in out
    )
    assert queried(osv) == [("requests", "2.31.0")]


def test_a_file_with_no_requirements_has_nothing_to_audit(repo, osv, capsys):
    repo.write("requirements.txt", "# nothing yet\n-e .\n")
    code, out, err = run(capsys, "--osv-url", osv.url)
    assert code == 0, err
    assert "nothing to audit: no requirement to audit in requirements.txt" in out
    assert osv.requests == []


# --------------------------------------------------------------------------- pyproject


def test_pyproject_dependencies_when_there_is_no_requirements_file(repo, osv, capsys):
    repo.write(
        "pyproject.toml",
        '[project]\nname = "demo"\nversion = "1.0"\ndependencies = [\n'
        '  "requests==2.25.0",\n  "trunkgate-listed-pkg==0.3.1",\n]\n',
    )
    code, data = as_json(capsys, "--osv-url", osv.url)
    assert code == 1
    assert located(data) == [
        ("pyproject.toml", 5, "PYSEC-2023-74", REQUESTS_74),
        (
            "pyproject.toml",
            6,
            "TRUNKGATE-TEST-0003",
            "trunkgate-listed-pkg 0.3.1: TRUNKGATE-TEST-0003, no fixed version yet; severity "
            "unknown (no severity in TRUNKGATE-TEST-0003), counted as high (unknown-severity)",
        ),
    ]
    assert data["notes"][0].startswith(
        "audited 2 requirements from the [project] dependencies of pyproject.toml, all pinned"
    )
    assert queried(osv) == [("requests", "2.25.0"), ("trunkgate-listed-pkg", "0.3.1")]


def test_pyproject_with_no_dependencies_has_nothing_to_audit(repo, osv, capsys):
    repo.write("pyproject.toml", '[project]\nname = "demo"\ndependencies = []\n')
    code, out, _ = run(capsys, "--osv-url", osv.url)
    assert code == 0
    assert "nothing to audit: no requirement to audit in the [project] dependencies of" in out
    assert osv.requests == []


# --------------------------------------------------------------------------- ignores


def test_an_ignore_with_a_future_date_passes_and_is_listed(repo, osv, capsys):
    repo.write("requirements.txt", "requests==2.25.0\n")
    policy_file(
        repo,
        "ignore = [\n"
        f'  {{id = "PYSEC-2023-74", reason = "not reachable: we never use proxies", '
        f"until = {FUTURE}}},\n"
        f'  {{id = "PYSEC-0000-1", reason = "fixed long ago", until = "{FUTURE}"}},\n'
        "]",
    )
    code, out, err = run(capsys, "--osv-url", osv.url)
    assert code == 0, err
    assert (
        f"ignored {REQUESTS_74_TEXT} (until {FUTURE}): not reachable: we never use proxies" in out
    )
    assert f"the ignore entry for PYSEC-0000-1 (until {FUTURE}) matched nothing" in out
    assert out.rstrip().endswith("trunkgate audit: passed")


def test_an_ignore_by_alias(repo, osv, capsys):
    repo.write("requirements.txt", "requests==2.25.0\n")
    policy_file(repo, f'ignore = [{{id = "CVE-2023-32681", reason = "r", until = {FUTURE}}}]')
    code, data = as_json(capsys, "--osv-url", osv.url)
    assert code == 0
    assert data["findings"] == []
    assert data["metrics"] == {"vulnerabilities": 1, "ignored": 1, "source": "requirements.txt"}
    assert any(n.startswith("ignored requests 2.25.0: PYSEC-2023-74") for n in data["notes"])


def test_an_expired_ignore_fails_and_ignores_nothing(repo, osv, capsys):
    repo.write("requirements.txt", "requests==2.25.0\n")
    policy_file(
        repo, f'ignore = [\n  {{id = "PYSEC-2023-74", reason = "was fine", until = {PAST}}},\n]'
    )
    code, data = as_json(capsys, "--osv-url", osv.url)
    assert code == 1
    assert [(f, line, rule) for f, line, rule, _ in located(data)] == [
        ("requirements.txt", 1, "PYSEC-2023-74"),
        ("pyproject.toml", 3, "ignore-expired"),
    ]
    assert "expired on 2020-01-01 (reason given: was fine)" in data["findings"][1]["message"]
    assert data["metrics"] == {"vulnerabilities": 1, "ignored": 0, "source": "requirements.txt"}


def test_an_ignore_given_as_a_flag(repo, osv, capsys):
    repo.write("requirements.txt", "requests==2.25.0\n")
    entry = f'{{id = "GHSA-j8r2-6x86-q33q", reason = "r", until = {PAST}}}'
    code, data = as_json(capsys, "--osv-url", osv.url, "--ignore", entry)
    assert code == 1
    assert [(f, rule) for f, _, rule, _ in located(data)] == [
        ("requirements.txt", "PYSEC-2023-74"),
        (None, "ignore-expired"),
    ]


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ('"PYSEC-1"', 'ignore: expected a list of tables with id, reason, until, got "PYSEC-1"'),
        ('["PYSEC-1"]', 'ignore[0]: expected a table with id, reason, until, got "PYSEC-1"'),
        (
            f'[{{id = "A", reason = "r", until = {FUTURE}}}, {{id = "B", until = {FUTURE}}}]',
            'ignore[1]: missing field "reason"; expected id, reason, until',
        ),
        (
            f'[{{id = "A", reason = "r", until = {FUTURE}, owner = "me"}}]',
            'ignore[0]: unknown field "owner"; expected id, reason, until',
        ),
        (
            f'[{{id = "A", reasons = "r", until = {FUTURE}}}]',
            'ignore[0]: unknown field "reasons" (did you mean "reason"?); expected id, reason, '
            "until",
        ),
        (
            '[{id = "A", reason = "r", until = "2026-02-30"}]',
            'ignore[0] until: expected a date YYYY-MM-DD, got "2026-02-30"',
        ),
        (
            '[{id = "A", reason = "r", until = "next year"}]',
            'ignore[0] until: expected a date YYYY-MM-DD, got "next year"',
        ),
        (
            '[{id = "A", reason = "r", until = 2026-01-01T00:00:00}]',
            "ignore[0] until: expected a date YYYY-MM-DD, got datetime.datetime(2026, 1, 1, 0, 0)",
        ),
        (
            f'[{{id = "A", reason = " ", until = {FUTURE}}}]',
            'ignore[0] reason: expected a non-empty string, got " "',
        ),
        (
            f'[{{id = 74, reason = "r", until = {FUTURE}}}]',
            "ignore[0] id: expected a string, got 74",
        ),
    ],
)
def test_bad_ignore_entries_exit_2_naming_the_key_and_entry(repo, osv, capsys, value, message):
    repo.write("requirements.txt", "requests==2.25.0\n")
    policy_file(repo, f"ignore = {value}")
    code, out, err = run(capsys, "--osv-url", osv.url)
    assert code == 2
    assert out == ""
    assert err == f"trunkgate audit: error: pyproject.toml: [tool.trunkgate.audit] {message}\n"
    assert osv.requests == []


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ("not toml", "--ignore: expected a TOML array of tables like [{id = ..., reason = ..."),
        ('{id = "A", reason = "r"}', '--ignore[0]: missing field "until"'),
    ],
)
def test_bad_ignore_flag(repo, capsys, value, message):
    code, _, err = run(capsys, "--ignore", value)
    assert code == 2
    assert err.startswith(f"trunkgate audit: error: {message}")


# --------------------------------------------------------------------------- the service


def test_a_failing_service_exits_2_naming_the_url(repo, osv, capsys):
    repo.write("requirements.txt", "requests==2.25.0\n")
    osv.fail_with = 500
    code, out, err = run(capsys, "--osv-url", osv.url)
    assert code == 2
    assert out == ""
    assert err.startswith(
        f"trunkgate audit: error: could not query the vulnerability service at {osv.url}: "
        "500 Server Error: Internal Server Error; check the network"
    )
    assert err.count("\n") == 1


def test_a_closed_port_exits_2_naming_the_url(repo, osv, capsys):
    repo.write("requirements.txt", "requests==2.25.0\n")
    url = osv.url
    osv.stop()
    code, _, err = run(capsys, "--osv-url", url)
    assert code == 2
    assert f"vulnerability service at {url}: [Errno 111] Connection refused;" in err


def test_the_default_service_is_osv_through_the_proxy(repo, capsys):
    repo.write("requirements.txt", "requests==2.25.0\n")
    code, _, err = run(capsys)
    assert code == 2
    assert (
        f"could not query the vulnerability service at {audit.DEFAULT_OSV_URL}: "
        "cannot connect to the proxy ([Errno 111] Connection refused)" in err
    )


def test_pip_audit_osv_url_from_the_environment(repo, osv, capsys, monkeypatch):
    repo.write("requirements.txt", VULNERABLE)
    monkeypatch.setenv("PIP_AUDIT_OSV_URL", osv.url)
    code, out, _ = run(capsys)
    assert code == 1
    assert f"vulnerability service: OSV at {osv.url}" in out
    assert len(osv.requests) == 2


def test_two_pins_of_one_package_exit_2(repo, osv, capsys):
    repo.write("requirements.txt", "requests==2.25.0\nurllib3==1.26.4\nrequests==2.31.0\n")
    code, _, err = run(capsys, "--osv-url", osv.url)
    assert code == 2
    assert err == (
        "trunkgate audit: error: requirements.txt:3: requests is pinned to 2.31.0 here and to "
        "2.25.0 at requirements.txt:1, expected one version\n"
    )
    assert osv.requests == []


# --------------------------------------------------------------------------- when to audit


def test_given_files_without_a_dependency_file_audit_nothing(repo, osv, capsys):
    repo.write("requirements.txt", VULNERABLE)
    repo.write("app.py", "x = 1\n")
    code, out, _ = run(capsys, "--osv-url", osv.url, "app.py", "README.md")
    assert code == 0
    assert "nothing to audit: no dependency file among the 2 files given" in out
    assert "(dependency files: requirements.txt; --all audits anyway)" in out
    assert osv.requests == []
    code, out, _ = run(capsys, "--osv-url", osv.url, "--all", "app.py")
    assert code == 1
    code, out, _ = run(capsys, "--osv-url", osv.url, "app.py", "requirements.txt")
    assert code == 1


def test_an_expired_ignore_fails_even_when_nothing_is_audited(repo, osv, capsys):
    repo.write("requirements.txt", FIXED)
    policy_file(repo, f'ignore = [{{id = "X", reason = "r", until = {PAST}}}]')
    code, data = as_json(capsys, "--osv-url", osv.url, "app.py")
    assert code == 1
    assert [f["rule"] for f in data["findings"]] == ["ignore-expired"]
    assert osv.requests == []


def test_base_audits_only_when_a_dependency_file_changed(repo, osv, capsys):
    repo.commit("chore: start", {"requirements.txt": FIXED, "app.py": "x = 1\n"})
    base = repo.head()
    repo.commit("feat: more", {"app.py": "x = 2\n"})
    code, out, _ = run(capsys, "--osv-url", osv.url, "--base", base)
    assert code == 0
    assert f"the 1 file changed since {base[:10]} (dependency files" in out  # no sha twice
    assert osv.requests == []
    repo.commit("fix: pin", {"requirements.txt": VULNERABLE})
    code, out, _ = run(capsys, "--osv-url", osv.url, "--base", base)
    assert code == 1
    code, _, err = run(capsys, "--osv-url", osv.url, "--base", "no-such-ref")
    assert code == 2
    assert "--base 'no-such-ref' is not a commit" in err


def test_ci_pull_request_audits_only_when_a_dependency_file_changed(repo, osv, capsys, github_env):
    base = repo.commit("chore: start", {"requirements.txt": VULNERABLE, "app.py": "x = 1\n"})
    head = repo.commit("feat: more", {"app.py": "x = 2\n"})
    github_env("pull_request", {"pull_request": {"base": {"sha": base}, "head": {"sha": head}}})
    code, out, _ = run(capsys, "--osv-url", osv.url)
    assert code == 0
    assert f"changed since {base[:10]} (the pull request's base)" in out
    assert osv.requests == []
    head = repo.commit("fix: pin", {"requirements.txt": FIXED})
    github_env("pull_request", {"pull_request": {"base": {"sha": base}, "head": {"sha": head}}})
    code, out, _ = run(capsys, "--osv-url", osv.url)
    assert code == 0
    assert "audited 2 requirements from requirements.txt" in out
    assert len(osv.requests) == 2


def test_ci_push_compares_with_the_previous_commit(repo, osv, capsys, github_env):
    before = repo.commit("chore: start", {"requirements.txt": VULNERABLE})
    repo.commit("feat: more", {"app.py": "x = 2\n"})
    github_env("push", {"before": before, "after": repo.head()}, ref="refs/heads/main")
    code, out, _ = run(capsys, "--osv-url", osv.url)
    assert code == 0
    assert f"changed since {before[:10]} (the push's previous commit)" in out
    assert osv.requests == []


@pytest.mark.parametrize(
    ("event", "payload", "ref"),
    [
        ("schedule", {}, ""),
        ("workflow_dispatch", {}, ""),
        ("push", {"before": "0" * 40, "after": "1" * 40}, "refs/tags/v1.0.0"),
        ("push", {"before": "0" * 40, "after": "1" * 40}, "refs/heads/main"),  # a new trunk
    ],
)
def test_ci_without_a_base_always_audits(repo, osv, capsys, github_env, event, payload, ref):
    repo.commit("chore: start", {"requirements.txt": VULNERABLE})
    _, output = github_env(event, payload, ref=ref)
    code, out, _ = run(capsys, "--osv-url", osv.url, "--format", "github")
    assert code == 1
    assert "::error file=requirements.txt,line=1,title=trunkgate audit%3A PYSEC-2023-74::" in out
    written = outputs(output.read_text(encoding="utf-8"))
    assert {"vulnerabilities": "2", "ignored": "0", "passed": "false"}.items() <= written.items()


def test_ci_push_of_a_new_branch_compares_with_the_trunk(repo, osv, capsys, github_env):
    repo.commit("chore: start", {"requirements.txt": VULNERABLE})
    repo.branch("feature/x")
    after = repo.commit("feat: more", {"app.py": "x = 2\n"})
    github_env("push", {"before": "0" * 40, "after": after}, ref="refs/heads/feature/x")
    code, out, _ = run(capsys, "--osv-url", osv.url)
    assert code == 0
    assert "(the trunk, main)" in out
    assert osv.requests == []


def test_ci_base_missing_from_a_shallow_clone(repo, osv, capsys, github_env):
    repo.commit("chore: start", {"requirements.txt": VULNERABLE})
    github_env("pull_request", {"pull_request": {"base": {"sha": "f" * 40}, "head": {}}})
    code, _, err = run(capsys, "--osv-url", osv.url)
    assert code == 2
    assert f"the pull request's base '{'f' * 40}' is not a commit in this repository" in err


# --------------------------------------------------------------------------- environments


def fake_environment(prefix: Path, *dists: tuple[str, str]) -> None:
    site = prefix / "lib" / f"python{sys.version_info[0]}.{sys.version_info[1]}"
    for name, version in dists:
        info = site / "site-packages" / f"{name}-{version}.dist-info"
        info.mkdir(parents=True)
        (info / "METADATA").write_text(
            f"Metadata-Version: 2.1\nName: {name}\nVersion: {version}\n", encoding="utf-8"
        )


def test_the_project_venv_when_there_is_no_requirement(repo, osv, capsys):
    fake_environment(repo.path / ".venv", ("requests", "2.25.0"), ("urllib3", "2.0.0"))
    repo.write("pyproject.toml", "[tool.black]\nline-length = 100\n")
    code, data = as_json(capsys, "--osv-url", osv.url)
    assert code == 1
    assert located(data) == [(None, None, "PYSEC-2023-74", REQUESTS_74)]
    assert data["notes"][0] == "audited the project's .venv"
    assert queried(osv) == [("requests", "2.25.0"), ("urllib3", "2.0.0")]


def test_the_active_virtual_env(repo, osv, capsys, monkeypatch, tmp_path):
    fake_environment(tmp_path / "env", ("pyyaml", "5.4"))
    # The Windows layout too (Lib/site-packages): pip lists any folder it is given.
    windows = tmp_path / "env" / "Lib" / "site-packages" / "jinja2-2.11.2.dist-info"
    windows.mkdir(parents=True)
    (windows / "METADATA").write_text("Metadata-Version: 2.1\nName: Jinja2\nVersion: 2.11.2\n")
    monkeypatch.setenv("VIRTUAL_ENV", str(tmp_path / "env"))
    code, out, err = run(capsys, "--osv-url", osv.url)
    assert code == 0, err  # a medium vulnerability is a warning under the default threshold
    assert "PYSEC-2021-66: warning: jinja2 2.11.2: PYSEC-2021-66 (CVE-2020-28493)" in out
    assert "severity medium (CVSS 5.3, CVSS_V3 of PYSEC-2021-66)" in out
    assert f"audited the environment {tmp_path / 'env'}" in out
    assert queried(osv) == [("jinja2", "2.11.2"), ("pyyaml", "5.4")]


def test_given_files_never_trigger_an_environment_audit(repo, osv, capsys, monkeypatch, tmp_path):
    fake_environment(tmp_path / "env", ("requests", "2.25.0"))
    monkeypatch.setenv("VIRTUAL_ENV", str(tmp_path / "env"))
    code, out, _ = run(capsys, "--osv-url", osv.url, "app.py")
    assert code == 0
    assert "(dependency files: none, the installed environment is audited;" in out
    assert osv.requests == []


def test_a_change_to_pyproject_triggers_the_audit(repo, osv, capsys):
    repo.write("pyproject.toml", '[project]\nname = "x"\ndependencies = ["requests==2.25.0"]\n')
    code, out, _ = run(capsys, "--osv-url", osv.url, "app.py")
    assert code == 0
    assert "(dependency files: pyproject.toml;" in out
    code, out, _ = run(capsys, "--osv-url", osv.url, "pyproject.toml")
    assert code == 1
    assert f"pyproject.toml:3: PYSEC-2023-74: {REQUESTS_74}" in out


def test_an_environment_without_site_packages_is_a_usage_error(repo, capsys, monkeypatch):
    (repo.path / "env").mkdir()
    monkeypatch.setenv("VIRTUAL_ENV", str(repo.path / "env"))
    code, _, err = run(capsys)
    assert code == 2
    assert err == (
        f"trunkgate audit: error: {repo.path / 'env'}: no site-packages folder in this "
        "environment\n"
    )


def test_pip_audit_own_environment_as_the_last_resort(repo, osv, capsys):
    code, data = as_json(capsys, "--osv-url", osv.url)
    assert data["notes"][0] == "audited pip-audit's own environment"
    assert ("pip-audit", "2.10.1") in queried(osv)
    assert code == (1 if data["findings"] else 0)


# --------------------------------------------------------------------------- the resolver


def _wheel(folder: Path, name: str, version: str) -> None:
    """A minimal pure-Python wheel with metadata only, for pip to resolve and install."""
    dist = f"{name.replace('-', '_')}-{version}"
    files = {
        f"{dist}.dist-info/METADATA": f"Metadata-Version: 2.1\nName: {name}\nVersion: {version}\n",
        f"{dist}.dist-info/WHEEL": (
            "Wheel-Version: 1.0\nGenerator: trunkgate-tests\nRoot-Is-Purelib: true\n"
            "Tag: py3-none-any\n"
        ),
    }
    record = "".join(f"{path},,\n" for path in files) + f"{dist}.dist-info/RECORD,,\n"
    with zipfile.ZipFile(folder / f"{dist}-py3-none-any.whl", "w") as whl:
        for path, text in files.items():
            whl.writestr(path, text)
        whl.writestr(f"{dist}.dist-info/RECORD", record)


@pytest.mark.e2e
def test_unpinned_requirements_are_resolved_with_pip(repo, osv, capsys, monkeypatch, tmp_path):
    # A local "index": pip resolves from these wheels only (pip-audit also installs wheel).
    links = tmp_path / "wheels"
    links.mkdir()
    for name, version in [
        ("wheel", "99.0"),
        ("trunkgate-demo-pkg", "0.9"),
        ("trunkgate-demo-pkg", "1.2"),
        ("trunkgate-demo-pkg", "1.5"),
    ]:
        _wheel(links, name, version)
    monkeypatch.setenv("PIP_NO_INDEX", "1")
    monkeypatch.setenv("PIP_FIND_LINKS", str(links))
    monkeypatch.setenv("PIP_DISABLE_PIP_VERSION_CHECK", "1")
    repo.write("requirements.txt", "trunkgate-demo-pkg>=1.0,<1.5\n")
    code, data = as_json(capsys, "--osv-url", osv.url)
    assert code == 1
    assert located(data) == [
        (
            "requirements.txt",
            1,
            "TRUNKGATE-TEST-0002",
            "trunkgate-demo-pkg 1.2: TRUNKGATE-TEST-0002 (TRUNKGATE-ALIAS-0002), "
            "no fixed version yet; severity unknown (no severity in TRUNKGATE-TEST-0002), "
            "counted as high (unknown-severity)",
        )
    ]
    assert "'trunkgate-demo-pkg>=1.0,<1.5' (requirements.txt:1) is not pinned" in data["notes"][0]
    assert "pip-audit resolved them with pip" in data["notes"][0]
    # Nothing to resolve it from: pip fails, and the message says why.
    repo.write("requirements.txt", "trunkgate-listed-pkg>=0.3\n")
    code, _, err = run(capsys, "--osv-url", osv.url)
    assert code == 2
    assert err.startswith(
        "trunkgate audit: error: pip-audit could not list the dependencies (resolving "
        "unpinned requirements needs pip and the package index): Failed to install packages; "
    )
    assert "No matching distribution found for trunkgate-listed-pkg>=0.3" in err
    assert err.count("\n") == 1


# --------------------------------------------------------------------------- run


def test_gate_with_default_options_as_run_calls_it(repo, osv, monkeypatch):
    repo.write("requirements.txt", VULNERABLE)
    monkeypatch.setenv("PIP_AUDIT_OSV_URL", osv.url)
    policy = config.resolve("audit")
    opts = flags.Options({}, {})
    result = audit.gate(policy, opts, Change.of(Context(), policy, opts))
    assert [f.rule for f in result.findings] == ["PYSEC-2023-74", "PYSEC-2021-108"]
    assert result.metrics == {"vulnerabilities": 2, "ignored": 0, "source": "requirements.txt"}


# --------------------------------------------------------------------------- lockfiles

LOCKED_PROJECT = (
    '[project]\nname = "demo"\nversion = "0.1.0"\nrequires-python = ">=3.10"\n'
    'dependencies = ["requests==2.25.0", "urllib3<2"]\n\n'
    '[project.optional-dependencies]\nyaml = ["pyyaml"]\n'
)
PYYAML_142 = (
    "pyyaml 5.3: PYSEC-2021-142 (CVE-2020-14343, GHSA-8q59-q68h-6hv4), fixed in 5.4; "
    "severity critical (CVSS 9.8, CVSS_V3 of PYSEC-2021-142)"
)


def uv(*args: str, cwd: Path, cache: Path) -> None:
    """The real uv (pinned in requirements-dev.txt), offline, from the test's own wheels."""
    import subprocess

    exe = Path(sys.executable).with_name("uv")
    subprocess.run(
        [str(exe), *args, "--offline", "--no-config", "--cache-dir", str(cache)],
        cwd=cwd,
        check=True,
        capture_output=True,
        env={**os.environ, "UV_NO_PROGRESS": "1"},
    )


@pytest.fixture
def wheels(tmp_path):
    """A folder of wheels for uv to lock from: the versions the OSV records are about, and
    newer fixed ones a resolver would pick from today's index."""
    folder = tmp_path / "wheels"
    folder.mkdir()
    for name, version in [("requests", "2.25.0"), ("urllib3", "1.26.4"), ("pyyaml", "5.3")]:
        _wheel(folder, name, version)
    return folder


def uv_lock(repo, wheels, tmp_path) -> None:
    repo.write("pyproject.toml", LOCKED_PROJECT)
    links = ["--no-index", "--find-links", str(wheels)]
    uv("lock", *links, cwd=repo.path, cache=tmp_path / "uv-cache")


def test_uv_lock_written_by_uv_is_audited_at_its_locked_versions(
    repo, osv, capsys, wheels, tmp_path
):
    uv_lock(repo, wheels, tmp_path)
    lock = (repo.path / "uv.lock").read_text(encoding="utf-8").splitlines()
    line = {name: lock.index(f'name = "{name}"') for name in ("demo", "requests", "urllib3")}
    line["pyyaml"] = lock.index('name = "pyyaml"')
    repo.write("requirements.txt", FIXED)  # the lockfile comes first
    code, data = as_json(capsys, "--osv-url", osv.url)
    assert code == 1
    assert located(data) == [
        ("uv.lock", line["pyyaml"], "PYSEC-2021-142", PYYAML_142),
        ("uv.lock", line["requests"], "PYSEC-2023-74", REQUESTS_74),
        ("uv.lock", line["urllib3"], "PYSEC-2021-108", URLLIB3_108),
    ]
    assert data["notes"][0] == (
        "audited 3 packages locked in uv.lock, at their locked versions (no resolver, no "
        "package index)"
    )
    assert (
        f"not audited: demo==0.1.0 (uv.lock:{line['demo']}): a local directory (the project or a "
        "workspace member)" in data["notes"]
    )
    assert data["metrics"]["source"] == "uv.lock"
    # The locked versions, as they are: nothing resolved again, no package index asked.
    assert queried(osv) == [("pyyaml", "5.3"), ("requests", "2.25.0"), ("urllib3", "1.26.4")]


def test_pylock_toml_exported_by_uv(repo, osv, capsys, wheels, tmp_path):
    uv_lock(repo, wheels, tmp_path)
    links = ["--no-index", "--find-links", str(wheels)]
    args = ["export", "--format", "pylock.toml", "--no-extra", "yaml", "-o", "pylock.toml"]
    uv(*args, *links, cwd=repo.path, cache=tmp_path / "uv-cache")
    (repo.path / "uv.lock").unlink()
    code, data = as_json(capsys, "--osv-url", osv.url)
    assert code == 1
    assert [(f, rule) for f, _, rule, _ in located(data)] == [
        ("pylock.toml", "PYSEC-2023-74"),
        ("pylock.toml", "PYSEC-2021-108"),
    ]
    assert data["notes"][0].startswith("audited 2 packages locked in pylock.toml")
    assert queried(osv) == [("requests", "2.25.0"), ("urllib3", "1.26.4")]


# poetry.lock as Poetry 2 writes it (lock-version 2.1): written by hand from its format.
POETRY_LOCK = """\
# This file is automatically @generated by Poetry 2.1.3 and should not be changed by hand.

[[package]]
name = "jinja2"
version = "2.11.2"
description = "A very fast and expressive template engine."
optional = false
python-versions = ">=2.7, !=3.0.*, !=3.1.*, !=3.2.*, !=3.3.*, !=3.4.*"
groups = ["dev"]
files = [
    {file = "Jinja2-2.11.2-py2.py3-none-any.whl", hash = "sha256:00"},
]

[package.dependencies]
MarkupSafe = ">=0.23"

[[package]]
name = "localpkg"
version = "0.1.0"
description = ""
optional = false
python-versions = "*"
groups = ["main"]
files = []
develop = true

[package.source]
type = "directory"
url = "libs/localpkg"

[[package]]
name = "PyYAML"
version = "5.3"
description = "YAML parser and emitter for Python"
optional = false
python-versions = ">=2.7"
groups = ["main"]
markers = "sys_platform == \\"win32\\""
files = []

[[package]]
name = "requests"
version = "2.25.0"
description = "Python HTTP for Humans."
optional = false
python-versions = ">=2.7"
groups = ["main"]
files = []

[package.source]
type = "legacy"
url = "https://pypi.example.invalid/simple"
reference = "private"

[[package]]
name = "tool"
version = "1.0"
description = ""
optional = false
python-versions = "*"
groups = ["main"]
files = []

[package.source]
type = "git"
url = "https://example.invalid/tool.git"
reference = "HEAD"
resolved_reference = "0123456789abcdef0123456789abcdef01234567"

[metadata]
lock-version = "2.1"
python-versions = "^3.10"
content-hash = "0000"
"""


def test_poetry_lock(repo, osv, capsys):
    repo.write("poetry.lock", POETRY_LOCK)
    lines = POETRY_LOCK.splitlines()
    at = {lines[i + 1].split('"')[1]: i + 1 for i, t in enumerate(lines) if t == "[[package]]"}
    code, data = as_json(capsys, "--osv-url", osv.url)
    assert code == 1
    severities = [f["severity"] for f in data["findings"]]
    assert [(f, line, rule) for f, line, rule, _ in located(data)] == [
        ("poetry.lock", at["jinja2"], "PYSEC-2021-66"),
        ("poetry.lock", at["PyYAML"], "PYSEC-2021-142"),  # every platform's packages count
        ("poetry.lock", at["requests"], "PYSEC-2023-74"),  # another index is still an index
    ]
    assert severities == ["warning", "error", "error"]  # jinja2's is medium: a warning
    assert (
        f"not audited: localpkg==0.1.0 (poetry.lock:{at['localpkg']}): a local directory"
        in (data["notes"])
    )
    assert f"not audited: tool==1.0 (poetry.lock:{at['tool']}): a git repository" in data["notes"]
    assert data["notes"][0].startswith("audited 3 packages locked in poetry.lock")
    assert queried(osv) == [("jinja2", "2.11.2"), ("pyyaml", "5.3"), ("requests", "2.25.0")]


def test_the_lockfile_key_chooses_and_excludes_requirements(repo, osv, capsys):
    repo.write("uv.lock", 'version = 1\n\n[[package]]\nname = "six"\nversion = "1.16.0"\n')
    repo.write("pylock.dev.toml", POETRY_LOCK.replace("[metadata]", "[x]"))  # not read
    repo.write("poetry.lock", POETRY_LOCK)
    code, data = as_json(capsys, "--osv-url", osv.url)
    assert code == 0
    assert (
        "also found poetry.lock, pylock.dev.toml: not audited (the lockfile key chooses)"
        in (data["notes"])
    )
    code, data = as_json(capsys, "--osv-url", osv.url, "--lockfile", "poetry.lock")
    assert code == 1
    assert data["metrics"]["source"] == "poetry.lock"
    policy_file(repo, 'lockfile = "uv.lock"\nrequirements = ["requirements.txt"]')
    code, _, err = run(capsys, "--osv-url", osv.url)
    assert code == 2
    assert "lockfile and requirements are both set, expected one" in err
    policy_file(repo, 'lockfile = "Pipfile.lock"')
    code, _, err = run(capsys, "--osv-url", osv.url)
    assert code == 2
    assert "lockfile: 'Pipfile.lock' is not a lockfile name, expected uv.lock" in err


@pytest.mark.parametrize(
    ("name", "text", "message"),
    [
        ("uv.lock", "version = 1\n[[package]\n", "uv.lock: invalid TOML: "),
        ("uv.lock", "version = 7\n", "uv.lock: lock version 7 is not supported, expected 1.x"),
        ("poetry.lock", "[[package]]\nname = 'x'\n", "poetry.lock: lock version none is not"),
        (
            "pylock.toml",
            "lock-version = '1.0'\n\n[[packages]]\nversion = '1.0'\n",
            'pylock.toml:3: [[packages]] entry 1 has no name, expected a name = "..." string',
        ),
        (
            "uv.lock",
            "version = 1\n[[package]]\nname = 'x'\nversion = 1.5\n",
            "uv.lock:2: [[package]] x: version 1.5, expected a string",
        ),
        ("uv.lock", "version = 1\npackage = 3\n", "uv.lock: package: expected an array of"),
    ],
)
def test_a_bad_lockfile_is_one_line_and_exit_2(repo, osv, capsys, name, text, message):
    repo.write(name, text)
    code, out, err = run(capsys, "--osv-url", osv.url)
    assert code == 2
    assert out == ""
    assert err.startswith(f"trunkgate audit: error: {message}"), err
    assert err.count("\n") == 1
    assert osv.requests == []


def test_a_lockfile_that_is_not_a_file(repo, osv, capsys):
    os.mkfifo(repo.path / "uv.lock")
    code, _, err = run(capsys, "--osv-url", osv.url)
    assert code == 2
    assert "uv.lock: not a regular file (a FIFO, a device or a socket)" in err


def test_a_change_to_the_lockfile_triggers_the_audit(repo, osv, capsys):
    repo.write("poetry.lock", POETRY_LOCK)
    code, out, _ = run(capsys, "--osv-url", osv.url, "app.py", "requirements.txt")
    assert code == 0
    assert "(dependency files: poetry.lock; --all audits anyway)" in out
    code, _, _ = run(capsys, "--osv-url", osv.url, "poetry.lock")
    assert code == 1


# --------------------------------------------------------------------------- the project itself


def test_editable_project_with_extras_audits_its_dependencies(repo, osv, capsys):
    repo.write(
        "pyproject.toml",
        '[project]\nname = "Demo"\nversion = "1"\ndependencies = [\n  "requests>=2",\n]\n\n'
        "[project.optional-dependencies]\n"
        'yaml = ["PyYAML==5.3"]\n'
        'all = ["demo[yaml]", "Jinja2==2.11.2"]\n',
    )
    repo.write("requirements.txt", "-e .[all]\nrequests==2.25.0  # the pin wins over >=2\n")
    code, data = as_json(capsys, "--osv-url", osv.url)
    assert code == 1
    assert [(f, line, rule) for f, line, rule, _ in located(data)] == [
        ("requirements.txt", 2, "PYSEC-2023-74"),
        ("pyproject.toml", 10, "PYSEC-2021-66"),
        ("pyproject.toml", 9, "PYSEC-2021-142"),
    ]
    assert data["notes"][0].startswith(
        "audited 3 requirements from requirements.txt, pyproject.toml, all pinned with =="
    )
    assert queried(osv) == [("jinja2", "2.11.2"), ("pyyaml", "5.3"), ("requests", "2.25.0")]
    # The pyproject.toml it names is a dependency file: a change to it triggers the audit.
    code, _, _ = run(capsys, "--osv-url", osv.url, "pyproject.toml")
    assert code == 1


def test_a_dot_line_without_a_project_is_noted(repo, osv, capsys):
    repo.write("requirements.txt", "requests==2.31.0\n.\n-e ./lib[x]\n")
    repo.write(
        "lib/pyproject.toml",
        "[project]\nname = 'lib'\n[project.optional-dependencies]\nx = ['urllib3==1.26.5']\n",
    )
    code, data = as_json(capsys, "--osv-url", osv.url)
    assert code == 0
    assert (
        "not audited: '.' (requirements.txt:2): pyproject.toml does not exist, so its "
        "dependencies are unknown" in data["notes"]
    )
    assert queried(osv) == [("requests", "2.31.0"), ("urllib3", "1.26.5")]
    repo.write("lib/pyproject.toml", "[project]\nname = 'lib'\n[project.optional-dependencies]\n")
    code, _, err = run(capsys, "--osv-url", osv.url)
    assert code == 2
    assert (
        "lib/pyproject.toml: no optional dependencies for the extra 'x' (declared extras: " in err
    )


# --------------------------------------------------------------------------- severity


def test_severity_threshold_and_unknown(repo, osv, capsys):
    repo.write("requirements.txt", "requests==2.25.0\nurllib3==1.26.4\nPyYAML==5.3\n")
    code, data = as_json(capsys, "--osv-url", osv.url)
    assert code == 1
    levels = {f["rule"]: (f["severity"], f["score"]) for f in data["findings"]}
    assert levels["PYSEC-2021-142"] == ("error", 9.8)
    assert (
        "severity critical (CVSS 9.8, CVSS_V3 of PYSEC-2021-142)" in data["findings"][2]["message"]
    )
    assert levels["PYSEC-2023-74"] == ("error", 7.0)  # unknown, counted as high: its floor
    assert levels["PYSEC-2021-108"][0] == "error"
    # The advisories' records were fetched by id, and the aliases of the one without severity.
    assert sorted(osv.gets) == [
        "/v1/vulns/CVE-2023-32681",
        "/v1/vulns/GHSA-j8r2-6x86-q33q",
        "/v1/vulns/PYSEC-2021-108",
        "/v1/vulns/PYSEC-2021-142",
        "/v1/vulns/PYSEC-2023-74",
    ]
    code, data = as_json(capsys, "--osv-url", osv.url, "--severity", "critical")
    assert code == 1
    assert [f["severity"] for f in data["findings"]] == ["warning", "warning", "error"]
    assert (
        "2 vulnerabilities below the severity threshold (critical) reported as warnings"
        in (data["notes"])
    )
    repo.write("requirements.txt", "requests==2.25.0\n")
    policy_file(repo, 'unknown-severity = "medium"')
    code, out, _ = run(capsys, "--osv-url", osv.url)
    assert code == 0
    assert "counted as medium (unknown-severity)" in out
    code, _, _ = run(capsys, "--osv-url", osv.url, "--severity", "medium")
    assert code == 1


def test_cvss_v4_first_then_a_gitHub_severity_through_an_alias(repo, osv, capsys):
    repo.write(
        "requirements.txt",
        "trunkgate-scored-pkg==1.0\ntrunkgate-aliased-pkg==1.0\ntrunkgate-broken-vector-pkg==1\n",
    )
    code, data = as_json(capsys, "--osv-url", osv.url, "--severity", "low")
    assert code == 1
    messages = [f["message"] for f in data["findings"]]
    assert messages[0].endswith("; severity low (CVSS 1.0, CVSS_V4 of TRUNKGATE-TEST-0004)")
    assert messages[1].endswith(
        "; severity medium (the severity MODERATE given by GHSA-tg55-tg55-tg55)"
    )
    assert messages[2].endswith(
        "; severity unknown (the CVSS_V3 vector 'CVSS:3.1/AV:X/AC:L' of TRUNKGATE-TEST-0006 is "
        'not valid: Unknown value "X" in field "AV:X"), counted as high (unknown-severity)'
    )
    assert [f["score"] for f in data["findings"]] == [1.0, 4.0, 7.0]


def test_records_that_cannot_be_fetched_exit_2(repo, osv, capsys):
    repo.write("requirements.txt", "urllib3==1.26.4\n")
    osv.fail_get_with = 503
    code, out, err = run(capsys, "--osv-url", osv.url)
    assert code == 2
    assert out == ""
    assert err == (
        "trunkgate audit: error: could not fetch the advisory PYSEC-2021-108 from the "
        f"vulnerability service at {osv.base_url}/v1/vulns/PYSEC-2021-108: HTTP 503 Service "
        "Unavailable\n"
    )


def test_sarif_carries_the_score_for_code_scanning(repo, osv, capsys):
    repo.write("requirements.txt", "urllib3==1.26.4\nPyYAML==5.3\n")
    import jsonschema

    from trunkgate.render import sarif

    policy = config.resolve("audit", {"osv-url": osv.url})
    opts = flags.Options({}, {"osv-url": osv.url})
    result = audit.gate(policy, opts, Change.of(Context(), policy, opts))
    doc = json.loads(sarif.render([result], run=True))
    schema = json.loads((OSV_DATA.parent / "sarif-schema-2.1.0.json").read_text(encoding="utf-8"))
    jsonschema.validate(doc, schema)
    run_ = doc["runs"][0]
    rules = {r["id"]: r["properties"]["security-severity"] for r in run_["tool"]["driver"]["rules"]}
    assert rules == {"PYSEC-2021-108": "7.5", "PYSEC-2021-142": "9.8"}
    assert [r["level"] for r in run_["results"]] == ["error", "error"]


def test_run_imports_pip_audit_ahead():
    import subprocess

    code = (
        "import sys, threading\n"
        "from trunkgate import run\n"
        "run.warm_up(['audit', 'lint'])\n"
        "[t.join() for t in threading.enumerate() if t.name.startswith('warm-')]\n"
        "print('pip_audit._audit' in sys.modules, 'pip_audit._cli' in sys.modules)\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.split() == ["True", "False"]  # the API, not the command-line module


def test_pip_audit_not_installed(repo, osv, capsys, monkeypatch):
    repo.write("requirements.txt", "requests==2.25.0\n")
    monkeypatch.setitem(sys.modules, "pip_audit._audit", None)  # as without pip-audit
    code, out, err = run(capsys, "--osv-url", osv.url)
    assert code == 2
    assert out == ""
    assert err.startswith("trunkgate audit: error: pip-audit is not installed next to trunkgate")
    assert err.rstrip().endswith("install it with: pip install 'trunkgate[audit]'")
    assert err.count("\n") == 1
    assert osv.requests == []


def test_many_queries_at_once_keep_the_order_of_the_requirements(repo, osv, capsys):
    filler = [f"bench-pkg-{i:03d}==1.{i}.0" for i in range(30)]
    lines = [*filler[:10], "urllib3==1.26.4", *filler[10:20], "PyYAML==5.3", *filler[20:]]
    repo.write("requirements.txt", "\n".join([*lines, "requests==2.25.0"]) + "\n")
    code, data = as_json(capsys, "--osv-url", osv.url)
    assert code == 1
    assert [(line, rule) for _, line, rule, _ in located(data)] == [
        (11, "PYSEC-2021-108"),
        (22, "PYSEC-2021-142"),
        (33, "PYSEC-2023-74"),
    ]
    assert len(osv.requests) == 33


@pytest.mark.parametrize(
    ("path", "selected"),
    [
        ("uv.lock", True),
        ("poetry.lock", True),
        ("pylock.toml", True),
        ("pylock.dev.toml", True),
        ("sub/uv.lock", True),
        ("requirements-dev.txt", True),
        ("pyproject.toml", True),
        ("uv.lock.orig", False),
        ("pylock.toml.bak", False),
        ("Pipfile.lock", False),
    ],
)
def test_the_hook_selects_every_dependency_file_the_gate_reads(path, selected):
    import re

    import yaml

    manifest = Path(__file__).resolve().parent.parent / ".pre-commit-hooks.yaml"
    hooks = yaml.safe_load(manifest.read_text(encoding="utf-8"))
    pattern = next(h["files"] for h in hooks if h["id"] == "trunkgate-audit")
    assert bool(re.search(pattern, path)) is selected
    name = path.rsplit("/", 1)[-1]
    if name.endswith((".lock", ".toml")) and name != "pyproject.toml":
        assert (lockfiles.kind_of(path) is not None) is selected

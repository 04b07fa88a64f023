from __future__ import annotations

import io
import json
from pathlib import Path

import jsonschema
import pytest

from tests.support import runner
from trunkgate import cli, render, report
from trunkgate.render import markdown, text
from trunkgate.report import ERROR, NOTE, WARNING, Finding, GateResult

SCHEMA = json.loads(
    (Path(__file__).parent / "data" / "sarif-schema-2.1.0.json").read_text(encoding="utf-8")
)


def sample() -> list[GateResult]:
    lint = GateResult(
        "lint",
        [
            Finding("F401", "`os` imported but unused", file="src/app.py", line=1),
            Finding("E501", "line too long", file="src/app.py", line=9, severity=WARNING),
        ],
        metrics={"files": 2},
    )
    lint.seconds = 0.25
    branch = GateResult(
        "branch",
        [Finding("branch-name", 'branch "x,y" is bad', hint="rename it")],
        notes=["checked branch"],
        fix="how to fix",
    )
    ok = GateResult("changelog", [Finding("link", "a note", file="CHANGELOG.md", severity=NOTE)])
    broken = GateResult.failed_to_run("audit", "service down: http://127.0.0.1:9")
    return [lint, branch, ok, broken]


def test_finding_identity_and_rendering() -> None:
    a = Finding("R1", "msg", file="a.py", line=3)
    assert a == Finding("R1", "msg", file="a.py", line=3)
    assert a != Finding("R1", "msg", file="a.py", line=4)
    assert a != "R1"
    assert len({a, Finding("R1", "msg", file="a.py", line=3)}) == 1
    assert repr(a) == "Finding(a.py:3: R1: 'msg', error)"
    assert Finding("R", "m", file="x").location() == "x"
    assert text.finding_line(Finding("R", "m"), "branch") == "branch: R: m"
    assert text.finding_line(Finding("R", "m", severity=WARNING), "g") == "g: R: warning: m"


def test_verdicts_and_exit_codes() -> None:
    lint, _, ok, broken = sample()
    assert (lint.passed, lint.exit_code) == (False, 1)
    assert (ok.passed, ok.exit_code) == (True, 0)
    assert (broken.passed, broken.exit_code) == (False, 2)
    assert report.exit_code_of([ok, lint, broken]) == 2
    assert report.exit_code_of([ok]) == 0
    assert text.verdict_line(lint) == "trunkgate lint: failed (1 error, 1 warning)"
    assert text.verdict_line(ok) == "trunkgate changelog: passed"
    assert text.verdict_line(GateResult("x", [Finding("a", "b")] * 2)).endswith("(2 errors)")
    assert text.verdict_line(broken) == "trunkgate audit: error: service down: http://127.0.0.1:9"
    assert "\033[31;1mfailed" in text.verdict_line(lint, color=True)


def test_text_rendering_has_findings_hints_fix_notes_and_verdict() -> None:
    _, branch, _, _ = sample()
    assert text.gate_text(branch).splitlines() == [
        'branch: branch-name: branch "x,y" is bad',
        "",
        "rename it",
        "",
        "how to fix",
        "checked branch",
        "trunkgate branch: failed (1 error)",
    ]


def test_json_follows_the_contract(capsys) -> None:
    lint, *_ = sample()
    assert render.emit(lint, "json") == 1
    data = json.loads(capsys.readouterr().out)
    assert set(data) >= {"gate", "passed", "findings"}
    assert data["findings"][0] == {
        "file": "src/app.py",
        "line": 1,
        "rule": "F401",
        "severity": "error",
        "message": "`os` imported but unused",
    }
    assert data["metrics"] == {"files": 2}


def test_github_annotations_are_escaped(capsys, tmp_path, monkeypatch) -> None:
    monkeypatch.setenv("GITHUB_STEP_SUMMARY", str(tmp_path / "summary.md"))
    monkeypatch.setenv("GITHUB_OUTPUT", str(tmp_path / "out"))
    finding = Finding("a:b", "50%\nnext", file="dir,1/a:b.py", line=2, hint="h")
    assert render.emit(GateResult("g", [finding]), "github") == 1
    out = capsys.readouterr().out.splitlines()
    assert out[0] == (
        "::error file=dir%2C1/a%3Ab.py,line=2,title=trunkgate g%3A a%3Ab::50%25%0Anext%0A%0Ah"
    )
    summary = (tmp_path / "summary.md").read_text()
    assert "### trunkgate g: ❌ failed" in summary
    assert "| error | <code>dir,1/a:b.py:2</code> | a:b | 50% next |" in summary
    assert runner.outputs((tmp_path / "out").read_text()) == {"passed": "false", "findings": "1"}


def test_markdown_pipes_and_warnings() -> None:
    text = markdown.section(
        GateResult("g", [Finding("r", "a|b", severity=WARNING)], notes=["n"], fix="do this")
    )
    assert "| warning |  | r | a\\|b |" in text
    assert "> n" in text
    assert "How to fix" not in text  # warnings only: the gate passed


def test_color_follows_tty_and_no_color(monkeypatch) -> None:
    class Tty(io.StringIO):
        def isatty(self) -> bool:
            return True

    assert render.use_color(Tty())
    assert not render.use_color(io.StringIO())
    monkeypatch.setenv("NO_COLOR", "1")
    assert not render.use_color(Tty())


def test_run_text_table(capsys) -> None:
    results = sample()
    assert render.emit(results, "text", run=True) == 2
    out = capsys.readouterr().out.splitlines()
    assert out[0].split() == ["gate", "verdict", "findings", "time"]
    assert out[1].split() == ["lint", "failed", "1", "0.25s"]
    assert out[3].split() == ["changelog", "passed", "0", "-"]
    assert out[4].split() == ["audit", "error", "0", "-"]
    assert "audit: error: service down: http://127.0.0.1:9" in out
    assert out[-1] == "trunkgate run: failed (lint, branch, audit)"
    ok = GateResult("ok")
    render.emit([ok], "text", run=True)
    assert capsys.readouterr().out.splitlines()[-1] == "trunkgate run: passed"


def test_run_github_writes_one_section_per_gate_and_outputs(capsys, tmp_path, monkeypatch) -> None:
    monkeypatch.setenv("GITHUB_STEP_SUMMARY", str(tmp_path / "summary.md"))
    monkeypatch.setenv("GITHUB_OUTPUT", str(tmp_path / "out"))
    assert render.emit(sample(), "github", run=True) == 2
    out = capsys.readouterr().out
    # In the message (data) only %, CR and LF are escaped; ":" stays as it is.
    assert "::error title=trunkgate audit::service down%3A" not in out
    assert "::error title=trunkgate audit::service down: http://127.0.0.1:9" in out
    summary = (tmp_path / "summary.md").read_text()
    assert summary.startswith("### trunkgate run: ⚠️ error\n\n| gate | verdict | errors | time |")
    assert "| audit | ⚠️ error | - | - |" in summary
    assert "| lint | ❌ failed | 1 | 0.25 s |" in summary
    assert summary.count("<details") == 4
    assert "<details open><summary><b>audit</b>: ⚠️ error, could not decide</summary>" in summary
    outputs = runner.outputs((tmp_path / "out").read_text())
    assert outputs["passed"] == "false"
    assert outputs["lint-passed"] == "false"
    assert outputs["lint-files"] == "2"
    assert outputs["changelog-passed"] == "true"


def test_sarif_validates_against_the_schema(tmp_path, capsys, monkeypatch) -> None:
    monkeypatch.chdir(tmp_path)
    (tmp_path / "pyproject.toml").write_text('[project]\nname = "x"\n[ tool.trunkgate.branch ]\n')
    results = sample()
    assert render.emit(results, "sarif", run=True, sarif=str(tmp_path / "out.sarif")) == 2
    printed = json.loads(capsys.readouterr().out)
    written = json.loads((tmp_path / "out.sarif").read_text())
    assert printed == written
    jsonschema.validate(written, SCHEMA)
    runs = {run["tool"]["driver"]["name"]: run for run in written["runs"]}
    assert set(runs) == {
        "trunkgate lint (ruff)",
        "trunkgate branch",
        "trunkgate changelog",
        "trunkgate audit (pip-audit)",
    }
    lint = runs["trunkgate lint (ruff)"]
    assert [r["id"] for r in lint["tool"]["driver"]["rules"]] == ["E501", "F401"]
    first = lint["results"][0]
    assert first["ruleId"] == "F401"
    assert first["level"] == "error"
    assert first["locations"][0]["physicalLocation"] == {
        "artifactLocation": {"uri": "src/app.py"},
        "region": {"startLine": 1},
    }
    assert lint["results"][1]["level"] == "warning"
    assert runs["trunkgate changelog"]["results"][0]["level"] == "note"
    # A finding with no file points at the policy file, so that GitHub takes the upload.
    branch = runs["trunkgate branch"]["results"][0]["locations"][0]["physicalLocation"]
    assert branch == {"artifactLocation": {"uri": "pyproject.toml"}, "region": {"startLine": 3}}
    assert runs["trunkgate audit (pip-audit)"]["invocations"][0]["executionSuccessful"] is False


def test_run_json(capsys) -> None:
    assert render.emit(sample()[2:3], "json", run=True) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["passed"] is True
    assert data["gates"][0]["gate"] == "changelog"


def test_sarif_file_that_cannot_be_written_is_a_usage_error(tmp_path) -> None:
    with pytest.raises(report.UsageError, match="cannot write the file"):
        render.emit(sample(), "text", run=True, sarif=str(tmp_path / "no" / "dir" / "x.sarif"))


def test_usage_error_in_actions_is_also_an_annotation(capsys, monkeypatch) -> None:
    monkeypatch.setenv("GITHUB_ACTIONS", "true")
    assert cli.usage_error("trunkgate x", "bad: thing") == 2
    captured = capsys.readouterr()
    assert captured.err == "trunkgate x: error: bad: thing\n"
    assert captured.out == "::error title=trunkgate x::bad: thing\n"


def test_severities_are_the_three_sarif_levels() -> None:
    assert report.SEVERITIES == (ERROR, WARNING, NOTE)

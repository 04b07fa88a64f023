"""Nothing from a change can forge a workflow command: the one escaping rule, proven.

The runner's rules are read by `tests.support.runner`. Every test here runs real gates on a
real repository with hostile names, subjects and titles, under `--format github` and inside
Actions, and asserts that the only commands in stdout and stderr are the annotations
trunkgate meant to issue, and that the step summary renders as the tables it wrote.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st
from markdown_it import MarkdownIt

from tests.support import runner
from trunkgate import github
from trunkgate.render import markdown
from trunkgate.report import Finding, GateResult

# What a change can carry into a line: line breaks of every kind, both command syntaxes.
HOSTILE = [
    "q\n::add-mask::x",
    "q\r::stop-commands::tok",
    "  ::error::forged",
    "\u2028::warning::sep",
    "\ufeff::set-output name=x::y",
    "a ##[error]legacy",
    "x\r\n##[set-output name=a;]b",
    "<b>✅ passed</b> | | forged |",
]
ANNOTATIONS = {"error", "warning", "notice"}
WITH_BASE = {"run", "commits", "lint", "security", "coverage", "changelog", "secrets", "review"}


def test_neutralised_lines_are_never_commands() -> None:
    for text in HOSTILE:
        for line in runner.lines(github.escape_text(text)):
            assert runner.command(line) is None, (text, line)


def test_the_reader_sees_the_attacks_it_is_given() -> None:
    # The reader must be able to fail: unescaped, each case is a command to the runner.
    for text in HOSTILE[:-1]:
        assert runner.commands(text), text


@given(st.text())
def test_escaping_never_yields_a_command(text: str) -> None:
    for line in runner.lines(github.escape_text(text)):
        assert runner.command(line) is None


@given(st.text())
def test_escaping_never_loses_text(text: str) -> None:
    assert github.unescape(github.escape_text(text).replace("\n", "\\n")) == text


@given(st.text(), st.text())
def test_a_command_message_and_property_round_trip(message: str, value: str) -> None:
    line = github.format_command("error", message, {"file": value})
    assert runner.lines(line) == [line]
    assert runner.command(line) == ("error", {"file": value}, message)


@given(st.text())
def test_a_summary_cell_stays_in_its_cell(text: str) -> None:
    result = GateResult("g", [Finding("r", text, file=text, where=None)])
    tokens = MarkdownIt("commonmark").enable("table").parse(markdown.section(result))
    cells = [t for t in tokens if t.type == "td_open"]
    assert len(cells) == 4  # one row of four cells, whatever the text holds
    assert not [t for t in tokens if t.type in ("html_block", "html_inline") and "<b>" in t.content]


def _git(repo: Path, *args: str) -> str:
    env = {
        **os.environ,
        "GIT_AUTHOR_NAME": "a",
        "GIT_AUTHOR_EMAIL": "a@example.com",
        "GIT_COMMITTER_NAME": "a",
        "GIT_COMMITTER_EMAIL": "a@example.com",
    }
    return subprocess.run(
        ["git", *args], cwd=repo, env=env, check=True, capture_output=True, text=True
    ).stdout.strip()


@pytest.fixture
def hostile_repo(tmp_path: Path) -> Path:
    """A repository whose change has a hostile file name, subject and changelog entry."""
    repo = tmp_path / "repo"
    repo.mkdir()
    _git(repo, "init", "-q", "-b", "main")
    (repo / "pyproject.toml").write_text(
        '[project]\nname = "x"\n\n[tool.trunkgate]\n\n'
        '[tool.trunkgate.release]\nnon-conventional = "ignore"  # the subject below is not\n'
    )
    (repo / "CHANGELOG.md").write_text("# Changelog\n\n## [Unreleased]\n")
    _git(repo, "add", "-A")
    _git(repo, "commit", "-q", "-m", "chore: start")
    _git(repo, "switch", "-q", "-c", "feature/x")
    for name in ("q\n::add-mask::x.py", "a ##[error]b.py", "r\r::stop-commands::t.py"):
        (repo / name).write_text("import subprocess\nsubprocess.call('x', shell=True)\nx=1\n")
    # A fake token of GitHub's shape, for the secrets gate to annotate under a hostile name.
    (repo / "k\n::error::s.env").write_text("T=ghp_" + "abcdefghijklmnopqrstuvwxyz0123456789\n")
    # A failing test whose name and message are hostile, for the tests gate's annotations;
    # and benchmark results whose names are, for the performance gate's table.
    (repo / "test_hostile.py").write_text(
        "def test_a():\n    assert False, 'x\\n::error::forged ##[error]y'\n"
    )
    bench = {
        "benchmarks": [
            {
                "name": name,
                "fullname": name,
                "stats": {"median": median, "q1": median, "q3": median, "rounds": 5},
            }
            for name, median in (("b\n::error::forged", 1.0), ("c ##[error]d", 1.0))
        ]
    }
    (repo / "base.json").write_text(json.dumps(bench))
    for item in bench["benchmarks"]:
        item["stats"] = {"median": 9.0, "q1": 9.0, "q3": 9.0, "rounds": 5}
    (repo / "head.json").write_text(json.dumps(bench))
    _git(repo, "add", "-A")
    _git(repo, "commit", "-q", "-m", "feat: x\n\n::add-mask::y\r::error::forged ##[error]z")
    # Coverage data that names one hostile file and leaves the others unmeasured: the gate
    # lists both kinds in its notes and findings.
    measured = "q\n::add-mask::x.py"
    report = {
        "meta": {"version": "7.17.5"},
        "files": {
            measured: {
                "executed_lines": [1],
                "missing_lines": [2, 3],
                "summary": {"percent_covered": 33.3},
            }
        },
        "totals": {"percent_covered": 33.3},
    }
    (repo / "coverage.json").write_text(json.dumps(report))
    (repo / "MSG").write_text("feat: x\r::add-mask::y\n\n##[error]body\n::warning::forged\n")
    (repo / "CHANGELOG.md").write_text(
        "# Changelog\n\n## [Unreleased]\n\n### Addded\n\n- x\r::error::forged ##[error]y\n"
        "## [1.0.0\r::warning::z] - 2026-01-01\n"
    )
    _git(repo, "commit", "-q", "--allow-empty", "-m", "bad subject\r::warning::forged")
    _git(repo, "commit", "-q", "--allow-empty", "-m", "fix: y ##[error]z")
    return repo


def _run(repo: Path, *args: str, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "trunkgate", *args],
        cwd=repo,
        env={**os.environ, **env},
        capture_output=True,
        text=True,
        check=False,
    )


def _forged(proc: subprocess.CompletedProcess[str]) -> list[tuple[str, dict[str, str], str]]:
    """Commands in stdout or stderr that are not the annotations trunkgate issues."""
    found = runner.commands(proc.stdout) + runner.commands(proc.stderr)
    return [
        c
        for c in found
        if c[0] not in ANNOTATIONS or not c[1].get("title", "").startswith("trunkgate")
    ]


@pytest.mark.parametrize(
    "args",
    [
        ["run", "--gates", "commits,changelog-updated,lint,security,branch"],
        ["commits"],
        ["lint"],
        ["security"],
        ["coverage", "--data", "coverage.json"],
        ["commit-msg", "MSG"],
        ["changelog"],
        ["version", "--ref", "v1.0.0\n::error::forged"],
        ["audit", "--all"],
        ["init", "--dry-run"],
        ["release", "next"],
        ["release", "notes"],
        ["changelog", "--check-updated"],
        ["commits", "--range", "nope\n::add-mask::x..HEAD"],
        ["branch", "--branch", "x\n::error::forged"],
        ["secrets"],
        ["review"],
        ["tests"],
        ["performance", "--baseline", "base.json", "head.json"],
        ["api"],
        ["metrics"],
    ],
    ids=lambda a: " ".join(a)[:40],
)
@pytest.mark.parametrize("how", ["format", "actions"])
def test_no_gate_forges_a_command(hostile_repo: Path, tmp_path: Path, args, how) -> None:
    env = {"TRUNKGATE_NO_CACHE": "1", "GITHUB_OUTPUT": str(tmp_path / "out")}
    if how == "actions":
        env.update(GITHUB_ACTIONS="true", GITHUB_STEP_SUMMARY=str(tmp_path / "summary.md"))
        args = [*args, "--base", "main"] if args[0] in WITH_BASE else args
    else:
        args = [*args, "--format", "github"] if args[0] != "init" else args
        if args[0] in WITH_BASE:
            args += ["--base", "main"]
    proc = _run(hostile_repo, *args, env=env)
    assert proc.returncode in (0, 1, 2), proc.stderr
    assert "Traceback" not in proc.stderr
    assert _forged(proc) == [], proc.stdout + proc.stderr
    summary = tmp_path / "summary.md"
    if summary.exists():
        tokens = MarkdownIt("commonmark").enable("table").parse(summary.read_text(encoding="utf-8"))
        assert not [
            t
            for t in tokens
            if t.type in ("html_block", "html_inline")
            and "details" not in t.content
            and "summary" not in t.content
        ]


def test_a_pull_request_title_is_data(hostile_repo: Path, tmp_path: Path) -> None:
    base = _git(hostile_repo, "rev-parse", "main")
    head = _git(hostile_repo, "rev-parse", "HEAD")
    title = "feat: x\n::add-mask::secret\r##[error]forged"
    payload = {
        "number": 1,
        "pull_request": {
            "number": 1,
            "title": title,
            "head": {"ref": "feature/x", "sha": head},
            "base": {"ref": "main", "sha": base},
        },
    }
    event = tmp_path / "event.json"
    event.write_text(json.dumps(payload), encoding="utf-8")
    env = {
        "GITHUB_ACTIONS": "true",
        "GITHUB_EVENT_NAME": "pull_request",
        "GITHUB_EVENT_PATH": str(event),
        "GITHUB_STEP_SUMMARY": str(tmp_path / "summary.md"),
        "GITHUB_OUTPUT": str(tmp_path / "out"),
        "TRUNKGATE_NO_CACHE": "1",
    }
    proc = _run(hostile_repo, "run", "--gates", "commits,branch", "--format", "github", env=env)
    assert proc.returncode == 1, proc.stderr
    assert _forged(proc) == []
    outputs = runner.outputs((tmp_path / "out").read_text(encoding="utf-8"))
    assert set(outputs) >= {"passed", "findings", "commits-passed", "branch-passed"}


@pytest.mark.parametrize(
    "args",
    [
        ["run", "--gates", "commits,branch", "--format", "json"],
        ["run", "--gates", "commits,branch", "--format", "sarif"],
        ["commits", "--format", "json"],
        ["release", "next", "--format", "json"],
    ],
    ids=lambda a: " ".join(a),
)
def test_machine_formats_are_exact_and_inert(hostile_repo: Path, tmp_path: Path, args) -> None:
    """In Actions, JSON and SARIF on stdout decode to the very values (no escaping of ours
    alters them) and still forge no command in the log."""
    env = {"GITHUB_ACTIONS": "true", "TRUNKGATE_NO_CACHE": "1"}
    if args[0] != "release":
        args = [*args, "--base", "main"]
    proc = _run(hostile_repo, *args, env=env)
    assert proc.returncode in (0, 1), proc.stderr
    assert _forged(proc) == []
    assert "##[" not in proc.stdout
    doc = json.loads(proc.stdout)
    if args[:2] == ["release", "next"]:  # the subject survives, decoded as it was written
        assert "fix: y ##[error]z" in [c["subject"] for c in doc["commits"]]


def test_a_redirected_stdout_is_data(hostile_repo: Path, tmp_path: Path) -> None:
    notes = tmp_path / "notes.md"
    with notes.open("w") as out:
        subprocess.run(
            [sys.executable, "-m", "trunkgate", "release", "notes"],
            cwd=hostile_repo,
            env={**os.environ, "GITHUB_ACTIONS": "true", "TRUNKGATE_NO_CACHE": "1"},
            stdout=out,
            check=True,
        )
    assert "\\x" not in notes.read_text()  # not escaped for a log: it is the notes themselves

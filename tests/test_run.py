from __future__ import annotations

import json
import os
import sys
from pathlib import Path

import jsonschema

from tests.support import runner
from tests.support.cli import run_cli

SCHEMA = json.loads((Path(__file__).parent / "data" / "sarif-schema-2.1.0.json").read_text())
CHANGELOG = "# Changelog\n\n## [Unreleased]\n\n### Added\n\n- Things.\n"


def project(repo, *, message: str, branch: str, code: str) -> None:
    repo.commit("chore: start", {"CHANGELOG.md": CHANGELOG, "app.py": "x = 1\n"})
    repo.branch(branch)
    repo.commit(message, {"app.py": code})


def test_every_gate_in_one_report(repo, capsys) -> None:
    project(repo, message="added stuff", branch="Stuff", code="import os\nx = 2\n")
    code = run_cli("run", ["--gates", "branch,commits,changelog,lint,version"])
    assert code == 1
    out = capsys.readouterr().out.splitlines()
    table = {line.split()[0]: line.split()[1] for line in out[1:6]}
    assert table == {
        "branch": "failed",
        "commits": "failed",
        "changelog": "passed",
        "lint": "failed",
        "version": "passed",
    }
    assert "== lint" in out
    assert "app.py:1: F401: `os` imported but unused" in out
    assert out[-1] == "trunkgate run: failed (branch, commits, lint)"


def test_a_clean_change_passes(repo, capsys) -> None:
    project(repo, message="feat: more x", branch="feature/x", code="x = 2\n")
    assert run_cli("run", ["--gates", "branch,commits,changelog,lint", "--format", "json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["passed"] is True
    assert [g["gate"] for g in data["gates"]] == ["branch", "commits", "changelog", "lint"]


def test_a_gate_that_cannot_decide_makes_the_run_exit_2(repo, capsys) -> None:
    project(repo, message="feat: more x", branch="feature/x", code="x = 2\n")
    code = run_cli("run", ["--gates", "branch,commits", "--base", "nonesuch", "--format", "json"])
    assert code == 2
    data = json.loads(capsys.readouterr().out)
    commits = data["gates"][1]
    assert commits["passed"] is False
    assert "nonesuch" in commits["error"]
    assert data["gates"][0]["passed"] is True  # the other gate still ran and reported


def test_sarif_never_turns_a_failure_into_a_pass(repo, capsys, tmp_path) -> None:
    project(repo, message="added stuff", branch="Stuff", code="import os\nx = 2\n")
    sarif = tmp_path / "out.sarif"
    assert run_cli("run", ["--gates", "branch,lint", "--format", "sarif"]) == 1
    jsonschema.validate(json.loads(capsys.readouterr().out), SCHEMA)
    assert run_cli("run", ["--gates", "branch,lint", "--sarif", str(sarif)]) == 1
    doc = json.loads(sarif.read_text())
    jsonschema.validate(doc, SCHEMA)
    names = [r["tool"]["driver"]["name"] for r in doc["runs"]]
    assert names == ["trunkgate branch", "trunkgate lint (ruff)"]


def test_skip_and_policy_selection(repo, capsys) -> None:
    project(repo, message="feat: more x", branch="feature/x", code="x = 2\n")
    repo.write("pyproject.toml", '[tool.trunkgate.run]\ngates = ["branch", "commits"]\n')
    assert run_cli("run", ["--skip", "commits", "--format", "json"]) == 0
    assert [g["gate"] for g in json.loads(capsys.readouterr().out)["gates"]] == ["branch"]
    assert run_cli("run", ["--skip", "branch,commits"]) == 2
    assert "no gates to run" in capsys.readouterr().err
    assert run_cli("run", ["--gates", "branch,nope"]) == 2
    assert "unknown gate 'nope'" in capsys.readouterr().err


def test_shared_flags_reach_every_gate(repo, capsys) -> None:
    project(repo, message="feat: more x", branch="feature/x", code="x = 2\n")
    # With the trunk named feature/x, the branch gate sees a commit onto the trunk.
    assert run_cli("run", ["--gates", "branch", "--trunk", "feature/x"]) == 1
    assert "trunk-protected" in capsys.readouterr().out


def test_in_actions_the_payload_is_read_once_for_every_gate(repo, github_env, capsys) -> None:
    repo.commit("chore: start", {"CHANGELOG.md": CHANGELOG})
    base = repo.head()
    repo.branch("feature/x")
    head = repo.commit("feat: x", {"app.py": "x = 1\n", "CHANGELOG.md": CHANGELOG + "- x.\n"})
    payload = {
        "number": 3,
        "pull_request": {
            "number": 3,
            "title": "feat: x",
            "head": {"ref": "feature/x", "sha": head},
            "base": {"ref": "main", "sha": base},
        },
    }
    summary, output = github_env("pull_request", payload)
    event_path = os.environ["GITHUB_EVENT_PATH"]
    opened: list[str] = []
    # Python's audit hooks see every open(); the hook cannot be removed, so it only counts
    # while this test says so.
    counting = [True]
    sys.addaudithook(
        lambda event, args: (
            opened.append(str(args[0]))
            if counting[0] and event == "open" and str(args[0]) == event_path
            else None
        )
    )
    try:
        code = run_cli(
            "run", ["--gates", "branch,commits,changelog,changelog-updated", "--format", "github"]
        )
    finally:
        counting[0] = False
    assert code == 0, capsys.readouterr()
    assert opened == [event_path]  # four gates, one read of the payload
    assert summary.read_text().count("<details><summary><b>") == 4  # one folded section a gate
    outputs = runner.outputs(output.read_text())
    assert outputs["passed"] == "true"
    assert outputs["commits-passed"] == "true"


def test_a_broken_payload_stops_the_run_before_any_gate(repo, monkeypatch, tmp_path, capsys):
    monkeypatch.setenv("GITHUB_ACTIONS", "true")
    monkeypatch.setenv("GITHUB_EVENT_PATH", str(tmp_path / "missing.json"))
    assert run_cli("run", ["--gates", "branch"]) == 2
    assert (
        "(GITHUB_EVENT_PATH): no such file, expected the event payload" in capsys.readouterr().err
    )

"""`trunkgate checks`: a job's latest verdict on a commit, against the REST stand-in."""

from __future__ import annotations

import pytest

from tests.support.cli import run_cli

SHA = "c" * 40
RUNS = f"/repos/example/target/commits/{SHA}/check-runs"


@pytest.fixture
def api(rest_api, monkeypatch: pytest.MonkeyPatch, tmp_path):
    monkeypatch.setenv("GITHUB_API_URL", rest_api.url)
    monkeypatch.setenv("GITHUB_TOKEN", "r-token")
    monkeypatch.setenv("GITHUB_REPOSITORY", "example/target")
    monkeypatch.delenv("GITHUB_ACTIONS", raising=False)
    monkeypatch.setenv("GITHUB_OUTPUT", str(tmp_path / "output"))
    return rest_api


def run(name: str, status: str, conclusion: str | None, started: str) -> dict:
    return {"name": name, "status": status, "conclusion": conclusion, "started_at": started}


@pytest.mark.parametrize(
    ("runs", "expected"),
    [
        ([run("trunkgate / Tests and coverage", "completed", "failure", "1")], "failure"),
        (
            [
                run("trunkgate / Tests and coverage", "completed", "failure", "2026-01-01T10"),
                run("trunkgate / Tests and coverage", "completed", "success", "2026-01-01T11"),
                run("trunkgate / Gates", "completed", "failure", "2026-01-01T12"),
            ],
            "success",
        ),
        ([run("trunkgate / Tests and coverage", "in_progress", None, "1")], "in_progress"),
        ([run("trunkgate / Gates", "completed", "success", "1")], "none"),
        ([], "none"),
    ],
)
def test_the_newest_run_of_the_job_decides(api, capsys, runs, expected) -> None:
    api.route("GET", RUNS, {"total_count": len(runs), "check_runs": runs})
    assert run_cli("checks", ["--sha", SHA, "--job", "Tests and coverage"]) == 0
    assert capsys.readouterr().out.strip() == expected
    [call] = api.calls
    assert call.headers["authorization"] == "Bearer r-token"


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["--sha", "HEAD", "--job", "x"], "--sha: expected a 40-character commit SHA"),
        (["--sha", SHA], "--job: expected the job's name"),
        (["--sha", SHA, "--job", "x", "--repository", "../x"], "expected owner/name"),
    ],
)
def test_bad_arguments(api, capsys, argv, message) -> None:
    assert run_cli("checks", argv) == 2
    assert message in capsys.readouterr().err
    assert api.calls == []


def test_an_api_that_does_not_answer_is_an_error(api, capsys) -> None:
    api.fail_with = 403
    assert run_cli("checks", ["--sha", SHA, "--job", "x"]) == 2
    assert "could not read the check runs: GET" in capsys.readouterr().err
    api.fail_with = None
    api.route("GET", RUNS, {"message": "odd"})
    assert run_cli("checks", ["--sha", SHA, "--job", "x"]) == 2
    assert "the REST API's answer has none" in capsys.readouterr().err

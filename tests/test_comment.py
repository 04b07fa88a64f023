"""`trunkgate comment`: one sticky pull-request comment, against the REST stand-in."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.support.cli import run_cli
from trunkgate.comment import LIMIT, MARKER, body_of

SHA = "a" * 40
COMMENTS = "/repos/example/target/issues/7/comments"


@pytest.fixture
def posting(tmp_path: Path, rest_api, monkeypatch: pytest.MonkeyPatch):
    monkeypatch.setenv("GITHUB_API_URL", rest_api.url)
    monkeypatch.setenv("GITHUB_TOKEN", "t0ken")
    monkeypatch.setenv("GITHUB_REPOSITORY", "example/target")
    monkeypatch.delenv("GITHUB_ACTIONS", raising=False)
    (tmp_path / "summary.md").write_text("## trunkgate: ✅ every gate passed\n", encoding="utf-8")
    (tmp_path / "pr-number").write_text("7\n", encoding="utf-8")
    rest_api.route("GET", "/repos/example/target/pulls/7", {"head": {"sha": SHA}})
    rest_api.route("POST", COMMENTS, {"id": 99}, status=201)
    rest_api.route("PATCH", "/repos/example/target/issues/comments/42", {"id": 42})
    return tmp_path


def args(folder: Path, *extra: str) -> list[str]:
    return [
        "--body-file",
        str(folder / "summary.md"),
        "--pr-number-file",
        str(folder / "pr-number"),
        "--head-sha",
        SHA,
        *extra,
    ]


def test_creates_the_comment_when_there_is_none(posting, rest_api, capsys) -> None:
    rest_api.route("GET", COMMENTS, pages=[[{"id": 1, "user": {"login": "someone"}, "body": "hi"}]])
    assert run_cli("comment", args(posting)) == 0
    assert capsys.readouterr().out.strip() == "created comment 99 on #7"
    calls = [(c.method, c.path) for c in rest_api.calls]
    assert calls == [
        ("GET", "/repos/example/target/pulls/7"),
        ("GET", COMMENTS),
        ("POST", COMMENTS),
    ]
    body = rest_api.calls[-1].body["body"]
    assert body.startswith(f"{MARKER}\n## trunkgate: ✅ every gate passed")
    assert all(c.headers["authorization"] == "Bearer t0ken" for c in rest_api.calls)


def test_updates_its_own_marked_comment_on_a_later_page(posting, rest_api, capsys) -> None:
    theirs = {"id": 5, "user": {"login": "mallory"}, "body": f"{MARKER} fake"}
    ours = {"id": 42, "user": {"login": "github-actions[bot]"}, "body": f"{MARKER}\nold"}
    rest_api.route("GET", COMMENTS, pages=[[theirs], [ours]])
    assert run_cli("comment", args(posting)) == 0
    assert capsys.readouterr().out.strip() == "updated comment 42 on #7"
    last = rest_api.calls[-1]
    assert (last.method, last.path) == ("PATCH", "/repos/example/target/issues/comments/42")
    assert not any(c.method == "POST" for c in rest_api.calls)


@pytest.mark.parametrize(
    "number", ["7; rm -rf /", "-1", "0", "7.0", "", "\uff11\uff12", "12345678901"]
)
def test_the_number_must_be_a_positive_integer(posting, rest_api, capsys, number) -> None:
    (posting / "pr-number").write_text(number, encoding="utf-8")
    assert run_cli("comment", args(posting)) == 2
    assert "expected a pull request number" in capsys.readouterr().err
    assert rest_api.calls == []


def test_an_artifact_of_another_head_posts_nothing(posting, rest_api, capsys) -> None:
    rest_api.route("GET", "/repos/example/target/pulls/7", {"head": {"sha": "b" * 40}})
    assert run_cli("comment", args(posting)) == 2
    assert "its head is bbbbbbbbbbbb, not the run's aaaaaaaaaaaa" in capsys.readouterr().err
    assert [c.method for c in rest_api.calls] == ["GET"]


def test_api_failure_and_missing_token_are_errors(posting, rest_api, capsys, monkeypatch) -> None:
    rest_api.fail_with = 403
    assert run_cli("comment", args(posting)) == 2
    assert "could not post the comment: GET" in capsys.readouterr().err
    monkeypatch.delenv("GITHUB_TOKEN")
    assert run_cli("comment", args(posting)) == 2
    assert "GITHUB_TOKEN: expected a token" in capsys.readouterr().err


@pytest.mark.parametrize(
    ("extra", "message"),
    [
        (["--repository", "a/b/../c"], "expected owner/name"),
        (["--repository", "owner/.."], "expected owner/name"),
        (["--head-sha", "HEAD"], "expected a 40-character commit SHA"),
        (["--pr-number", "7"], "expected one of --pr-number-file and --pr-number"),
    ],
)
def test_bad_arguments(posting, rest_api, capsys, extra, message) -> None:
    assert run_cli("comment", args(posting, *extra)) == 2
    assert message in capsys.readouterr().err
    assert rest_api.calls == []


def test_a_long_summary_is_cut_to_the_limit() -> None:
    body = body_of("x" * (2 * LIMIT))
    assert len(body) <= LIMIT
    assert body.startswith(MARKER)
    assert body.endswith("the run's summary has all of it.*\n")
    assert body_of("short") == f"{MARKER}\nshort\n"

"""The review gate against the loopback stand-in of GitHub's REST API: the calls it makes,
the share it reports, and every answer it must refuse."""

from __future__ import annotations

import json

import pytest

from tests.support.cli import run_cli
from tests.support.rest_server import RestServer
from tests.support.runner import outputs

MERGED = "2026-01-02T03:04:05Z"


def pull(number: object, login: str = "ada", merged: str | None = MERGED) -> dict:
    return {"number": number, "user": {"login": login}, "merged_at": merged}


def approval(login: str, state: str = "APPROVED") -> dict:
    return {"state": state, "user": {"login": login}}


@pytest.fixture
def pushed(repo, github_env, rest_api, monkeypatch):
    """Two commits pushed to the trunk, in Actions, with the REST stand-in; returns a
    function that adds commits (name -> sha) and sets up the push event."""
    monkeypatch.setenv("GITHUB_API_URL", rest_api.url)
    monkeypatch.setenv("GITHUB_TOKEN", "t0ken")
    monkeypatch.setenv("GITHUB_REPOSITORY", "o/r")
    start = repo.commit("chore: start")
    shas: dict[str, str] = {}

    def push(*subjects: str, author: str | None = None) -> dict[str, str]:
        for subject in subjects:
            if author:
                monkeypatch.setenv("GIT_AUTHOR_NAME", author)
            shas[subject] = repo.commit(subject)
            monkeypatch.setenv("GIT_AUTHOR_NAME", "Ada Tester")
        return shas

    def event() -> tuple:
        return github_env("push", {"before": start, "after": repo.head()}, ref="refs/heads/main")

    push.event = event  # type: ignore[attr-defined]
    return push


def gate(capsys, *args: str) -> tuple[int, dict, str]:
    code = run_cli("review", [*args, "--format", "json"])
    out, err = capsys.readouterr()
    return code, (json.loads(out) if out else {}), err


def paths(api: RestServer) -> list[str]:
    return [call.path for call in api.calls]


def test_every_commit_approved_by_someone_else_passes(pushed, rest_api, capsys):
    shas = pushed("feat: one", "fix: two")
    one, two = shas["feat: one"], shas["fix: two"]
    rest_api.route("GET", f"/repos/o/r/commits/{one}/pulls", [pull(7)])
    rest_api.route("GET", f"/repos/o/r/commits/{two}/pulls", [pull(8, "bob")])
    rest_api.route("GET", "/repos/o/r/pulls/7/reviews", [approval("bob")])
    rest_api.route(
        "GET", "/repos/o/r/pulls/8/reviews", [approval("ada", "COMMENTED"), approval("cy")]
    )
    pushed.event()
    code, data, err = gate(capsys)
    assert code == 0, err
    assert data["findings"] == []
    assert data["metrics"] == {"share": "100", "reviewed": 2, "commits": 2, "exempt": 0}
    assert data["notes"] == ["2 of 2 commits reviewed (100 %, min-share 100 %)"]
    # Oldest first; each commit's pull requests, then that pull request's reviews.
    assert paths(rest_api) == [
        f"/repos/o/r/commits/{one}/pulls",
        "/repos/o/r/pulls/7/reviews",
        f"/repos/o/r/commits/{two}/pulls",
        "/repos/o/r/pulls/8/reviews",
    ]
    for call in rest_api.calls:
        assert call.method == "GET"
        assert call.headers["authorization"] == "Bearer t0ken"
        assert call.query["per_page"] == "100"


def test_a_self_approval_a_direct_push_and_an_unmerged_pull_request_are_not_reviews(
    pushed, rest_api, capsys
):
    shas = pushed("feat: self", "fix: direct", "docs: open", "feat: fine")
    self_, direct, open_, fine = (
        shas[s] for s in ("feat: self", "fix: direct", "docs: open", "feat: fine")
    )
    rest_api.route("GET", f"/repos/o/r/commits/{self_}/pulls", [pull(7)])
    rest_api.route("GET", "/repos/o/r/pulls/7/reviews", [approval("ada")])
    rest_api.route("GET", f"/repos/o/r/commits/{direct}/pulls", [])
    rest_api.route("GET", f"/repos/o/r/commits/{open_}/pulls", [pull(9, merged=None)])
    rest_api.route("GET", f"/repos/o/r/commits/{fine}/pulls", [pull(10)])
    rest_api.route("GET", "/repos/o/r/pulls/10/reviews", [approval("bob")])
    pushed.event()
    code, data, _ = gate(capsys)
    assert code == 1
    assert [(f["where"], f["severity"], f["message"]) for f in data["findings"]] == [
        (
            f"commit {self_[:10]}",
            "error",
            '"feat: self": pull request #7 had no approval by someone other than its author',
        ),
        (
            f"commit {direct[:10]}",
            "error",
            '"fix: direct": no pull request holds it (it was pushed straight to the trunk)',
        ),
        (f"commit {open_[:10]}", "error", '"docs: open": its pull requests (#9) were not merged'),
    ]
    assert data["metrics"]["share"] == "25"
    assert data["notes"][0] == "1 of 4 commits reviewed (25 %, min-share 100 %)"
    # An unmerged pull request's reviews are never asked for.
    assert "/repos/o/r/pulls/9/reviews" not in paths(rest_api)


def test_min_share_turns_the_misses_into_warnings(pushed, rest_api, capsys):
    shas = pushed("feat: one", "fix: two")
    rest_api.route("GET", f"/repos/o/r/commits/{shas['feat: one']}/pulls", [pull(7)])
    rest_api.route("GET", "/repos/o/r/pulls/7/reviews", [approval("bob")])
    rest_api.route("GET", f"/repos/o/r/commits/{shas['fix: two']}/pulls", [])
    pushed.event()
    code, data, _ = gate(capsys, "--min-share", "50")
    assert code == 0
    assert [f["severity"] for f in data["findings"]] == ["warning"]
    code, data, _ = gate(capsys, "--min-share", "50.1")
    assert code == 1


def test_one_pull_requests_reviews_are_read_once_across_pages(pushed, rest_api, capsys):
    shas = pushed("feat: a", "feat: b", "feat: c")
    for sha in shas.values():
        rest_api.route("GET", f"/repos/o/r/commits/{sha}/pulls", [pull(5, merged=MERGED)])
    rest_api.route(
        "GET",
        "/repos/o/r/pulls/5/reviews",
        pages=[
            [approval("ada", "COMMENTED")],
            [approval("bob", "CHANGES_REQUESTED")],
            [approval("bob")],
        ],
    )
    pushed.event()
    code, data, _ = gate(capsys)
    assert code == 0
    reviews = [c for c in rest_api.calls if c.path.endswith("/reviews")]
    assert [c.query.get("page", "1") for c in reviews] == ["1", "2", "3"]
    assert data["metrics"]["reviewed"] == 3


def test_bot_authors_are_exempt_by_git_identity_or_by_their_pull_request(pushed, rest_api, capsys):
    pushed("chore(deps): bump x", author="dependabot[bot]")
    shas = pushed("chore: renovate", "feat: human")
    rest_api.route(
        "GET", f"/repos/o/r/commits/{shas['chore: renovate']}/pulls", [pull(3, "renovate[bot]")]
    )
    rest_api.route("GET", f"/repos/o/r/commits/{shas['feat: human']}/pulls", [pull(4)])
    rest_api.route("GET", "/repos/o/r/pulls/4/reviews", [approval("bob")])
    pushed.event()
    code, data, _ = gate(capsys)
    assert code == 0
    assert data["metrics"] == {"share": "100", "reviewed": 1, "commits": 1, "exempt": 2}
    assert data["notes"][1] == "2 commits by exempt authors left out"
    # The bot's own commit costs no call; the renovate pull request's reviews none either.
    assert f"/repos/o/r/commits/{shas['chore(deps): bump x']}/pulls" not in paths(rest_api)
    assert "/repos/o/r/pulls/3/reviews" not in paths(rest_api)
    # With no exemptions, the bots' commits count (and were not reviewed).
    rest_api.route("GET", f"/repos/o/r/commits/{shas['chore(deps): bump x']}/pulls", [])
    rest_api.route("GET", "/repos/o/r/pulls/3/reviews", [])
    code, data, _ = gate(capsys, "--exempt-authors", "")
    assert code == 1
    assert data["metrics"]["commits"] == 3


@pytest.mark.parametrize(
    ("patterns", "names", "expected"),
    [
        (["*[bot]"], ["dependabot[bot]"], True),
        (["*[bot]"], ["robot"], False),
        (["*@bots.example.com"], ["", "ci@bots.example.com"], True),
        (["release-bot"], ["release-bot2"], False),
        ([], ["x"], False),
    ],
)
def test_exempt_patterns_are_the_commits_gates(patterns, names, expected):
    # One matcher for both gates: shell patterns whose brackets match themselves.
    from trunkgate.messages import exempt_author

    assert (exempt_author(patterns, None, *names) is not None) is expected


def test_the_pull_request_under_review_counts_before_it_is_merged(
    repo, github_env, rest_api, monkeypatch, capsys
):
    monkeypatch.setenv("GITHUB_API_URL", rest_api.url)
    monkeypatch.setenv("GITHUB_REPOSITORY", "o/r")
    base = repo.commit("chore: start")
    repo.branch("feature/x")
    head = repo.commit("feat: x")
    rest_api.route("GET", f"/repos/o/r/commits/{head}/pulls", [pull(12, merged=None)])
    rest_api.route("GET", "/repos/o/r/pulls/12/reviews", [approval("bob")])
    github_env(
        "pull_request",
        {
            "number": 12,
            "pull_request": {"number": 12, "base": {"sha": base}, "head": {"sha": head}},
        },
    )
    code, data, _ = gate(capsys)
    assert code == 0, data
    assert "authorization" not in rest_api.calls[0].headers  # no token: none is sent


def test_github_outputs_carry_the_share(pushed, rest_api, capsys):
    shas = pushed("fix: direct")
    rest_api.route("GET", f"/repos/o/r/commits/{shas['fix: direct']}/pulls", [])
    summary, output = pushed.event()
    code = run_cli("review", ["--format", "github"])
    out, _ = capsys.readouterr()
    assert code == 1
    assert (
        f"::error title=trunkgate review%3A unreviewed::commit {shas['fix: direct'][:10]}: " in out
    )
    values = outputs(output.read_text(encoding="utf-8"))
    assert (values["share"], values["reviewed"], values["commits"]) == ("0", "0", "1")
    assert "0 of 1 commit reviewed (0 %, min-share 100 %)" in summary.read_text(encoding="utf-8")


def test_an_event_without_a_change_passes_without_calls(
    repo, github_env, rest_api, monkeypatch, capsys
):
    monkeypatch.setenv("GITHUB_API_URL", rest_api.url)
    monkeypatch.setenv("GITHUB_REPOSITORY", "o/r")
    repo.commit("chore: start")
    github_env("schedule", {})
    code, data, _ = gate(capsys)
    assert code == 0
    assert data["notes"] == ["no commits to check: a schedule event has no base to compare with"]
    assert rest_api.calls == []


# --------------------------------------------------------------------------- bad input


def one_line(capsys, *args: str) -> str:
    code = run_cli("review", list(args))
    out, err = capsys.readouterr()
    assert code == 2, (out, err)
    # In Actions, the same line is also an error annotation.
    assert out in ("", f"::error title=trunkgate review::{err.partition(': error: ')[2]}"), out
    assert err.count("\n") == 1, err
    return err


def test_an_api_that_does_not_answer_is_exit_2_never_a_pass(pushed, capsys, monkeypatch):
    pushed("feat: one")
    with RestServer() as gone:
        url = gone.url
    monkeypatch.setenv("GITHUB_API_URL", url)
    pushed.event()
    err = one_line(capsys)
    assert err.startswith(f"trunkgate review: error: GET {url}/repos/o/r/commits/")
    assert "no answer" in err
    assert "t0ken" not in err


def test_an_api_error_is_exit_2(pushed, rest_api, capsys):
    pushed("feat: one")
    rest_api.fail_with = 403
    pushed.event()
    err = one_line(capsys)
    assert "HTTP 403 forced failure 403" in err
    assert "a GITHUB_TOKEN that can read pull requests" in err


@pytest.mark.parametrize(
    ("pulls", "reviews", "message"),
    [
        ({"message": "x"}, None, "expected a list, got dict"),
        (["7"], None, "item 0: a str, expected a pull request object"),
        ([pull("7")], None, "item 0: number is '7', expected a pull request number"),
        ([pull(True)], None, "item 0: number is True, expected a pull request number"),
        ([pull(7, merged=1)], None, "merged_at is 1, expected a date or null"),
        ([{"number": 7, "user": {"login": 3}}], None, "user.login is 3, expected a login"),
        (
            [pull(7)],
            [{"state": "LGTM", "user": {"login": "bob"}}],
            "state is 'LGTM', expected one of",
        ),
        ([pull(7)], [None], "a NoneType, expected a review object"),
    ],
)
def test_pull_request_data_of_another_shape_is_exit_2(
    pushed, rest_api, capsys, pulls, reviews, message
):
    sha = pushed("feat: one")["feat: one"]
    rest_api.route("GET", f"/repos/o/r/commits/{sha}/pulls", pulls)
    rest_api.route("GET", "/repos/o/r/pulls/7/reviews", reviews or [])
    pushed.event()
    err = one_line(capsys)
    assert message in err
    assert "expected GitHub's answer" in err or "expected a list" in err


@pytest.mark.parametrize(
    ("value", "message"),
    [
        (None, "GITHUB_REPOSITORY is not set; expected owner/name"),
        ("just-a-name", 'GITHUB_REPOSITORY "just-a-name": expected owner/name'),
        ("o/../r", 'GITHUB_REPOSITORY "o/../r": expected owner/name'),
    ],
)
def test_a_missing_or_odd_repository_is_exit_2(pushed, capsys, monkeypatch, value, message):
    pushed("feat: one")
    if value is None:
        monkeypatch.delenv("GITHUB_REPOSITORY")
    else:
        monkeypatch.setenv("GITHUB_REPOSITORY", value)
    pushed.event()
    assert message in one_line(capsys)


def test_a_bad_api_url_is_exit_2(pushed, capsys, monkeypatch):
    pushed("feat: one")
    monkeypatch.setenv("GITHUB_API_URL", "ftp://example.invalid")
    pushed.event()
    assert "GITHUB_API_URL 'ftp://example.invalid': expected an http(s) URL" in one_line(capsys)


def test_a_range_with_no_commits_is_exit_2(repo, capsys, monkeypatch, rest_api):
    monkeypatch.setenv("GITHUB_REPOSITORY", "o/r")
    repo.commit("chore: start")
    err = one_line(capsys, "--base", "HEAD")
    assert "no commits in HEAD..HEAD" in err
    assert rest_api.calls == []


def test_a_hostile_subject_is_data_in_every_channel(pushed, rest_api, capsys):
    from tests.support import runner

    subject = "fix: x\r::error::forged ##[error]y | `z`"
    shas = pushed(subject)
    rest_api.route("GET", f"/repos/o/r/commits/{shas[subject]}/pulls", [])
    summary, _ = pushed.event()
    code = run_cli("review", ["--format", "github"])
    out, err = capsys.readouterr()
    assert code == 1
    found = runner.commands(out) + runner.commands(err)
    assert [c[0] for c in found] == ["error"]
    assert found[0][1]["title"] == "trunkgate review: unreviewed"
    assert "forged" in found[0][2]  # the subject is there, as text
    table = [line for line in summary.read_text(encoding="utf-8").splitlines() if "forged" in line]
    assert len(table) == 1
    assert table[0].count(" | ") == 3  # its own cell: the pipe in the subject is escaped

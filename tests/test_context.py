from __future__ import annotations

import json

import pytest

from trunkgate.context import Context
from trunkgate.report import UsageError


def test_local_context_knows_nothing_of_github(tmp_path) -> None:
    ctx = Context({})
    assert not ctx.ci
    assert ctx.event == {}
    assert ctx.pull_request is None
    assert (ctx.pr_head_ref, ctx.pr_title, ctx.pr_number, ctx.pr_base_sha) == (None,) * 4
    assert ctx.labels == []
    assert ctx.push_range == (None, None)
    assert ctx.pushed_branch is None
    assert not ctx.pre_push


def test_pull_request_event(tmp_path) -> None:
    event = tmp_path / "event.json"
    payload = {
        "number": 5,
        "pull_request": {
            "number": 5,
            "title": "feat: x",
            "head": {"ref": "feature/x", "sha": "h" * 40},
            "base": {"ref": "main", "sha": "b" * 40},
            "labels": [{"name": "skip-changelog"}, {"color": "red"}, "odd"],
        },
    }
    event.write_text(json.dumps(payload))
    ctx = Context(
        {
            "GITHUB_ACTIONS": "true",
            "GITHUB_EVENT_NAME": "pull_request",
            "GITHUB_EVENT_PATH": str(event),
        }
    )
    assert ctx.ci
    assert ctx.event_name == "pull_request"
    assert ctx.pr_head_ref == "feature/x"
    assert ctx.pr_head_sha == "h" * 40
    assert ctx.pr_base_sha == "b" * 40
    assert ctx.pr_title == "feat: x"
    assert ctx.pr_number == 5
    assert ctx.labels == ["skip-changelog"]


def test_push_event(tmp_path) -> None:
    event = tmp_path / "event.json"
    event.write_text(json.dumps({"before": "a" * 40, "after": "b" * 40}))
    env = {
        "GITHUB_ACTIONS": "true",
        "GITHUB_EVENT_NAME": "push",
        "GITHUB_EVENT_PATH": str(event),
        "GITHUB_REF": "refs/heads/main",
    }
    ctx = Context(env)
    assert ctx.push_range == ("a" * 40, "b" * 40)
    assert ctx.pushed_branch == "main"
    assert Context({**env, "GITHUB_REF": "refs/tags/v1"}).pushed_branch is None


def test_head_ref_from_the_environment_when_the_payload_lacks_it(tmp_path) -> None:
    event = tmp_path / "event.json"
    event.write_text(json.dumps({"pull_request": {"head": "not-a-dict"}}))
    ctx = Context(
        {"GITHUB_ACTIONS": "true", "GITHUB_EVENT_PATH": str(event), "GITHUB_HEAD_REF": "fix/y"}
    )
    assert ctx.pr_head_ref == "fix/y"
    assert ctx.pr_base_sha is None


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (None, "no such file, expected the event payload"),
        ("{not json", "(GITHUB_EVENT_PATH): the event payload is not JSON"),
        ("[1, 2]", "the event payload is not a JSON object"),
    ],
)
def test_bad_event_payloads(tmp_path, content: str | None, message: str) -> None:
    event = tmp_path / "event.json"
    if content is not None:
        event.write_text(content)
    ctx = Context({"GITHUB_ACTIONS": "true", "GITHUB_EVENT_PATH": str(event)})
    with pytest.raises(UsageError, match=message.replace("(", r"\(").replace(")", r"\)")):
        _ = ctx.event


def test_pre_commit_pre_push_refs() -> None:
    ctx = Context(
        {
            "PRE_COMMIT_FROM_REF": "a" * 40,
            "PRE_COMMIT_TO_REF": "b" * 40,
            "PRE_COMMIT_REMOTE_BRANCH": "refs/heads/feature/x",
            "PRE_COMMIT_LOCAL_BRANCH": "refs/heads/feature/x",
        }
    )
    assert ctx.pre_push
    assert (ctx.from_ref, ctx.to_ref) == ("a" * 40, "b" * 40)
    assert ctx.remote_branch == "refs/heads/feature/x"
    assert ctx.local_branch == "refs/heads/feature/x"
    legacy = Context({"PRE_COMMIT_SOURCE": "s", "PRE_COMMIT_ORIGIN": "o"})
    assert (legacy.from_ref, legacy.to_ref) == ("s", "o")


# --------------------------------------------------------------------------- live PR data


def pr_context(tmp_path, rest_api=None, **extra: str) -> Context:
    event = tmp_path / "event.json"
    payload = {
        "action": "edited",
        "number": 7,
        "pull_request": {
            "number": 7,
            "title": "stale title",
            "labels": [{"name": "stale-label"}],
            "head": {"ref": "feature/x", "sha": "h" * 40},
            "base": {"ref": "main", "sha": "b" * 40},
        },
        "repository": {"full_name": "example/target"},
    }
    event.write_text(json.dumps(payload))
    env = {
        "GITHUB_ACTIONS": "true",
        "GITHUB_EVENT_NAME": "pull_request",
        "GITHUB_EVENT_PATH": str(event),
        **({"GITHUB_API_URL": rest_api.url} if rest_api is not None else {}),
        **extra,
    }
    return Context(env)


def test_title_and_labels_are_read_live_with_a_token(tmp_path, rest_api) -> None:
    rest_api.route(
        "GET",
        "/repos/example/target/pulls/7",
        {"number": 7, "title": "feat: the live title", "labels": [{"name": "skip-changelog"}]},
    )
    ctx = pr_context(tmp_path, rest_api, GITHUB_TOKEN="t0ken")
    assert ctx.pr_title == "feat: the live title"
    assert ctx.labels == ["skip-changelog"]
    assert ctx.pr_note == "read the pull request's title and labels live (REST API, #7)"
    [call] = rest_api.calls  # asked once, however often the gates look
    assert (call.method, call.path) == ("GET", "/repos/example/target/pulls/7")
    assert call.headers["authorization"] == "Bearer t0ken"


def test_without_a_token_the_payload_is_used_with_a_note(tmp_path, rest_api) -> None:
    ctx = pr_context(tmp_path, rest_api)
    assert ctx.pr_title == "stale title"
    assert ctx.labels == ["stale-label"]
    assert "from the event payload (no GITHUB_TOKEN" in str(ctx.pr_note)
    assert rest_api.calls == []


@pytest.mark.parametrize(
    ("status", "payload", "says"),
    [
        (403, {"message": "Resource not accessible by integration"}, "HTTP 403 Resource not"),
        (200, {"number": 7}, "the REST API's answer has no title"),
        (200, ["not", "an", "object"], "the REST API's answer has no title"),
    ],
)
def test_an_api_that_fails_falls_back_to_the_payload(
    tmp_path, rest_api, status, payload, says
) -> None:
    rest_api.route("GET", "/repos/example/target/pulls/7", payload, status=status)
    ctx = pr_context(tmp_path, rest_api, GITHUB_TOKEN="t0ken")
    assert ctx.pr_title == "stale title"
    assert ctx.labels == ["stale-label"]
    assert says in str(ctx.pr_note)
    assert "t0ken" not in str(ctx.pr_note)


def test_a_repository_name_that_is_not_owner_slash_name_is_not_asked(tmp_path, rest_api) -> None:
    ctx = pr_context(tmp_path, rest_api, GITHUB_TOKEN="t", GITHUB_REPOSITORY="a/b/../../evil")
    assert ctx.pr_title == "stale title"
    assert "no repository name" in str(ctx.pr_note)
    assert rest_api.calls == []


def test_the_commits_gate_checks_the_live_title(tmp_path, rest_api, repo) -> None:
    """A re-run after the title was fixed: the payload's title is bad, the live one good."""
    from trunkgate import flags
    from trunkgate.change import Change
    from trunkgate.config import resolve
    from trunkgate.gates import commits

    rest_api.route("GET", "/repos/example/target/pulls/7", {"title": "fix: a good title"})
    ctx = pr_context(tmp_path, rest_api, GITHUB_TOKEN="t")
    policy = resolve("commits", {})
    opts = flags.Options(flags.defaults([*commits.ARGS, *flags.COMMON]), {})
    run = commits._Run()
    commits._title(run, Change.of(ctx, policy, opts), policy)
    assert run.findings == []
    assert "live (REST API, #7)" in run.notes[0]

    rest_api.route("GET", "/repos/example/target/pulls/7", {"title": "a bad title"})
    ctx = pr_context(tmp_path, rest_api, GITHUB_TOKEN="t")
    run = commits._Run()
    commits._title(run, Change.of(ctx, policy, opts), policy)
    assert run.findings, "the live title is checked, not the payload's"

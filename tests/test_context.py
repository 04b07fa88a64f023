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

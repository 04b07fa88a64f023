"""Where a gate runs: locally under pre-commit, or in GitHub Actions, and what event.

Reads the environment only; the GitHub event payload is parsed the first time it is needed.
A pull request's title and labels are read live through the REST API (`GET
/repos/{owner}/{repo}/pulls/{number}`, with GITHUB_TOKEN and GITHUB_API_URL) the first time
a gate asks: a re-run replays the payload frozen when the event fired, so a fixed title
would stay red. Without a token, or when the API does not answer, they come from the
payload and `pr_note` says so.
"""

from __future__ import annotations

import os

from trunkgate.report import UsageError

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any

EVENT_LIMIT = 25 * 1024 * 1024  # GitHub's payloads are capped at 25 MB
PAYLOAD_NOTE = "read the pull request's title and labels from the event payload"


class Context:
    """The facts a gate needs about its surroundings, from the environment."""

    def __init__(self, environ: dict[str, str] | None = None) -> None:
        self.env = dict(os.environ if environ is None else environ)
        self._event: dict[str, Any] | None = None
        self._live: tuple[dict[str, Any] | None, str] | None = None

    # ------------------------------------------------------------------ GitHub Actions
    @property
    def ci(self) -> bool:
        return self.env.get("GITHUB_ACTIONS") == "true"

    @property
    def event_name(self) -> str:
        return self.env.get("GITHUB_EVENT_NAME", "")

    @property
    def event(self) -> dict[str, Any]:
        """The event payload at GITHUB_EVENT_PATH ({} when there is none).

        Read once and assigned whole: `trunkgate run` shares one Context between threads.
        """
        if self._event is None:
            self._event = self._read_event()
        return self._event

    def _read_event(self) -> dict[str, Any]:
        path = self.env.get("GITHUB_EVENT_PATH")
        if not (self.ci and path):
            return {}
        import json

        from trunkgate.files import decode, read_bytes

        shown = f"{path} (GITHUB_EVENT_PATH)"
        try:
            raw = read_bytes(path, shown, EVENT_LIMIT, "the event payload")
            data = json.loads(decode(raw, shown))
        except ValueError as exc:
            raise UsageError(f"{shown}: the event payload is not JSON: {exc}") from None
        except RecursionError:
            raise UsageError(f"{shown}: the event payload is nested too deeply") from None
        if not isinstance(data, dict):
            raise UsageError(f"{path}: the event payload is not a JSON object")
        return data

    @property
    def pull_request(self) -> dict[str, Any] | None:
        pr = self.event.get("pull_request") if self.ci else None
        return pr if isinstance(pr, dict) else None

    def _pr(self, *keys: str) -> object:
        value: object = self.pull_request
        for key in keys:
            if not isinstance(value, dict):
                return None
            value = value.get(key)
        return value

    def _pr_text(self, *keys: str) -> str | None:
        """A string field of the pull request; any other type is a malformed payload."""
        value = self._pr(*keys)
        if value is None or value == "":
            return None
        if not isinstance(value, str):
            where = ".".join(("pull_request", *keys))
            raise UsageError(
                f"{self.env.get('GITHUB_EVENT_PATH')} (GITHUB_EVENT_PATH): {where} is "
                f"{type(value).__name__}, expected a string"
            )
        return value

    @property
    def pr_head_ref(self) -> str | None:
        return self._pr_text("head", "ref") or self.env.get("GITHUB_HEAD_REF") or None

    @property
    def pr_base_sha(self) -> str | None:
        return self._pr_text("base", "sha")

    @property
    def pr_head_sha(self) -> str | None:
        return self._pr_text("head", "sha")

    # ------------------------------------------------------------------ live PR data
    def prefetch(self) -> None:
        """Read the payload and the live pull request now (before threads share this)."""
        _ = self.event
        _ = self.live_pull_request

    @property
    def live_pull_request(self) -> dict[str, Any] | None:
        """The pull request as the REST API has it now; None when it could not be read."""
        if self._live is None:
            self._live = self._read_live()
        return self._live[0]

    @property
    def pr_note(self) -> str | None:
        """Where the title and labels came from, for a gate's notes (None outside a PR)."""
        if self.pull_request is None:
            return None
        _ = self.live_pull_request
        return self._live[1] if self._live else None

    def _read_live(self) -> tuple[dict[str, Any] | None, str]:
        import re

        pr, number = self.pull_request, self.pr_number
        if pr is None or number is None:
            return None, PAYLOAD_NOTE
        token = self.env.get("GITHUB_TOKEN")
        if not token:
            return None, (
                f"{PAYLOAD_NOTE} (no GITHUB_TOKEN: a re-run sees them as they were when the "
                "event fired)"
            )
        repository = self.event.get("repository")
        name = self.env.get("GITHUB_REPOSITORY") or (
            repository.get("full_name") if isinstance(repository, dict) else None
        )
        if not isinstance(name, str) or not re.fullmatch(
            r"[A-Za-z0-9][A-Za-z0-9-]*/(?!\.\.?$)[\w.-]+", name
        ):
            return None, f"{PAYLOAD_NOTE} (no repository name to ask the REST API with)"
        from trunkgate.rest import Client, RestError

        try:
            data = Client.from_env(self.env).get(f"repos/{name}/pulls/{number}")
        except RestError as exc:
            return None, f"{PAYLOAD_NOTE}: the REST API did not answer ({exc})"
        if not isinstance(data, dict) or not isinstance(data.get("title"), str):
            return None, f"{PAYLOAD_NOTE}: the REST API's answer has no title"
        return data, f"read the pull request's title and labels live (REST API, #{number})"

    def _live_or_payload(self, key: str) -> object:
        live = self.live_pull_request
        if live is not None and key in live:
            return live[key]
        return self._pr(key)

    @property
    def pr_title(self) -> str | None:
        title = self._live_or_payload("title")
        return str(title) if isinstance(title, str) else None

    @property
    def pr_number(self) -> int | None:
        number = self._pr("number")
        return number if isinstance(number, int) else None

    @property
    def labels(self) -> list[str]:
        labels = self._live_or_payload("labels")
        if not isinstance(labels, list):
            return []
        return [str(lbl.get("name")) for lbl in labels if isinstance(lbl, dict) and lbl.get("name")]

    def _merge_group(self, key: str) -> str | None:
        group = self.event.get("merge_group") if self.ci else None
        value = group.get(key) if isinstance(group, dict) else None
        return value if isinstance(value, str) and value else None

    @property
    def merge_group_base_sha(self) -> str | None:
        """A merge queue entry's base (merge_group events)."""
        return self._merge_group("base_sha")

    @property
    def merge_group_head_sha(self) -> str | None:
        """A merge queue entry's head: the queue's temporary commit."""
        return self._merge_group("head_sha")

    @property
    def push_range(self) -> tuple[str | None, str | None]:
        """(before, after) of a push event."""
        if not self.ci or self.event_name != "push":
            return None, None
        before, after = self.event.get("before"), self.event.get("after")
        return (str(before) if before else None), (str(after) if after else None)

    @property
    def pushed_branch(self) -> str | None:
        """The branch a push event updated (refs/heads/X), None for tags or other events."""
        ref = self.env.get("GITHUB_REF", "")
        if self.ci and self.event_name == "push" and ref.startswith("refs/heads/"):
            return ref[len("refs/heads/") :]
        return None

    # ------------------------------------------------------------------ pre-commit
    @property
    def pre_push(self) -> bool:
        """True in pre-commit's pre-push stage (it sets the refs being pushed)."""
        return bool(self.env.get("PRE_COMMIT_TO_REF") or self.env.get("PRE_COMMIT_REMOTE_BRANCH"))

    @property
    def from_ref(self) -> str | None:
        return self.env.get("PRE_COMMIT_FROM_REF") or self.env.get("PRE_COMMIT_SOURCE") or None

    @property
    def to_ref(self) -> str | None:
        return self.env.get("PRE_COMMIT_TO_REF") or self.env.get("PRE_COMMIT_ORIGIN") or None

    @property
    def remote_branch(self) -> str | None:
        """The ref being pushed to (refs/heads/main, refs/tags/v1.0.0), in pre-push."""
        return self.env.get("PRE_COMMIT_REMOTE_BRANCH") or None

    @property
    def local_branch(self) -> str | None:
        return self.env.get("PRE_COMMIT_LOCAL_BRANCH") or None

"""Commit classification: one commit as a release sees it (`Change`: its parsed message, the
bump it asks for, its pull request, the commit it reverts) and a release range sorted out
(`Range`: what counts, what does not and why, reverts cancelled within the range).
"""

from __future__ import annotations

from trunkgate import conventional
from trunkgate.versions import MAJOR, MINOR, PATCH, RANK

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Sequence

    from trunkgate import git

MINOR_TYPES = ("feat",)
PATCH_TYPES = ("fix", "perf", "revert")
SHORT = 7  # characters of a short commit name


def _pr_suffix(text: str) -> tuple[str, int | None]:
    """("add x", 12) for "add x (#12)", the suffix GitHub writes on squash merges."""
    if text.endswith(")"):
        at = text.rfind(" (#")
        number = text[at + 3 : -1] if at >= 0 else ""
        if number.isdigit() and number.isascii():
            return text[:at].rstrip(), int(number)
    return text, None


def _reverted_sha(message: str) -> str | None:
    """The commit that `git revert` names in its message ("This reverts commit <sha>.")."""
    at = message.find("This reverts commit ")
    if at < 0:
        return None
    word = message[at + len("This reverts commit ") :].split(None, 1)
    sha = word[0].rstrip(".,") if word else ""
    return (
        sha.lower()
        if len(sha) >= SHORT and all(c in "0123456789abcdefABCDEF" for c in sha)
        else None
    )


def loose_breaking(msg: conventional.Message) -> tuple[int, str] | None:
    """(1-based line, what breaks) of a BREAKING CHANGE token that is not a valid footer: a
    line after the header that starts with the token (then a colon or a space), in the body,
    in a footer paragraph that is not last, or without a blank line before it. None when the
    footers already say so, or no line does."""
    if msg.breaking:
        return None
    for number, line in enumerate(msg.raw.split("\n")[1:], start=2):
        text = line.lstrip(" \t*-")
        for token in conventional.BREAKING_TOKENS:
            rest = text[len(token) :]
            if text.startswith(token) and (not rest or rest[0] in ": \t"):
                return number, rest.lstrip(": \t")
    return None


class Change:
    """One commit as a release sees it: its parsed message, what it bumps, its pull request."""

    __slots__ = ("description", "level", "loose", "msg", "pr", "reverts", "sha")

    def __init__(self, sha: str, message: str) -> None:
        self.sha = sha
        self.msg = msg = conventional.parse(message.strip("\n"))
        if msg.kind == conventional.INVALID and msg.header.startswith('Revert "'):
            # GitHub's squash merge of a revert: `Revert "fix: a" (#12)`, the PR after it.
            header, pr = _pr_suffix(msg.header)
            if pr is not None:
                reparsed = conventional.parse(header + msg.raw[len(msg.header) :])
                if reparsed.kind == conventional.REVERT:
                    self.msg = msg = reparsed
                    msg.header = f"{header} (#{pr})"
        text = msg.description if msg.kind == conventional.CONVENTIONAL else msg.header
        self.description, self.pr = _pr_suffix(text or "")
        self.reverts = _reverted_sha(message) if msg.kind == conventional.REVERT else None
        self.level = level_of(msg)
        # A BREAKING CHANGE outside a valid footer: never under-bump, but say it is not one.
        self.loose = None
        if msg.kind in (conventional.CONVENTIONAL, conventional.REVERT):
            self.loose = loose_breaking(msg)
            if self.loose is not None:
                self.level = MAJOR

    @property
    def short(self) -> str:
        return self.sha[:SHORT]

    @property
    def type(self) -> str | None:
        if self.msg.kind == conventional.REVERT:
            return "revert"
        return self.msg.type

    @property
    def breaking(self) -> bool:
        """A `!`, a BREAKING CHANGE footer, or the token outside a valid footer."""
        return self.msg.breaking or self.loose is not None

    @property
    def breaking_text(self) -> str | None:
        """What breaks, from the BREAKING CHANGE footer or line (None when only `!` says so)."""
        if self.loose is not None:
            return self.loose[1] or None
        return conventional.footer(self.msg, "BREAKING CHANGE")

    def __repr__(self) -> str:
        return f"Change({self.short} {self.level} {self.msg.header!r})"


def level_of(msg: conventional.Message) -> str | None:
    """The bump one message asks for: major (breaking), minor, patch, or None."""
    if msg.kind == conventional.REVERT:
        return MAJOR if msg.breaking else PATCH
    if msg.kind != conventional.CONVENTIONAL or not msg.type:
        return None
    if msg.breaking:
        return MAJOR
    if msg.type in MINOR_TYPES:
        return MINOR
    if msg.type in PATCH_TYPES:
        return PATCH
    return None


class Range:
    """The commits of a release range, sorted out: what counts, what does not, and why."""

    __slots__ = (
        "cancelled",
        "changes",
        "counted",
        "fixups",
        "invalid",
        "loose",
        "merges",
        "total",
    )

    def __init__(self, commits: Sequence[git.Commit]) -> None:
        self.merges = [c for c in commits if c.is_merge]
        changes = [Change(c.sha, c.message) for c in commits if not c.is_merge]
        self.total = len(changes)
        kept, self.cancelled = cancel_reverts(changes)
        self.changes = kept[::-1]  # oldest first, as notes and changelogs read
        self.counted = [c for c in self.changes if c.level]
        self.invalid = [
            c for c in self.changes if c.msg.kind in (conventional.INVALID, conventional.EMPTY)
        ]
        self.fixups = [c for c in self.changes if c.msg.kind == conventional.FIXUP]
        self.loose = [c for c in self.changes if c.loose is not None]

    @property
    def level(self) -> str | None:
        return max((c.level for c in self.counted), key=RANK.__getitem__, default=None)

    @property
    def drivers(self) -> list[Change]:
        """The commits that ask for the range's bump."""
        level = self.level
        return [c for c in self.counted if c.level == level] if level else []


def cancel_reverts(changes: Sequence[Change]) -> tuple[list[Change], list[tuple[Change, Change]]]:
    """Drop each commit reverted within the range, with its revert.

    A revert of a revert brings the original back (and both reverts go). A revert of a
    commit outside the range stays (a patch: it takes back something released). Returns the
    kept changes in the given order and the (reverted, revert) pairs.
    """
    by_sha = {c.sha: c for c in changes}

    def find(sha: str | None) -> Change | None:
        if sha is None:
            return None
        if sha in by_sha:
            return by_sha[sha]
        return next((c for c in changes if c.sha.startswith(sha)), None)

    target = {c.sha: find(c.reverts) for c in changes}
    reverters: dict[str, list[Change]] = {}
    for c in changes:
        t = target[c.sha]
        if t is not None:
            reverters.setdefault(t.sha, []).append(c)
    memo: dict[str, bool] = {}

    def effective(c: Change, depth: int = 0) -> bool:
        """Not taken back by an effective revert in the range."""
        if c.sha not in memo:
            memo[c.sha] = depth > 100 or not any(
                effective(r, depth + 1) for r in reverters.get(c.sha, ())
            )
        return memo[c.sha]

    kept = [c for c in changes if effective(c) and target[c.sha] is None]
    pairs = [
        (t, c)
        for c in changes
        if (t := target[c.sha]) is not None and effective(c) and not effective(t)
    ]
    return kept, pairs

"""Code-review coverage: every commit that reached the trunk came through a pull request
that someone other than its author approved (the rule of OpenSSF Scorecard's Code-Review
check).

Which commits: the change's (see `trunkgate.change`): on a push to the trunk, the pushed
commits; with `--base REF` (a release tag, say), those since REF. For each one the REST API
names the pull requests that hold it (`GET /repos/{owner}/{repo}/commits/{sha}/pulls`); the
commit is reviewed when one of them was merged (or is the pull request under review) and
has an approving review by someone other than its author (`GET .../pulls/{n}/reviews`).
Commits whose author (its name or email in git, or its pull request's author) matches
`exempt-authors` (bots, by default) are left out of the count.

The share of reviewed commits is measured against `min-share` (the handbook's 100 %). Each
commit that was not reviewed is a finding: an error while the share is below `min-share`, a
warning once it is met.

It needs GITHUB_REPOSITORY (owner/name), GITHUB_API_URL (the runner sets both) and a
GITHUB_TOKEN that can read pull requests. An API that does not answer, or answers with data
of another shape than GitHub's, is an error (exit 2), never a pass.
"""

from __future__ import annotations

import re

from trunkgate import flags, git, report
from trunkgate.change import Change, short
from trunkgate.messages import exempt_author

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any

    from trunkgate.policies import ReviewPolicy
    from trunkgate.rest import Client

GATE = "review"
EXAMPLE = "trunkgate review\n  trunkgate review --base v1.4.0 --min-share 95"
ARGS = (
    flags.Arg(
        "--base",
        "check the commits since this commit (default in CI: the push's previous commit)",
        metavar="REF",
    ),
)
REPOSITORY = re.compile(r"[A-Za-z0-9_.-]+/[A-Za-z0-9_.-]+")
# Every state GitHub gives a pull request review.
STATES = ("APPROVED", "CHANGES_REQUESTED", "COMMENTED", "DISMISSED", "PENDING")
FIX = (
    "Every change reaches the trunk through a pull request that someone other than its "
    "author approves: protect the trunk (a ruleset or branch protection that requires a pull "
    "request and one approving review), and review the commits listed here after the fact."
)


# --------------------------------------------------------------------------- the API


class PullRequest:
    """What the gate reads of a pull request."""

    __slots__ = ("author", "merged", "number")

    def __init__(self, number: int, author: str, merged: bool) -> None:
        self.number = number
        self.author = author
        self.merged = merged


def _bad(what: str, why: str) -> report.UsageError:
    return report.UsageError(
        f"{what}: {why}; expected GitHub's answer (is GITHUB_API_URL the REST API?)"
    )


def _login(item: dict[str, Any], what: str) -> str | None:
    """An object's `user.login`; None for a deleted account (`user: null`)."""
    user = item.get("user")
    if user is None:
        return None
    login = user.get("login") if isinstance(user, dict) else None
    if not isinstance(login, str) or not login:
        raise _bad(what, f"user.login is {login!r}, expected a login")
    return login


def _pull(item: object, what: str) -> PullRequest:
    if not isinstance(item, dict):
        raise _bad(what, f"a {type(item).__name__}, expected a pull request object")
    number = item.get("number")
    if isinstance(number, bool) or not isinstance(number, int) or number < 1:
        raise _bad(what, f"number is {number!r}, expected a pull request number")
    merged_at = item.get("merged_at")
    if merged_at is not None and not isinstance(merged_at, str):
        raise _bad(what, f"merged_at is {merged_at!r}, expected a date or null")
    return PullRequest(number, _login(item, what) or "", bool(merged_at))


class Reviews:
    """The answers of the API for one run, each pull request's reviews read once."""

    def __init__(self, client: Client, repository: str) -> None:
        self.client = client
        self.repo = repository
        self._approvers: dict[int, list[str]] = {}

    def _list(self, path: str) -> list[Any]:
        from trunkgate.rest import RestError

        try:
            return list(self.client.paginate(path))
        except RestError as exc:
            raise report.UsageError(
                f"{exc}; expected the GitHub REST API to answer (GITHUB_API_URL, and a "
                "GITHUB_TOKEN that can read pull requests)"
            ) from None

    def pulls(self, sha: str) -> list[PullRequest]:
        path = f"repos/{self.repo}/commits/{sha}/pulls"
        items = self._list(path)
        return [_pull(item, f"GET {path} item {i}") for i, item in enumerate(items)]

    def approvers(self, pull: PullRequest) -> list[str]:
        """Who approved the pull request, its author left out."""
        if pull.number not in self._approvers:
            path = f"repos/{self.repo}/pulls/{pull.number}/reviews"
            found = []
            for i, item in enumerate(self._list(path)):
                what = f"GET {path} item {i}"
                if not isinstance(item, dict):
                    raise _bad(what, f"a {type(item).__name__}, expected a review object")
                state = item.get("state")
                if state not in STATES:
                    raise _bad(what, f"state is {state!r}, expected one of {', '.join(STATES)}")
                login = _login(item, what)
                if state == "APPROVED" and login and login != pull.author:
                    found.append(login)
            self._approvers[pull.number] = list(dict.fromkeys(found))
        return self._approvers[pull.number]


# --------------------------------------------------------------------------- the gate


def _commits(change: Change, notes: list[str]) -> list[git.Commit] | None:
    """The change's commits, oldest first; None (with a note) when there are none to judge."""
    event = change.event
    if event == "push" and git.is_null(change.ctx.push_range[1]):
        notes.append("the push deletes a branch: no commits to check")
        return None
    if change.without_change:
        notes.append(f"no commits to check: {change.without_change}")
        return None
    commits = change.commits()
    if not commits:
        # Nothing checked is no pass: the checkout does not hold the change (exit 2).
        raise report.UsageError(
            f"no commits in {change.range_label}; expected the commits that reached the trunk "
            "(use actions/checkout with fetch-depth: 0, or pass --base REF)"
        )
    return list(reversed(commits))


def _repository(change: Change) -> str:
    repository = change.ctx.env.get("GITHUB_REPOSITORY", "")
    if not repository:
        raise report.UsageError(
            "GITHUB_REPOSITORY is not set; expected owner/name (GitHub Actions sets it; the "
            "review gate reads pull requests through the REST API)"
        )
    if not REPOSITORY.fullmatch(repository) or ".." in repository:
        raise report.UsageError(f'GITHUB_REPOSITORY "{repository}": expected owner/name')
    return repository


def _verdict(
    commit: git.Commit, pulls: list[PullRequest], api: Reviews, own: int | None
) -> tuple[bool, str]:
    """(reviewed, why not) for one commit."""
    counted = [p for p in pulls if p.merged or p.number == own]
    if not counted:
        if pulls:
            numbers = ", ".join(f"#{p.number}" for p in pulls)
            return False, f"its pull requests ({numbers}) were not merged"
        return False, "no pull request holds it (it was pushed straight to the trunk)"
    for pull in counted:
        if api.approvers(pull):
            return True, ""
    numbers = ", ".join(f"#{p.number}" for p in counted)
    word = "request" if len(counted) == 1 else "requests"
    return False, f"pull {word} {numbers} had no approval by someone other than its author"


def gate(policy: ReviewPolicy, opts: flags.Options, change: Change) -> report.GateResult:
    from trunkgate.rest import Client, RestError

    notes: list[str] = []
    repository = _repository(change)
    try:
        client = Client.from_env(change.ctx.env)
    except RestError as exc:
        raise report.UsageError(str(exc)) from None
    commits = _commits(change, notes)
    if commits is None:
        return report.GateResult(GATE, notes=notes)
    api = Reviews(client, repository)
    exempt: list[str] = policy.exempt_authors
    own = change.ctx.pr_number if change.event == "pull_request" else None
    reviewed, skipped = 0, 0
    missing: list[tuple[git.Commit, str]] = []
    for commit in commits:
        if exempt_author(exempt, commit):
            skipped += 1
            continue
        pulls = api.pulls(commit.sha)
        if any(exempt_author(exempt, None, p.author) for p in pulls if p.merged or p.number == own):
            skipped += 1
            continue
        ok, why = _verdict(commit, pulls, api, own)
        if ok:
            reviewed += 1
        else:
            missing.append((commit, why))
    counted = reviewed + len(missing)
    share = 100.0 if not counted else round(100.0 * reviewed / counted, 1)
    least: float = policy.min_share
    severity = report.ERROR if share < least else report.WARNING
    findings = [
        report.Finding(
            "unreviewed",
            f'"{commit.subject}": {why}',
            where=f"commit {short(commit.sha)}",
            severity=severity,
        )
        for commit, why in missing
    ]
    notes.append(
        f"{reviewed} of {report.plural(counted, 'commit')} reviewed ({share:g} %, "
        f"min-share {least:g} %)"
    )
    if skipped:
        notes.append(f"{report.plural(skipped, 'commit')} by exempt authors left out")
    metrics: dict[str, object] = {
        "share": f"{share:g}",
        "reviewed": reviewed,
        "commits": counted,
        "exempt": skipped,
    }
    return report.GateResult(GATE, findings, notes=notes, fix=FIX, metrics=metrics)

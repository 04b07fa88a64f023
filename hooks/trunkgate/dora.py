"""DORA's four keys from a git history alone: pure computation over commits and release tags.

Input: the commits of the trunk's history (`git.history`: sha, parents, author and committer
times, subject, newest first) and the deployments (tags: name, commit, time). Output: every
deployment with the changes it shipped and whether it failed, and every change with its lead
time. `trunkgate.metrics` reads git, picks the window and renders; nothing here runs git.

The definitions, each from what git records:

- **A deployment** is a tag (a release tag, or one matching the policy's `deploy-tags`),
  dated by the tagger (the commit, for a lightweight tag). Two tags on one commit are one
  deployment, the earlier one.
- **A change** is a commit on the first-parent line of the history (what landed on the
  trunk, one at a time): a squashed or rebased commit alone, or a merge with every commit it
  brought in. Its first commit is the earliest author time among them.
- **Lead time for changes**: from a change's first commit to the first deployment (in time)
  whose history holds it. A change whose subject names the version of that deployment
  (`chore(release): 1.2.0`, `bump: version 1.1.0 → 1.2.0`, the merge of `release/1.2.0`)
  is the release itself and is not measured.
- **A failure** is a deployment that a later one (within `failure-window-days`) repairs:
  a patch release of it (semver and pep440: same major.minor, higher patch; the newest
  deployment of that line, when another line was deployed in between), or one that
  ships a hotfix (a merge of a branch with a `hotfix-prefixes` prefix, or a `hotfix:`
  subject) or a revert (`Revert "..."` or a `revert:` commit) of a change it shipped. A
  revert names the deployment that first shipped the reverted subject; a hotfix, or a revert
  whose subject is not found, the deployment just before the one that ships it. A revert of
  a change never deployed is no failure.
- **Time to restore**: from a failed deployment to the first deployment that repairs it.

Every walk is linear in the number of commits (each commit is visited once per question).
"""

from __future__ import annotations

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Callable, Sequence

    from trunkgate.git import Logged

PATCH, HOTFIX, REVERT = "patch release", "hotfix", "revert"


class Deployment:
    """One deployment: a tag on a commit, its time, and whether (and how soon) it was repaired."""

    __slots__ = ("changes", "failed_by", "name", "restored_by", "sha", "signal", "time", "version")

    def __init__(self, name: str, sha: str, time: int, version: str | None = None) -> None:
        self.name = name
        self.sha = sha
        self.time = time
        self.version = version  # the version the tag names, when it is a release tag
        self.changes: list[Change] = []  # the changes it shipped first
        self.restored_by: Deployment | None = None  # the deployment that repaired it
        self.signal: str | None = None  # why it counts as failed: patch release, hotfix, revert
        self.failed_by: str | None = None  # the commit (or tag) that says so

    @property
    def failed(self) -> bool:
        return self.restored_by is not None

    @property
    def restore_seconds(self) -> int | None:
        if self.restored_by is None:
            return None
        return max(0, self.restored_by.time - self.time)

    def __repr__(self) -> str:
        return f"Deployment({self.name}, {self.time})"


class Change:
    """One change that landed on the trunk: its trunk commit, its first commit's time, and
    the deployment that first shipped it (None: not deployed yet)."""

    __slots__ = ("deployment", "first_time", "release", "sha", "subject")

    def __init__(self, sha: str, subject: str, first_time: int) -> None:
        self.sha = sha
        self.subject = subject
        self.first_time = first_time
        self.deployment: Deployment | None = None
        self.release = False  # the release's own commit (`chore(release): 1.2.0`), not a change

    @property
    def lead_seconds(self) -> int | None:
        if self.deployment is None:
            return None
        return max(0, self.deployment.time - self.first_time)


def _first_deployment(
    commits: dict[str, Logged], deployments: Sequence[Deployment]
) -> dict[str, Deployment]:
    """{commit: the earliest deployment whose history holds it}, one walk in all."""
    owner: dict[str, Deployment] = {}
    for deployment in deployments:  # oldest first
        stack = [deployment.sha]
        while stack:
            sha = stack.pop()
            if sha in owner or sha not in commits:
                continue
            owner[sha] = deployment
            stack.extend(commits[sha].parents)
    return owner


def _changes(commits: dict[str, Logged], head: str) -> list[Change]:
    """The changes on the first-parent line of `head`, oldest first."""
    line: list[str] = []
    sha: str | None = head
    while sha is not None and sha in commits:
        line.append(sha)
        parents = commits[sha].parents
        sha = parents[0] if parents else None
    trunk = set(line)
    claimed: dict[str, Change] = {}
    changes = []
    for sha in reversed(line):
        commit = commits[sha]
        change = Change(sha, commit.subject, commit.author_time)
        claimed[sha] = change
        # A merge brings in the commits of its other parents that no older change holds.
        stack = list(commit.parents[1:])
        first: int | None = None
        while stack:
            other = stack.pop()
            if other in claimed or other in trunk or other not in commits:
                continue
            claimed[other] = change
            when = commits[other].author_time
            first = when if first is None else min(first, when)
            stack.extend(commits[other].parents)
        if first is not None:
            change.first_time = first
        changes.append(change)
    return changes


def names_version(subject: str, version: str) -> bool:
    """The subject names the version (`chore(release): 1.2.0`, `bump: version 1.1.0 → 1.2.0`,
    `Merge pull request #9 from o/release/1.2.0`), not as part of a longer one."""
    start = subject.find(version)
    while start >= 0:
        end = start + len(version)
        before = subject[start - 1] if start else " "
        after = subject[end] if end < len(subject) else " "
        if not (before.isdigit() or before == ".") and not (after.isdigit() or after == "."):
            return True
        start = subject.find(version, start + 1)
    return False


def _reverted_subject(subject: str) -> str | None:
    """The subject a `Revert "..."` commit reverts (a squash merge's ` (#12)` left off)."""
    text = subject.strip()
    if text.endswith(")") and " (#" in text:
        text = text[: text.rindex(" (#")]
    if text.startswith('Revert "') and text.endswith('"'):
        return text[len('Revert "') : -1]
    return None


def is_revert(subject: str) -> bool:
    lowered = subject.lower()
    return subject.startswith('Revert "') or lowered.startswith(("revert:", "revert("))


def is_hotfix(subject: str, prefixes: Sequence[str]) -> bool:
    """A `hotfix:` subject, or a merge subject that names a branch with one of the prefixes
    (`Merge branch 'hotfix/x'`, `Merge pull request #7 from owner/hotfix/x`)."""
    lowered = subject.lower()
    if lowered.startswith(("hotfix:", "hotfix(", "hotfix!")):
        return True
    if not lowered.startswith("merge "):
        return False
    for word in subject.replace("'", " ").replace('"', " ").split():
        for prefix in prefixes:
            if prefix and (word.startswith(prefix) or f"/{prefix}" in word):
                return True
    return False


class History:
    """Deployments and changes of one history, with failures marked."""

    __slots__ = ("changes", "deployments", "undeployed")

    def __init__(self, deployments: list[Deployment], changes: list[Change]) -> None:
        self.deployments = deployments  # oldest first
        self.changes = changes  # oldest first
        self.undeployed = [c for c in changes if c.deployment is None and not c.release]


def analyse(
    log: Sequence[Logged],
    tags: Sequence[tuple[str, str, int, str | None]],
    *,
    window_days: int,
    hotfix_prefixes: Sequence[str],
    is_patch: Callable[[str, str], bool],
) -> History:
    """Deployments (from `tags`: name, commit, time, version or None) and changes of the
    history `log` (newest first, its first entry the head), failures marked."""
    commits = {c.sha: c for c in log}
    seen: dict[str, Deployment] = {}
    for name, sha, time, version in sorted(tags, key=lambda t: (t[2], t[0])):
        if sha in commits and sha not in seen:
            seen[sha] = Deployment(name, sha, time, version)
    deployments = sorted(seen.values(), key=lambda d: d.time)
    changes = _changes(commits, log[0].sha) if log else []
    owner = _first_deployment(commits, deployments)
    for change in changes:
        change.deployment = owner.get(change.sha)
        if change.deployment is not None:
            version = change.deployment.version
            if version and names_version(change.subject, version):
                change.deployment = None  # the release's own commit: no change to measure
                change.release = True
            else:
                change.deployment.changes.append(change)
    # The deployment that first shipped each subject, for reverts.
    shipped: dict[str, Deployment] = {}
    for sha, deployment in owner.items():
        subject = commits[sha].subject
        known = shipped.get(subject)
        if known is None or deployment.time < known.time:
            shipped[subject] = deployment
    index = {id(d): i for i, d in enumerate(deployments)}
    window = window_days * 86400

    def repair(failed: Deployment | None, by: Deployment, signal: str, what: str) -> None:
        if failed is None or failed is by or by.time - failed.time > window:
            return
        if failed.restored_by is None or by.time < failed.restored_by.time:
            failed.restored_by, failed.signal, failed.failed_by = by, signal, what

    new_commits: dict[int, list[str]] = {}
    for sha, deployment in owner.items():
        new_commits.setdefault(id(deployment), []).append(sha)
    for at, deployment in enumerate(deployments):
        before = deployments[at - 1] if at else None
        if deployment.version:
            # The newest earlier deployment of the same line (1.4.x for 1.4.2) within the
            # window: a patch release of an older line repairs that line, not the newest.
            for earlier in reversed(deployments[:at]):
                if deployment.time - earlier.time > window:
                    break
                if earlier.version and is_patch(earlier.version, deployment.version):
                    repair(earlier, deployment, PATCH, deployment.name)
                    break
        for sha in new_commits.get(id(deployment), ()):
            commit = commits[sha]
            subject = commit.subject
            if is_hotfix(subject, hotfix_prefixes):
                # A hotfix branch that was deployed from the branch itself, then merged back,
                # repaired the deployment before that one, not the hotfix's own.
                merged = owner.get(commit.parents[1]) if len(commit.parents) > 1 else None
                if merged is None or merged is deployment:
                    repair(before, deployment, HOTFIX, sha)
            elif is_revert(subject):
                reverted = _reverted_subject(subject)
                target = shipped.get(reverted) if reverted is not None else None
                if target is None:
                    target = before
                elif index[id(target)] >= at:
                    continue  # it reverts a change that was never deployed
                repair(target, deployment, REVERT, sha)
    return History(deployments, changes)

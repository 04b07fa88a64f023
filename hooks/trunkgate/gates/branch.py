"""Check branch names, keep commits off the trunk, and keep branches short-lived.

Which branch is checked depends on where the gate runs: `--branch NAME` if given; in
GitHub Actions the pull request's head branch (a pull request from the trunk fails) or the
pushed branch (a push to the trunk is a merge, and passes); in pre-commit's pre-push stage
the branch being pushed to (a tag passes); otherwise the checked-out branch, where a commit
straight onto the trunk fails unless the policy allows it.
"""

from __future__ import annotations

from trunkgate import flags, git, report
from trunkgate.change import Change

TYPE_CHECKING = False
if TYPE_CHECKING:
    from trunkgate.context import Context
    from trunkgate.policies import BranchPolicy

GATE = "branch"
EXAMPLE = "trunkgate branch --branch feature/login-form --max-behind 50"
ARGS = (
    flags.Arg("--branch", "check this branch name instead of the current branch", metavar="NAME"),
)
RENAME_HINT = "rename it with: git branch -m {new}"
_ALNUM = frozenset("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789")
_TAIL_CHARS = _ALNUM | frozenset("._-")
DAY = 86400
MAX_NAME = 255  # bytes: GitHub refuses longer refs


def _good_tail(tail: str) -> bool:
    """A short description: letters, digits, '.', '_', '-', starting with a letter or digit."""
    return bool(tail) and tail[0] in _ALNUM and set(tail) <= _TAIL_CHARS


def _slug(text: str) -> str:
    slug = "".join(c if c in _TAIL_CHARS else " " for c in text)
    return "-".join(slug.split()).strip("-._").lower() or "short-description"


def _exempt(name: str, patterns: list[str]) -> bool:
    """Shell-style patterns; the common forms (exact, `prefix*`) need no regular expression."""
    for pattern in patterns:
        if not any(c in pattern for c in "*?["):
            if name == pattern:
                return True
        elif pattern.endswith("*") and not any(c in pattern[:-1] for c in "*?["):
            if name.startswith(pattern[:-1]):
                return True
        else:
            from fnmatch import fnmatchcase

            if fnmatchcase(name, pattern):
                return True
    return False


def check_name(name: str, policy: BranchPolicy) -> list[report.Finding]:
    """Findings for a branch name under the policy (the trunk's own name always passes)."""
    if name == policy.trunk or _exempt(name, policy.exempt):
        return []
    size = len(name.encode("utf-8", "surrogateescape"))
    if size > MAX_NAME:
        # Longer than any ref GitHub keeps; also what bounds the policy's pattern's work.
        return [
            report.Finding(
                "branch-name",
                f"branch name of {size} bytes; expected at most {MAX_NAME} (GitHub's limit)",
                hint="rename it with: git branch -m <shorter-name>",
            )
        ]
    prefixes = policy.prefixes
    if policy.pattern:
        import re

        if re.fullmatch(policy.pattern, name):
            return _check_version(name, policy)
        return [
            report.Finding(
                "branch-name",
                f'branch "{name}" does not match the pattern {policy.pattern}',
                hint="rename it with: git branch -m <new-name>",
            )
        ]
    prefix = next((p for p in prefixes if name.startswith(p)), None)
    if prefix is None:
        lower = next((p for p in prefixes if name.lower().startswith(p.lower())), None)
        suggestion = (lower or prefixes[0]) + _slug(name[len(lower) :] if lower else name)
        return [
            report.Finding(
                "branch-name",
                f'branch "{name}" does not start with an allowed prefix ({", ".join(prefixes)})',
                hint=RENAME_HINT.format(new=suggestion),
            )
        ]
    tail = name[len(prefix) :]
    if not _good_tail(tail):
        what = "nothing" if not tail else f'"{tail}"'
        return [
            report.Finding(
                "branch-name",
                f'branch "{name}" has {what} after "{prefix}"; expected a short description '
                "of letters, digits, '.', '_' and '-', starting with a letter or digit",
                hint=RENAME_HINT.format(new=prefix + _slug(tail)),
            )
        ]
    return _check_version(name, policy)


def _check_version(name: str, policy: BranchPolicy) -> list[report.Finding]:
    """release/1.4.0, hotfix/v1.4.1: a version in a name must be valid in the scheme."""
    for prefix in policy.versioned_prefixes:
        if not name.startswith(prefix):
            continue
        tail = name[len(prefix) :]
        if policy.tag_prefix and tail.startswith(policy.tag_prefix):
            tail = tail[len(policy.tag_prefix) :]
        if not tail[:1].isdigit():
            return []  # release/next-big-thing carries no version
        from trunkgate import versions

        if versions.is_valid(tail, policy.version_scheme):
            return []
        example = prefix + versions.EXAMPLES[policy.version_scheme]
        return [
            report.Finding(
                "branch-version",
                f'branch "{name}" carries version "{tail}", which is not '
                f"{versions.describe(policy.version_scheme)}",
                hint=RENAME_HINT.format(new=example),
            )
        ]
    return []


def check_history(
    name: str,
    first_commit_time: int | None,
    behind: int | None,
    now: float,
    policy: BranchPolicy,
) -> list[report.Finding]:
    """Short-lived branches: age of the first own commit, and distance behind the trunk."""
    found = []
    if policy.max_age_days and first_commit_time is not None:
        age_days = int((now - first_commit_time) // DAY)
        if age_days > policy.max_age_days:
            found.append(
                report.Finding(
                    "branch-age",
                    f'branch "{name}" is {age_days} days old (its first own commit); '
                    f"the policy allows {policy.max_age_days}",
                    hint="merge what is ready and start a fresh branch from the trunk",
                )
            )
    if policy.max_behind and behind is not None and behind > policy.max_behind:
        found.append(
            report.Finding(
                "branch-behind",
                f'branch "{name}" is {behind} commits behind {policy.trunk}; '
                f"the policy allows {policy.max_behind}",
                hint=f"bring it up to date: git fetch && git rebase origin/{policy.trunk}",
            )
        )
    return found


def _trunk_commit_finding(policy: BranchPolicy, what: str) -> report.Finding:
    return report.Finding(
        "trunk-protected",
        f"{what} the trunk ({policy.trunk}); changes reach it through a pull request",
        hint=(
            "move the work to a branch: git switch -c feature/<name>  "
            "(then reset the trunk: git branch -f "
            f"{policy.trunk} origin/{policy.trunk})"
        ),
    )


class _Target:
    """The branch to check, the commit it points at, and how the gate found it."""

    def __init__(self, name: str | None, tip: str | None, source: str) -> None:
        self.name = name
        self.tip = tip
        self.source = source


def _target(
    opts: flags.Options, policy: BranchPolicy, ctx: Context
) -> tuple[_Target, list[report.Finding]]:
    """Work out which branch to check; returns it and any trunk-protection findings."""
    if opts.branch:
        return _Target(opts.branch, None, "--branch"), []
    if ctx.ci:
        if ctx.pull_request is not None:
            head = ctx.pr_head_ref
            if head is None:
                raise report.UsageError(
                    "the pull_request event payload (GITHUB_EVENT_PATH) has no head ref"
                )
            target = _Target(head, ctx.pr_head_sha, "the pull request's head branch")
            if head == policy.trunk:
                return target, [_trunk_commit_finding(policy, "this pull request comes from")]
            return target, []
        ref = ctx.env.get("GITHUB_REF", "")
        if ref.startswith("refs/heads/"):
            return _Target(ref[len("refs/heads/") :], "HEAD", f"{ctx.event_name or 'CI'} ref"), []
        return _Target(None, None, f"{ref or 'no ref'}: not a branch"), []
    if ctx.pre_push:
        remote = ctx.remote_branch or ""
        if git.is_null(ctx.to_ref):
            return _Target(None, None, f"deleting {remote}"), []
        if not remote.startswith("refs/heads/"):
            return _Target(None, None, f"pushing {remote or 'a ref'}, not a branch"), []
        name = remote[len("refs/heads/") :]
        target = _Target(name, ctx.to_ref, "the branch being pushed")
        if name == policy.trunk and not policy.allow_trunk_commits:
            return target, [_trunk_commit_finding(policy, "this pushes straight onto")]
        return target, []
    current = git.head()
    if current.branch is None:
        return _Target(None, None, "detached HEAD"), []
    target = _Target(current.branch, "HEAD", "the current branch")
    if (
        current.branch == policy.trunk
        and not policy.allow_trunk_commits
        and not current.rebasing
        and git.has_commits()  # the very first commit of a repository creates the trunk
    ):
        return target, [_trunk_commit_finding(policy, "this commits straight onto")]
    return target, []


def _history(target: _Target, policy: BranchPolicy, ctx: Context) -> tuple[int | None, int | None]:
    """(author time of the branch's first own commit, commits behind the trunk)."""
    trunk = ctx.pr_base_sha if ctx.ci and ctx.pull_request is not None else None
    trunk = trunk or git.trunk_ref(policy.trunk)
    if trunk is None:
        raise report.UsageError(
            f'max-age-days, max-behind and start-after need the trunk "{policy.trunk}", '
            f"and neither origin/{policy.trunk} nor {policy.trunk} exists here"
        )
    tip = target.tip or f"refs/heads/{target.name}"
    git.require_commit(tip, f'the tip of branch "{target.name}"')
    git.require_commit(trunk, "the trunk")
    first = None
    if policy.max_age_days or policy.start_after:
        own = git.commits([f"{trunk}..{tip}", "--no-merges"])
        first = min((c.author_time for c in own), default=None)
    behind = git.count([f"{tip}..{trunk}"]) if policy.max_behind else None
    return first, behind


def gate(policy: BranchPolicy, opts: flags.Options, change: Change) -> report.GateResult:
    ctx = change.ctx
    target, findings = _target(opts, policy, ctx)
    if target.name is None:
        return report.GateResult(GATE, notes=[f"nothing to check: {target.source}"])
    notes = [f'checked branch "{target.name}" ({target.source})']
    if _exempt(target.name, policy.exempt):
        return report.GateResult(GATE, notes=[*notes, "exempt by the policy"])
    needs_history = target.name != policy.trunk and (
        policy.max_age_days or policy.max_behind or policy.start_after
    )
    if needs_history and target.tip is None and not git.rev_parse(f"refs/heads/{target.name}"):
        notes.append("no such local branch: its age and distance behind the trunk not measured")
    elif needs_history:
        import time

        first, behind = _history(target, policy, ctx)
        if policy.start_after and first is not None:
            import datetime

            started = datetime.datetime.fromtimestamp(first, tz=datetime.timezone.utc).date()
            if started < policy.start_after:
                return report.GateResult(
                    GATE,
                    findings,
                    notes=[*notes, f"grandfathered: started {started}, before start-after"],
                )
        findings += check_history(target.name, first, behind, time.time(), policy)
    findings = check_name(target.name, policy) + findings
    return report.GateResult(GATE, findings, notes=notes)

"""Check commit messages: Conventional Commits 1.0.0 and the policy's types and scopes.

Which commits are checked: `--range A..B` if given, and `--pr-title TEXT` checks a
pull-request title. Otherwise, in GitHub Actions on a pull request: its commits, its title
and the subject a squash merge would write; on a push: the pushed commits. In pre-commit's
pre-push stage: the commits being pushed. Anywhere else: the commits on HEAD that are not
on the trunk (see `trunkgate.change` for how the base is chosen). A range with no commits,
or one a shallow clone cuts short, is an error (exit 2): a gate that saw nothing must not say
"passed". A CI event with nothing to compare with (a schedule, a manual run, a tag push)
passes with a note: there is no change, so no commits to check.
"""

from __future__ import annotations

from trunkgate import flags, git, report
from trunkgate.change import Change, short
from trunkgate.messages import check_commit, check_header, exemption, fix_block, header_length

TYPE_CHECKING = False
if TYPE_CHECKING:
    from trunkgate.policies import CommitsPolicy

GATE = "commits"
EXAMPLE = "trunkgate commits --range origin/main..HEAD"
ARGS = (
    flags.Arg("--range", "check every commit in this range", metavar="A..B"),
    flags.Arg("--base", "check the commits since this commit (--range BASE..HEAD)", metavar="REF"),
    flags.Arg("--pr-title", "check a pull-request title as a commit header", metavar="TEXT"),
)

# --------------------------------------------------------------------------- commits


class _Run:
    """What one run of the gate collected."""

    __slots__ = ("commits", "findings", "how", "notes")

    def __init__(self) -> None:
        self.findings: list[report.Finding] = []
        self.notes: list[str] = []
        self.how: list[str] = []
        self.commits: list[git.Commit] = []

    def check(self, commits: list[git.Commit], label: str, policy: CommitsPolicy) -> None:
        exempt = []
        for commit in reversed(commits):  # oldest first, as they were written
            why = exemption(commit, policy)
            if why is None:
                self.findings.extend(check_commit(commit, policy))
            else:
                exempt.append(f"{commit.sha[:7]} not checked: {why}")
        self.commits.extend(commits)
        self.notes.append(f"checked {report.plural(len(commits), 'commit')} in {label}")
        self.notes += exempt[:5]
        if len(exempt) > 5:
            self.notes.append(f"and {len(exempt) - 5} more exempt commits not checked")
        self.how.append(
            "Reword the commits: git rebase -i <base> (mark them reword), then push with "
            "--force-with-lease."
        )


def _range(run: _Run, text: str, policy: CommitsPolicy) -> None:
    base, dots, head = text.partition("..")
    if not dots or head.startswith("."):
        raise report.UsageError(
            f'--range "{text}": expected A..B (the commits reachable from B but not from A)'
        )
    base, head = base or "HEAD", head or "HEAD"
    git.require_commit(base, "--range start")
    git.require_commit(head, "--range end")
    commits = git.commits([f"{base}..{head}"])
    if not commits:
        # Exit 2, not 1: nothing was wrong with any message, and nothing was checked. A range
        # that names no commit means the inputs do not describe the change (a wrong ref, a
        # base that already contains the head, a stale event payload); passing would hide it.
        raise report.UsageError(
            f"no commits in {base}..{head}; expected a range with at least one commit "
            f"(every commit of {head} is already in {base})"
        )
    run.check(commits, f"{base}..{head}", policy)


def _title(run: _Run, change: Change, policy: CommitsPolicy) -> None:
    ctx = change.ctx
    title = ctx.pr_title
    if title is None:
        return
    number = ctx.pr_number
    if ctx.pr_note:
        run.notes.append(ctx.pr_note)
    run.findings.extend(check_header(title, policy, "pull request title"))
    run.how.append("Edit the pull request title: it becomes the squash-merge subject.")
    limit: int = policy.max_subject_length
    if number is None:
        run.notes.append("checked the pull request title")
        return
    if not policy.squash_subject or policy.ignore_pr_number:
        # The length rule leaves the " (#N)" out, so the squash subject is as long as the title.
        run.notes.append(f"checked the pull request title (#{number})")
        return
    # GitHub's default squash-merge subject is "<title> (#<number>)"; for a pull request of
    # one commit, under the repository's "default message" setting, "<subject> (#<number>)".
    subjects = [("title", title)]
    if len(run.commits) == 1:
        subjects.append(("commit subject", run.commits[0].subject))
    for source, subject in subjects:
        squashed = f"{subject} (#{number})"
        if limit and header_length(subject, policy) <= limit < len(squashed):
            run.findings.append(
                report.Finding(
                    "subject-length",
                    f'the squash-merge subject "{squashed}" (the {source} and the pull '
                    f"request number) is {len(squashed)} characters long; expected at most "
                    f"{limit} (max-subject-length)",
                    where="squash-merge subject",
                    hint=f"shorten the {source} by {len(squashed) - limit} characters",
                )
            )
    run.notes.append(f"checked the pull request title and its squash-merge subject (#{number})")


def _change(run: _Run, change: Change, policy: CommitsPolicy) -> None:
    """The commits of the change under review, as the change model names them."""
    event = change.event
    if event == "pre-push" and git.is_null(change.ctx.to_ref):
        run.notes.append("the push deletes a branch: no commits to check")
        return
    if event == "push" and git.is_null(change.ctx.push_range[1]):
        run.notes.append("the push deletes a branch: no commits to check")
        return
    if change.without_change:
        run.notes.append(f"no commits to check: {change.without_change}")
        return
    commits = change.commits()
    label = _label(change)
    if not commits:
        if event == "pre-push":
            # A push that adds no commit (a new branch at an existing commit, a rewind) has
            # nothing new to check; failing it would block a legitimate push.
            run.notes.append(f"no new commits in {label}: nothing to check")
            return
        # An empty range is suspicious, not a pass: the checkout does not hold the change's
        # commits, or the payload is stale (exit 2, see _range).
        base = change.require_base()
        if change.ctx.ci:
            raise report.UsageError(
                f"no commits in {label}; expected the change's commits (does the checkout "
                "hold the head commit? use actions/checkout with fetch-depth: 0)"
            )
        if base.how == change.trunk_how:
            # On the trunk with nothing unpushed: no change of this branch's to check (each
            # commit was checked on its way in). A fresh clone after `init` is this case.
            run.notes.append(
                f"no commits to check: HEAD is on the trunk, and {change.range_label} is empty "
                "(every commit of HEAD is in the trunk); pass --range A..B to check others"
            )
            return
        why = " (every commit of HEAD is in the base)"
        raise report.UsageError(
            f"no commits in {change.range_label}{why}; pass --range A..B to choose the commits "
            "to check"
        )
    run.check(commits, label, policy)


def _label(change: Change) -> str:
    base, head = change.base, short(change.head)
    trunk = change.trunk_left_out
    less = f", less those on {short(trunk)}" if trunk else ""
    if change.event == "pre-push" and (base is None or base.how == change.trunk_how):
        return f"{head} (on no remote){less}"
    if base is None:  # not reached: commits() raised first
        return head
    label = f"{short(base.ref)}..{head}{less}"
    if change.event == "pull_request" and base.how != "--base":
        number = change.ctx.pr_number
        return label + (
            f" (pull request #{number})" if number is not None else " (the pull request)"
        )
    if base.how == change.trunk_how:
        return label + " (the commits since HEAD left the trunk)"
    return label


def gate(policy: CommitsPolicy, opts: flags.Options, change: Change) -> report.GateResult:
    """Check the commits (and pull-request title) that the options or the change name."""
    run = _Run()
    rng: str | None = opts.range
    title: str | None = opts.pr_title
    if rng is not None or title is not None:
        if rng is not None:
            _range(run, rng, policy)
        if title is not None:
            run.findings.extend(check_header(title, policy, "pull request title"))
            run.notes.append("checked the pull request title")
            run.how.append("Edit the pull request title.")
    else:
        _change(run, change, policy)
        if change.event == "pull_request":
            _title(run, change, policy)
    fix = fix_block(policy, "\n".join(dict.fromkeys(run.how)))
    metrics: dict[str, object] = {"commits": len(run.commits)}
    return report.GateResult(GATE, run.findings, notes=run.notes, fix=fix, metrics=metrics)

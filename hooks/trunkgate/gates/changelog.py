"""Check a Keep a Changelog file, and (with --check-updated) that a change to the code updates it.

`trunkgate changelog [PATH ...]` lints the changelog (default: the policy's `changelog`,
relative to the project root): an H1 title before the first section; `## [Unreleased]` as
the first section; release headings `## [X.Y.Z] - YYYY-MM-DD` (or `## [X.Y.Z](url) - ...`,
optionally ` [YANKED]`) with versions valid in the policy's scheme, real dates, newest
first, no duplicates; groups from the six of Keep a Changelog (plus `extra-groups`), each
once per version and never empty; entries as `- ` or `* ` list items, with one optional
short summary paragraph before a version's first group; Security entries that lead with
their CVE or advisory id (a warning); link references for the versions (a warning).

`trunkgate changelog --check-updated [--base REF]` compares the changelog at the merge-base
of REF and HEAD with the working tree: code files (the policy's `code` globs) changed, so
`## [Unreleased]` must have gained an entry; no released section may change; a breaking
commit needs a `**Breaking:**` entry. Commits all of `exempt-types` need no entry; the
pull request label `skip-label` or a `Changelog: skip` commit trailer lets a change through
without an entry (never with an edit to a released section). A changelog in another
convention (commitizen's or towncrier's format, other release headings, reStructuredText)
gets one finding that names it, not one for each heading; the findings of one rule stop
at `findings-per-rule`, with a count of the rest.

The rules themselves are `trunkgate.changelog_rules`; this module reads the changelog, asks
the change model and runs them.
"""

from __future__ import annotations

import os

from trunkgate import files, flags, git, report
from trunkgate import keepachangelog as kac
from trunkgate.change import Change
from trunkgate.changelog_rules import Commit, check_changelog, check_updated, convention_finding

TYPE_CHECKING = False
if TYPE_CHECKING:
    from trunkgate.policies import ChangelogPolicy

GATE = "changelog"
UPDATED = "changelog-updated"  # the verdict of --check-updated, a gate of its own in reports
EXAMPLE = (
    "trunkgate changelog CHANGELOG.md\n  trunkgate changelog --check-updated --base origin/main"
)
ARGS = (
    flags.Arg(
        "paths",
        "changelog files to lint (default: the policy's changelog)",
        kind="pos*",
        metavar="PATH",
    ),
    flags.Arg(
        "--check-updated",
        "check that the change since the base updates the changelog, instead of its format",
        kind="flag",
    ),
    flags.Arg(
        "--base",
        "with --check-updated: compare with the merge-base of REF and HEAD (default: the pull "
        "request's base in CI, the remote ref in pre-push, else the trunk)",
        metavar="REF",
    ),
)

FORMAT_FIX = (
    "Keep a Changelog (https://keepachangelog.com/en/2.0.0/): an H1 title, `## [Unreleased]` "
    "first, then releases `## [1.2.0] - 2026-06-07` newest first; groups `### Added`, "
    "`### Changed`, `### Deprecated`, `### Removed`, `### Fixed`, `### Security`; entries are "
    "`- ` list items; `[1.2.0]: <url>` link references at the end."
)


# --------------------------------------------------------------------------- reading


def read_text(path: str, shown: str | None = None) -> str:
    """A changelog's text; bad input (missing, binary, not UTF-8) is a UsageError naming it."""
    shown = shown or path
    data = files.read_bytes(
        path,
        shown,
        expected="a Keep a Changelog file (pass PATH, or set the policy key changelog-file)",
    )
    nul = data.find(b"\0")
    if nul >= 0:
        raise report.UsageError(
            f"{shown}: a binary file (NUL byte at offset {nul}), expected UTF-8 Markdown text"
        )
    return files.decode(data, shown, "UTF-8 Markdown text")


# --------------------------------------------------------------------------- the gate


def _display(path: str) -> str:
    rel = os.path.relpath(path)
    return path if rel.startswith("..") else rel


def _updated(policy: ChangelogPolicy, opts: flags.Options, change: Change) -> report.GateResult:
    paths: list[str] = opts.paths
    if len(paths) > 1:
        raise report.UsageError(
            f"--check-updated: {len(paths)} paths given, expected at most one changelog"
        )
    path = paths[0] if paths else policy.path(policy.changelog_file)
    shown = paths[0] if paths else _display(path)
    if change.without_change:
        return report.GateResult(UPDATED, notes=[f"nothing to check: {change.without_change}"])
    base = change.require_base()
    merge_base = change.diff_start
    top = change.top
    rel = os.path.relpath(os.path.realpath(path), os.path.realpath(top)).replace(os.sep, "/")
    commits = [Commit(c.sha, c.message, c.is_merge) for c in change.commits()]
    if change.head_is_worktree:
        text = read_text(path, shown)
        against = "the working tree"
    else:
        what = "the pushed commit" if change.event == "pre-push" else change.head_how
        head_sha = git.require_commit(change.head, what)
        shown_text = git.show(head_sha, rel)
        if shown_text is None:
            raise report.UsageError(f"{shown}: no such file in {what} {head_sha[:10]}")
        text = shown_text
        against = f"{what} {head_sha[:10]}"
    # What changed in this project: in a monorepo, another package's code needs no entry here.
    changed = change.changed_in_project()
    in_project = os.path.relpath(os.path.realpath(path), os.path.realpath(change.root))
    old = git.show(merge_base, rel)
    before = kac.parse(old) if old is not None else kac.Changelog()
    after = kac.parse(text)
    other = convention_finding(text, after, shown)
    if other is not None:
        return report.GateResult(GATE, [other], metrics={"base": merge_base, "commits": 0})
    labels = change.ctx.labels if change.ctx.ci else []
    findings, notes = check_updated(
        before,
        after,
        changed,
        commits,
        policy,
        shown,
        labels=labels,
        changelog_path=in_project.replace(os.sep, "/"),
    )
    base_note = (
        f"base: {base.how} ({base.ref}), merge-base {merge_base[:10]}; compared {shown} there "
        f"with {against}; {report.plural(len(commits), 'commit')} in the range"
    )
    label_note = [change.ctx.pr_note] if change.ctx.ci and change.ctx.pr_note else []
    return report.GateResult(
        UPDATED,
        findings,
        notes=[base_note, *label_note, *notes],
        metrics={"base": merge_base, "commits": len(commits)},
    )


def gate(policy: ChangelogPolicy, opts: flags.Options, change: Change) -> report.GateResult:
    """Lint the changelog(s), or with `opts.check_updated`, check that the change updates it.

    `opts` needs `paths` (list), `check_updated` (bool) and `base` (str or None).
    """
    if opts.check_updated:
        return _updated(policy, opts, change)
    if opts.base:
        raise report.UsageError("--base: only used with --check-updated")
    paths: list[str] = opts.paths
    if paths:
        targets = [(p, p) for p in paths]
    else:
        default = policy.path(policy.changelog_file)
        targets = [(default, _display(default))]
    findings: list[report.Finding] = []
    notes = []
    releases = 0
    for path, shown in targets:
        text = read_text(path, shown)
        doc = kac.parse(text)
        other = convention_finding(text, doc, shown)
        findings += [other] if other is not None else check_changelog(doc, policy, shown)
        count = len(doc.releases)
        releases += count
        notes.append(
            f"checked {shown}: {report.plural(count, 'release')} ({policy.version_scheme})"
        )
    return report.GateResult(
        GATE, findings, notes=notes, fix=FORMAT_FIX, metrics={"releases": releases}
    )

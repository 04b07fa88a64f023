"""Check a release: the version file, the changelog and the tag or branch agree, and the bump fits.

A release is a tag `vX.Y.Z` (the policy's tag-prefix) or a branch `release/X.Y.Z` or
`hotfix/X.Y.Z`: `--ref NAME` if given; in GitHub Actions the pushed tag or branch
(GITHUB_REF) or the pull request's head branch; otherwise a release tag at HEAD, else the
checked-out branch. On a release, the version in the policy's version-file and the newest
section of the changelog must be that version, it must be above the last release in the
history, and the bump from that release must be as large as the changes ask: a breaking
commit in the range or a `**Breaking:**` entry in the version's section needs a major bump
(a minor one while the major version is 0, per zero-major-breaking), a `feat` a minor one.
Anywhere else the gate passes with a note.
"""

from __future__ import annotations

import os

from trunkgate import flags, git, report
from trunkgate.change import Change

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Sequence

    from trunkgate import keepachangelog as kac
    from trunkgate.context import Context
    from trunkgate.policies import ReleasePolicy
    from trunkgate.release import classify, plan

GATE = "version"
EXAMPLE = "trunkgate version --ref v1.3.0"
ARGS = (
    flags.Arg(
        "--ref",
        "check as if on this tag or branch (v1.3.0, release/1.3.0, refs/tags/v1.3.0)",
        metavar="NAME",
    ),
)
BRANCH_PREFIXES = ("release/", "hotfix/")
FIX = (
    "Cut the release on its branch: `trunkgate release cut X.Y.Z --bump` moves the Unreleased "
    "entries under ## [X.Y.Z] and sets the version file; commit, then tag that commit. "
    "`trunkgate release next` prints the version the commits ask for."
)


class Release:
    """The release a tag or branch names: its version and how to call it in messages."""

    __slots__ = ("kind", "name", "version")

    def __init__(self, kind: str, name: str, version: str) -> None:
        self.kind = kind  # "tag" or "branch"
        self.name = name
        self.version = version

    def __str__(self) -> str:
        return f"{self.kind} {self.name}"


def _version(text: str, scheme: str) -> str | None:
    """The text when it is a version in the scheme (the common "not a version" case is
    answered without loading the version patterns)."""
    if not text[:1].isdigit():
        return None
    from trunkgate import versions

    return text if versions.is_valid(text, scheme) else None


def release_of(ref: str, prefix: str, scheme: str = "semver") -> Release | None:
    """The release a ref names (a tag `<prefix>X.Y.Z`, a branch release/X.Y.Z or
    hotfix/X.Y.Z, each optionally as refs/tags/... or refs/heads/...), else None."""
    kinds: Sequence[str] = ("tag", "branch")
    if ref.startswith("refs/tags/"):
        ref, kinds = ref[len("refs/tags/") :], ("tag",)
    elif ref.startswith("refs/heads/"):
        ref, kinds = ref[len("refs/heads/") :], ("branch",)
    if "tag" in kinds and ref.startswith(prefix):
        version = _version(ref[len(prefix) :], scheme)
        if version is not None:
            return Release("tag", ref, version)
    if "branch" in kinds:
        for head in BRANCH_PREFIXES:
            if ref.startswith(head):
                tail = ref[len(head) :]
                if prefix and tail.startswith(prefix):
                    tail = tail[len(prefix) :]
                version = _version(tail, scheme)
                if version is not None:
                    return Release("branch", ref, version)
    return None


def where_we_are(
    opts: flags.Options, ctx: Context, prefix: str, scheme: str
) -> tuple[str, Release | None]:
    """(what was looked at, the release it names or None)."""
    ref: str | None = opts.ref
    if ref:
        return ref, release_of(ref, prefix, scheme)
    if ctx.ci:
        head = ctx.pr_head_ref
        if ctx.pull_request is not None and head:
            return f"branch {head}", release_of(f"refs/heads/{head}", prefix, scheme)
        ref = ctx.env.get("GITHUB_REF", "")
        if ref.startswith(("refs/tags/", "refs/heads/")):
            return ref, release_of(ref, prefix, scheme)
    for tag in git.tags_at("HEAD"):
        found = release_of(f"refs/tags/{tag}", prefix, scheme)
        if found is not None:
            return f"tag {tag}", found
    branch = git.head().branch
    if branch is None:
        return "a detached HEAD", None
    return f"branch {branch}", release_of(f"refs/heads/{branch}", prefix, scheme)


def required_level(
    changes: Sequence[classify.Change], section: kac.Section | None
) -> tuple[str | None, str]:
    """The bump the changes ask for (before the zero-major rule), and why, for messages."""
    from trunkgate import versions

    breaking = [c for c in changes if c.level == versions.MAJOR]
    if breaking:
        return versions.MAJOR, f'the breaking commit {breaking[0].short} "{breaking[0].msg.header}"'
    entry = next((e for _, e in section.entries if e.breaking), None) if section else None
    if entry is not None:
        return versions.MAJOR, f"the **Breaking:** entry at line {entry.line} of the changelog"
    features = [c for c in changes if c.level == versions.MINOR]
    if features:
        return versions.MINOR, f'the feature {features[0].short} "{features[0].msg.header}"'
    if any(c.level == versions.PATCH for c in changes):
        return versions.PATCH, "the fixes"
    return None, "no change"


def check_agreement(
    rel: Release,
    *,
    version_files: Sequence[tuple[str, str]],
    changelog_file: str,
    doc: kac.Changelog,
) -> list[report.Finding]:
    """The version files and the changelog's newest section say the release's version."""

    found = []
    for path, held in version_files:
        if held == rel.version:
            continue
        found.append(
            report.Finding(
                "version-file",
                f"{path} holds version {held}, but the {rel} releases {rel.version}",
                file=path,
            )
        )
    newest = doc.releases[0] if doc.releases else None
    if newest is None or newest.label != rel.version:
        said = f"its newest section is [{newest.label}]" if newest else "it has no release section"
        found.append(
            report.Finding(
                "version-changelog",
                f"the {rel} releases {rel.version}, but {said}; expected ## [{rel.version}]",
                file=changelog_file,
                line=newest.line if newest else None,
            )
        )
    unreleased = doc.unreleased
    if unreleased is not None and unreleased.entries:
        found.append(
            report.Finding(
                "version-changelog",
                f"## [Unreleased] still holds "
                f"{report.plural(len(unreleased.entries), 'entry', 'entries')}; "
                f"a release moves them under ## [{rel.version}]",
                file=changelog_file,
                line=unreleased.line,
                severity=report.WARNING,
            )
        )
    return found


def check_bump(
    rel: Release,
    previous: str,
    level: str | None,
    why: str,
    zero_major: str = "minor",
) -> list[report.Finding]:
    """The release is above the previous one, by at least the bump the changes ask for."""
    from trunkgate import versions

    if versions.semver_key(rel.version) <= versions.semver_key(previous):
        return [
            report.Finding(
                "version-order",
                f"{rel.version} is not above the last release {previous}; "
                "expected a higher version",
            )
        ]
    if level is None:
        return []
    needed = versions.effective_level(previous, level, zero_major)
    actual = versions.bump_between(previous, rel.version)
    if versions.RANK[actual] >= versions.RANK[needed]:
        return []
    expected = versions.bump(previous, level, zero_major)
    return [
        report.Finding(
            "version-bump",
            f"{rel.version} is a {actual} bump from {previous}, but {why} needs a {needed} bump; "
            f"expected {expected}",
        )
    ]


def _previous(rel: Release, tags: plan.Tags) -> tuple[str, str] | None:
    """The last release before this one in the history of HEAD (pre-releases skipped unless
    this is one)."""
    from trunkgate import versions

    for version, tag in tags.merged("HEAD"):
        if version == rel.version or (
            versions.is_pre(version) and not versions.is_pre(rel.version)
        ):
            continue
        return version, tag
    return None


def gate(policy: ReleasePolicy, opts: flags.Options, change: Change) -> report.GateResult:
    prefix = str(policy.tag_prefix)
    scheme = str(policy.version_scheme)
    git.require_repo()
    seen, rel = where_we_are(opts, change.ctx, prefix, scheme)
    if rel is None:
        return report.GateResult(GATE, notes=[f"not a release ({seen}): nothing to check"])
    if not git.has_commits():
        raise report.UsageError(f"the {rel} names a release, but the repository has no commits")
    from trunkgate import keepachangelog as kac
    from trunkgate import versions
    from trunkgate.files import read_text
    from trunkgate.release import classify, files, plan

    notes = [f"release {rel.version} ({rel})"]
    held: list[tuple[str, str]] = []
    for vf in files.version_files(policy):
        read = vf.read(read_text(vf.path, vf.shown))
        if not read:
            raise report.UsageError(
                f"{vf.shown}: the {vf.where} pattern {vf.pattern!r} matches nothing; "
                "expected it to match the text around the version"
            )
        held += [(vf.shown, version) for version in read]
    cpath = policy.path(str(policy.changelog_file))
    cshown = os.path.relpath(cpath)
    doc = kac.parse(read_text(cpath, cshown))
    findings = check_agreement(rel, version_files=held, changelog_file=cshown, doc=doc)
    metrics: dict[str, object] = {"version": rel.version}
    if scheme != "semver":
        notes.append(f"the bump is not checked: the version scheme is {scheme}, not semver")
        return report.GateResult(GATE, findings, notes=notes, fix=FIX, metrics=metrics)
    tags = plan.Tags(prefix, warn=lambda message: notes.append(f"warning: {message}"))
    previous = _previous(rel, tags)
    if previous is None:
        if git.is_shallow():
            raise report.UsageError(
                f"no release tag before {rel.version} in the history of HEAD, and the clone is "
                f"shallow: the bump cannot be checked; {git.SHALLOW_HINT} and fetch-tags: true"
            )
        notes.append("the first release: no earlier release tag, so no bump to check")
        return report.GateResult(GATE, findings, notes=notes, fix=FIX, metrics=metrics)
    rng = classify.Range(plan.commits_since(previous[1], "HEAD", plan.package_paths(policy)))
    level, why = required_level(rng.counted, doc.section(rel.version))
    zero_major = str(policy.zero_major_breaking)
    findings += check_bump(rel, previous[0], level, why, zero_major)
    metrics["previous"] = previous[0]
    metrics["bump"] = versions.bump_between(previous[0], rel.version) or ""
    asked = "no bump"
    if level is not None:
        asked = f"a {versions.effective_level(previous[0], level, zero_major)} bump"
    notes.append(
        f"{rel.version} after {previous[1]}: {report.plural(rng.total, 'commit')}, "
        f"asking for {asked} ({why})"
    )
    return report.GateResult(GATE, findings, notes=notes, fix=FIX, metrics=metrics)

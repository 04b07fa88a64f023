"""The release plan: the repository's release tags (`Tags`), the commits since the last
release, the first release's version, `plan_next` (what `release next` decides: from which
release, over which commits, to which version) and `explain` (why, for stderr); also the
VERSION argument of `notes` and `cut` (with or without the tag prefix).
"""

from __future__ import annotations

from trunkgate import conventional, git, report, versions
from trunkgate.release.classify import Change, Range
from trunkgate.release.output import PROG, warn
from trunkgate.report import plural
from trunkgate.versions import MAJOR, MINOR

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Callable, Sequence

    from trunkgate.policies import ReleasePolicy


class Tags:
    """The repository's release tags (prefix + a semver version); other tags are warned about
    (once each, through `warn`)."""

    def __init__(self, prefix: str, warn: Callable[[str], None] = warn) -> None:
        self.prefix = prefix
        self._warn = warn
        self._warned: set[str] = set()

    def _versions(self, names: Sequence[str]) -> list[tuple[str, str]]:
        found = []
        for name in names:
            version = name[len(self.prefix) :]
            if versions.is_valid(version, "semver") and "+" not in version:
                found.append((version, name))
            elif name not in self._warned:
                self._warned.add(name)
                self._warn(
                    f"ignoring tag {name!r}: not {self.prefix}X.Y.Z "
                    f"(a semver version after the tag prefix {self.prefix!r})"
                )
        found.sort(key=lambda pair: versions.semver_key(pair[0]), reverse=True)
        return found

    def merged(self, ref: str = "HEAD") -> list[tuple[str, str]]:
        """(version, tag) of the release tags in the history of `ref`, newest first."""
        return self._versions(git.tags_merged(ref, f"{self.prefix}*"))

    def all(self) -> list[tuple[str, str]]:
        """(version, tag) of every release tag, newest first."""
        return self._versions(git.tags(f"{self.prefix}*"))

    def last_final(self, ref: str = "HEAD") -> tuple[str, str] | None:
        """The newest release (not a pre-release) in the history of `ref`."""
        return next(((v, t) for v, t in self.merged(ref) if not versions.is_pre(v)), None)


def require_semver(policy: ReleasePolicy) -> None:
    if policy.version_scheme != "semver":
        raise report.UsageError(
            f"version-scheme: release versions are computed in semver, the policy says "
            f'{policy.version_scheme!r}; expected version-scheme = "semver"'
        )


def initial_version(policy: ReleasePolicy) -> str:
    value = str(policy.initial_version)
    if not versions.is_valid(value, "semver") or "+" in value:
        raise report.UsageError(f"initial-version: expected a semver version X.Y.Z, got {value!r}")
    return value


def commits_since(tag: str | None, ref: str = "HEAD") -> list[git.Commit]:
    """The commits after `tag` up to `ref` (all of `ref`'s history without a tag)."""
    if tag is None and git.is_shallow():
        raise report.UsageError(
            f"no release tag in the history of {ref}, and the clone is shallow: the first "
            f"release would be judged on part of the history; {git.SHALLOW_HINT}"
        )
    return git.commits([f"{tag}..{ref}" if tag else ref])


class Plan:
    """What `release next` decided: from which release, over which commits, to which version."""

    __slots__ = ("base", "base_tag", "level", "pre", "range", "tag", "version")

    def __init__(self) -> None:
        self.base: str | None = None  # the last release's version
        self.base_tag: str | None = None
        self.range: Range | None = None
        self.level: str | None = None  # the part the bump moved
        self.version: str | None = None  # None: nothing to release
        self.tag: str | None = None
        self.pre: str | None = None


def plan_next(policy: ReleasePolicy, tags: Tags, pre: str | None = None, ref: str = "HEAD") -> Plan:
    """The next version from the commits since the last release tag in the history of `ref`."""
    require_semver(policy)
    plan = Plan()
    try:
        plan.pre = versions.check_pre_name(pre) if pre is not None else None
    except ValueError as exc:
        raise report.UsageError(f"--pre: {exc}") from None
    if not git.has_commits():
        return plan
    last = tags.last_final(ref)
    if last is not None:
        plan.base, plan.base_tag = last
    plan.range = Range(commits_since(plan.base_tag, ref))
    if plan.base is None:
        core = initial_version(policy)
    else:
        level = plan.range.level
        if level is None:
            return plan
        zero_major: str = policy.zero_major_breaking
        plan.level = versions.effective_level(plan.base, level, zero_major)
        core = versions.bump(plan.base, level, zero_major)
    if plan.pre is not None:
        parts = versions.parse_semver(core)
        core_text = f"{parts[0]}.{parts[1]}.{parts[2]}"
        plan.version = versions.pre_release(core_text, plan.pre, [v for v, _ in tags.all()])
    else:
        plan.version = core
    plan.tag = f"{tags.prefix}{plan.version}"
    return plan


def _quote(change: Change) -> str:
    return f'{change.short} "{change.msg.header}"'


def explain(plan: Plan, prefix: str) -> list[str]:
    """The reasoning behind a plan, for stderr."""
    lines = []
    rng = plan.range
    if rng is None:
        return [f"{PROG} next: nothing to release: the repository has no commits yet"]
    if plan.base_tag is None:
        lines.append(
            f"{PROG} next: no release tag ({prefix}X.Y.Z) in the history of HEAD: a first "
            f"release, {plural(rng.total, 'commit')}"
        )
    else:
        lines.append(
            f"{PROG} next: last release {plan.base_tag}; {plural(rng.total, 'commit')} since"
        )
    for change in rng.counted:
        lines.append(f"  {change.level:<5}  {change.short}  {change.msg.header}")
    quiet = [c for c in rng.changes if c.level is None and c.msg.kind == conventional.CONVENTIONAL]
    if quiet:
        kinds = ", ".join(sorted({c.type or "" for c in quiet}))
        verb = "bumps" if len(quiet) == 1 else "bump"
        lines.append(f"  {plural(len(quiet), 'other commit')} {verb} nothing ({kinds})")
    if rng.merges:
        n = len(rng.merges)
        lines.append(
            f"  {plural(n, 'merge commit')} skipped: the commits merged through "
            f"{'it' if n == 1 else 'them'} are counted"
        )
    for reverted, revert in rng.cancelled:
        lines.append(
            f"  not counted: {_quote(reverted)}, reverted in the same range by {revert.short}"
        )
    if rng.invalid:
        listed = ", ".join(_quote(c) for c in rng.invalid[:5])
        more = f" and {len(rng.invalid) - 5} more" if len(rng.invalid) > 5 else ""
        lines.append(f"  not Conventional Commits, not counted: {listed}{more}")
    if rng.fixups:
        lines.append(
            f"  {plural(len(rng.fixups), 'fixup!/squash! commit')} not counted "
            "(autosquash them before merging)"
        )
    if plan.version is None and rng.changes:
        lines.append(
            f"{PROG} next: nothing to release: the {plural(rng.total, 'commit')} since "
            f"{plan.base_tag} hold no feature, fix, performance change, revert or breaking change"
        )
    elif plan.version is None:
        lines.append(f"{PROG} next: nothing to release: no commits since {plan.base_tag}")
    elif plan.base is None:
        lines.append(
            f"{PROG} next: {plan.version} (the first release: policy key initial-version"
            f"{', pre-release ' + repr(plan.pre) if plan.pre else ''})"
        )
    else:
        drivers = rng.drivers
        why = _quote(drivers[0]) + (f" and {len(drivers) - 1} more" if len(drivers) > 1 else "")
        note = ""
        if rng.level == MAJOR and plan.level == MINOR:
            note = " (a breaking change while the major version is 0: policy zero-major-breaking)"
        lines.append(
            f"{PROG} next: {plan.version} ({plan.level} bump from {plan.base}, by {why}){note}"
        )
    return lines


def _strip_prefix(version: str, prefix: str, scheme: str) -> str:
    if prefix and version.startswith(prefix) and versions.is_valid(version[len(prefix) :], scheme):
        return version[len(prefix) :]
    return version


def version_arg(version: str, policy: ReleasePolicy) -> str:
    scheme = str(policy.version_scheme)
    version = _strip_prefix(version.strip(), str(policy.tag_prefix), scheme)
    if not versions.is_valid(version, scheme):
        raise report.UsageError(f"VERSION: expected {versions.describe(scheme)}, got {version!r}")
    return version

"""The release plan: the repository's release tags (`Tags`, in the policy's scheme, floating
aliases left out; `release_tags` finds the prefix the tags use when the policy's matches
none), the commits no release tag holds (of a package's `paths`), the first release's
version, `plan_next` (what `release next` decides: from the highest release known, over
which commits, to which version) and `explain` (why, for stderr); also the VERSION argument
of `notes` and `cut` (with or without the tag prefix).
"""

from __future__ import annotations

import os

from trunkgate import config, conventional, git, report, versions
from trunkgate.release.classify import Change, Range
from trunkgate.release.files import changelog_path, held_versions
from trunkgate.release.output import PROG, warn
from trunkgate.report import plural
from trunkgate.versions import MAJOR, MINOR, PATCH, RANK

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Callable, Sequence

    from trunkgate.policies import ReleasePolicy


class Tags:
    """The repository's release tags (prefix + a version of the scheme). Floating aliases
    (`v1`, `v1.2` beside `v1.2.3`) are left out silently; other tags are warned about (once
    each, through `warn`)."""

    def __init__(
        self, prefix: str, warn: Callable[[str], None] = warn, scheme: str = "semver"
    ) -> None:
        self.prefix = prefix
        self.scheme = scheme
        self._warn = warn
        self._warned: set[str] = set()
        self._names: list[str] | None = None

    def key(self, version: str) -> versions.SortKey:
        return versions.sort_key(version, self.scheme)

    def names(self) -> list[str]:
        """Every tag name with the prefix."""
        if self._names is None:
            self._names = git.tags(f"{self.prefix}*")
        return self._names

    def _versions(self, names: Sequence[str]) -> list[tuple[str, str]]:
        found = []
        every = self.names()
        for name in names:
            version = name[len(self.prefix) :]
            if versions.is_valid(version, self.scheme) and "+" not in version:
                found.append((version, name))
            elif versions.is_alias(name, every):
                continue
            elif name not in self._warned:
                self._warned.add(name)
                self._warn(
                    f"ignoring tag {name!r}: not {self.prefix}{versions.SHAPES[self.scheme]} "
                    f"(a {self.scheme} version after the tag prefix {self.prefix!r})"
                )
        found.sort(key=lambda pair: self.key(pair[0]), reverse=True)
        return found

    def merged(self, ref: str = "HEAD") -> list[tuple[str, str]]:
        """(version, tag) of the release tags in the history of `ref`, newest first."""
        return self._versions(git.tags_merged(ref, f"{self.prefix}*"))

    def all(self) -> list[tuple[str, str]]:
        """(version, tag) of every release tag, newest first."""
        return self._versions(self.names())

    def finals(self, ref: str | None = None) -> list[tuple[str, str]]:
        """The releases (not pre-releases), in the history of `ref` (every one without)."""
        found = self.all() if ref is None else self.merged(ref)
        return [(v, t) for v, t in found if versions.is_final(v, self.scheme)]

    def last_final(self, ref: str = "HEAD") -> tuple[str, str] | None:
        """The newest release (not a pre-release) in the history of `ref`."""
        return next(iter(self.finals(ref)), None)


def release_tags(policy: ReleasePolicy, say: Callable[[str], None] = warn) -> Tags:
    """The policy's release tags; when no tag has its prefix but the repository's tags follow
    another one (`0.28.1` under the default `v`), that one, with a warning. A package of a
    monorepo (policy key paths, or a project in a folder of the repository) keeps its own
    prefix."""
    scheme = str(policy.version_scheme)
    tags = Tags(str(policy.tag_prefix), say, scheme)
    if tags.all() or not git.has_commits() or package_paths(policy):
        return tags
    every = git.tags()
    found = versions.detect_scheme_and_prefix(every, config.project_name(policy.root))
    if found is None or found[1] == tags.prefix:
        return tags
    other = Tags(found[1], say, scheme)
    releases = other.all()
    if not releases:
        return tags
    say(
        f"no tag has the tag prefix {tags.prefix!r}, but {plural(len(releases), 'tag')} "
        f"look like {releases[0][1]} (prefix {found[1]!r}): using that prefix; expected "
        f'tag-prefix = "{found[1]}" in the policy'
    )
    return other


def initial_version(policy: ReleasePolicy) -> str:
    value = str(policy.initial_version)
    scheme = str(policy.version_scheme)
    if scheme == "semver" and (not versions.is_valid(value, "semver") or "+" in value):
        raise report.UsageError(f"initial-version: expected a semver version X.Y.Z, got {value!r}")
    if scheme == "pep440" and not versions.is_valid(value, "pep440"):
        raise report.UsageError(
            f"initial-version: expected a PEP 440 version such as 0.1.0, got {value!r}"
        )
    return value


def _shallow_check(ref: str) -> None:
    if git.is_shallow():
        raise report.UsageError(
            f"no release tag in the history of {ref}, and the clone is shallow: the first "
            f"release would be judged on part of the history; {git.SHALLOW_HINT}"
        )


def commits_since(
    tag: str | None, ref: str = "HEAD", paths: Sequence[str] = ()
) -> list[git.Commit]:
    """The commits after `tag` up to `ref` (all of `ref`'s history without a tag); with
    `paths`, those that touch them."""
    if tag is None:
        _shallow_check(ref)
    return git.commits([f"{tag}..{ref}" if tag else ref], paths=paths)


def commits_unreleased(
    released: Sequence[str], ref: str = "HEAD", paths: Sequence[str] = ()
) -> list[git.Commit]:
    """The commits of `ref` that no release tag holds (a tag left on a rewritten release
    commit still holds the commits before it); with `paths`, those that touch them."""
    if not released:
        _shallow_check(ref)
    return git.commits([ref, *(["--not", *released] if released else [])], paths=paths)


def package_paths(policy: ReleasePolicy) -> list[str]:
    """The paths whose commits make a release, absolute: the policy's (a package of a
    monorepo); by default the project's folder when it is a folder of the repository (a
    package set up by `init` there), else none, meaning the whole repository."""
    given: list[str] = policy.paths
    if given:
        return [os.path.normpath(policy.path(p)) for p in given]
    root = os.path.realpath(policy.root)
    try:
        top = os.path.realpath(git.top(policy.root))
    except report.UsageError:
        return []
    return [root] if root != top else []


class Plan:
    """What `release next` decided: from which release, over which commits, to which version."""

    __slots__ = (
        "base",
        "base_from",
        "base_tag",
        "blocked",
        "level",
        "pre",
        "range",
        "scheme",
        "tag",
        "unreachable",
        "version",
    )

    def __init__(self) -> None:
        self.base: str | None = None  # the last release's version
        self.base_tag: str | None = None  # its tag, when the tag is in the history of HEAD
        self.base_from: str | None = None  # where the base came from, when not that tag
        self.unreachable: list[str] = []  # newer release tags not in the history of HEAD
        self.range: Range | None = None
        self.level: str | None = None  # the part the bump moved
        self.version: str | None = None  # None: nothing to release
        self.tag: str | None = None
        self.pre: str | None = None
        self.blocked: str | None = None  # why the version cannot be told (exit 2)
        self.scheme = "semver"


def _forked_after(tag: str, last: str | None, ref: str) -> bool:
    """Whether a tag outside the history of `ref` left it after the release `last`: a
    release commit rewritten after it was tagged, not a maintenance branch's release."""
    fork = git.merge_base(tag, ref)
    if fork is None:
        return False
    return last is None or git.is_ancestor(last, fork)


def _known_releases(
    policy: ReleasePolicy, tags: Tags, plan: Plan, ref: str
) -> list[tuple[str, str | None, str | None]]:
    """(version, tag in the history or None, where it was read) of every release known."""
    scheme = tags.scheme
    reachable = tags.finals(ref)
    known: list[tuple[str, str | None, str | None]] = []
    last = reachable[0] if reachable else None
    if last is not None:
        known.append((last[0], last[1], None))
    in_history = {t for _, t in reachable}
    newer = [
        (version, tag)
        for version, tag in tags.finals()
        if tag not in in_history and (last is None or tags.key(version) > tags.key(last[0]))
    ]
    # Newest first: the first that left the history after the last release is the base (the
    # older ones below it are only named), so a repository of such tags costs one check.
    for at, (version, tag) in enumerate(newer):
        if _forked_after(tag, last[1] if last else None, ref):
            plan.unreachable = [t for _, t in newer[at:]]
            known.append((version, None, f"tag {tag}, not in the history of {ref}"))
            break
    path, shown = changelog_path(policy)
    if os.path.isfile(path):
        from trunkgate import keepachangelog as kac
        from trunkgate.files import read_text

        doc = kac.parse(read_text(path, shown))
        labels = [
            s.label
            for s in doc.releases
            if versions.is_valid(s.label, scheme) and versions.is_final(s.label, scheme)
        ]
        if labels:
            newest = max(labels, key=tags.key)
            known.append((newest, None, f"{shown} [{newest}]"))
    initial = str(policy.initial_version)
    for version, shown in held_versions(policy):
        if not versions.is_valid(version, scheme) or not versions.is_final(version, scheme):
            continue
        if (
            not known
            and versions.is_valid(initial, scheme)
            and tags.key(version) <= tags.key(initial)
        ):
            continue  # nothing released yet: the file holds the first release to come
        known.append((version, None, f"{shown} {version}"))
    return known


def plan_next(
    policy: ReleasePolicy,
    tags: Tags,
    pre: str | None = None,
    ref: str = "HEAD",
    today: tuple[int, int] | None = None,
) -> Plan:
    """The next version from the commits since the highest release known (the tags in the
    history of `ref`, newer tags left off it, the changelog and the version files)."""
    scheme = tags.scheme
    plan = Plan()
    plan.scheme = scheme
    if pre is not None:
        try:
            if scheme == "semver":
                plan.pre = versions.check_pre_name(pre)
            else:
                versions.next_pre_release("1.0", pre, (), scheme)
                plan.pre = pre
        except ValueError as exc:
            raise report.UsageError(f"--pre: {exc}") from None
    if not git.has_commits():
        return plan
    known = _known_releases(policy, tags, plan, ref)
    if known:
        plan.base, plan.base_tag, plan.base_from = max(known, key=lambda k: tags.key(k[0]))
        if plan.base_tag is None:  # a tie: the tag wins
            plan.base_tag = next((t for v, t, _ in known if v == plan.base and t), None)
            plan.base_from = None if plan.base_tag else plan.base_from
    released = [t for _, t in tags.finals()]
    plan.range = rng = Range(commits_unreleased(released, ref, package_paths(policy)))
    level = rng.level
    mode: str = policy.non_conventional
    if rng.invalid and mode == "patch":
        level = max(level, PATCH, key=RANK.__getitem__)
    zero_major: str = policy.zero_major_breaking
    if plan.base is None:
        core = (
            versions.next_release(None, PATCH, scheme, today=today)
            if scheme == "calver"
            else initial_version(policy)
        )
    else:
        if rng.invalid and mode == "fail":
            plan.blocked = (
                f"{len(rng.invalid)} of {plural(rng.total, 'commit')} since {plan.base} "
                f"aren't Conventional Commits; the next version can't be told from them; "
                "expected Conventional Commits, or --non-conventional patch|ignore "
                "(policy key non-conventional)"
            )
            return plan
        if level is None:
            return plan
        plan.level = _effective_level(plan.base, level, scheme, zero_major)
        core = versions.next_release(plan.base, level, scheme, zero_major, today)
    if plan.pre is not None:
        if scheme == "semver":
            parts = versions.parse_semver(core)
            core = f"{parts[0]}.{parts[1]}.{parts[2]}"
        plan.version = versions.next_pre_release(core, plan.pre, [v for v, _ in tags.all()], scheme)
    else:
        plan.version = core
    plan.tag = f"{tags.prefix}{plan.version}"
    if plan.tag in tags.names():
        raise report.UsageError(
            f"the next version would be {plan.version}, but tag {plan.tag} already exists "
            f"outside the history of {ref} (another branch's release); expected to release "
            "from the branch that holds it, or the version given to `release cut`"
        )
    return plan


def _effective_level(base: str, level: str, scheme: str, zero_major: str) -> str:
    if scheme == "calver":
        return level
    first = base.split("!")[-1].split(".")[0] if scheme == "pep440" else ""
    if scheme == "pep440":
        zero = first.isdigit() and int(first) == 0
        return MINOR if level == MAJOR and zero and zero_major == "minor" else level
    return versions.effective_level(base, level, zero_major)


def _quote(change: Change) -> str:
    return f'{change.short} "{change.msg.header}"'


def _listed(names: Sequence[str], limit: int = 5) -> str:
    more = f" and {len(names) - limit} more" if len(names) > limit else ""
    return ", ".join(names[:limit]) + more


def explain(plan: Plan, prefix: str) -> list[str]:
    """The reasoning behind a plan, for stderr."""
    lines = []
    rng = plan.range
    if rng is None:
        return [f"{PROG} next: nothing to release: the repository has no commits yet"]
    if plan.unreachable:
        lines.append(
            f"{PROG}: warning: release {plural(len(plan.unreachable), 'tag')} not in the "
            f"history of HEAD (a release commit rewritten after it was tagged?): "
            f"{_listed(plan.unreachable)}; counted as released"
        )
    since = plan.base_tag or plan.base
    if plan.base is None:
        lines.append(
            f"{PROG} next: no release tag ({prefix}{versions.SHAPES[plan.scheme]}) in the "
            f"history of HEAD: a first release, {plural(rng.total, 'commit')}"
        )
    elif plan.base_from is not None:
        lines.append(
            f"{PROG} next: last release {plan.base} (from {plan.base_from}); "
            f"{plural(rng.total, 'commit')} no release tag holds"
        )
    else:
        lines.append(
            f"{PROG} next: last release {plan.base_tag}; {plural(rng.total, 'commit')} since"
        )
    for change in rng.counted:
        lines.append(f"  {change.level:<5}  {change.short}  {change.msg.header}")
    for change in rng.loose:
        line = change.loose[0] if change.loose else 0
        lines.append(
            f"{PROG}: warning: {change.short}: line {line} says BREAKING CHANGE "
            "outside a valid footer (the last paragraphs, after a blank line); counted as "
            "breaking all the same"
        )
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
        listed = _listed([_quote(c) for c in rng.invalid])
        lines.append(
            f"  {len(rng.invalid)} of {plural(rng.total, 'commit')} not Conventional Commits: "
            f"{listed}"
        )
    if rng.fixups:
        lines.append(
            f"  {plural(len(rng.fixups), 'fixup!/squash! commit')} not counted "
            "(autosquash them before merging)"
        )
    if plan.blocked is not None:
        pass  # the caller raises it
    elif plan.version is None and rng.invalid and len(rng.invalid) == len(rng.changes):
        lines.append(
            f"{PROG} next: nothing to release: none of the {plural(rng.total, 'commit')} since "
            f"{since} is a Conventional Commit (--non-conventional ignore)"
        )
    elif plan.version is None and rng.changes:
        lines.append(
            f"{PROG} next: nothing to release: the {plural(rng.total, 'commit')} since "
            f"{since} hold no feature, fix, performance change, revert or breaking change"
        )
    elif plan.version is None:
        lines.append(f"{PROG} next: nothing to release: no commits since {since}")
    elif plan.base is None:
        lines.append(
            f"{PROG} next: {plan.version} (the first release: policy key initial-version"
            f"{', pre-release ' + repr(plan.pre) if plan.pre else ''})"
        )
    else:
        drivers = rng.drivers or rng.invalid
        why = _quote(drivers[0]) + (f" and {len(drivers) - 1} more" if len(drivers) > 1 else "")
        note = ""
        if rng.level == MAJOR and plan.level == MINOR:
            note = " (a breaking change while the major version is 0: policy zero-major-breaking)"
        elif not rng.drivers:
            note = " (each commit that is not Conventional counts as a fix: --non-conventional)"
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

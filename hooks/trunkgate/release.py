"""Releases from Conventional Commits: `trunkgate release next`, `notes [VERSION]`, `cut VERSION`.

`next` prints the next version (without the tag prefix) on stdout, and why on stderr: the
commits since the last release tag that is in the history of HEAD (merge commits are not
read themselves; the commits they merge are). `feat` bumps the minor version; `fix`, `perf`
and `revert` the patch; a `!` or a `BREAKING CHANGE` footer the major (the minor while the
major is 0, unless the policy's `zero-major-breaking` says major). A `Revert "..."` commit
cancels the commit it reverts when both are in the range. With nothing to release stdout
stays empty. `--pre rc` gives 1.3.0-rc.1, then rc.2 when that tag exists.

`notes` prints Markdown release notes: the changelog's section for the version when it has
one, else the commits (grouped: breaking changes, features, fixes, performance, reverts).

`cut` moves the changelog's Unreleased entries under `## [VERSION] - DATE`, updates the
compare links, and with `--bump` the version file and the `reference-files`. Every file is
prepared before any is replaced; on any error none is written; `--dry-run` shows the diff.

Exit codes: 0 done (or nothing to release), 2 bad input (nothing written).
"""

from __future__ import annotations

import os
import sys

from trunkgate import config, conventional, git, report, versions

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Callable, Sequence

    from trunkgate import keepachangelog as kac

PROG = "trunkgate release"
MAJOR, MINOR, PATCH = "major", "minor", "patch"
RANK = {None: 0, PATCH: 1, MINOR: 2, MAJOR: 3}
MINOR_TYPES = ("feat",)
PATCH_TYPES = ("fix", "perf", "revert")
SHORT = 7  # characters of a short commit name

# Release notes: (key, heading), in order. Breaking changes come first, whatever their type.
NOTE_GROUPS = (
    ("breaking", "Breaking changes"),
    ("feat", "Features"),
    ("fix", "Fixes"),
    ("perf", "Performance"),
    ("revert", "Reverts"),
)
# Changelog groups for `cut --from-commits`; breaking commits of other types go to Changed.
ENTRY_GROUPS = {
    "feat": "Added",
    "fix": "Fixed",
    "perf": "Changed",
    "refactor": "Changed",
    "revert": "Changed",
}
KAC_ORDER = ("Added", "Changed", "Deprecated", "Removed", "Fixed", "Security")


def plural(n: int, word: str, words: str | None = None) -> str:
    return f"{n} {word if n == 1 else words or word + 's'}"


def say(message: str) -> None:
    """A line for the reader on stderr (stdout is kept for what scripts consume)."""
    print(message, file=sys.stderr)


# --------------------------------------------------------------------------- commits


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


class Change:
    """One commit as a release sees it: its parsed message, what it bumps, its pull request."""

    __slots__ = ("description", "level", "msg", "pr", "reverts", "sha")

    def __init__(self, sha: str, message: str) -> None:
        self.sha = sha
        self.msg = conventional.parse(message.strip("\n"))
        msg = self.msg
        text = msg.description if msg.kind == conventional.CONVENTIONAL else msg.header
        self.description, self.pr = _pr_suffix(text or "")
        self.reverts = _reverted_sha(message) if msg.kind == conventional.REVERT else None
        self.level = level_of(msg)

    @property
    def short(self) -> str:
        return self.sha[:SHORT]

    @property
    def type(self) -> str | None:
        if self.msg.kind == conventional.REVERT:
            return "revert"
        return self.msg.type

    @property
    def breaking_text(self) -> str | None:
        """What breaks, from the BREAKING CHANGE footer (None when only `!` says so)."""
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

    __slots__ = ("cancelled", "changes", "counted", "fixups", "invalid", "merges", "total")

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


# --------------------------------------------------------------------------- versions


def bump(version: str, level: str, zero_major: str = "minor") -> str:
    """The version after a bump; a breaking change bumps the minor while major is 0 (policy)."""
    major, minor, patch, _ = versions.parse_semver(version)
    if level == MAJOR and major == 0 and zero_major == "minor":
        level = MINOR
    if level == MAJOR:
        return f"{major + 1}.0.0"
    if level == MINOR:
        return f"{major}.{minor + 1}.0"
    return f"{major}.{minor}.{patch + 1}"


def effective_level(version: str, level: str, zero_major: str = "minor") -> str:
    """The part of the version a bump moves: major, minor or patch."""
    if level == MAJOR and versions.parse_semver(version)[0] == 0 and zero_major == "minor":
        return MINOR
    return level


def bump_between(old: str, new: str) -> str | None:
    """Which part moved from `old` to `new` (release cores compared), None if none went up."""
    a = versions.parse_semver(old)[:3]
    b = versions.parse_semver(new)[:3]
    if b[0] > a[0]:
        return MAJOR
    if b[0] == a[0] and b[1] > a[1]:
        return MINOR
    if b[:2] == a[:2] and b[2] > a[2]:
        return PATCH
    return None


def check_pre_name(name: str) -> str:
    """A pre-release name such as rc, beta, alpha: letters, digits and '-', not only digits."""
    ok = bool(name) and all(c.isascii() and (c.isalnum() or c == "-") for c in name)
    if not ok or name.isdigit():
        raise report.UsageError(
            f'--pre: expected a pre-release name such as "rc" or "beta" '
            f"(letters, digits, '-'), got {name!r}"
        )
    return name


def pre_release(core: str, name: str, existing: Sequence[str]) -> str:
    """core-name.N, N one above the highest existing core-name.N (1 for the first)."""
    head = f"{core}-{name}."
    numbers = [
        int(v[len(head) :]) for v in existing if v.startswith(head) and v[len(head) :].isdigit()
    ]
    return f"{head}{max(numbers, default=0) + 1}"


def is_pre(version: str) -> bool:
    return "-" in version.split("+", 1)[0]


def semver_key(version: str) -> tuple:
    return versions.sort_key(version, "semver")


# --------------------------------------------------------------------------- tags


def warn(message: str) -> None:
    say(f"{PROG}: warning: {message}")


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
        found.sort(key=lambda pair: semver_key(pair[0]), reverse=True)
        return found

    def merged(self, ref: str = "HEAD") -> list[tuple[str, str]]:
        """(version, tag) of the release tags in the history of `ref`, newest first."""
        return self._versions(git.tags_merged(ref, f"{self.prefix}*"))

    def all(self) -> list[tuple[str, str]]:
        """(version, tag) of every release tag, newest first."""
        return self._versions(git.tags(f"{self.prefix}*"))

    def last_final(self, ref: str = "HEAD") -> tuple[str, str] | None:
        """The newest release (not a pre-release) in the history of `ref`."""
        return next(((v, t) for v, t in self.merged(ref) if not is_pre(v)), None)


def require_semver(policy: config.Policy) -> None:
    if policy.version_scheme != "semver":
        raise report.UsageError(
            f"version-scheme: release versions are computed in semver, the policy says "
            f'{policy.version_scheme!r}; expected version-scheme = "semver"'
        )


def initial_version(policy: config.Policy) -> str:
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


# --------------------------------------------------------------------------- next


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


def plan_next(policy: config.Policy, tags: Tags, pre: str | None = None, ref: str = "HEAD") -> Plan:
    """The next version from the commits since the last release tag in the history of `ref`."""
    require_semver(policy)
    plan = Plan()
    plan.pre = check_pre_name(pre) if pre is not None else None
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
        plan.level = effective_level(plan.base, level, policy.zero_major_breaking)
        core = bump(plan.base, level, policy.zero_major_breaking)
    if plan.pre is not None:
        core = versions.parse_semver(core)
        core_text = f"{core[0]}.{core[1]}.{core[2]}"
        plan.version = pre_release(core_text, plan.pre, [v for v, _ in tags.all()])
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


# --------------------------------------------------------------------------- notes


def _item(change: Change, scope: bool = True) -> str:
    head = f"**{change.msg.scope}:** " if scope and change.msg.scope else ""
    refs = ", ".join([*([f"#{change.pr}"] if change.pr else []), change.short])
    return f"{head}{change.description} ({refs})"


def _note_group(change: Change) -> str | None:
    if change.msg.breaking:
        return "breaking"
    kind = change.type
    return kind if kind in ("feat", "fix", "perf", "revert") else None


def _continuation(text: str) -> list[str]:
    return [f"  {line}" if line.strip() else "" for line in text.splitlines()]


def render_notes(changes: Sequence[Change]) -> str:
    """Markdown release notes from commits (oldest first), grouped by kind of change."""
    groups: dict[str, list[str]] = {key: [] for key, _ in NOTE_GROUPS}
    for change in changes:
        key = _note_group(change)
        if key is None:
            continue
        lines = [f"- {_item(change)}"]
        detail = change.breaking_text if key == "breaking" else None
        if detail:
            lines += _continuation(detail)
        groups[key].append("\n".join(lines))
    out = []
    for key, heading in NOTE_GROUPS:
        if groups[key]:
            out += [f"### {heading}", "", *groups[key], ""]
    return "\n".join(out).rstrip("\n") + "\n" if out else ""


def section_text(text: str, section: kac.Section) -> str:
    """The body of a changelog section as written (its heading left out)."""
    lines = _split_lines(text)[0][section.line : section.end]
    while lines and not lines[0].strip():
        lines.pop(0)
    while lines and not lines[-1].strip():
        lines.pop()
    return "\n".join(lines) + "\n" if lines else ""


# --------------------------------------------------------------------------- changelog cut


def entry_text(change: Change) -> str:
    """A changelog entry for a commit: `**Breaking:** **scope:** what (#12)`."""
    parts = []
    if change.msg.breaking:
        parts.append("**Breaking:**")
    if change.msg.scope:
        parts.append(f"**{change.msg.scope}:**")
    parts.append(change.description + (f" (#{change.pr})" if change.pr else ""))
    text = " ".join(parts)
    detail = change.breaking_text if change.msg.breaking else None
    if detail:
        text += "\n" + "\n".join(_continuation(detail))
    return text


def entries_from(changes: Sequence[Change]) -> list[tuple[str, str]]:
    """(group, entry text) for the commits a changelog records, oldest first."""
    out = []
    for change in changes:
        group = ENTRY_GROUPS.get(change.type or "")
        if group is None and change.msg.breaking:
            group = "Changed"
        if group is not None:
            out.append((group, entry_text(change)))
    return out


def _split_lines(text: str) -> tuple[list[str], str]:
    newline = "\r\n" if "\r\n" in text else "\n"
    return text.replace("\r\n", "\n").split("\n"), newline


def _key(text: str) -> str:
    return " ".join(text.split())


def _compare_base(url: str) -> tuple[str, str, str] | None:
    """("https://host/o/r/compare/", from, to) for a compare URL, else None."""
    at = url.find("/compare/")
    if at < 0:
        return None
    base, rest = url[: at + len("/compare/")], url[at + len("/compare/") :]
    start, sep, end = rest.partition("...")
    return (base, start, end) if sep and start and end else None


class LinkPlan:
    """How the compare links of a cut are written: a base URL and what Unreleased compares to."""

    __slots__ = ("base", "head", "start")

    def __init__(self, base: str, head: str = "HEAD", start: str | None = None) -> None:
        self.base = base
        self.head = head
        self.start = start

    def unreleased(self, tag: str) -> str:
        return f"{self.base}{tag}...{self.head}"

    def version(self, start: str | None, tag: str) -> str | None:
        start = start or self.start
        if start:
            return f"{self.base}{start}...{tag}"
        if self.base.endswith("/compare/"):
            return f"{self.base[: -len('compare/')]}releases/tag/{tag}"
        return None  # pragma: no cover - every base ends in /compare/


def link_plan(doc: kac.Changelog, repository: str, server: str) -> LinkPlan | None:
    """The compare-link pattern of a changelog, from its links (Unreleased first), else the
    repository's GitHub URL, else None."""
    unreleased = doc.link("unreleased")
    if unreleased is not None:
        parts = _compare_base(unreleased.url)
        if parts:
            return LinkPlan(parts[0], parts[2], parts[1])
    candidates = [lk.url for lk in doc.links] + [s.url for s in doc.sections if s.url]
    for url in candidates:
        parts = _compare_base(url)
        if parts:
            return LinkPlan(parts[0])
    if repository:
        return LinkPlan(f"{server.rstrip('/')}/{repository}/compare/")
    return None


class Cut:
    """A changelog cut, computed: the new text and what was done, for the reader."""

    __slots__ = ("added", "links", "moved", "text")

    def __init__(self, text: str, moved: int, added: int, links: str) -> None:
        self.text = text
        self.moved = moved
        self.added = added
        self.links = links


def cut_changelog(
    text: str,
    version: str,
    date: str,
    *,
    file: str = "CHANGELOG.md",
    entries: Sequence[tuple[str, str]] = (),
    tag_prefix: str = "v",
    scheme: str = "semver",
    links: LinkPlan | None = None,
) -> Cut:
    """Move the Unreleased entries (plus `entries`) under `## [version] - date`.

    Everything else in the file stays as written. Raises UsageError (naming the file) when
    there is no Unreleased section, nothing to release, or the version is not above the
    newest release.
    """
    from trunkgate import keepachangelog as kac

    doc = kac.parse(text)
    unreleased = doc.unreleased
    if unreleased is None:
        raise report.UsageError(
            f"{file}: no ## [Unreleased] section; expected one holding the entries to release"
        )
    existing = doc.section(version)
    if existing is not None:
        raise report.UsageError(
            f"{file}:{existing.line}: already has a section for {version}; expected a new version"
        )
    labels = [s.label for s in doc.releases if versions.is_valid(s.label, scheme)]
    previous = max(labels, key=lambda v: versions.sort_key(v, scheme), default=None)
    if previous is not None and versions.sort_key(version, scheme) <= versions.sort_key(
        previous, scheme
    ):
        raise report.UsageError(
            f"{file}: {version} is not above the newest release in the changelog, {previous}; "
            "expected a higher version"
        )
    lines, newline = _split_lines(text)
    have = {_key(e.text) for _, e in unreleased.entries}
    new = []
    for group_name, entry in entries:
        if _key(entry) not in have:
            have.add(_key(entry))
            new.append((group_name, entry))
    if not unreleased.entries and not new:
        raise report.UsageError(
            f"{file}:{unreleased.line}: ## [Unreleased] has no entries, nothing to release; "
            "expected entries (or --from-commits to write them from the commits)"
        )
    # Insertions, by 0-based line index: the lines go in before lines[index].
    inserts: dict[int, list[str]] = {}

    def insert(at: int, block: list[str]) -> None:
        inserts.setdefault(at, []).extend(block)

    fresh: dict[str, list[str]] = {}
    for group_name, entry in new:
        group = unreleased.group(group_name)
        if group is not None:
            block = [f"- {entry}"]
            if not group.entries:
                block.insert(0, "")
            insert(group.end, block)
        else:
            fresh.setdefault(group_name, []).append(f"- {entry}")

    def rank(name: str) -> int:
        return KAC_ORDER.index(name) if name in KAC_ORDER else len(KAC_ORDER)

    for group_name in sorted(fresh, key=rank):
        block = [f"### {group_name}", "", *fresh[group_name]]
        later = next((g for g in unreleased.groups if rank(g.name) > rank(group_name)), None)
        if later is not None:  # before the first group that comes after it
            insert(later.line - 1, [*block, ""])
        else:
            insert(unreleased.end, ["", *block])
    # The new heading right below Unreleased: what was Unreleased's is now the version's.
    newest = doc.releases[0] if doc.releases else None
    tag = f"{tag_prefix}{version}"
    start = f"{tag_prefix}{previous}" if previous else None
    inline = newest is not None and newest.url is not None and doc.link(newest.label) is None
    heading = f"## [{version}] - {date}"
    if inline and links is not None:
        url = links.version(start, tag)
        heading = f"## [{version}]({url}) - {date}"
    inserts.setdefault(unreleased.line, [])[:0] = ["", heading]
    said = "no compare links (none to follow; set the policy key repository)"
    if links is not None:
        said = _relink(doc, lines, inserts, links, version, tag, start, inline)
    out: list[str] = []
    for index, line in enumerate(lines):
        out.extend(inserts.get(index, ()))
        out.append(line)
    out.extend(inserts.get(len(lines), ()))
    moved = len(unreleased.entries)
    return Cut(newline.join(out), moved, len(new), said)


def _relink(
    doc: kac.Changelog,
    lines: list[str],
    inserts: dict[int, list[str]],
    links: LinkPlan,
    version: str,
    tag: str,
    start: str | None,
    inline: bool,
) -> str:
    """Rewrite [unreleased] and add [version] among the link references (in `lines`)."""
    unreleased = doc.link("unreleased")
    label = unreleased.label if unreleased is not None else "unreleased"
    new_lines = [f"[{label}]: {links.unreleased(tag)}"]
    version_url = None if inline else links.version(start, tag)
    if version_url is not None:
        old = doc.link(version)
        if old is not None:
            lines[old.line - 1] = f"[{old.label}]: {version_url}"
        else:
            new_lines.append(f"[{version}]: {version_url}")
    if unreleased is not None:
        lines[unreleased.line - 1] = new_lines[0]
        if len(new_lines) > 1:
            inserts.setdefault(unreleased.line, []).extend(new_lines[1:])
    elif doc.links:
        inserts.setdefault(doc.links[0].line - 1, [])[:0] = new_lines
    elif lines[-1] == "":  # the file ends with a newline: the links go before it
        inserts.setdefault(len(lines) - 1, []).extend(["", *new_lines])
    else:
        inserts.setdefault(len(lines), []).extend(["", *new_lines])
    return "compare links: " + ", ".join(f"[{line[1:].split(']', 1)[0]}]" for line in new_lines)


# --------------------------------------------------------------------------- version file


def _toml_version(text: str, path: str) -> tuple[int, str, str, str]:
    """(line index, before, old version, after) of `version = "X"` in [project] (or
    [tool.poetry]) of a TOML file."""
    import re

    assign = re.compile(r"""^(\s*version\s*=\s*)(["'])([^"'\n]*)\2(.*)$""")
    table = None
    dynamic = False
    lines = text.split("\n")
    for index, line in enumerate(lines):
        stripped = line.strip()
        if stripped.startswith("[") and not stripped.startswith("[["):
            table = stripped.split("#", 1)[0].strip()
            continue
        if table not in ("[project]", "[tool.poetry]"):
            continue
        m = assign.match(line)
        if m:
            return index, m[1] + m[2], m[3], m[2] + m[4]
        if stripped.startswith("dynamic") and "version" in stripped:
            dynamic = True
    if dynamic:
        raise report.UsageError(
            f"{path}: [project] version is dynamic; expected the policy key version-file to "
            "name the file that holds it (e.g. src/pkg/__init__.py)"
        )
    raise report.UsageError(f'{path}: no version = "X" in [project]; expected one to bump')


def _py_version(text: str, path: str) -> tuple[int, str, str, str]:
    import re

    assign = re.compile(r"""^(\s*__version__\s*(?::\s*str\s*)?=\s*)(["'])([^"'\n]*)\2(.*)$""")
    for index, line in enumerate(text.split("\n")):
        m = assign.match(line)
        if m:
            return index, m[1] + m[2], m[3], m[2] + m[4]
    raise report.UsageError(f'{path}: no __version__ = "X" line; expected one to bump')


def _find_version(text: str, path: str) -> tuple[int, str, str, str]:
    if path.endswith(".toml"):
        return _toml_version(text, path)
    if path.endswith(".py"):
        return _py_version(text, path)
    lines = text.split("\n")
    index = next((i for i, line in enumerate(lines) if line.strip()), None)
    if index is None or any(line.strip() for line in lines[index + 1 :]):
        raise report.UsageError(f"{path}: expected a file holding only the version")
    line = lines[index]
    lead = line[: len(line) - len(line.lstrip())]
    return index, lead, line.strip(), line[len(line.rstrip()) :]


def read_version(text: str, path: str) -> str:
    """The version a version file holds."""
    return _find_version(text.replace("\r\n", "\n"), path)[2]


def set_version(text: str, path: str, version: str, scheme: str = "semver") -> tuple[str, str]:
    """(old version, new text) with the version file's version replaced."""
    lines, newline = _split_lines(text)
    index, before, old, after = _find_version("\n".join(lines), path)
    if (
        old != version
        and versions.is_valid(old, scheme)
        and versions.sort_key(old, scheme) > versions.sort_key(version, scheme)
    ):
        raise report.UsageError(
            f"{path}: holds version {old}, above {version}; expected a lower version to bump"
        )
    lines[index] = f"{before}{version}{after}"
    return old, newline.join(lines)


# --------------------------------------------------------------------------- references


def repository_of(policy: config.Policy, environ: dict[str, str] | None = None) -> str:
    """owner/name: the policy's, else GITHUB_REPOSITORY, else the origin remote's, else ""."""
    env = os.environ if environ is None else environ
    if policy.repository:
        return str(policy.repository)
    if env.get("GITHUB_REPOSITORY"):
        return env["GITHUB_REPOSITORY"]
    return repository_from_url(git.config_get("remote.origin.url") or "")


def repository_from_url(url: str) -> str:
    """owner/name from a remote URL (https://host/o/r.git, git@host:o/r.git), else ""."""
    url = url.strip()
    if "://" in url:
        path = url.split("://", 1)[1].partition("/")[2]
    elif ":" in url and "@" in url.split(":", 1)[0]:
        path = url.split(":", 1)[1]
    else:
        return ""  # a local path
    parts = path.strip("/").removesuffix(".git").split("/")
    return f"{parts[-2]}/{parts[-1]}" if len(parts) >= 2 and all(parts[-2:]) else ""


def rewrite_references(text: str, repository: str, prefix: str, tag: str) -> tuple[int, str]:
    """(count, text) with `<repository>[/path]@<prefix>X.Y.Z` rewritten to `...@<tag>`."""
    import re

    pattern = re.compile(
        rf"(?<![\w./-])({re.escape(repository)}(?:/[\w./-]*)?)@{re.escape(prefix)}"
        r"(\d+\.\d+\.\d+(?:-[0-9A-Za-z-]+(?:\.[0-9A-Za-z-]+)*)?)(?![\w+-])(?!\.\w)",
        re.IGNORECASE,
    )
    count = 0

    def swap(m: re.Match[str]) -> str:
        nonlocal count
        new = f"{m[1]}@{tag}"
        count += new != m[0]
        return new

    text = pattern.sub(swap, text)
    return count, text


def reference_paths(policy: config.Policy) -> list[str]:
    """The files the policy's reference-files patterns name, relative to the project root."""
    import glob

    found: list[str] = []
    for pattern in policy.reference_files:
        matches = sorted(glob.glob(pattern, root_dir=policy.root, recursive=True))
        matches = [m for m in matches if os.path.isfile(policy.path(m))]
        if not matches:
            warn(f"reference-files pattern {pattern!r} matches no file")
        found += [m for m in matches if m not in found]
    return found


# --------------------------------------------------------------------------- files


def read_text(path: str, shown: str) -> str:
    """A text file's contents; missing, unreadable or non-UTF-8 is a UsageError naming it."""
    try:
        with open(path, "rb") as fh:
            data = fh.read()
    except FileNotFoundError:
        raise report.UsageError(f"{shown}: no such file") from None
    except OSError as exc:
        raise report.UsageError(f"{shown}: cannot read the file ({exc.strerror})") from None
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise report.UsageError(
            f"{shown}: not UTF-8 text (byte 0x{data[exc.start]:02x} at offset {exc.start})"
        ) from None


def write_all(files: Sequence[tuple[str, str, str]]) -> None:
    """Replace several files (path, shown, text) all or none: every new version is written to
    a temporary file beside its target first, then each is renamed over its target."""
    staged: list[tuple[str, str]] = []
    try:
        for path, shown, text in files:
            folder, name = os.path.split(os.path.abspath(path))
            tmp = os.path.join(folder, f".{name}.{os.getpid()}.trunkgate-tmp")
            try:
                with open(tmp, "xb") as fh:
                    staged.append((tmp, path))
                    fh.write(text.encode("utf-8"))
                os.chmod(tmp, os.stat(path).st_mode & 0o7777)
            except OSError as exc:
                raise report.UsageError(
                    f"{shown}: cannot write the file ({exc.strerror}); nothing was changed"
                ) from None
    except report.UsageError:
        for tmp, _ in staged:
            os.unlink(tmp)
        raise
    for tmp, path in staged:
        os.replace(tmp, path)


def unified_diff(shown: str, old: str, new: str) -> str:
    import difflib

    return "".join(
        difflib.unified_diff(
            old.splitlines(keepends=True),
            new.splitlines(keepends=True),
            fromfile=f"a/{shown}",
            tofile=f"b/{shown}",
        )
    )


# --------------------------------------------------------------------------- github outputs


def write_outputs(pairs: dict[str, str]) -> None:
    """Step outputs; a multi-line value uses the heredoc form with a random delimiter."""
    path = os.environ.get("GITHUB_OUTPUT")
    if not path:
        return
    import secrets

    chunks = []
    for key, value in pairs.items():
        if "\n" in value:
            delimiter = f"ghadelimiter_{secrets.token_hex(16)}"
            while delimiter in value:  # pragma: no cover - 128 random bits
                delimiter = f"ghadelimiter_{secrets.token_hex(16)}"
            chunks.append(f"{key}<<{delimiter}\n{value}\n{delimiter}\n")
        else:
            chunks.append(f"{key}={value}\n")
    with open(path, "a", encoding="utf-8") as fh:
        fh.write("".join(chunks))


def write_summary(markdown: str) -> None:
    path = os.environ.get("GITHUB_STEP_SUMMARY")
    if path:
        with open(path, "a", encoding="utf-8") as fh:
            fh.write(markdown)


def _json(doc: dict[str, object]) -> None:
    import json

    print(json.dumps(doc, indent=2))


# --------------------------------------------------------------------------- commands


def _strip_prefix(version: str, prefix: str, scheme: str) -> str:
    if prefix and version.startswith(prefix) and versions.is_valid(version[len(prefix) :], scheme):
        return version[len(prefix) :]
    return version


def _version_arg(version: str, policy: config.Policy) -> str:
    scheme = str(policy.version_scheme)
    version = _strip_prefix(version.strip(), str(policy.tag_prefix), scheme)
    if not versions.is_valid(version, scheme):
        raise report.UsageError(f"VERSION: expected {versions.describe(scheme)}, got {version!r}")
    return version


def run_next(policy: config.Policy, opts: config.Options) -> int:
    tags = Tags(str(policy.tag_prefix))
    plan = plan_next(policy, tags, opts.pre)
    for line in explain(plan, tags.prefix):
        say(line)
    if opts.format == "json":
        rng = plan.range
        _json(
            {
                "version": plan.version,
                "tag": plan.tag,
                "previous": plan.base,
                "previous_tag": plan.base_tag,
                "bump": plan.level,
                "commits": [
                    {"sha": c.sha, "subject": c.msg.header, "bump": c.level}
                    for c in (rng.changes if rng else [])
                ],
            }
        )
        return report.PASS
    if plan.version is not None:
        print(plan.version)
    if opts.format == "github":
        write_outputs(
            {
                "version": plan.version or "",
                "tag": plan.tag or "",
                "previous": plan.base or "",
                "bump": plan.level or "",
            }
        )
    return report.PASS


def _changelog(policy: config.Policy) -> tuple[str, str]:
    path = policy.path(str(policy.changelog_file))
    return path, os.path.relpath(path)


def run_notes(policy: config.Policy, opts: config.Options) -> int:
    from trunkgate import keepachangelog as kac

    prefix = str(policy.tag_prefix)
    tags = Tags(prefix)
    version = _version_arg(opts.version, policy) if opts.version else None
    path, shown = _changelog(policy)
    doc = text = None
    if os.path.isfile(path):
        text = read_text(path, shown)
        doc = kac.parse(text)
    section = None
    if doc is not None:
        section = doc.section(version) if version else doc.unreleased
        if section is not None and not section.entries and not section.summary:
            section = None
    if version is None:
        version = plan_next(policy, tags, opts.pre).version
    notes: str
    if section is not None and text is not None:
        notes = section_text(text, section)
        say(f"{PROG} notes: from {shown}, section [{section.label}]")
    else:
        start, end = _notes_range(tags, version)
        rng = Range(commits_since(start, end) if git.has_commits() else [])
        notes = render_notes(rng.changes)
        since = f"since {start}" if start else "from the first commit"
        say(f"{PROG} notes: from the commits {since} to {end} ({plural(rng.total, 'commit')})")
    if not notes:
        say(f"{PROG} notes: no notable changes to list")
    tag = f"{prefix}{version}" if version else ""
    if opts.format == "json":
        _json({"version": version, "tag": tag or None, "notes": notes})
        return report.PASS
    sys.stdout.write(notes)
    if opts.format == "github":
        write_outputs({"version": version or "", "tag": tag, "notes": notes})
        title = f"## {tag}\n\n" if tag else ""
        write_summary(f"{title}{notes or '_No notable changes._'}\n")
    return report.PASS


def _notes_range(tags: Tags, version: str | None) -> tuple[str | None, str]:
    """(start tag or None, end ref) of the commits a version's notes come from: from the
    release before the version's tag to the tag, or, untagged, from the last release to HEAD."""
    prefix = tags.prefix
    end = f"{prefix}{version}"
    if version is None or git.rev_parse(f"refs/tags/{end}") is None:
        last = tags.last_final("HEAD")
        return (last[1] if last else None), "HEAD"
    key = semver_key(version)
    for older, tag in tags.merged(end):
        if tag != end and semver_key(older) < key and (is_pre(version) or not is_pre(older)):
            return tag, end
    return None, end


def _cut_date(date: str | None) -> str:
    if date is None:
        import datetime

        return datetime.date.today().isoformat()
    from trunkgate import keepachangelog as kac

    if not kac.is_date(date):
        raise report.UsageError(f"--date: expected a date YYYY-MM-DD, got {date!r}")
    return date


def _check_cut_state(version: str, tags: Tags, scheme: str, dry_run: bool) -> None:
    """A clean worktree, and a version that is new and above every release in the history."""
    git.require_repo()
    if not git.has_commits():
        raise report.UsageError("the repository has no commits yet; expected one to release")
    dirty = git.dirty_files()
    if dirty and not dry_run:
        listed = ", ".join(dirty[:3]) + (f" and {len(dirty) - 3} more" if len(dirty) > 3 else "")
        raise report.UsageError(
            f"the worktree has uncommitted changes ({listed}); expected a clean worktree to cut "
            "a release from (commit or stash them; --dry-run works anyway)"
        )
    tag = f"{tags.prefix}{version}"
    if git.rev_parse(f"refs/tags/{tag}") is not None:
        raise report.UsageError(f"tag {tag} already exists; expected a version not yet released")
    if scheme == "semver":
        newer = [t for v, t in tags.merged("HEAD") if semver_key(v) >= semver_key(version)]
        if newer:
            raise report.UsageError(
                f"{version} is not above {newer[0]}, already released in the history of HEAD; "
                "expected a higher version"
            )


class Edit:
    """One file a cut changes: where, as shown, its text before and after."""

    __slots__ = ("new", "old", "path", "shown")

    def __init__(self, path: str, shown: str, old: str, new: str) -> None:
        self.path = path
        self.shown = shown
        self.old = old
        self.new = new


def _edit_for(edits: list[Edit], path: str, shown: str) -> Edit:
    """The edit of a file (a new one, with its text read, if the cut has not touched it)."""
    for edit in edits:
        if os.path.abspath(edit.path) == os.path.abspath(path):
            return edit
    text = read_text(path, shown)
    edit = Edit(path, shown, text, text)
    edits.append(edit)
    return edit


def prepare_cut(policy: config.Policy, opts: config.Options) -> tuple[list[Edit], list[str]]:
    """Every file a cut changes, computed in memory, and a line for each change."""
    from trunkgate import keepachangelog as kac

    scheme = str(policy.version_scheme)
    version = _version_arg(opts.version, policy)
    date = _cut_date(opts.date)
    tags = Tags(str(policy.tag_prefix))
    _check_cut_state(version, tags, scheme, opts.dry_run)
    tag = f"{tags.prefix}{version}"
    path, shown = _changelog(policy)
    text = read_text(path, shown)
    entries: list[tuple[str, str]] = []
    if opts.from_commits:
        require_semver(policy)
        last = tags.last_final("HEAD")
        rng = Range(commits_since(last[1] if last else None))
        entries = entries_from(rng.changes)
        since = f"since {last[1]}" if last else "in the history"
        say(
            f"{PROG} cut: {plural(len(entries), 'entry', 'entries')} from the "
            f"{plural(rng.total, 'commit')} {since}"
        )
    repository = repository_of(policy)
    server = os.environ.get("GITHUB_SERVER_URL") or "https://github.com"
    cut = cut_changelog(
        text,
        version,
        date,
        file=shown,
        entries=entries,
        tag_prefix=tags.prefix,
        scheme=scheme,
        links=link_plan(kac.parse(text), repository, server),
    )
    edits = [Edit(path, shown, text, cut.text)]
    added = f", {cut.added} from the commits" if cut.added else ""
    said = [
        f"  {shown}: [Unreleased] -> [{version}] - {date} "
        f"({cut.moved + cut.added} entries{added}); {cut.links}"
    ]
    if opts.bump and not policy.version_file:
        said.append("  --bump: no version file to bump (the policy key version-file is empty)")
    elif opts.bump:
        vpath = policy.path(str(policy.version_file))
        edit = _edit_for(edits, vpath, os.path.relpath(vpath))
        old, edit.new = set_version(edit.new, edit.shown, version, scheme)
        said.append(f"  {edit.shown}: version {old} -> {version}")
    ref_paths = reference_paths(policy)
    if ref_paths and not repository:
        raise report.UsageError(
            "reference-files: cannot tell this repository's owner/name; expected the policy "
            "key repository, GITHUB_REPOSITORY or an origin remote on a known host"
        )
    for rel in ref_paths:
        rpath = policy.path(rel)
        edit = _edit_for(edits, rpath, os.path.relpath(rpath))
        count, edit.new = rewrite_references(edit.new, repository, tags.prefix, tag)
        if count:
            said.append(f"  {edit.shown}: {count} reference{'s' * (count != 1)} -> @{tag}")
    return [e for e in edits if e.new != e.old], said


def run_cut(policy: config.Policy, opts: config.Options) -> int:
    edits, said = prepare_cut(policy, opts)
    if opts.dry_run:
        for edit in edits:
            sys.stdout.write(unified_diff(edit.shown, edit.old, edit.new))
        say(f"{PROG} cut: dry run, nothing written; it would change:")
    else:
        write_all([(e.path, e.shown, e.new) for e in edits])
        say(f"{PROG} cut: done:")
    for line in said:
        say(line)
    return report.PASS


# --------------------------------------------------------------------------- entry point

NEXT_ARGS = (
    config.Arg(
        "--pre",
        "a pre-release: 1.3.0-NAME.1, then .2 when that tag exists (NAME: rc, beta, ...)",
        metavar="NAME",
    ),
)
NOTES_ARGS = (
    config.Arg(
        "version",
        "the version (default: the next one); its changelog section, else its commits",
        kind="pos?",
        metavar="VERSION",
    ),
    config.Arg(
        "--pre",
        "without VERSION: the notes of the next pre-release NAME (the version output)",
        metavar="NAME",
    ),
)
CUT_ARGS = (
    config.Arg("version", "the version to release", kind="pos", metavar="VERSION"),
    config.Arg("--date", "the release date (default: today)", metavar="YYYY-MM-DD"),
    config.Arg(
        "--from-commits",
        "add entries for the commits since the last release to Unreleased first",
        kind="flag",
    ),
    config.Arg(
        "--bump",
        "also set the version in the policy's version-file",
        kind="flag",
    ),
    config.Arg("--dry-run", "show the changes as a unified diff; write nothing", kind="flag"),
)
SUBCOMMANDS: dict[str, tuple[tuple[config.Arg, ...], str, str, Callable]] = {
    "next": (
        NEXT_ARGS,
        "Print the next version (without the tag prefix) from the Conventional Commits since "
        "the last release tag; the reasoning goes to stderr. Nothing to release: no output.",
        "trunkgate release next --pre rc",
        run_next,
    ),
    "notes": (
        NOTES_ARGS,
        "Print Markdown release notes for a version: its changelog section when it has one, "
        "else its commits grouped by kind. --format github also sets the step outputs "
        "version, tag and notes and writes the step summary.",
        "trunkgate release notes 1.3.0",
        run_notes,
    ),
    "cut": (
        CUT_ARGS,
        "Move the changelog's Unreleased entries under ## [VERSION] - DATE and update the "
        "compare links, and the references in the policy's reference-files; with --bump "
        "also the version in its version-file.",
        "trunkgate release cut 1.3.0 --bump --dry-run",
        run_cut,
    ),
}


def usage() -> str:
    return "\n".join(
        [
            "usage: trunkgate release {next,notes,cut} [options]",
            "",
            "  next           the next version from the commits since the last release tag",
            "  notes [VER]    Markdown release notes (changelog section, else the commits)",
            "  cut VERSION    move the Unreleased entries into a release section",
            "",
            "trunkgate release <command> --help for its options",
            "",
            "example:",
            "  trunkgate release next && trunkgate release cut 1.3.0 --bump --dry-run",
            "",
            "exit codes: 0 done (or nothing to release), 2 usage or input error",
        ]
    )


@report.entrypoint(PROG)
def main(argv: Sequence[str] | None = None) -> int:
    """`trunkgate release next|notes|cut`."""
    args = list(sys.argv[1:] if argv is None else argv)
    if not args or args[0] in ("-h", "--help"):
        print(usage(), file=sys.stdout if args else sys.stderr)
        return report.PASS if args else report.USAGE
    name, rest = args[0], args[1:]
    if name not in SUBCOMMANDS:
        import difflib

        close = difflib.get_close_matches(name, list(SUBCOMMANDS), n=1)
        hint = f' (did you mean "{close[0]}"?)' if close else ""
        raise report.UsageError(f'unknown command "{name}"{hint}; expected next, notes or cut')
    args_of, description, example, run = SUBCOMMANDS[name]
    opts, policy = config.parse_args("release", rest, args_of, description, example)
    code: int = run(policy, opts)
    return code


if __name__ == "__main__":
    raise SystemExit(main())

"""The changelog cut: `cut_changelog` moves the Unreleased entries under `## [VERSION] - DATE`
and rewrites the compare links (`LinkPlan`, `link_plan`); `prepare_cut` computes every file a
`release cut` changes (the changelog, the version file, the reference files) as `Edit`s in
memory, after checking the worktree and the version, so that they are written all or none.
"""

from __future__ import annotations

import os

from trunkgate import flags, git, report, versions
from trunkgate.files import read_text
from trunkgate.release.classify import Range
from trunkgate.release.files import (
    changelog_path,
    reference_paths,
    repository_of,
    rewrite_references,
    split_lines,
    version_files,
)
from trunkgate.release.notes import entries_from
from trunkgate.release.output import PROG, say
from trunkgate.release.plan import (
    Tags,
    commits_unreleased,
    package_paths,
    release_tags,
    version_arg,
)
from trunkgate.report import plural

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Sequence

    from trunkgate import keepachangelog as kac
    from trunkgate.policies import ReleasePolicy

KAC_ORDER = ("Added", "Changed", "Deprecated", "Removed", "Fixed", "Security")


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
    lines, newline = split_lines(text)
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


def roll_up(text: str, version: str, scheme: str) -> tuple[str, list[str]]:
    """Before a final release, its pre-release sections (## [1.6.0-rc.2], [1.6.0-rc.1])
    moved into Unreleased (Keep a Changelog shows one section per release): their entries
    join Unreleased's, group by group (Unreleased's first, then the newest pre-release's; an
    entry written twice is kept once), the sections and their link references go. Returns
    the text and the labels rolled up (none: the text as it was)."""
    from trunkgate import keepachangelog as kac

    if not versions.is_valid(version, scheme) or not versions.is_final(version, scheme):
        return text, []
    doc = kac.parse(text)
    unreleased = doc.unreleased
    core = versions.release_core(version, scheme)
    pres = [
        s
        for s in doc.releases
        if versions.is_valid(s.label, scheme)
        and not versions.is_final(s.label, scheme)
        and versions.release_core(s.label, scheme) == core
    ]
    if unreleased is None or not pres:
        return text, []
    lines, newline = split_lines(text)
    groups: dict[str, list[str]] = {}
    seen: set[str] = set()
    for section in [unreleased, *pres]:
        for group in section.groups:
            block = groups.setdefault(group.name, [])
            for entry in group.entries:
                if _key(entry.text) not in seen:
                    seen.add(_key(entry.text))
                    block += lines[entry.line - 1 : entry.end]

    def rank(name: str) -> int:
        return KAC_ORDER.index(name) if name in KAC_ORDER else len(KAC_ORDER)

    body: list[str] = []
    for name in sorted((n for n in groups if groups[n]), key=rank):
        body += ["", f"### {name}", "", *groups[name]]
    drop: set[int] = set()  # 0-based indexes of the lines that go
    for section in pres:
        at = section.end  # the section, and the blank lines after it
        while at < len(lines) and not lines[at].strip():
            at += 1
        drop.update(range(section.line - 1, at))
        link = doc.link(section.label)
        if link is not None:
            drop.add(link.line - 1)
    first = unreleased.groups[0].line - 1 if unreleased.groups else unreleased.end
    while first > unreleased.line and not lines[first - 1].strip():
        first -= 1  # the blank lines before the first group go with it
    drop.update(range(first, unreleased.end))
    out = [line for index, line in enumerate(lines[:first]) if index not in drop]
    rest = [line for index, line in enumerate(lines[first:], first) if index not in drop]
    out += [*body, *([""] if rest and rest[0].strip() else []), *rest]
    return newline.join(out), [s.label for s in pres]


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
    if scheme == tags.scheme:
        newer = [t for v, t in tags.merged("HEAD") if tags.key(v) >= tags.key(version)]
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


def prepare_cut(policy: ReleasePolicy, opts: flags.Options) -> tuple[list[Edit], list[str]]:
    """Every file a cut changes, computed in memory, and a line for each change."""
    from trunkgate import keepachangelog as kac

    asked: str = opts.version
    asked_date: str | None = opts.date
    dry_run: bool = opts.dry_run
    from_commits: bool = opts.from_commits
    bump: bool = opts.bump
    scheme = str(policy.version_scheme)
    version = version_arg(asked, policy)
    date = _cut_date(asked_date)
    tags = release_tags(policy)
    _check_cut_state(version, tags, scheme, dry_run)
    tag = f"{tags.prefix}{version}"
    path, shown = changelog_path(policy)
    old_text = read_text(path, shown)
    text, rolled = roll_up(old_text, version, scheme)
    entries: list[tuple[str, str]] = []
    if from_commits:
        last = tags.last_final("HEAD")
        released = [t for _, t in tags.finals()]
        rng = Range(commits_unreleased(released, "HEAD", package_paths(policy)))
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
    edits = [Edit(path, shown, old_text, cut.text)]
    added = f", {cut.added} from the commits" if cut.added else ""
    said = [
        f"  {shown}: [Unreleased] -> [{version}] - {date} "
        f"({cut.moved + cut.added} entries{added}); {cut.links}"
    ]
    if rolled:
        said.append(
            f"  {shown}: the pre-release sections {', '.join(f'[{r}]' for r in rolled)} rolled "
            f"up into [{version}], their links removed"
        )
    targets = version_files(policy) if bump else []
    if bump and not targets:
        said.append(
            "  --bump: no version file to bump "
            "(the policy keys version-file and version-files are empty)"
        )
    for vf in targets:
        edit = _edit_for(edits, vf.path, vf.shown)
        old, edit.new = vf.write(edit.new, version, scheme)
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
            said.append(f"  {edit.shown}: {plural(count, 'reference')} -> @{tag}")
    return [e for e in edits if e.new != e.old], said

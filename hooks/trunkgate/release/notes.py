"""Release notes and changelog entries from commits: `render_notes` (Markdown, grouped:
breaking changes, features, fixes, performance, reverts), `section_text` (a changelog
section's body as written), `entries_from` (the entries `cut --from-commits` adds) and
`notes_range` (which commits a version's notes come from).
"""

from __future__ import annotations

from trunkgate import git, versions
from trunkgate.release.files import split_lines

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Sequence

    from trunkgate import keepachangelog as kac
    from trunkgate.release.classify import Change
    from trunkgate.release.plan import Tags

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


def _item(change: Change, scope: bool = True) -> str:
    head = f"**{change.msg.scope}:** " if scope and change.msg.scope else ""
    refs = ", ".join([*([f"#{change.pr}"] if change.pr else []), change.short])
    return f"{head}{change.description} ({refs})"


def _note_group(change: Change) -> str | None:
    if change.breaking:
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
    lines = split_lines(text)[0][section.line : section.end]
    while lines and not lines[0].strip():
        lines.pop(0)
    while lines and not lines[-1].strip():
        lines.pop()
    return "\n".join(lines) + "\n" if lines else ""


def entry_text(change: Change) -> str:
    """A changelog entry for a commit: `**Breaking:** **scope:** what (#12)`."""
    parts = []
    if change.breaking:
        parts.append("**Breaking:**")
    if change.msg.scope:
        parts.append(f"**{change.msg.scope}:**")
    parts.append(change.description + (f" (#{change.pr})" if change.pr else ""))
    text = " ".join(parts)
    detail = change.breaking_text if change.breaking else None
    if detail:
        text += "\n" + "\n".join(_continuation(detail))
    return text


def entries_from(changes: Sequence[Change]) -> list[tuple[str, str]]:
    """(group, entry text) for the commits a changelog records, oldest first."""
    out = []
    for change in changes:
        group = ENTRY_GROUPS.get(change.type or "")
        if group is None and change.breaking:
            group = "Changed"
        if group is not None:
            out.append((group, entry_text(change)))
    return out


def notes_range(tags: Tags, version: str | None) -> tuple[str | None, str]:
    """(start tag or None, end ref) of the commits a version's notes come from: from the
    release before the version's tag to the tag, or, untagged, from the last release to HEAD."""
    prefix = tags.prefix
    end = f"{prefix}{version}"
    if version is None or git.rev_parse(f"refs/tags/{end}") is None:
        last = tags.last_final("HEAD")
        return (last[1] if last else None), "HEAD"
    key = tags.key(version)
    final = versions.is_final(version, tags.scheme)
    for older, tag in tags.merged(end):
        if (
            tag != end
            and tags.key(older) < key
            and (not final or versions.is_final(older, tags.scheme))
        ):
            return tag, end
    return None, end

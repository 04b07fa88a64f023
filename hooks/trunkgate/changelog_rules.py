"""The rules of a Keep a Changelog file: its format, and what a change must do to it.

Pure functions over parsed changelogs (`trunkgate.keepachangelog`), file lists and commits
that return findings, with no I/O and no change model; `trunkgate.gates.changelog` reads the
files, asks the change model and runs them.

The format (`check_changelog`, `check_text`): an H1 title before the first section;
`## [Unreleased]` first; release headings with versions valid in the policy's scheme, real
dates, newest first, no duplicates; the groups of Keep a Changelog (plus `extra-groups`),
each once per version and never empty; entries as list items; Security entries that lead
with their advisory id and link references for the versions (warnings).

Updated (`check_updated`, `check_released`, `new_entries`): code changed, so
`## [Unreleased]` must have gained an entry; no released section may change; a breaking
commit needs a `**Breaking:**` entry.

On the changelog hook's path: import only the standard library, `trunkgate.keepachangelog`
and `trunkgate.report` at the top; heavier modules are imported where they are needed.

About 500 lines, above the redesign's 400: the two rule sets share the parsed model and the
findings, and one module keeps the hook path at one extra import. The updated rules (from
`_entry_keys` on, about 160 lines) are the seam to split at if the module grows.
"""

from __future__ import annotations

from trunkgate import keepachangelog as kac
from trunkgate import report

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Sequence

    from trunkgate.conventional import Message
    from trunkgate.policies import ChangelogPolicy
    from trunkgate.versions import SortKey


# --------------------------------------------------------------------------- the format

_ID_CHARS = frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-")


def leads_with_advisory(text: str) -> bool:
    """True when an entry starts with an advisory id: CVE-2026-1234, GHSA-xxxx-xxxx-xxxx,
    PYSEC-2026-17, ... (maybe linked, emphasised or after a `**Breaking:**` marker)."""
    text = text.lstrip()
    if text[:13].lower() == "**breaking:**":
        text = text[13:]
    text = text.lstrip("[*_`( ")
    end = 0
    while end < len(text) and text[end] in _ID_CHARS:
        end += 1
    parts = text[:end].split("-")
    if len(parts) == 4 and parts[0].upper() == "GHSA":
        return all(len(p) == 4 and p.isalnum() for p in parts[1:])
    return (
        len(parts) >= 3
        and parts[0][:1].isalpha()
        and parts[0].isalnum()
        and len(parts[1]) == 4
        and parts[1].isdigit()
        and parts[2].isalnum()
    )


def _plain_semver(version: str) -> tuple[int, ...] | None:
    """(X, Y, Z) for a plain X.Y.Z semver version (no pre-release, no build), else None."""
    parts = version.split(".")
    if len(parts) != 3:
        return None
    for part in parts:
        if not (part.isdigit() and part.isascii()) or (part[0] == "0" and len(part) > 1):
            return None
    return (int(parts[0]), int(parts[1]), int(parts[2]))


def _version_keys(labels: Sequence[str], scheme: str) -> list[SortKey | None]:
    """A sort key for each version (None where it is not valid in the scheme).

    Plain X.Y.Z semver versions are read here; anything else goes to `trunkgate.versions`
    (whose import costs a hook more than the whole check of a typical changelog).
    """
    if scheme == "semver":
        plain: list[SortKey | None] = [_plain_semver(v) for v in labels]
        if all(k is not None for k in plain):
            return plain
    from trunkgate import versions

    keys: list[SortKey | None] = []
    for label in labels:
        try:
            keys.append(versions.sort_key(label, scheme))
        except ValueError:
            keys.append(None)
    return keys


def _did_you_mean(name: str, allowed: Sequence[str]) -> str:
    low = name.lower().rstrip(":")
    for candidate in allowed:
        if candidate.lower() == low:
            return f' (did you mean "{candidate}"?)'
    return ""


_UNPLACED = {
    kac.TEXT: (
        "stray-text",
        "text that is not a list item; entries are list items starting with `- ` or `* `",
    ),
    kac.SUMMARY: (
        "stray-text",
        "a second paragraph before the first group; a version may have one short summary "
        "paragraph there",
    ),
    kac.FENCE: ("stray-text", "a code block outside an entry; indent it under its entry"),
    kac.MARKER: ("entry", "entries are list items starting with `- ` or `* `"),
    kac.UNGROUPED: (
        "ungrouped",
        "an entry outside a group; put it under `### Added`, `### Fixed`, ...",
    ),
    kac.ORPHAN_GROUP: ("stray-heading", "a group heading before the first version section"),
}


def _unplaced(item: kac.Unplaced, file: str, titled: bool) -> report.Finding:
    if item.kind == kac.HEADING:
        level = len(item.text) - len(item.text.lstrip("#"))
        if level == 1 and titled:
            message = "a second H1 heading; the file has one title, before the first section"
        elif level == 1:
            message = "an H1 heading below a version; the title comes before the first section"
        else:
            message = (
                f"a level-{level} heading has no place in a version; use `### Group` or an entry"
            )
        return report.Finding("stray-heading", message, file=file, line=item.line)
    rule, message = _UNPLACED[item.kind]
    return report.Finding(rule, message, file=file, line=item.line)


def _check_unreleased(
    section: kac.Section, index: int, first: kac.Section, file: str
) -> list[report.Finding]:
    """An [Unreleased] heading: in form, the first section, only one, with no date."""
    out = []
    at = section.line
    if section.malformed:
        out.append(
            report.Finding(
                "heading", "write the Unreleased heading as `## [Unreleased]`", file=file, line=at
            )
        )
    if section is not first:
        message = f"a second [Unreleased] section (the first is at line {first.line})"
        out.append(report.Finding("unreleased", message, file=file, line=at))
    elif index != 0:
        message = "[Unreleased] must be the first section, above every release"
        out.append(report.Finding("unreleased", message, file=file, line=at))
    if section.date or section.yanked:
        message = "the [Unreleased] section takes no date and no [YANKED]"
        out.append(report.Finding("unreleased", message, file=file, line=at))
    return out


def _malformed_release(scheme: str, file: str, line: int) -> report.Finding:
    from trunkgate import versions

    example = versions.EXAMPLES[scheme]
    return report.Finding(
        "heading",
        f"a release heading is written `## [{example}] - YYYY-MM-DD` (or "
        f"`## [{example}](url) - YYYY-MM-DD`), optionally followed by ` [YANKED]`",
        file=file,
        line=line,
    )


def _invalid_version(version: str, scheme: str, file: str, line: int) -> report.Finding:
    from trunkgate import versions

    hint = "; drop the leading v" if version[:1] in "vV" else ""
    message = f"[{version}] is not {versions.describe(scheme)}{hint}"
    return report.Finding("version", message, file=file, line=line)


def _today() -> str:
    """Today as YYYY-MM-DD, the latest of the local and the UTC date (a release cut late in
    the evening in one time zone is not in the future in another), plus one day of grace
    for the zones ahead of both."""
    import time

    now = time.time() + 86400
    return max(
        time.strftime("%Y-%m-%d", time.localtime(now)), time.strftime("%Y-%m-%d", time.gmtime(now))
    )


def _check_dates(releases: Sequence[kac.Section], file: str) -> list[report.Finding]:
    """Every release has a real date, and dates never go backwards down the file."""
    out = []
    above: kac.Section | None = None  # the nearest release above with a valid date
    for section in releases:
        date = section.date
        if date is None:
            if not section.malformed:  # a malformed heading is reported as such
                message = (
                    f"release [{section.label}] has no date: `## [{section.label}] - YYYY-MM-DD`"
                )
                out.append(report.Finding("missing-date", message, file=file, line=section.line))
        elif not kac.is_date(date):
            message = f'[{section.label}] has the date "{date}", not a real date written YYYY-MM-DD'
            out.append(report.Finding("date", message, file=file, line=section.line))
        else:
            if date > _today():
                message = (
                    f"[{section.label}] is dated {date}, in the future; date a release the day "
                    "it is published"
                )
                out.append(report.Finding("future-date", message, file=file, line=section.line))
            if above is not None and above.date < date:  # type: ignore[operator]  # `above` always has a valid date
                message = (
                    f"[{above.label}] ({above.date}) is dated before [{section.label}] below it "
                    f"({date}); a newer version cannot have an older date"
                )
                out.append(report.Finding("date-order", message, file=file, line=above.line))
            above = section
    return out


def _check_versions(
    releases: Sequence[kac.Section], scheme: str, file: str
) -> list[report.Finding]:
    """Versions valid in the scheme, newest first, none twice."""
    out = []
    keys = _version_keys([s.label for s in releases], scheme)
    seen: dict[SortKey, kac.Section] = {}
    above: kac.Section | None = None  # the nearest release above with a valid version
    above_key: SortKey = ()
    for section, key in zip(releases, keys, strict=True):
        at = section.line
        if key is None:
            if section.label:  # an empty label is a malformed heading, reported as such
                out.append(_invalid_version(section.label, scheme, file, at))
            continue
        first = seen.get(key)
        if first is not None:
            message = f"[{section.label}] appears twice (first at line {first.line})"
            out.append(report.Finding("duplicate-version", message, file=file, line=at))
            continue
        seen[key] = section
        if above is not None and key >= above_key:
            message = (
                f"[{section.label}] is listed below [{above.label}] (line {above.line}) but is "
                "not older; list versions newest first"
            )
            out.append(report.Finding("version-order", message, file=file, line=at))
        above, above_key = section, key
    return out


def check_changelog(doc: kac.Changelog, policy: ChangelogPolicy, file: str) -> list[report.Finding]:
    """Findings for a parsed changelog under the policy (version scheme, extra groups)."""
    scheme = policy.version_scheme
    allowed = (*kac.GROUPS, *policy.extra_groups)
    allowed_set = set(allowed)
    out: list[report.Finding] = []
    sections = doc.sections
    first_line = sections[0].line if sections else (doc.title_line or 1)
    if doc.title is None:
        message = (
            "no title: start the file with an H1 heading such as `# Changelog`, before the "
            "first version"
        )
        out.append(report.Finding("title", message, file=file, line=first_line))
    first_unreleased = doc.unreleased
    if first_unreleased is None:
        message = (
            "no `## [Unreleased]` section; add it above the first release, for the changes "
            "not released yet"
        )
        out.append(report.Finding("unreleased", message, file=file, line=first_line))
    links = {lk.label.lower() for lk in doc.links}
    releases = []
    for index, section in enumerate(sections):
        label = section.label
        if section.unreleased:
            out += _check_unreleased(section, index, first_unreleased, file)  # type: ignore[arg-type]  # not None: one exists
        elif _misplaced_group(section, allowed):
            out.append(
                report.Finding(
                    "misplaced-group",
                    f'"## {label}" is a group written as a level-2 heading; write it '
                    f"`### {_group_name(label, allowed)}` under its version's `## [...]` heading",
                    file=file,
                    line=section.line,
                )
            )
            continue
        else:
            releases.append(section)
            if section.malformed:
                out.append(_malformed_release(scheme, file, section.line))
        if section.url is None and label and label.lower() not in links:
            out.append(
                report.Finding(
                    "link",
                    f"no link reference for [{label}]: add `[{label}]: <url>` at the end of the "
                    "file, or link the heading",
                    file=file,
                    line=section.line,
                    severity=report.WARNING,
                )
            )
        out += _check_groups(section, allowed, allowed_set, file)
    out += _check_versions(releases, scheme, file)
    out += _check_dates(releases, file)
    titled = doc.title is not None
    out += [_unplaced(item, file, titled) for item in doc.unplaced]
    out.sort(key=lambda f: f.line or 0)
    return cap(out, policy.findings_per_rule)


def cap(findings: Sequence[report.Finding], limit: int) -> list[report.Finding]:
    """At most `limit` findings of each rule (0: all), then one finding with the count of
    the rest, where the first one left out was."""
    if not limit:
        return list(findings)
    kept: list[report.Finding] = []
    left: dict[str, list[report.Finding]] = {}
    seen: dict[str, int] = {}
    for finding in findings:
        seen[finding.rule] = seen.get(finding.rule, 0) + 1
        if seen[finding.rule] <= limit:
            kept.append(finding)
        else:
            left.setdefault(finding.rule, []).append(finding)
    for rule, rest in left.items():
        first = rest[0]
        kept.append(
            report.Finding(
                rule,
                f"and {len(rest)} more {rule} findings like these (findings-per-rule = {limit}; "
                "0 shows them all)",
                file=first.file,
                line=first.line,
                severity=report.ERROR
                if any(f.severity == report.ERROR for f in rest)
                else first.severity,
            )
        )
    kept.sort(key=lambda f: f.line or 0)
    return kept


def _group_name(label: str, allowed: Sequence[str]) -> str:
    low = label.strip().rstrip(":").lower()
    return next((g for g in allowed if g.lower() == low), label.strip())


def _misplaced_group(section: kac.Section, allowed: Sequence[str]) -> bool:
    """A `## Changed` section: a group's name at level 2, with no version and no date."""
    if section.date is not None or section.url is not None:
        return False
    low = section.label.strip().rstrip(":").lower()
    return any(g.lower() == low for g in allowed)


def _check_groups(
    section: kac.Section, allowed: tuple[str, ...], allowed_set: set[str], file: str
) -> list[report.Finding]:
    out = []
    names: dict[str, kac.Group] = {}
    where = f"[{section.label}]"
    for group in section.groups:
        name = group.name
        if name not in allowed_set:
            out.append(
                report.Finding(
                    "group",
                    f'unknown group "### {name}"{_did_you_mean(name, allowed)}; groups are '
                    + ", ".join(allowed),
                    file=file,
                    line=group.line,
                )
            )
        first = names.get(name)
        if first is not None:
            out.append(
                report.Finding(
                    "duplicate-group",
                    f'"### {name}" appears twice in {where} (first at line {first.line}); '
                    "merge them",
                    file=file,
                    line=group.line,
                )
            )
        else:
            names[name] = group
        if not group.entries:
            out.append(
                report.Finding(
                    "empty-group",
                    f'"### {name}" in {where} has no entries; add some or remove the heading',
                    file=file,
                    line=group.line,
                )
            )
        elif name == "Security":
            for entry in group.entries:
                if not leads_with_advisory(entry.text):
                    out.append(
                        report.Finding(
                            "security-id",
                            "lead a Security entry with its CVE or advisory id "
                            "(CVE-2026-12345, GHSA-xxxx-xxxx-xxxx)",
                            file=file,
                            line=entry.line,
                            severity=report.WARNING,
                        )
                    )
    return out


def check_text(text: str, policy: ChangelogPolicy, file: str) -> list[report.Finding]:
    """Findings for a changelog's text."""
    return check_changelog(kac.parse(text), policy, file)


# --------------------------------------------------------------------------- conventions

SKIP_GATES = '[tool.trunkgate.run] skip = ["changelog", "changelog-updated"]'
_TOWNCRIER_GROUPS = frozenset(
    ("features", "bugfixes", "improved documentation", "deprecations and removals", "misc")
)
_COMMITIZEN_GROUPS = frozenset(("feat", "fix", "refactor", "perf", "breaking change"))


def _rst_title(lines: Sequence[str]) -> bool:
    """A reStructuredText section title: a line of text underlined with = - ~ ^ or *."""
    for at in range(1, len(lines)):
        above, line = lines[at - 1], lines[at]
        mark = line.strip()
        if (
            len(mark) >= 3
            and mark[0] in "=-~^*+#"
            and mark == mark[0] * len(mark)
            and above.strip()
            and above[:1] not in "#-*="
            and len(mark) >= len(above.rstrip()) - 1
        ):
            return True
    return False


def convention(text: str, doc: kac.Changelog) -> str | None:
    """The other convention a changelog follows, described, or None (Keep a Changelog, or
    too few releases to tell). One finding naming it replaces hundreds about its headings."""
    lines = text.splitlines()
    well_formed = [s for s in doc.releases if not s.malformed]
    if not doc.sections and _rst_title(lines):
        return "it is reStructuredText, not Markdown"
    if "towncrier release notes start" in text:
        return "it is towncrier's format (towncrier writes it from news fragments)"
    groups = [g.name.strip().lower() for s in doc.sections for g in s.groups]
    if len(groups) >= 3 and not well_formed:
        if sum(g in _TOWNCRIER_GROUPS for g in groups) * 2 >= len(groups):
            return 'it is towncrier\'s format ("### Features", "### Bugfixes" groups)'
        if sum(g in _COMMITIZEN_GROUPS for g in groups) * 2 >= len(groups):
            example = _heading_text(lines, doc.releases)
            shown = f'"{example}" headings, ' if example else ""
            return f'it is commitizen\'s format ({shown}"### Feat", "### Fix" groups)'
    malformed = [s for s in doc.releases if s.malformed]
    if len(malformed) >= 2 and len(malformed) > 2 * len(well_formed):
        example = _heading_text(lines, malformed)
        return f'its release headings are written "{example}", not "## [1.2.3] - YYYY-MM-DD"'
    return None


def _heading_text(lines: Sequence[str], sections: Sequence[kac.Section]) -> str:
    for section in sections:
        if 0 < section.line <= len(lines):
            return lines[section.line - 1].strip()[:60]
    return ""


def convention_finding(text: str, doc: kac.Changelog, file: str) -> report.Finding | None:
    """One finding for a changelog in another convention (see `convention`), or None."""
    what = convention(text, doc)
    if what is None:
        return None
    return report.Finding(
        "convention",
        f"{file} follows another convention than Keep a Changelog: {what}; convert it, "
        f"or set {SKIP_GATES}",
        file=file,
        line=1,
    )


# --------------------------------------------------------------------------- updated?


def _entry_keys(section: kac.Section | None) -> dict[tuple[str, str], int]:
    counts: dict[tuple[str, str], int] = {}
    if section is not None:
        for group in section.groups:
            for entry in group.entries:
                key = (group.name, entry.key)
                counts[key] = counts.get(key, 0) + 1
    return counts


def new_entries(before: kac.Section | None, after: kac.Section | None) -> list[kac.Entry]:
    """Entries of `after` that `before` does not have (compared by group and text)."""
    if after is None:
        return []
    left = _entry_keys(before)
    gained = []
    for group in after.groups:
        for entry in group.entries:
            key = (group.name, entry.key)
            if left.get(key, 0):
                left[key] -= 1
            else:
                gained.append(entry)
    return gained


def check_released(before: kac.Changelog, after: kac.Changelog, file: str) -> list[report.Finding]:
    """A released section (one that existed at the base) must keep its entries as they were."""
    out = []
    for old in before.releases:
        if not old.label:
            continue
        new = after.section(old.label)
        if new is None:
            out.append(
                report.Finding(
                    "released-section",
                    f"the released section [{old.label}] was removed",
                    file=file,
                    line=None,
                    hint="released sections record what shipped; leave them as they are",
                )
            )
            continue
        gained = new_entries(old, new)
        lost = new_entries(new, old)
        if gained or lost:
            parts = []
            if gained:
                parts.append(f"{len(gained)} added or changed")
            if lost:
                parts.append(f"{len(lost)} removed or changed")
            out.append(
                report.Finding(
                    "released-section",
                    f"entries of the released section [{old.label}] changed ({', '.join(parts)}); "
                    "add new entries under [Unreleased] instead",
                    file=file,
                    line=gained[0].line if gained else new.line,
                    hint="released sections record what shipped; leave them as they are",
                )
            )
    return out


class Commit:
    """What --check-updated needs of a commit: its sha, message, and whether it is a merge."""

    __slots__ = ("merge", "message", "sha")

    def __init__(self, sha: str, message: str, merge: bool = False) -> None:
        self.sha = sha
        self.message = message
        self.merge = merge


def check_updated(
    before: kac.Changelog,
    after: kac.Changelog,
    changed: Sequence[str],
    commits: Sequence[Commit],
    policy: ChangelogPolicy,
    file: str,
    *,
    labels: Sequence[str] = (),
    changelog_path: str | None = None,
) -> tuple[list[report.Finding], list[str]]:
    """(findings, notes) for a change: the changelog before and after, the paths and commits.

    `changed` are repository paths; `changelog_path` is the changelog's own (never code).
    `labels` are the pull request's labels (CI only).
    """
    from fnmatch import fnmatchcase

    from trunkgate import conventional

    # A skip (label or trailer) means "no entry needed"; it never lets a released section
    # change: those record what shipped.
    findings = check_released(before, after, file)
    skip_label = policy.skip_label
    if skip_label and skip_label in labels:
        return findings, [
            f'no entry needed: the pull request has the label "{skip_label}" (released '
            "sections are still checked)"
        ]
    parsed = [(commit, conventional.parse(commit.message)) for commit in commits]
    for commit, message in parsed:
        value = conventional.footer(message, "Changelog")
        if value is not None and value.strip().lower() == "skip":
            return findings, [
                f"no entry needed: commit {commit.sha[:10]} has the trailer "
                f'"Changelog: {value.strip()}" (released sections are still checked)'
            ]
    parsed = [(c, m) for c, m in parsed if not c.merge and m.kind != conventional.MERGE]
    notes = []
    globs = policy.code
    code = [p for p in changed if p != changelog_path and any(fnmatchcase(p, g) for g in globs)]
    unreleased = after.unreleased
    at = unreleased.line if unreleased is not None else 1
    gained = new_entries(before.unreleased, unreleased)
    breaking = [c for c, m in parsed if m.breaking]
    if breaking and not any(e.breaking for _, e in (unreleased.entries if unreleased else [])):
        shas = ", ".join(c.sha[:10] for c in breaking[:3])
        findings.append(
            report.Finding(
                "breaking-entry",
                f"the change is breaking ({shas}) but [Unreleased] has no `**Breaking:**` entry",
                file=file,
                line=at,
                hint="mark the entry that breaks: `- **Breaking:** <what changed and how to "
                "upgrade>`",
            )
        )
    if not code:
        notes.append(
            f"no code changed ({report.plural(len(changed), 'file')} changed, none matching the "
            "policy's code patterns): no entry needed"
        )
    else:
        exempt = policy.exempt_types
        if parsed and all(m.type in exempt for _, m in parsed):
            kinds = sorted({str(m.type) for _, m in parsed})
            notes.append(f"no entry needed: every commit is of an exempt type ({', '.join(kinds)})")
        elif not gained:
            shown = ", ".join(code[:3]) + (f" and {len(code) - 3} more" if len(code) > 3 else "")
            remind = policy.mode == "remind"
            findings.append(
                report.Finding(
                    "missing-entry",
                    f"code changed ({shown}) but [Unreleased] gained no entry"
                    if unreleased is not None
                    else f"code changed ({shown}) but the changelog has no [Unreleased] section",
                    file=file,
                    line=at,
                    severity=report.WARNING if remind else report.ERROR,
                    hint=entry_hint(after, [m for _, m in parsed])
                    + "; a change users won't notice can carry the commit trailer "
                    f'"Changelog: skip" (or the pull request label "{skip_label}")',
                )
            )
        else:
            notes.append(f"[Unreleased] gained {report.plural(len(gained), 'entry', 'entries')}")
    return findings, notes


def entry_group(types: Sequence[str | None], breaking: bool = False) -> str:
    """The Keep a Changelog group for commits of these types: the group of the first type
    that has one (feat -> Added, fix -> Fixed, perf/refactor/revert -> Changed), as `release
    cut --from-commits` files them; Changed for a breaking change or none that maps."""
    from trunkgate.release.notes import ENTRY_GROUPS

    if breaking:
        return "Changed"
    order = ("feat", "fix", "perf", "refactor", "revert")
    present = [t for t in order if t in types]
    return ENTRY_GROUPS[present[0]] if present else "Changed"


def entry_hint(after: kac.Changelog, messages: Sequence[Message]) -> str:
    """Where the entry goes, with the group the commits' types point to, and what has to
    be created for it (the Unreleased section, the group)."""
    types = [m.type for m in messages]
    breaking = any(m.breaking for m in messages)
    group = entry_group(types, breaking)
    item = "- **Breaking:** what changed and how to upgrade" if breaking else "- what changed"
    unreleased = after.unreleased
    if unreleased is None:
        return (
            f"add `## [Unreleased]` above the first release, then `### {group}` and `{item}` "
            "under it"
        )
    existing = unreleased.group(group)
    if existing is None:
        return f"add `### {group}` under `## [Unreleased]` (line {unreleased.line}), then `{item}`"
    return f"add `{item}` under `### {group}` of [Unreleased] (line {existing.line})"

"""A Keep a Changelog file as a model: title, sections, groups, entries, link references.

Pure: text in, model out (and back with `render`); no I/O, no judgement. The parser reads
any text in one pass, never raises, and records what it could not place (`unplaced`) so
that the changelog gate can report it; the release tooling reads the same model (the
Unreleased entries, each version's section with its line range, the link references).

It is longer than our other modules (about 640 lines) on purpose: the model and its
one-pass parser are one state machine over the same line kinds; split, each half would
have to know the other's states.

The shape it understands (Keep a Changelog 1.1.0 and 2.0.0 share it)::

    # Changelog                                  title: any H1, before the first section
    intro text                                   anything, up to the first section
    ## [Unreleased]                              sections: ## [label] or ## [label](url),
    ## [1.2.0] - 2026-06-07                      then " - YYYY-MM-DD" and " [YANKED]"
    A short summary paragraph.                   optional, before the first group
    ### Added                                    groups: ### Name
    - an entry, **Breaking:** marks it breaking  entries: "- " or "* " list items; indented
      continued on indented lines                  and lazy lines continue an entry
    [1.2.0]: https://example.com/compare/...     link references, anywhere

Line numbers are 1-based; CRLF and CR-less files give the same numbers. HTML comments and
fenced code blocks inside the intro are kept as intro text; elsewhere a comment is skipped
and a fence not inside an entry is unplaced.
"""

from __future__ import annotations

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Iterable

UNRELEASED = "Unreleased"
GROUPS = ("Added", "Changed", "Deprecated", "Removed", "Fixed", "Security")
BREAKING = "**Breaking:**"


class Entry:
    """One list item: its marker, its text (continuation lines kept as written)."""

    __slots__ = ("end", "line", "marker", "text")

    def __init__(self, text: str, marker: str = "-", line: int = 0, end: int = 0) -> None:
        self.text = text
        self.marker = marker
        self.line = line
        self.end = end or line

    @property
    def breaking(self) -> bool:
        return "**breaking:**" in self.text.lower()

    @property
    def key(self) -> str:
        """The text with its whitespace normalised: what two entries are compared by."""
        return " ".join(self.text.split())

    def _content(self) -> tuple[object, ...]:
        return (self.marker, self.text)

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Entry) and self._content() == other._content()

    __hash__ = None  # type: ignore[assignment]  # unhashable: it defines __eq__

    def __repr__(self) -> str:
        return f"Entry({self.line}: {self.marker} {self.text!r})"


class Group:
    """### Added, and its entries."""

    __slots__ = ("end", "entries", "line", "name")

    def __init__(self, name: str, entries: list[Entry] | None = None, line: int = 0) -> None:
        self.name = name
        self.entries = entries if entries is not None else []
        self.line = line
        self.end = line

    def __eq__(self, other: object) -> bool:
        return (
            isinstance(other, Group) and self.name == other.name and self.entries == other.entries
        )

    __hash__ = None  # type: ignore[assignment]  # unhashable: it defines __eq__

    def __repr__(self) -> str:
        return f"Group({self.line}: {self.name}, {len(self.entries)} entries)"


class Section:
    """## [Unreleased] or ## [1.2.0] - 2026-06-07: a version, its summary and its groups.

    `label` is the text in brackets as written; `version` is the same for a release and
    None for Unreleased. `malformed` is True when the heading is not in the canonical form
    (the other fields then hold what could be read from it). `line` is the heading's line,
    `end` the last line of the section's own content.
    """

    __slots__ = (
        "date",
        "end",
        "groups",
        "label",
        "line",
        "malformed",
        "summary",
        "url",
        "yanked",
    )

    def __init__(
        self,
        label: str,
        date: str | None = None,
        *,
        url: str | None = None,
        yanked: bool = False,
        summary: list[str] | None = None,
        groups: list[Group] | None = None,
        line: int = 0,
        malformed: bool = False,
    ) -> None:
        self.label = label
        self.date = date
        self.url = url
        self.yanked = yanked
        self.summary = summary if summary is not None else []
        self.groups = groups if groups is not None else []
        self.line = line
        self.end = line
        self.malformed = malformed

    @property
    def unreleased(self) -> bool:
        return self.label.strip().lower() == "unreleased"

    @property
    def version(self) -> str | None:
        return None if self.unreleased else self.label

    @property
    def entries(self) -> list[tuple[str, Entry]]:
        """(group name, entry) for every entry of the section, in order."""
        return [(g.name, e) for g in self.groups for e in g.entries]

    def group(self, name: str) -> Group | None:
        return next((g for g in self.groups if g.name == name), None)

    def heading(self) -> str:
        """The heading line in canonical form."""
        text = f"## [{self.label}]"
        if self.url:
            text += f"({self.url})"
        if self.date:
            text += f" - {self.date}"
        if self.yanked:
            text += " [YANKED]"
        return text

    def _content(self) -> tuple[object, ...]:
        return (
            self.label,
            self.date,
            self.url,
            self.yanked,
            self.summary,
            self.groups,
            self.malformed,
        )

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Section) and self._content() == other._content()

    __hash__ = None  # type: ignore[assignment]  # unhashable: it defines __eq__

    def __repr__(self) -> str:
        return f"Section({self.line}-{self.end}: {self.heading()!r})"


class Link:
    """[label]: url"""

    __slots__ = ("label", "line", "url")

    def __init__(self, label: str, url: str, line: int = 0) -> None:
        self.label = label
        self.url = url
        self.line = line

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Link) and (self.label, self.url) == (other.label, other.url)

    __hash__ = None  # type: ignore[assignment]  # unhashable: it defines __eq__

    def __repr__(self) -> str:
        return f"Link({self.line}: [{self.label}]: {self.url})"


# What an unplaced line is.
TEXT = "text"  # a paragraph that is not a list item (after a version's summary, in a group)
MARKER = "marker"  # a list item with another marker: "+ ", "1. "
UNGROUPED = "ungrouped"  # an entry under a version but before any ### group
SUMMARY = "summary"  # a second paragraph before a version's first group
HEADING = "heading"  # a heading that has no place: #### in a version, a second H1
ORPHAN_GROUP = "orphan-group"  # a ### group before the first ## section
FENCE = "fence"  # a fenced code block that is not inside an entry
_IN_SUMMARY = "in-summary"  # the parser's state: reading a version's summary paragraph


class Unplaced:
    """A line the model has no place for (reported once per paragraph or block)."""

    __slots__ = ("kind", "line", "text")

    def __init__(self, kind: str, line: int, text: str) -> None:
        self.kind = kind
        self.line = line
        self.text = text

    def __repr__(self) -> str:
        return f"Unplaced({self.line}: {self.kind}: {self.text!r})"


class Changelog:
    """The whole file."""

    __slots__ = ("_by_label", "intro", "links", "sections", "title", "title_line", "unplaced")

    def __init__(
        self,
        title: str | None = None,
        intro: list[str] | None = None,
        sections: list[Section] | None = None,
        links: list[Link] | None = None,
    ) -> None:
        self.title = title
        self.title_line = 0
        self.intro = intro if intro is not None else []
        self.sections = sections if sections is not None else []
        self.links = links if links is not None else []
        self.unplaced: list[Unplaced] = []
        self._by_label: dict[str, Section] | None = None

    @property
    def unreleased(self) -> Section | None:
        """The first [Unreleased] section (wherever it stands)."""
        return next((s for s in self.sections if s.unreleased), None)

    @property
    def releases(self) -> list[Section]:
        return [s for s in self.sections if not s.unreleased]

    def section(self, label: str) -> Section | None:
        """The first section whose label is this version (or "unreleased"), ignoring case."""
        if self._by_label is None:
            self._by_label = {}
            for s in self.sections:
                self._by_label.setdefault(s.label.lower(), s)
        return self._by_label.get(label.lower())

    def link(self, label: str) -> Link | None:
        """The first link reference with this label, ignoring case."""
        low = label.lower()
        return next((lk for lk in self.links if lk.label.lower() == low), None)

    def _content(self) -> tuple[object, ...]:
        return (self.title, self.intro, self.sections, self.links)

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Changelog) and self._content() == other._content()

    __hash__ = None  # type: ignore[assignment]  # unhashable: it defines __eq__

    def __repr__(self) -> str:
        return f"Changelog({self.title!r}, {len(self.sections)} sections, {len(self.links)} links)"


# --------------------------------------------------------------------------- parsing


def _lines(text: str) -> Iterable[tuple[int, str]]:
    """(number, line) with CRLF/CR line ends and a leading byte-order mark removed."""
    if text.startswith("\ufeff"):
        text = text[1:]
    if "\r" in text:
        text = text.replace("\r\n", "\n").replace("\r", "\n")
    return enumerate(text.split("\n"), 1)


def _heading(line: str, number: int) -> Section:
    """A `##` heading: `## [label](url) - date [YANKED]`, each part after the label optional.

    Read by hand rather than with a regular expression: importing `re` alone costs a hook
    more than the whole parse of a typical changelog.
    """
    if line.startswith("## ["):
        close = line.find("]", 4)
        label = line[4:close]
        if close > 4 and "[" not in label:
            rest = line[close + 1 :].rstrip(" \t")
            url = None
            ok = True
            if rest.startswith("("):
                end = rest.find(")")
                url = rest[1:end]
                ok = end > 1 and not _has_space(url) and "(" not in url
                rest = rest[end + 1 :]
            yanked = rest.endswith(" [YANKED]")
            if yanked:
                rest = rest[: -len(" [YANKED]")]
            date = None
            if rest.startswith(" - "):
                date = rest[3:]
                ok = ok and bool(date) and not _has_space(date)
            elif rest:
                ok = False
            if ok:
                return Section(label, date, url=url, yanked=yanked, line=number)
    return _loose_heading(line, number)


def _has_space(text: str) -> bool:
    return len(text.split()) != 1 or text.strip() != text


def _loose_heading(line: str, number: int) -> Section:
    """What can be read from a `##` heading that is not in form: a label, a date, [YANKED]."""
    body = line[2:].strip()
    if body.startswith("["):
        close = body.find("]")
        label = body[1:close] if close > 0 else body[1:]
        rest = body[close + 1 :] if close > 0 else ""
        if rest.startswith("("):
            rest = rest[rest.find(")") + 1 :] if ")" in rest else ""
    else:
        label, _, rest = body.partition(" ")
    date = None
    for token in rest.replace("(", " ").replace(")", " ").replace(",", " ").split():
        token = token.strip("[]")
        parts = token.split("-")
        if (
            len(parts) == 3
            and len(parts[0]) == 4
            and 1 <= len(parts[1]) <= 2
            and 1 <= len(parts[2]) <= 2
            and all(p.isdigit() and p.isascii() for p in parts)
        ):
            date = token
            break
    return Section(
        label.strip(),
        date,
        yanked="[yanked]" in rest.lower(),
        line=number,
        malformed=True,
    )


def _link(line: str) -> Link | None:
    """`[label]: url` (a link reference definition), or None."""
    close = line.find("]:")
    label = line[1:close]
    if close < 2 or "[" in label or "]" in label:
        return None
    url = line[close + 2 :].split()
    return Link(label, url[0], 0) if url else None


def _other_marker(line: str) -> bool:
    """A list item with a marker other than `- ` or `* `: `+ item`, `1. item`, `2) item`."""
    if line[0] == "+":
        return len(line) == 1 or line[1] in " \t"
    digits = len(line) - len(line.lstrip("0123456789"))
    if not 1 <= digits <= 9 or len(line) == digits or line[digits] not in ".)":
        return False
    return len(line) == digits + 1 or line[digits + 1] in " \t"


def _fence(stripped: str) -> str:
    """The fence a line opens (three or more ` or ~), or ""."""
    if stripped[:3] in ("```", "~~~"):
        char = stripped[0]
        return char * (len(stripped) - len(stripped.lstrip(char)))
    return ""


class _Parser:
    """One pass over the lines; the state of where we are."""

    def __init__(self) -> None:
        self.doc = Changelog()
        self.section: Section | None = None
        self.group: Group | None = None
        self.entry: Entry | None = None
        self.blanks = 0  # blank lines seen since the current entry's last line
        self.paragraph: str | None = None  # the open paragraph: _IN_SUMMARY, or an unplaced kind
        self.in_section = False  # has this section had content (summary, groups, stray)?
        self.last = 0  # last content line of the current section
        # The entry whose continuation lines are being collected, and its text so far in
        # parts, joined once when another entry continues or the parse ends (`+=` on the
        # text would copy it for every line: quadratic in a long entry).
        self.continued: Entry | None = None
        self.parts: list[str] = []

    # --- places
    def close_section(self) -> None:
        if self.section is not None:
            self.section.end = max(self.section.line, self.last)
        self.group = None
        self.entry = None
        self.paragraph = None

    def unplaced(self, kind: str, number: int, line: str) -> None:
        self.doc.unplaced.append(Unplaced(kind, number, line))

    # --- lines
    def heading(self, number: int, line: str, level: int) -> None:
        doc = self.doc
        self.entry = None
        self.paragraph = None
        text = line[level:].strip()
        if level == 1:
            if doc.title is None and self.section is None:
                doc.title = text
                doc.title_line = number
            else:
                self.mark(number)
                self.unplaced(HEADING, number, line)
        elif level == 2:
            self.close_section()
            self.section = _heading(line, number)
            self.in_section = False
            self.last = number
            doc.sections.append(self.section)
        elif self.section is None:
            if level == 3:
                self.unplaced(ORPHAN_GROUP, number, line)
            else:
                doc.intro.append(line)
        elif level == 3:
            self.group = Group(text, line=number)
            self.section.groups.append(self.group)
            self.in_section = True
            self.mark(number)
        else:
            self.in_section = True
            self.mark(number)
            self.unplaced(HEADING, number, line)

    def mark(self, number: int) -> None:
        self.last = number
        if self.group is not None:
            self.group.end = number

    def item(self, number: int, line: str) -> None:
        self.paragraph = None
        self.blanks = 0
        self.entry = Entry(line[2:].strip(), line[0], number)
        self.mark(number)
        self.in_section = True
        if self.group is not None:
            self.group.entries.append(self.entry)
        else:
            self.unplaced(UNGROUPED, number, line)

    def continuation(self, entry: Entry, number: int, line: str) -> None:
        if entry is not self.continued:
            self.join_continued()
            self.continued = entry
            self.parts = [entry.text]
        self.parts += ("\n" * (self.blanks + 1), line)
        entry.end = number
        self.blanks = 0
        self.mark(number)

    def join_continued(self) -> None:
        if self.continued is not None:
            self.continued.text = "".join(self.parts)
            self.continued = None
            self.parts = []

    def text(self, section: Section, number: int, line: str) -> None:
        """A line of prose (not a heading, item or link) inside a section."""
        self.mark(number)
        if self.paragraph == _IN_SUMMARY:
            section.summary.append(line)
            return
        marker = _other_marker(line)
        if self.paragraph is not None and not marker:
            return  # the rest of a paragraph already reported
        self.entry = None
        if not self.in_section and not marker:
            self.paragraph = _IN_SUMMARY
            section.summary.append(line)
        else:
            kind = TEXT
            if marker:
                kind = MARKER
            elif self.group is None and section.summary:
                kind = SUMMARY
            self.paragraph = kind
            self.unplaced(kind, number, line)
        self.in_section = True

    def run(self, text: str) -> Changelog:
        doc = self.doc
        comment = False
        fence = ""  # the open fence ("```", "~~~~") or ""
        fence_in_entry = False
        for number, line in _lines(text):
            if comment:
                if self.section is None:
                    doc.intro.append(line)
                if "-->" in line:
                    comment = False
                continue
            if fence:
                if self.section is None:
                    doc.intro.append(line)
                elif fence_in_entry and self.entry is not None:
                    self.continuation(self.entry, number, line)
                else:
                    self.mark(number)
                if line.strip().startswith(fence) and not line.strip().strip(fence[0]):
                    fence = ""
                continue
            stripped = line.strip()
            if not stripped:
                if self.section is None:
                    doc.intro.append("")
                elif self.entry is not None:
                    self.blanks += 1
                self.paragraph = None
                continue
            first = line[0]
            if first == "#":
                level = len(line) - len(line.lstrip("#"))
                if level <= 6 and (len(line) == level or line[level] in " \t"):
                    self.heading(number, line, level)
                    continue
            elif first == "[":
                link = _link(line)
                if link is not None:
                    link.line = number
                    doc.links.append(link)
                    self.paragraph = None
                    continue
            section = self.section
            if section is None:
                doc.intro.append(line)
                fence = _fence(stripped)
                if not fence and stripped.startswith("<!--"):
                    comment = "-->" not in stripped[4:]
                continue
            if stripped.startswith("<!--"):
                comment = "-->" not in stripped[4:]
                continue
            opened = _fence(stripped)
            entry = self.entry
            if first in " \t":
                if entry is not None:
                    if opened:
                        fence, fence_in_entry = opened, True
                    self.continuation(entry, number, line)
                else:
                    self.text(section, number, line)
            elif first in "-*" and (line[1:2] == " " or len(line) == 1):
                self.item(number, line)
            elif opened:
                fence, fence_in_entry = opened, False
                self.entry = None
                self.paragraph = FENCE
                self.in_section = True
                self.mark(number)
                self.unplaced(FENCE, number, line)
            elif entry is not None and not self.blanks and not _other_marker(line):
                self.continuation(entry, number, line)  # a lazy continuation line
            else:
                self.text(section, number, line)
        self.close_section()
        self.join_continued()
        # Without its leading and trailing blank lines, cut once (pop(0) for each leading
        # one would move the whole list each time).
        intro = doc.intro
        start, end = 0, len(intro)
        while end > start and not intro[end - 1].strip():
            end -= 1
        while start < end and not intro[start].strip():
            start += 1
        doc.intro = intro[start:end]
        return doc


def parse(text: str) -> Changelog:
    """Read a changelog; never raises. What has no place is in `.unplaced`."""
    return _Parser().run(text)


# --------------------------------------------------------------------------- rendering


def render(doc: Changelog) -> str:
    """The changelog as Markdown in canonical form (what `parse` reads back the same)."""
    out: list[str] = []
    if doc.title is not None:
        out += [f"# {doc.title}", ""]
    if doc.intro:
        out += [*doc.intro, ""]
    for section in doc.sections:
        out += [section.heading(), ""]
        if section.summary:
            out += [*section.summary, ""]
        for group in section.groups:
            out += [f"### {group.name}", ""]
            out += [f"{e.marker} {e.text}" for e in group.entries]
            if group.entries:
                out.append("")
    out += [f"[{lk.label}]: {lk.url}" for lk in doc.links]
    while out and not out[-1]:
        out.pop()
    return "\n".join(out) + "\n" if out else ""


# --------------------------------------------------------------------------- dates


def is_date(text: str) -> bool:
    """True for a real calendar date written YYYY-MM-DD (2026-02-30 is not one)."""
    if len(text) != 10 or text[4] != "-" or text[7] != "-":
        return False
    y, m, d = text[:4], text[5:7], text[8:]
    if not (y.isdigit() and m.isdigit() and d.isdigit() and y.isascii() and m.isascii()):
        return False
    if not d.isascii():
        return False
    year, month, day = int(y), int(m), int(d)
    if not 1 <= month <= 12 or day < 1:
        return False
    if month == 2:
        leap = year % 4 == 0 and (year % 100 != 0 or year % 400 == 0)
        return day <= (29 if leap else 28)
    return day <= (30 if month in (4, 6, 9, 11) else 31)

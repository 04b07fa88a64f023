"""The Keep a Changelog model: parsing, line numbers, rendering, and its properties."""

from __future__ import annotations

import string
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tests.support.work import assert_linear
from trunkgate import keepachangelog as kac

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Callable

HERE = Path(__file__).parent / "changelogs"
GOOD = (HERE / "good.md").read_text(encoding="utf-8")


# --------------------------------------------------------------------------- a full file


def test_good_file_model() -> None:
    doc = kac.parse(GOOD)
    assert doc.title == "Changelog"
    assert doc.title_line == 1
    assert doc.intro[0].startswith("All notable changes")
    assert doc.intro[-1] == "<!-- next release goes below -->"
    assert [s.label for s in doc.sections] == ["Unreleased", "2.0.0", "1.1.0", "1.0.1", "1.0.0"]
    assert [s.version for s in doc.releases] == ["2.0.0", "1.1.0", "1.0.1", "1.0.0"]
    assert doc.unplaced == []

    unreleased = doc.unreleased
    assert unreleased is doc.sections[0]
    assert unreleased.version is None
    assert (unreleased.line, unreleased.end) == (10, 17)
    assert [(g, e.line, e.end) for g, e in unreleased.entries] == [
        ("Added", 14, 14),
        ("Added", 15, 17),
    ]
    assert unreleased.entries[1][1].text == (
        "Release notes from the Unreleased section, wrapped\n  over two lines,\n"
        "  - with a nested item."
    )

    major = doc.section("2.0.0")
    assert major is not None
    assert major.url == "https://example.com/compare/v1.1.0...v2.0.0"
    assert major.date == "2026-06-07"
    assert major.summary[0].startswith("2.0.0 is the first major release.")
    assert len(major.summary) == 2
    assert [g.name for g in major.groups] == ["Changed", "Removed", "Security"]
    changed = major.group("Changed")
    assert changed is not None
    assert [e.marker for e in changed.entries] == ["-", "*"]
    assert changed.entries[0].breaking
    assert "```toml" in changed.entries[0].text  # a fenced block inside the entry
    assert changed.entries[0].end == 31
    assert not changed.entries[1].breaking
    assert major.group("Fixed") is None
    assert (major.line, major.end) == (19, 43)

    lazy = doc.section("1.1.0").entries[0][1]  # type: ignore[union-attr]
    assert lazy.text == "Dates are compared\nas written (a lazy continuation line)."
    assert lazy.key == "Dates are compared as written (a lazy continuation line)."

    yanked = doc.section("1.0.1")
    assert yanked is not None
    assert (yanked.yanked, yanked.date, yanked.url) == (True, "2026-02-28", None)
    assert [(lk.label, lk.line) for lk in doc.links] == [
        ("unreleased", 64),
        ("1.1.0", 65),
        ("1.0.1", 66),
        ("1.0.0", 67),
    ]
    assert doc.link("UNRELEASED") is doc.links[0]
    assert doc.link("9.9.9") is None
    assert doc.section("UNRELEASED") is unreleased
    assert doc.section("9.9.9") is None
    assert doc.sections[-1].end == 62  # the link references are not part of the last section


def test_crlf_and_bom_give_the_same_model_and_lines() -> None:
    plain = kac.parse(GOOD)
    for variant in (GOOD.replace("\n", "\r\n"), "\ufeff" + GOOD, GOOD.replace("\n", "\r")):
        doc = kac.parse(variant)
        assert doc == plain
        assert [(s.line, s.end) for s in doc.sections] == [(s.line, s.end) for s in plain.sections]
        assert [lk.line for lk in doc.links] == [lk.line for lk in plain.links]


def test_render_reads_back_the_same() -> None:
    doc = kac.parse(GOOD)
    text = kac.render(doc)
    assert kac.parse(text) == doc
    assert kac.render(kac.parse(text)) == text


def test_empty_and_blank_texts() -> None:
    for text in ("", "\n", "\n\n  \n", "\r\n"):
        doc = kac.parse(text)
        assert (doc.title, doc.sections, doc.links, doc.intro, doc.unplaced) == (
            None,
            [],
            [],
            [],
            [],
        )
    assert kac.render(kac.Changelog()) == ""


# --------------------------------------------------------------------------- headings


@pytest.mark.parametrize(
    ("line", "label", "date", "url", "yanked", "malformed"),
    [
        ("## [Unreleased]", "Unreleased", None, None, False, False),
        (
            "## [Unreleased](https://x/compare)",
            "Unreleased",
            None,
            "https://x/compare",
            False,
            False,
        ),
        ("## [1.2.3] - 2026-06-07", "1.2.3", "2026-06-07", None, False, False),
        (
            "## [1.2.3](https://x/1.2.3) - 2026-06-07",
            "1.2.3",
            "2026-06-07",
            "https://x/1.2.3",
            False,
            False,
        ),
        ("## [1.2.3] - 2026-06-07 [YANKED]", "1.2.3", "2026-06-07", None, True, False),
        ("## [1.2.3] - 2026-06-07   ", "1.2.3", "2026-06-07", None, False, False),
        ("## [1.2.3]", "1.2.3", None, None, False, False),
        ("## [1.2.3] [YANKED]", "1.2.3", None, None, True, False),
        ("## [1.2.3] - 2026-13-45", "1.2.3", "2026-13-45", None, False, False),
        # not in form: what can be read is kept
        ("## 1.2.3 - 2026-06-07", "1.2.3", "2026-06-07", None, False, True),
        ("## [1.2.3] 2026-06-07", "1.2.3", "2026-06-07", None, False, True),
        ("## [1.2.3] \u2013 2026-06-07", "1.2.3", "2026-06-07", None, False, True),
        ("## v1.2.3 (2026-6-7) [yanked]", "v1.2.3", "2026-6-7", None, True, True),
        ("## [1.2.3](https://x) (2026-06-07)", "1.2.3", "2026-06-07", None, False, True),
        ("## [1.2.3](no close - 2026-06-07", "1.2.3", None, None, False, True),
        ("## [1.2.3] - 2026-06-07 extra", "1.2.3", "2026-06-07", None, False, True),
        ("## [1.2.3] -  2026-06-07", "1.2.3", "2026-06-07", None, False, True),
        ("## [1.2.3](a b) - 2026-06-07", "1.2.3", "2026-06-07", None, False, True),
        ("## [1.2.3](https://x)", "1.2.3", None, "https://x", False, False),
        ("## [1.2.3]() - 2026-06-07", "1.2.3", "2026-06-07", None, False, True),
        ("## [1.2.3", "1.2.3", None, None, False, True),
        ("## [a[b] - 2026-06-07", "a[b", "2026-06-07", None, False, True),
        ("## Unreleased", "Unreleased", None, None, False, True),
        ("##", "", None, None, False, True),
        ("## [] - 2026-06-07", "", "2026-06-07", None, False, True),
        ("## [1.2.3] - ", "1.2.3", None, None, False, True),
    ],
)
def test_headings(
    line: str, label: str, date: str | None, url: str | None, yanked: bool, malformed: bool
) -> None:
    (section,) = kac.parse(line + "\n").sections
    assert (section.label, section.date, section.url, section.yanked, section.malformed) == (
        label,
        date,
        url,
        yanked,
        malformed,
    )
    assert section.line == 1


def test_heading_renders_canonically() -> None:
    section = kac.Section("1.0.0", "2026-01-01", url="https://x", yanked=True)
    assert section.heading() == "## [1.0.0](https://x) - 2026-01-01 [YANKED]"
    assert kac.Section("Unreleased").heading() == "## [Unreleased]"
    assert kac.Section("Unreleased").unreleased
    assert kac.Section(" unreleased ").unreleased


def test_hash_heading_lookalikes_are_text() -> None:
    doc = kac.parse("# T\n\n## [Unreleased]\n\n### Added\n\n- x\n\n#hashtag\n####### seven\n")
    assert [(u.kind, u.line) for u in doc.unplaced] == [(kac.TEXT, 9)]


# --------------------------------------------------------------------------- what has no place


def test_unplaced_lines() -> None:
    text = "\n".join(
        [
            "# T",  # 1
            "### Added",  # 2  a group before any section
            "## [1.0.0] - 2026-01-01",  # 3
            "- ungrouped",  # 4
            "### Added",  # 5
            "- ok",  # 6
            "+ plus",  # 7
            "1. one",  # 8
            "2) two",  # 9
            "",  # 10
            "loose text",  # 11
            "more of it",  # 12 (same paragraph: reported once)
            "#### deep",  # 13
            "```",  # 14
            "# not a heading in a fence",  # 15
            "```",  # 16
            "# Second title",  # 17
            "## [0.9.0] - 2025-01-01",  # 18
            "summary",  # 19
            "",  # 20
            "second paragraph",  # 21
            "  indented, same paragraph",  # 22
            "<!-- a comment",  # 23
            "### Fixed",  # 24  (inside the comment: skipped)
            "-->",  # 25
            "<!-- one line -->",  # 26
            "### Fixed",  # 27
            "",  # 28
            "    indented with no entry",  # 29
        ]
    )
    doc = kac.parse(text)
    assert [(u.line, u.kind) for u in doc.unplaced] == [
        (2, kac.ORPHAN_GROUP),
        (4, kac.UNGROUPED),
        (7, kac.MARKER),
        (8, kac.MARKER),
        (9, kac.MARKER),
        (11, kac.TEXT),
        (13, kac.HEADING),
        (14, kac.FENCE),
        (17, kac.HEADING),
        (21, kac.SUMMARY),
        (29, kac.TEXT),
    ]
    assert doc.section("0.9.0").summary == ["summary"]  # type: ignore[union-attr]
    assert [g.name for g in doc.section("0.9.0").groups] == ["Fixed"]  # type: ignore[union-attr]
    assert doc.sections[0].end == 17


def test_intro_keeps_everything_before_the_first_section() -> None:
    text = (
        "\n\nBadge line\n# Title\n\n- a list\n<!--\n## [not a section]\n-->\n"
        "```\n## nor this\n```\n#### Sub\n\n## [Unreleased]\n"
    )
    doc = kac.parse(text)
    assert doc.title == "Title"
    assert doc.title_line == 4
    assert doc.intro == [
        "Badge line",
        "",
        "- a list",
        "<!--",
        "## [not a section]",
        "-->",
        "```",
        "## nor this",
        "```",
        "#### Sub",
    ]
    assert [s.label for s in doc.sections] == ["Unreleased"]


def test_entries_continue_over_indented_blank_and_fenced_lines() -> None:
    text = (
        "## [Unreleased]\n### Added\n- first\n\n  more\n    ```\nraw line\n    ```\n- second\n*\n"
    )
    doc = kac.parse(text)
    entries = [e for _, e in doc.sections[0].entries]
    assert [(e.text, e.line, e.end) for e in entries] == [
        ("first\n\n  more\n    ```\nraw line\n    ```", 3, 8),
        ("second", 9, 9),
        ("", 10, 10),
    ]
    assert doc.sections[0].groups[0].end == 10


def test_link_references() -> None:
    doc = kac.parse(
        "[1.0.0]: https://a\n[x]:\n[]: https://b\n[a]b]: c\n   [y]: z\n[2.0.0]:https://c  title\n"
    )
    assert [(lk.label, lk.url, lk.line) for lk in doc.links] == [
        ("1.0.0", "https://a", 1),
        ("2.0.0", "https://c", 6),
    ]


def test_breaking_and_keys() -> None:
    assert kac.Entry("**Breaking:** drop x").breaking
    assert kac.Entry("Drop x (**BREAKING:**)").breaking
    assert not kac.Entry("Breaking: no bold").breaking
    assert kac.Entry("a  b\n  c").key == "a b c"
    assert repr(kac.Entry("x", line=3)) == "Entry(3: - 'x')"


def test_reprs() -> None:
    doc = kac.parse("# T\n## [1.0.0] - 2026-01-01\n### Added\n- x\n+ y\n[1.0.0]: u\n")
    assert repr(doc) == "Changelog('T', 1 sections, 1 links)"
    assert repr(doc.sections[0]) == "Section(2-5: '## [1.0.0] - 2026-01-01')"
    assert repr(doc.sections[0].groups[0]) == "Group(3: Added, 1 entries)"
    assert repr(doc.links[0]) == "Link(6: [1.0.0]: u)"
    assert repr(doc.unplaced[0]) == "Unplaced(5: marker: '+ y')"


def test_equality_ignores_positions_only() -> None:
    assert kac.Entry("x", line=1) == kac.Entry("x", line=9)
    assert kac.Entry("x", "-") != kac.Entry("x", "*")
    assert kac.Group("Added", [kac.Entry("x")], line=1) == kac.Group("Added", [kac.Entry("x")])
    assert kac.Group("Added") != kac.Group("Fixed")
    assert kac.Link("a", "u", 1) == kac.Link("a", "u", 2)
    assert kac.Section("1.0.0", line=1) == kac.Section("1.0.0", line=5)
    assert kac.Section("1.0.0") != kac.Section("1.0.0", malformed=True)
    assert kac.Changelog("T") != kac.Changelog("U")
    for thing in (
        kac.Entry("x"),
        kac.Group("A"),
        kac.Link("a", "u"),
        kac.Section("1"),
        kac.Changelog(),
    ):
        assert thing != "x"


# --------------------------------------------------------------------------- dates


@pytest.mark.parametrize(
    ("text", "valid"),
    [
        ("2026-06-07", True),
        ("2024-02-29", True),  # leap year
        ("2000-02-29", True),  # divisible by 400
        ("1900-02-29", False),  # divisible by 100
        ("2026-02-29", False),
        ("2026-02-30", False),
        ("2026-04-31", False),
        ("2026-12-31", True),
        ("2026-13-01", False),
        ("2026-00-10", False),
        ("2026-01-00", False),
        ("2026-1-01", False),
        ("26-01-01xx", False),
        ("2026/01/01", False),
        ("\uff12\uff10\uff12\uff16-01-01", False),  # full-width digits
        ("2026-\uff101-01", False),
        ("2026-01-\uff101", False),
        ("", False),
    ],
)
def test_is_date(text: str, valid: bool) -> None:
    assert kac.is_date(text) is valid


# --------------------------------------------------------------------------- properties

_WORD = st.text(alphabet=string.ascii_letters + string.digits, min_size=1, max_size=8)
_SENTENCE = st.lists(_WORD, min_size=1, max_size=5).map(" ".join)
_ENTRY = st.builds(
    kac.Entry,
    st.builds(
        lambda first, rest: first + "".join("\n  " + line for line in rest),
        _SENTENCE,
        st.lists(_SENTENCE, max_size=2),
    ),
    st.sampled_from("-*"),
)
_GROUP = st.builds(
    kac.Group,
    st.one_of(st.sampled_from(kac.GROUPS), _SENTENCE),
    st.lists(_ENTRY, max_size=3),
)
_VERSION = st.builds(lambda a, b, c: f"{a}.{b}.{c}", *(st.integers(0, 30) for _ in range(3)))
_SECTION = st.builds(
    kac.Section,
    st.one_of(_VERSION, _SENTENCE),
    st.one_of(st.none(), st.dates().map(str), _WORD),
    url=st.one_of(st.none(), _WORD.map(lambda w: f"https://example.com/{w}")),
    yanked=st.booleans(),
    summary=st.lists(_SENTENCE, max_size=2),
    groups=st.lists(_GROUP, max_size=3),
)
_INTRO = st.lists(st.one_of(_SENTENCE, st.just("")), max_size=4).map(
    lambda lines: ["first", *lines, "last"] if lines else []
)
_CHANGELOG = st.builds(
    kac.Changelog,
    st.one_of(st.none(), _SENTENCE),
    _INTRO,
    st.lists(_SECTION, max_size=4),
    st.lists(st.builds(kac.Link, _SENTENCE, _WORD.map(lambda w: f"https://x/{w}")), max_size=3),
)


@given(_CHANGELOG)
@settings(max_examples=300, deadline=None)
def test_round_trip_of_generated_models(doc: kac.Changelog) -> None:
    text = kac.render(doc)
    back = kac.parse(text)
    assert back == doc
    assert back.unplaced == []
    assert kac.render(back) == text
    lines = text.split("\n")
    for section in back.sections:
        assert lines[section.line - 1] == section.heading()
        assert section.line <= section.end <= len(lines)
        for group in section.groups:
            assert lines[group.line - 1] == f"### {group.name}"
            for entry in group.entries:
                assert lines[entry.line - 1] == f"{entry.marker} {entry.text.split(chr(10))[0]}"
    for link in back.links:
        assert lines[link.line - 1] == f"[{link.label}]: {link.url}"


@given(st.text())
@settings(max_examples=500, deadline=None)
def test_parser_never_raises_on_any_text(text: str) -> None:
    doc = kac.parse(text)
    total = text.replace("\r\n", "\n").replace("\r", "\n").count("\n") + 1
    for section in doc.sections:
        assert 1 <= section.line <= section.end <= total
    kac.render(doc)


_FRAGMENTS = [
    "# Changelog",
    "## [Unreleased]",
    "## [1.0.0] - 2026-01-01",
    "## [2.0.0](https://x) - 2026-02-30 [YANKED]",
    "## 1.0 (2026-1-1)",
    "## [",
    "##",
    "## [](",
    "### Added",
    "### Weird",
    "#### Deep",
    "- entry",
    "* entry",
    "-",
    "  continued",
    "+ plus",
    "1. one",
    "text",
    "",
    "   ",
    "[1.0.0]: https://x",
    "[unreleased]:",
    "```",
    "  ```",
    "~~~~",
    "<!--",
    "-->",
    "<!-- x -->",
    "\ufeff",
    "\r",
]


@given(st.lists(st.sampled_from(_FRAGMENTS), max_size=40))
@settings(max_examples=500, deadline=None)
def test_parser_never_raises_on_changelog_like_text(lines: list[str]) -> None:
    text = "\n".join(lines)
    doc = kac.parse(text)
    total = len(text.replace("\r\n", "\n").replace("\r", "\n").split("\n"))
    for item in doc.unplaced:
        assert 1 <= item.line <= total
    for section in doc.sections:
        assert 1 <= section.line <= section.end <= total
        for _, entry in section.entries:
            assert section.line < entry.line <= entry.end <= section.end
    again = kac.parse(kac.render(doc))
    assert [s.label for s in again.sections] == [s.label for s in doc.sections]


# --------------------------------------------------------------------------- linear time
# Counted, not timed: what a parse costs, at one size and at four times that size. Linear
# work grows four times; work that is quadratic in the input (a string rebuilt for every
# line, a list shifted for every item) grows sixteen times.


def _long_entry(n: int) -> str:
    """One entry of n continuation lines: indented, lazy, after blank lines, and fenced."""
    lines = ["# Changelog", "", "## [Unreleased]", "", "### Added", "", "- One long entry:"]
    for i in range(n):
        if i % 10 == 5:
            lines.append("")
        lines.append(f"lazy line {i}" if i % 10 == 3 else f"  line {i} of the entry")
    lines += ["  ```", *(f"code {i}" for i in range(n // 10)), "  ```", "- The next entry."]
    return "\n".join(lines) + "\n"


def _many_versions(n: int) -> str:
    """n lines: versions with a summary, a group, an entry, stray lines, and link references."""
    lines = ["# Changelog", "", "Intro."]
    for i in range(n // 12):
        lines += [f"## [1.0.{i}] - 2026-01-01", "", "Summary.", "", "### Fixed", "", f"- Fix {i}"]
        lines += ["  wrapped.", "+ stray", "#### Deep", ""]
    lines += [f"[1.0.{i}]: https://example.com/{i}" for i in range(n // 12)]
    return "\n".join(lines) + "\n"


def _blank_intro(n: int) -> str:
    """n blank lines before and after the title and the intro."""
    return "\n" * n + "# Changelog\n" + "\n" * n + "Intro.\n" + "\n" * n + "## [1.0.0]\n"


def test_long_shapes_parse_as_expected() -> None:
    doc = kac.parse(_long_entry(100))
    first, second = doc.sections[0].groups[0].entries
    assert first.text.count("\n") == first.end - first.line
    assert first.text.startswith("One long entry:\n  line 0 of the entry\n")
    assert "\n  line 2 of the entry\nlazy line 3\n  line 4 of the entry\n\n  line 5 " in first.text
    assert first.text.endswith("\ncode 8\ncode 9\n  ```")
    assert (second.text, second.line) == ("The next entry.", first.end + 1)
    doc = kac.parse(_many_versions(1200))
    assert len(doc.sections) == len(doc.links) == 100
    assert len(doc.unplaced) == 200
    assert doc.sections[99].groups[0].entries[0].text == "Fix 99\n  wrapped."
    doc = kac.parse(_blank_intro(100))
    assert (doc.title, doc.title_line, doc.intro) == ("Changelog", 101, ["Intro."])


@pytest.mark.parametrize("make", [_long_entry, _many_versions, _blank_intro])
def test_parse_is_linear(make: Callable[[int], str]) -> None:
    assert_linear(kac.parse, make)

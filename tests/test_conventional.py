"""The Conventional Commits parser: cleaning as git does, parsing, and its properties."""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from tests.support.work import assert_linear
from trunkgate import conventional as cc

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Callable

MESSAGES = Path(__file__).parent / "messages"


def read(name: str) -> str:
    return (MESSAGES / name).read_bytes().decode("utf-8")


def rules(message: cc.Message) -> list[str]:
    return [issue.rule for issue in message.issues]


# --------------------------------------------------------------------------- clean


def test_clean_drops_comments_and_everything_after_the_scissors() -> None:
    text = read("editor.txt")
    assert cc.clean(text) == (
        "feat(parser): add arrays\n\n"
        "Arrays nest, and the parser now returns them as lists.\n\n"
        "Refs: #12"
    )
    scissors = (MESSAGES / "scissors.txt").read_bytes().decode("utf-8", "surrogateescape")
    assert cc.clean(scissors) == "feat(parser): add arrays"


def test_clean_is_like_gits_strip_mode() -> None:
    text = "\ufeff\n\n  \nfeat: x  \t\r\n\n\n# note\n\nbody\n\n\n"
    assert cc.clean_lines(text) == [(4, "feat: x"), (5, ""), (9, "body")]
    assert cc.clean(text) == "feat: x\n\nbody"
    assert cc.clean("") == ""
    assert cc.clean("# only\n#\n") == ""


def test_clean_with_another_comment_char() -> None:
    text = read("comment_semicolon.txt")
    assert cc.clean(text, ";") == (
        "fix(parser): accept an empty list\n\n#12 came from the empty list in the lexer."
    )
    assert cc.clean(text, "#").startswith("fix(parser): accept an empty list\n\n;")
    cut = "feat: x\n; ------------------------ >8 ------------------------\nmore"
    assert cc.clean(cut, ";") == "feat: x"
    assert (
        cc.clean(cut, "#")
        == "feat: x\n; ------------------------ >8 ------------------------\nmore"
    )


def test_clean_without_comment_char_keeps_everything() -> None:
    text = "fix: x\n\n# 12 is fixed\n# ------------------------ >8 ------------------------\n"
    assert cc.clean(text, None) == text.rstrip("\n")


def test_clean_keeps_non_ascii_whitespace() -> None:
    # git trims ASCII whitespace only; a no-break space at the end is content
    assert cc.clean("feat: x\u00a0\n") == "feat: x\u00a0"


@pytest.mark.parametrize(
    ("text", "char"),
    [
        ("feat: x\n\n; Please enter the commit message\n;\n; On branch main\n", ";"),
        ("feat: x\n@ ------------------------ >8 ------------------------\ndiff\n", "@"),
        ("feat: x\n\n|\tmodified: a.py\n\n", "|"),
        ("feat: x\n\nsome body\n", "#"),
        ("feat: x\n\n;not a template line\n", "#"),
        ("", "#"),
    ],
)
def test_auto_comment_char(text: str, char: str) -> None:
    assert cc.auto_comment_char(text) == char


# --------------------------------------------------------------------------- parse


def test_parse_all_parts() -> None:
    msg = cc.parse(read("multiline_footers.txt").rstrip("\n"))
    assert msg.kind == cc.CONVENTIONAL
    assert msg.valid
    assert (msg.type, msg.scope, msg.bang) == ("fix", "parser", False)
    assert msg.description == "keep the line number of a token that spans lines"
    assert msg.header == "fix(parser): keep the line number of a token that spans lines"
    assert msg.body == (
        "The lexer counted newlines only at the end of a token, so a string\n"
        "literal that spans lines shifted every later line number.\n\n"
        "Now the lexer counts them as it reads."
    )
    assert msg.footers == [
        ("Reviewed-by", "Ada Tester <ada@example.com>"),
        ("Refs", "#12"),
        ("Closes", "#13"),
    ]
    assert not msg.breaking
    assert msg.problems == []
    assert msg.warnings == []
    assert repr(msg).startswith("Message(conventional, 'fix(parser)")


def test_breaking_change_footer_with_a_multi_line_value() -> None:
    msg = cc.parse(cc.clean(read("breaking_footer.txt")))
    assert msg.valid
    assert msg.breaking
    assert not msg.bang
    assert msg.body == ""
    assert msg.footers == [
        (
            "BREAKING CHANGE",
            ".trunkgate.ini is no longer read; move its settings\nto [tool.trunkgate] in "
            "pyproject.toml.",
        )
    ]
    assert cc.footer(msg, "breaking change") == msg.footers[0][1]
    assert cc.footer(msg, "BREAKING-CHANGE") == msg.footers[0][1]


def test_breaking_change_token_with_a_hyphen() -> None:
    msg = cc.parse("fix: y\n\nBREAKING-CHANGE: the flag is gone")
    assert msg.breaking
    assert msg.footers == [("BREAKING-CHANGE", "the flag is gone")]


def test_bang_is_breaking() -> None:
    msg = cc.parse(cc.clean(read("bang.txt")))
    assert (msg.type, msg.scope, msg.bang, msg.breaking) == ("feat", "api", True, True)
    msg = cc.parse("refactor!: drop Python 3.9")
    assert (msg.scope, msg.bang, msg.description) == (None, True, "drop Python 3.9")


def test_footer_values_run_until_the_next_token_and_paragraphs_may_separate_them() -> None:
    msg = cc.parse("feat: x\n\nbody\n\nRefs: #1\n  and #2\n\nCloses #3\nAcked-by: Bo")
    assert msg.body == "body"
    assert msg.footers == [("Refs", "#1\n  and #2"), ("Closes", "#3"), ("Acked-by", "Bo")]
    assert cc.footer(msg, "refs") == "#1\n  and #2"
    assert cc.footer(msg, "closes") == "#3"
    assert cc.footer(msg, "changelog") is None


def test_footers_are_only_the_last_paragraphs() -> None:
    msg = cc.parse("fix: x\n\nNote: this looks like a footer\n\nbut this paragraph is not")
    assert msg.footers == []
    assert msg.body == "Note: this looks like a footer\n\nbut this paragraph is not"
    msg = cc.parse("fix: x\n\nsee http://example.com")
    assert msg.footers == []


def test_footer_lookup_is_case_insensitive() -> None:
    msg = cc.parse("docs: fix a typo\n\nChangelog: skip")
    assert cc.footer(msg, "Changelog") == "skip"
    assert cc.footer(msg, "CHANGELOG") == "skip"


@pytest.mark.parametrize(
    ("name", "kind"),
    [
        ("merge.txt", cc.MERGE),
        ("merge_pr.txt", cc.MERGE),
        ("revert.txt", cc.REVERT),
        ("fixup.txt", cc.FIXUP),
        ("squash.txt", cc.FIXUP),
        ("amend.txt", cc.FIXUP),
        ("conventional.txt", cc.CONVENTIONAL),
        ("invalid.txt", cc.INVALID),
        ("empty.txt", cc.EMPTY),
        ("only_comments.txt", cc.EMPTY),
    ],
)
def test_kinds_of_fixture_messages(name: str, kind: str) -> None:
    msg = cc.parse(cc.clean(read(name)))
    assert msg.kind == kind
    if kind in (cc.MERGE, cc.REVERT, cc.FIXUP, cc.EMPTY):
        assert msg.type is None
        assert msg.issues == []


@pytest.mark.parametrize(
    "header",
    [
        "Merge branch 'main' into feature/x",
        "Merge branches 'a' and 'b'",
        "Merge remote-tracking branch 'origin/main'",
        "Merge tag 'v1.2.0'",
        "Merge commit '1234567'",
        "Merge pull request #12 from org/feature",
        "Merge 1234567abcdef into 89abcdef0123",
        "Merged PR 42: add arrays",
    ],
)
def test_merge_subjects(header: str) -> None:
    assert cc.parse(header).kind == cc.MERGE


@pytest.mark.parametrize(
    "header",
    ["Merge pull request #x from y", "Merge stuff", "Merge 12345 into x", "Merge abcdefg1 onto x"],
)
def test_not_merge_subjects(header: str) -> None:
    assert cc.parse(header).kind == cc.INVALID


def test_revert_subjects() -> None:
    assert cc.parse('Revert "Revert "feat: x""').kind == cc.REVERT
    assert cc.parse('Reapply "feat: x"').kind == cc.REVERT
    assert cc.parse('Revert ""').kind == cc.INVALID
    assert cc.parse("revert: feat: x").kind == cc.CONVENTIONAL


def test_types_are_case_insensitive_with_a_warning() -> None:
    msg = cc.parse("Feat(Parser): add arrays")
    assert msg.kind == cc.CONVENTIONAL
    assert msg.valid  # warnings are not problems
    assert (msg.type, msg.scope) == ("feat", "Parser")
    assert rules(msg) == ["type-case"]
    assert msg.warnings[0][0] == 1


@pytest.mark.parametrize(
    "line",
    [
        "BREAKING CHANGES: the flag is gone",
        "Breaking change: the flag is gone",
        "breaking-change: the flag is gone",
        "BREAKING_CHANGE: the flag is gone",
        "BREAKING CHANGE #12",
        "BREAKING CHANGE:",
        "breaking changes  : x",
        "Breakingchange: x",
    ],
)
def test_a_misspelt_breaking_change_footer_is_a_problem(line: str) -> None:
    msg = cc.parse(f"feat: x\n\n{line}")
    assert not msg.breaking
    assert rules(msg) == ["breaking-change"]
    assert msg.problems[0][0] == 3
    assert "BREAKING CHANGE: " in msg.problems[0][2]


def test_breaking_change_hidden_in_the_body_is_a_problem() -> None:
    msg = cc.parse("feat: x\n\nBREAKING CHANGE: gone\n\nA closing paragraph.")
    assert not msg.breaking
    assert rules(msg) == ["breaking-change"]
    assert "body" in msg.problems[0][1]


def test_prose_about_breaking_things_is_not_a_footer() -> None:
    msg = cc.parse("feat: x\n\nBreaking the parser into modules made this easy.")
    assert msg.issues == []
    msg = cc.parse("feat: x\n\nBreaking changes: none\nBreaking change: N/A")
    assert msg.issues == []
    assert not msg.breaking


def test_a_breaking_change_footer_that_says_none_is_still_breaking() -> None:
    msg = cc.parse("feat: x\n\nBREAKING CHANGE: none")
    assert msg.breaking
    assert msg.valid
    assert rules(msg) == ["breaking-change"]
    assert msg.warnings[0][:2] == (
        3,
        '"BREAKING CHANGE: none" marks the commit as breaking all the same',
    )


@pytest.mark.parametrize(
    ("header", "rule", "severity", "words"),
    [
        ("Added parser", "header-format", cc.ERROR, 'no "<type>: " prefix'),
        ("feat:add arrays", "header-format", cc.ERROR, "no space after the colon"),
        ("feat : add arrays", "header-format", cc.ERROR, "a space before the colon"),
        ("Feat(Parser) : Add x.", "header-format", cc.ERROR, "a space before the colon"),
        ("feat (parser): add", "header-format", cc.ERROR, 'between the type "feat" and "("'),
        ("Fix bug: the parser", "header-format", cc.ERROR, '"Fix bug" is not a type'),
        ("2fa: add", "header-format", cc.ERROR, '"2fa" is not a type'),
        (": add", "header-format", cc.ERROR, "has no type"),
        (" feat: add", "header-format", cc.ERROR, "starts with whitespace"),
        ("feat(parser: add", "header-format", cc.ERROR, "no closing"),
        ("fix(a(b)): x", "header-format", cc.ERROR, "<type>(<scope>)"),
        ("feat!!: x", "header-format", cc.ERROR, '"<type>" or "<type>!"'),
        ("feat(): add", "scope-format", cc.ERROR, "the scope is empty"),
        ("feat( api ): add", "scope-format", cc.ERROR, "whitespace inside"),
        ("feat:", "description-empty", cc.ERROR, "empty"),
        ("feat:   ", "description-empty", cc.ERROR, "empty"),
        ("feat:  add arrays", "description-whitespace", cc.WARNING, "extra whitespace"),
        ("feat: \u3000add arrays", "description-whitespace", cc.WARNING, "extra whitespace"),
        ("feat: add arrays.", "description-period", cc.WARNING, "period"),
    ],
)
def test_header_issues(header: str, rule: str, severity: str, words: str) -> None:
    msg = cc.parse(header)
    assert rules(msg) == [rule]
    issue = msg.issues[0]
    assert (issue.line, issue.severity) == (1, severity)
    assert words in issue.what
    assert issue.expected
    assert rule in repr(issue)
    assert msg.valid == (severity == cc.WARNING)


def test_an_ellipsis_is_not_a_period() -> None:
    assert cc.parse("feat: add arrays...").issues == []


def test_an_empty_first_line_of_uncleaned_text() -> None:
    msg = cc.parse("\nfeat: x")
    assert msg.kind == cc.INVALID
    assert msg.problems[0][1] == "line 1 is empty"


def test_line_two_must_be_blank() -> None:
    msg = cc.parse("fix: x\nmore about x\n\nRefs: #1")
    assert rules(msg) == ["body-blank-line"]
    assert msg.problems == [(2, 'line 2 is not blank: "more about x"', msg.issues[0].expected)]
    assert msg.body == "more about x"
    assert msg.footers == [("Refs", "#1")]


def test_scope_may_hold_a_colon_and_a_list() -> None:
    msg = cc.parse("feat(api:v2,cli): add")
    assert (msg.scope, msg.description) == ("api:v2,cli", "add")


def test_crlf_text_parses_like_lf() -> None:
    msg = cc.parse(read("crlf.txt"))
    assert msg.valid
    assert (msg.body, msg.footers) == ("Arrays nest.", [("Refs", "#12")])
    assert "\r" not in msg.raw


def test_git_special_messages_keep_their_footers() -> None:
    msg = cc.parse('Revert "feat: x"\n\nThis reverts commit abc.\n\nBREAKING CHANGE: x is back')
    assert msg.kind == cc.REVERT
    assert msg.breaking
    assert msg.issues == []


# --------------------------------------------------------------------------- properties


@given(st.text())
def test_parse_never_raises(text: str) -> None:
    msg = cc.parse(text)
    assert msg.kind in (cc.CONVENTIONAL, cc.MERGE, cc.REVERT, cc.FIXUP, cc.INVALID, cc.EMPTY)
    assert isinstance(msg.problems, list)
    assert msg.breaking == (msg.bang or any(t in cc.BREAKING_TOKENS for t, _ in msg.footers))


@given(st.text(), st.sampled_from(["#", ";", None, "//"]))
def test_clean_never_raises_and_is_idempotent(text: str, char: str | None) -> None:
    once = cc.clean(text, char)
    assert cc.clean(once, char) == once
    assert cc.parse(once).kind is not None


_letters = st.characters(min_codepoint=ord("a"), max_codepoint=ord("z"))
_word = st.text(_letters, min_size=1, max_size=8)
_types = st.sampled_from(["feat", "fix", "docs", "refactor", "perf", "build", "my-type"])
_scopes = st.none() | st.from_regex(r"[a-z][a-z0-9/_.-]{0,10}", fullmatch=True)
_sentence = st.lists(_word, min_size=1, max_size=8).map(" ".join)
_paragraph = st.lists(_sentence, min_size=1, max_size=3).map("\n".join)
_token = st.sampled_from(["Refs", "Reviewed-by", "Acked-by", "Closes", "BREAKING CHANGE"])


@st.composite
def _footer(draw: st.DrawFn) -> tuple[str, str, str]:
    token = draw(_token)
    sep = ": " if token == "BREAKING CHANGE" else draw(st.sampled_from([": ", " #"]))
    value = draw(_sentence)
    shown = value if sep == ": " else "#" + value
    return token, f"{token}{sep}{value}", shown


@given(
    type_=_types,
    scope=_scopes,
    bang=st.booleans(),
    description=_sentence,
    body=st.lists(_paragraph, max_size=3),
    footers=st.lists(_footer(), max_size=4),
)
def test_round_trip(
    type_: str,
    scope: str | None,
    bang: bool,
    description: str,
    body: list[str],
    footers: list[tuple[str, str, str]],
) -> None:
    header = f"{type_}{f'({scope})' if scope else ''}{'!' if bang else ''}: {description}"
    blocks = [header, *body]
    if footers:
        blocks.append("\n".join(line for _, line, _ in footers))
    text = "\n\n".join(blocks)
    msg = cc.parse(cc.clean(text + "\n# a comment\n"))
    assert msg.valid, msg.issues
    assert (msg.type, msg.scope, msg.bang, msg.description) == (type_, scope, bang, description)
    assert msg.body == "\n\n".join(body)
    assert msg.footers == [(token, shown) for token, _, shown in footers]
    assert msg.breaking == (bang or any(t == "BREAKING CHANGE" for t, _, _ in footers))
    assert msg.header == header


# --------------------------------------------------------------------------- linear time
# Counted, not timed (as in test_keepachangelog.py): what a parse costs, at one size and at
# four times that size. Linear work grows four times; work that is quadratic in the input (a
# footer value rebuilt for every line, a line scanned again for every character) sixteen.


def _long_footer(n: int) -> str:
    """One footer value of n lines, after a short body."""
    lines = [f"continued, line {i} of what breaks" for i in range(n)]
    return "feat(api)!: drop v1\n\nThe body.\n\nRefs: #1\nBREAKING CHANGE: v1 is gone:\n" + (
        "\n".join(lines)
    )


def _long_body(n: int) -> str:
    """A body of n lines in paragraphs, some of which start like a footer."""
    lines = []
    for i in range(n):
        if i % 5 == 0:
            lines.append("")
        lines.append(f"Note: paragraph {i}" if i % 10 == 0 else f"line {i} of the body")
    return "fix: x\n" + "\n".join(lines) + "\n\nBreaking changes: none\n\nRefs: #1"


def _many_footers(n: int) -> str:
    lines = [f"Refs: #{i}" if i % 2 else f"Closes #{i}" for i in range(n)]
    return "fix: x\n\nThe body.\n\n" + "\n".join(lines)


def _long_lines(n: int) -> str:
    """A header, a body paragraph and a footer, each one line of 50 n characters."""
    word = "a" * 50 * n
    return f"{word}: x\n\n{word}: not a footer, for a body follows\n\nbody\n\nRefs: {word}"


def _editor_file(n: int) -> str:
    """What git leaves for the commit-msg hook: a message, its comments, then the scissors."""
    comments = "\n".join(f"# comment {i}" for i in range(n))
    rest = "\n".join(f"diff line {i}" for i in range(n))
    return f"{_long_footer(n)}\n{comments}\n# {cc.SCISSORS}\n{rest}\n"


def _hook(text: str) -> cc.Message:  # what the commit-msg hook does with the file
    return cc.parse(cc.clean(text, cc.auto_comment_char(text)))


def test_long_shapes_parse_as_expected() -> None:
    msg = _hook(_editor_file(100))
    assert (msg.valid, msg.breaking, msg.body) == (True, True, "The body.")
    assert [token for token, _ in msg.footers] == ["Refs", "BREAKING CHANGE"]
    assert msg.footers[1][1].startswith("v1 is gone:\ncontinued, line 0 of what breaks\n")
    assert msg.footers[1][1].endswith("\ncontinued, line 99 of what breaks")
    assert msg.footers[1][1].count("\n") == 100
    msg = cc.parse(_long_body(100))
    assert msg.body.startswith("Note: paragraph 0\nline 1 of the body\n")
    assert msg.body.endswith("\nline 99 of the body\n\nBreaking changes: none")
    assert (msg.footers, msg.issues) == ([("Refs", "#1")], [])
    msg = cc.parse(_many_footers(100))
    assert len(msg.footers) == 100
    assert msg.footers[:2] == [("Closes", "#0"), ("Refs", "#1")]
    msg = cc.parse(_long_lines(100))
    assert (msg.type, msg.description, msg.body[-4:]) == ("a" * 5000, "x", "body")
    assert msg.footers == [("Refs", "a" * 5000)]


@pytest.mark.parametrize("make", [_long_footer, _long_body, _many_footers, _long_lines])
def test_parse_is_linear(make: Callable[[int], str]) -> None:
    assert_linear(cc.parse, make)


def test_the_hook_path_is_linear() -> None:
    assert_linear(_hook, _editor_file)

"""Conventional Commits 1.0.0: clean a commit message the way git does, then parse it.

Pure functions, no I/O. The commit-msg hook, the commits gate, the changelog gate and the
release tooling all read messages through `parse`, so they agree on what a message says.
It is one parser over one grammar (about 530 lines), kept whole so that the hook reads one
module.

    type(scope)!: description        <- the header (line 1)
                                     <- one blank line
    body, free-form paragraphs
                                     <- one blank line
    Token: value                     <- footers: "Token: value" or "Token #value"
    BREAKING CHANGE: what breaks

Case: the spec (rule 15) makes every unit case-insensitive except the BREAKING CHANGE token,
which must be upper case. So `Feat: x` is accepted as type "feat" (`Message.type` is always
lower case; a warning suggests writing it in lower case), while `Breaking change: x` is a
problem: release tooling would not see the breaking change.
"""

from __future__ import annotations

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Sequence

SPEC_URL = "https://www.conventionalcommits.org/en/v1.0.0/"
HEADER_SHAPE = "<type>[(<scope>)][!]: <description>"
# git's scissors line (`git commit -v`): it and everything after it are not the message.
SCISSORS = "------------------------ >8 ------------------------"
# What core.commentChar=auto picks from, in git's order (builtin/commit.c).
AUTO_COMMENT_CHARS = "#;@!$%^&|:"
BREAKING_TOKENS = ("BREAKING CHANGE", "BREAKING-CHANGE")
_BLANK = " \t\r\v\f"  # the whitespace git's cleanup trims: ASCII only, unlike str.strip()

# Kinds of message.
CONVENTIONAL, MERGE, REVERT, FIXUP, INVALID, EMPTY = (
    "conventional",
    "merge",
    "revert",
    "fixup",
    "invalid",
    "empty",
)
ERROR, WARNING = "error", "warning"

_MERGE_PREFIXES = (
    "Merge branch ",
    "Merge branches ",
    "Merge remote-tracking branch",
    "Merge tag ",
    "Merge commit ",
    "Merge '",
    'Merge "',
)
_HEX = frozenset("0123456789abcdef")
FIXUP_PREFIXES = ("fixup! ", "squash! ", "amend! ")  # git commit --fixup / --squash

# No regular expressions here: this module is on the commit-msg hook's path, and `re` costs
# more to import than the whole parse.


def is_type(word: str) -> bool:
    """One word: a letter, then letters, digits, "_" or "-" (a type, or a footer token)."""
    # str methods rather than a loop over the characters: a long word costs a few C scans.
    return word[:1].isalpha() and word.replace("_", "").replace("-", "").isalnum()


def _footer_start(line: str) -> tuple[str, int] | None:
    """(token, where its value starts) when the line starts a footer: "Token: " or "Token #".

    Only the token BREAKING CHANGE may hold a space. "Closes #12" keeps its "#" in the
    value, so that it reads the same as "Closes: #12".
    """
    if line.startswith("BREAKING CHANGE: "):
        return "BREAKING CHANGE", 17
    if not line[:1].isalpha():  # a token starts with a letter
        return None
    # It runs to the first space or colon (neither can be in a token): found with str
    # methods rather than by a loop over the characters, so that a long line costs little.
    space = line.find(" ")
    colon = line.find(":", 0, space if space >= 0 else len(line))
    i = colon if colon >= 0 else space
    token = line[:i]
    if i < 0 or not is_type(token):
        return None
    if line.startswith(": ", i):
        return token, i + 2
    if line.startswith(" #", i):
        return token, i + 1
    return None


def _first_of(text: str, chars: str) -> int:
    """Where the first of these characters is in the text (its length if none is)."""
    return min((i for i in map(text.find, chars) if i >= 0), default=len(text))


def _looks_breaking(line: str) -> bool:
    """A line that means to be a BREAKING CHANGE footer ("Breaking changes: ...", ...)."""
    low = line[:40].lower()
    if not low.startswith("breaking"):
        return False
    rest = low[8:]
    if rest[:1] in (" ", "_", "-"):
        rest = rest[1:]
    if not rest.startswith("change"):
        return False
    rest = rest[6:].removeprefix("s").lstrip(" \t")
    return rest[:1] in (":", "#")


_NOTHING = frozenset(("none", "n/a", "na", "no", "nothing", "-"))  # "Breaking changes: none"


def _is_breaking_footer(line: str) -> bool:
    return line.startswith(("BREAKING CHANGE: ", "BREAKING-CHANGE: ")) and bool(line[17:].strip())


def _special_kind(header: str) -> str | None:
    """merge, revert or fixup for the subjects git (or a forge) writes, else None."""
    if header.startswith(FIXUP_PREFIXES):
        return FIXUP
    if header.startswith(('Revert "', 'Reapply "')) and header.endswith('"') and len(header) > 9:
        return REVERT
    if header.startswith(_MERGE_PREFIXES):
        return MERGE
    for lead, tail in (("Merge pull request #", " "), ("Merged PR ", ": ")):
        if header.startswith(lead):  # GitHub; Azure DevOps
            number = header[len(lead) :].partition(tail)[0]
            if number.isdigit() and tail in header[len(lead) :]:
                return MERGE
    if header.startswith("Merge "):  # actions/checkout's "Merge <sha> into <sha>"
        sha, _, rest = header[6:].partition(" ")
        if 7 <= len(sha) <= 64 and set(sha) <= _HEX and rest.startswith("into "):
            return MERGE
    return None


class _Header:
    """The parts of a `type(scope)!:` prefix, or None from `_split_header`."""

    __slots__ = ("bang", "colon", "scope", "type")

    def __init__(self, type_: str, scope: str | None, bang: bool, colon: int) -> None:
        self.type = type_
        self.scope = scope
        self.bang = bang
        self.colon = colon


def _split_header(header: str) -> _Header | None:
    """`type`, optional `(scope)` (no parentheses inside), optional `!`, then `:`."""
    n = len(header)
    i = _first_of(header, "(!:")
    type_ = header[:i]
    if not is_type(type_):
        return None
    scope = None
    if i < n and header[i] == "(":
        close = header.find(")", i + 1)
        if close < 0:
            return None
        scope = header[i + 1 : close]
        if "(" in scope:
            return None
        i = close + 1
    bang = i < n and header[i] == "!"
    if bang:
        i += 1
    if i >= n or header[i] != ":":
        return None
    return _Header(type_, scope, bang, i)


class Issue:
    """One thing wrong with a message: which rule, how bad, where, what, and what was expected."""

    __slots__ = ("expected", "line", "rule", "severity", "what")

    def __init__(self, rule: str, line: int, what: str, expected: str, severity: str = ERROR):
        self.rule = rule
        self.line = line
        self.what = what
        self.expected = expected
        self.severity = severity

    def __repr__(self) -> str:
        return f"Issue({self.rule}, line {self.line}: {self.what!r}, {self.severity})"


class Message:
    """A parsed commit message. Never built invalid: problems are listed, not raised."""

    __slots__ = (
        "bang",
        "body",
        "breaking",
        "description",
        "footers",
        "header",
        "issues",
        "kind",
        "raw",
        "scope",
        "type",
    )

    def __init__(self, raw: str) -> None:
        self.raw = raw  # the cleaned text, "\n" line ends
        self.header = ""  # line 1
        self.type: str | None = None  # lower case
        self.scope: str | None = None  # as written
        self.bang = False
        self.description: str | None = None  # stripped of surrounding whitespace
        self.body = ""
        self.footers: list[tuple[str, str]] = []  # (token, value), in order
        self.kind = EMPTY
        self.breaking = False
        self.issues: list[Issue] = []  # problems (errors) and warnings, in line order

    @property
    def problems(self) -> list[tuple[int, str, str]]:
        """Structural problems: (1-based line, what is wrong, what was expected)."""
        return [(i.line, i.what, i.expected) for i in self.issues if i.severity == ERROR]

    @property
    def warnings(self) -> list[tuple[int, str, str]]:
        """Allowed by the spec but probably a slip: (line, what, what was expected)."""
        return [(i.line, i.what, i.expected) for i in self.issues if i.severity == WARNING]

    @property
    def valid(self) -> bool:
        """A well-formed Conventional Commit (policy such as allowed types not considered)."""
        return self.kind == CONVENTIONAL and not self.problems

    def __repr__(self) -> str:
        return f"Message({self.kind}, {self.header!r})"


# --------------------------------------------------------------------------- cleaning


def clean_lines(text: str, comment_char: str | None = "#") -> list[tuple[int, str]]:
    """The lines git would commit, each with its 1-based line number in `text`.

    Like git's default `--cleanup=strip` (and `scissors` for `git commit -v`): trailing
    whitespace trimmed, lines starting with `comment_char` dropped, everything from the
    scissors line on dropped, runs of blank lines collapsed into one, leading and trailing
    blank lines dropped. `comment_char=None` keeps comment lines and ignores scissors.
    """
    if text.startswith("\ufeff"):  # a byte-order mark some editors write
        text = text[1:]
    cut = f"{comment_char} {SCISSORS}" if comment_char else None
    out: list[tuple[int, str]] = []
    blank_at = 0
    for number, line in enumerate(text.split("\n"), 1):
        line = line.rstrip(_BLANK)
        if comment_char:
            if line == cut:
                break
            if line.startswith(comment_char):
                continue
        if not line:
            if out and not blank_at:
                blank_at = number
            continue
        if blank_at:
            out.append((blank_at, ""))
            blank_at = 0
        out.append((number, line))
    return out


def clean(text: str, comment_char: str | None = "#") -> str:
    """The message git would commit: comments, scissors and surplus blank lines removed."""
    return "\n".join(line for _, line in clean_lines(text, comment_char))


def auto_comment_char(text: str) -> str:
    """The comment character git chose for `core.commentChar=auto`, read from the file.

    git picks the first of `#;@!$%^&|:` that starts no line of the initial message, then
    writes its comment template with it. The template always ends the file when git opens
    an editor, so the character is the one that starts the scissors line or the last
    non-blank line (as "<c>", "<c> ..." or "<c><tab>..."). Without a template (`-m`, `-F`)
    nothing is a comment and "#" is as good as any.
    """
    lines = [line.rstrip(_BLANK) for line in text.split("\n")]
    for line in lines:
        if line[:1] in AUTO_COMMENT_CHARS and line[1:] == f" {SCISSORS}" and line:
            return line[0]
    for line in reversed(lines):
        if line:
            if line[0] in AUTO_COMMENT_CHARS and line[1:2] in ("", " ", "\t"):
                return line[0]
            break
    return "#"


# --------------------------------------------------------------------------- parsing


def _diagnose(header: str) -> tuple[str, str]:
    """Why a header is not `type(scope)!: description`, and what was expected."""
    expected = f'"{HEADER_SHAPE}", e.g. "feat(parser): add arrays"'
    if not header:
        return "line 1 is empty", f"the header on line 1, {expected}"
    if header[:1].isspace():
        return "the header starts with whitespace", f"the type first, {expected}"
    first = header.split(" ", 1)[0]
    rest = header[len(first) :].lstrip()
    shaped = first.endswith((")", "!")) and ":" not in first and not rest.startswith(":")
    if shaped and rest and _split_header(first + ":"):
        return f'a colon is missing after "{first}"', expected  # "feat(cli) add --foo"
    colon = header.find(":")
    if colon < 0:
        return f'"{header}" has no "<type>: " prefix', expected
    prefix = header[:colon]
    if prefix != prefix.rstrip() and _split_header(prefix.rstrip() + ":"):
        return f'a space before the colon in "{prefix}:"', expected
    cut = _first_of(prefix, "(!")
    word, rest = prefix[:cut], prefix[cut:]
    if not word.strip():
        return f'"{header}" has no type before "{header[: colon + 1].strip()}"', expected
    if word != word.rstrip() and is_type(word.rstrip()):
        after = rest[:1] or ":"
        return f'a space between the type "{word.rstrip()}" and "{after}"', expected
    if not is_type(word):
        return (
            f'"{word}" is not a type: a type is one word (a letter, then letters, digits, "-")',
            expected,
        )
    if rest.startswith("("):
        if ")" not in rest:
            return f'the scope "{rest}" has no closing ")"', expected
        return f'"{word}{rest}" is not "<type>(<scope>)" or "<type>(<scope>)!"', expected
    return f'"{word}{rest}" is not "<type>" or "<type>!"', expected  # e.g. "feat!!" or "feat)"


def _parse_header(msg: Message) -> None:
    header = msg.header
    parts = _split_header(header)
    if parts is None:
        special = _special_kind(header)
        if special:
            msg.kind = special
        else:
            msg.kind = INVALID
            what, expected = _diagnose(header)
            msg.issues.append(Issue("header-format", 1, what, expected))
        return
    msg.kind = CONVENTIONAL
    written = parts.type
    msg.type = written.lower()
    msg.scope = parts.scope
    msg.bang = parts.bang
    after = header[parts.colon + 1 :]
    desc = after.lstrip(" \t")
    space = after[: len(after) - len(desc)]
    msg.description = desc.strip()
    if written != msg.type:
        msg.issues.append(
            Issue(
                "type-case",
                1,
                f'type "{written}" is not in lower case',
                f'"{msg.type}" (types are case-insensitive, lower case by convention)',
                WARNING,
            )
        )
    if msg.scope is not None:
        if not msg.scope.strip():
            msg.issues.append(
                Issue(
                    "scope-format",
                    1,
                    "the scope is empty",
                    'a scope such as "(parser)", or no parentheses at all',
                )
            )
        elif msg.scope != msg.scope.strip():
            msg.issues.append(
                Issue(
                    "scope-format",
                    1,
                    f'the scope "({msg.scope})" has whitespace inside the parentheses',
                    f'"({msg.scope.strip()})"',
                )
            )
    if not msg.description:
        msg.issues.append(
            Issue(
                "description-empty",
                1,
                "the description after the colon is empty",
                f'a short description after ": ", e.g. "{written}: add arrays"',
            )
        )
        return
    if not space:
        msg.issues.append(
            Issue(
                "header-format",
                1,
                f'no space after the colon in "{header}"',
                f'": " (a colon, then one space), e.g. "{header[: parts.colon + 1]} {desc}"',
            )
        )
    elif space != " " or desc[:1].isspace():
        msg.issues.append(
            Issue(
                "description-whitespace",
                1,
                "the description starts with extra whitespace",
                'exactly one space after ":"',
                WARNING,
            )
        )
    if msg.description.endswith(".") and not msg.description.endswith(".."):
        msg.issues.append(
            Issue(
                "description-period",
                1,
                "the description ends with a period",
                "no full stop at the end of the header",
                WARNING,
            )
        )


def _parse_rest(msg: Message, lines: Sequence[str]) -> None:
    """Body and footers: the footers are the trailing paragraphs that start with a token."""
    n = len(lines)
    if n > 1 and lines[1].strip():
        msg.issues.append(
            Issue(
                "body-blank-line",
                2,
                f'line 2 is not blank: "{lines[1].strip()[:60]}"',
                "an empty line between the header and the body",
            )
        )
    start = 1
    while start < n and not lines[start].strip():
        start += 1
    end = n
    while end > start and not lines[end - 1].strip():
        end -= 1
    footer_at = end
    i = end - 1
    while i >= start:  # walk paragraphs backwards while each starts with a footer token
        if lines[i].strip() and (i == start or not lines[i - 1].strip()):
            if not _footer_start(lines[i]):
                break
            footer_at = i
        i -= 1
    body_end = footer_at
    while body_end > start and not lines[body_end - 1].strip():
        body_end -= 1
    msg.body = "\n".join(lines[start:body_end])
    footers: list[tuple[str, list[str]]] = []  # (token, the lines of its value)
    for line in lines[footer_at:end]:
        start_of = _footer_start(line)
        if start_of:
            footers.append((start_of[0], [line[start_of[1] :]]))
        else:  # a value goes on until the next token (spec rule 10)
            footers[-1][1].append(line)
    msg.footers = [(token, "\n".join(value).strip()) for token, value in footers]
    for index in range(start, end):
        line = lines[index]
        if not _looks_breaking(line):
            continue
        value = line.split(":", 1)[-1].split("#", 1)[-1].strip().rstrip(".").lower()
        says_none = value in _NOTHING
        if not _is_breaking_footer(line):
            if says_none:  # "Breaking changes: none", as pull-request templates write it
                continue
            msg.issues.append(
                Issue(
                    "breaking-change",
                    index + 1,
                    f'"{line.strip()[:60]}" is not a breaking-change footer',
                    '"BREAKING CHANGE: <what breaks>" in upper case, with a colon and a space',
                )
            )
        elif index < footer_at:
            msg.issues.append(
                Issue(
                    "breaking-change",
                    index + 1,
                    "BREAKING CHANGE is in the body, where tools do not look for it",
                    "the footers last, after a blank line, each starting with its token",
                )
            )
        elif says_none:
            msg.issues.append(
                Issue(
                    "breaking-change",
                    index + 1,
                    f'"{line.strip()[:60]}" marks the commit as breaking all the same',
                    "no BREAKING CHANGE footer when nothing breaks",
                    WARNING,
                )
            )


def parse(text: str) -> Message:
    """Parse a cleaned commit message (see `clean`). Never raises."""
    raw = text.replace("\r\n", "\n").replace("\r", "\n")
    msg = Message(raw)
    if not raw.strip():
        return msg
    lines = raw.split("\n")
    msg.header = lines[0]
    _parse_header(msg)
    _parse_rest(msg, lines)
    if msg.kind in (MERGE, REVERT, FIXUP):  # git wrote the header; only its footers matter
        msg.issues = []
    msg.breaking = msg.bang or any(token in BREAKING_TOKENS for token, _ in msg.footers)
    msg.issues.sort(key=lambda issue: issue.line)
    return msg


def footer(message: Message, token: str) -> str | None:
    """The value of the first footer with this token, case-insensitive (None if absent).

    "BREAKING CHANGE" and "BREAKING-CHANGE" find each other (spec rule 16).
    """
    wanted = token.casefold()
    if wanted in ("breaking change", "breaking-change"):
        names = {"breaking change", "breaking-change"}
    else:
        names = {wanted}
    for name, value in message.footers:
        if name.casefold() in names:
            return value
    return None

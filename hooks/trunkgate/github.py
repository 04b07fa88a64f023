"""Everything trunkgate writes for GitHub Actions, and the one escaping rule it follows.

The runner reads a job's log as commands: a line whose text starts with `::` (after white
space) is a workflow command (`::error::`, `::add-mask::`, `::stop-commands::`), `##[` starts
a legacy one anywhere in a line, and a lone carriage return ends a line as a newline does.
A file name, a commit subject or a title is data, so:

- `guard()` wraps stdout and stderr. Every line written through them, whoever wrote it (a
  renderer, argparse, a tool's stderr in an error), is neutralised (`neutralise`): line
  breaks, other control characters and backslashes become backslash escapes, the colon of
  a leading `::` becomes `\\x3a` and the bracket of `##[` becomes `\\x5b`. Nothing is lost:
  `unescape` gives the text back.
- `command()` is the only way to issue a command; its message and properties are escaped
  the way the runner decodes them (`%25`, `%0D`, `%0A`, and `%3A`, `%2C` in properties).
- `set_outputs()` writes step outputs, always in the heredoc form with a random delimiter.
- `append_summary()` writes the step summary; `cell()` makes a value safe in one of its
  Markdown table cells (no line break, no `|`, no HTML, no Markdown markup).

Nothing here is imported unless trunkgate runs for GitHub or writes its files.
"""

from __future__ import annotations

import io
import os
import sys

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Mapping, Sequence

# A line break of any kind the runner or a reader could honour, and every other control.
_ESCAPES = {"\\": "\\\\", "\r": "\\r", "\n": "\\n", "\t": "\t"}


def active(fmt: str | None = None) -> bool:
    """True when output goes to a GitHub job log: `--format github`, or inside Actions."""
    return fmt == "github" or os.environ.get("GITHUB_ACTIONS") == "true"


def _escape_char(char: str) -> str:
    known = _ESCAPES.get(char)
    if known is not None:
        return known
    code = ord(char)
    if code < 0x20 or 0x7F <= code <= 0x9F:
        return f"\\x{code:02x}"
    return f"\\u{code:04x}"  # U+2028, U+2029: line and paragraph separators


def _is_unsafe(char: str) -> bool:
    code = ord(char)
    return (
        code < 0x20
        or 0x7F <= code <= 0x9F
        or char in "\\\u2028\u2029"
        # not whitespace to Python, but a reader may skip it before `::`
        or char in "\ufeff\u200b\u200c\u200d\u2060"
    ) and char != "\t"


def neutralise(line: str) -> str:
    """One line of data as the runner must see it: text, never a command."""
    if any(_is_unsafe(c) for c in line):
        line = "".join(_escape_char(c) if _is_unsafe(c) else c for c in line)
    if line.lstrip().startswith("::"):
        at = line.index("::")
        line = f"{line[:at]}\\x3a{line[at + 1 :]}"
    if "##[" in line:
        line = line.replace("##[", "##\\x5b")
    return line


def escape_text(text: str) -> str:
    """Several lines of data: each line neutralised, the line structure kept."""
    return "\n".join(neutralise(line) for line in text.split("\n"))


def unescape(text: str) -> str:
    """The inverse of `neutralise` (for tests and readers of the log)."""
    out: list[str] = []
    i = 0
    while i < len(text):
        char = text[i]
        if char != "\\" or i + 1 >= len(text):
            out.append(char)
            i += 1
            continue
        nxt = text[i + 1]
        if nxt == "x":
            out.append(chr(int(text[i + 2 : i + 4], 16)))
            i += 4
        elif nxt == "u":
            out.append(chr(int(text[i + 2 : i + 6], 16)))
            i += 6
        else:
            out.append({"r": "\r", "n": "\n"}.get(nxt, nxt))
            i += 2
    return "".join(out)


# --------------------------------------------------------------------------- the log


class _Guard(io.TextIOBase):
    """A text stream that neutralises every line written through it."""

    def __init__(self, raw: io.TextIOBase) -> None:
        self.raw = raw
        self._pending = ""

    def writable(self) -> bool:
        return True

    def write(self, text: str) -> int:
        lines = (self._pending + text).split("\n")
        self._pending = lines.pop()
        if lines:
            self.raw.write("".join(neutralise(line) + "\n" for line in lines))
        return len(text)

    def flush(self) -> None:
        if self._pending:
            self.raw.write(neutralise(self._pending))
            self._pending = ""
        self.raw.flush()

    def isatty(self) -> bool:
        return False

    def fileno(self) -> int:
        return int(self.raw.fileno())

    @property
    def encoding(self) -> str:  # type: ignore[override]  # read-only here, settable in io
        return getattr(self.raw, "encoding", "utf-8")


def _to_file(stream: object) -> bool:
    """True when the stream is a regular file (`> notes.md`): data, not the job log."""
    import stat

    try:
        return stat.S_ISREG(os.fstat(stream.fileno()).st_mode)  # type: ignore[attr-defined]
    except (AttributeError, OSError, ValueError):
        return False


def guard(stdout: bool = True) -> None:
    """From now on, every line on stderr, and on stdout unless `stdout` is False or it is
    redirected to a file, is data (idempotent). Machine formats (json, sarif) keep stdout
    exact: their text is inert in a log by itself (see `inert_json`)."""
    names = ["stderr"]
    if stdout and not _to_file(sys.stdout):
        names.append("stdout")
    for name in names:
        stream = getattr(sys, name)
        if stream is not None and not isinstance(stream, _Guard):
            setattr(sys, name, _Guard(stream))


def inert_json(text: str) -> str:
    """JSON text that no log line can read as a command, and that decodes to the same values:
    JSON escapes line breaks and controls in strings, no line of it starts with `::` outside
    a string, and `##[` (which only a string can hold) becomes `##\\u005b`."""
    return text.replace("##[", "##\\u005b")


def _raw(stream: object) -> object:
    if isinstance(stream, _Guard):
        stream.flush()
        return stream.raw
    return stream


def escape_data(value: str) -> str:
    """A command's message, as the runner decodes it."""
    return value.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def escape_property(value: str) -> str:
    """A command's property value (file=, title=), as the runner decodes it."""
    return escape_data(value).replace(":", "%3A").replace(",", "%2C")


def format_command(name: str, message: str, props: Mapping[str, object] | None = None) -> str:
    """`::name key=value,...::message`, every part escaped."""
    pairs = ",".join(
        f"{key}={escape_property(str(value))}"
        for key, value in (props or {}).items()
        if value is not None
    )
    return f"::{name}{' ' + pairs if pairs else ''}::{escape_data(message)}"


def command(name: str, message: str, props: Mapping[str, object] | None = None) -> None:
    """Issue one workflow command on stdout (the only way trunkgate issues one)."""
    stream = _raw(sys.stdout)
    stream.write(format_command(name, message, props) + "\n")  # type: ignore[attr-defined]  # a text stream


# --------------------------------------------------------------------------- step outputs


def _heredoc(key: str, value: str) -> str:
    import secrets

    while True:
        delimiter = f"ghadelimiter_{secrets.token_hex(16)}"
        if delimiter not in value:
            return f"{key}<<{delimiter}\n{value}\n{delimiter}\n"


def set_outputs(pairs: Mapping[str, str]) -> None:
    """Step outputs, each in the heredoc form with a random delimiter, so that no value can
    end itself early or set another output. Names get TRUNKGATE_OUTPUT_PREFIX in front."""
    path = os.environ.get("GITHUB_OUTPUT")
    if not path:
        return
    prefix = os.environ.get("TRUNKGATE_OUTPUT_PREFIX", "")
    text = "".join(_heredoc(f"{prefix}{key}", value) for key, value in pairs.items())
    with open(path, "a", encoding="utf-8") as fh:
        fh.write(text)


# --------------------------------------------------------------------------- step summary

_CELL_MARKUP = frozenset("\\`*_[]|~$")
_HTML = {"<": "&lt;", ">": "&gt;", "&": "&amp;"}


def cell(text: str) -> str:
    """A value in a Markdown table cell of the summary: one line, shown as written."""
    out = []
    for char in " ".join(text.replace("\r\n", "\n").splitlines()) if text else "":
        if char in _HTML:
            out.append(_HTML[char])
        elif char in _CELL_MARKUP:
            out.append("\\" + char)
        elif ord(char) < 0x20 or 0x7F <= ord(char) <= 0x9F:
            out.append(" ")
        else:
            out.append(char)
    return "".join(out)


def code(text: str) -> str:
    """A value shown as code in a summary cell (a path, a commit), escaped as `cell` does."""
    return f"<code>{cell(text)}</code>" if text else ""


def append_summary(markdown: str) -> None:
    """Add Markdown to the step summary (nothing outside Actions)."""
    path = os.environ.get("GITHUB_STEP_SUMMARY")
    if path:
        with open(path, "a", encoding="utf-8") as fh:
            fh.write(markdown)


def summary_table(header: Sequence[str], rows: Sequence[Sequence[str]]) -> list[str]:
    """A Markdown table whose cells are already escaped; a blank line after it."""
    lines = ["| " + " | ".join(header) + " |", "|" + " --- |" * len(header)]
    lines += ["| " + " | ".join(row) + " |" for row in rows]
    return [*lines, ""]

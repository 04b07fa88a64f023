"""How the GitHub Actions runner reads what a step prints and writes, for the tests.

- `lines(log)`: the runner ends a line at CR LF, at a lone LF and at a lone CR.
- `command(line)`: the runner's two command syntaxes. A line whose text, after leading
  white space (.NET's `TrimStart`, which also trims the Unicode spaces), starts with `::`
  is a command `::name[ key=value,...]::message`; `##[name ...]message` anywhere in a line
  is the legacy form. Returns (name, properties, message) decoded as the runner decodes
  them, or None for a line of plain text.
- `outputs(text)`: a GITHUB_OUTPUT (or GITHUB_ENV) file, in the `key=value` and the
  `key<<DELIMITER` forms.
"""

from __future__ import annotations

import re

_LEGACY = re.compile(r"##\[(?P<name>[^\]\s;]+)(?P<props>[^\]]*)\](?P<message>.*)")
_SPACE = "\t\n\v\f\r \x85\xa0\u1680\u2000\u2001\u2002\u2003\u2004\u2005\u2006\u2007\u2008"
_SPACE += "\u2009\u200a\u2028\u2029\u202f\u205f\u3000\ufeff\u200b"


def lines(log: str) -> list[str]:
    return re.split(r"\r\n|\r|\n", log)


def _unescape_data(text: str) -> str:
    return text.replace("%0D", "\r").replace("%0A", "\n").replace("%25", "%")


def _unescape_property(text: str) -> str:
    return _unescape_data(text.replace("%3A", ":").replace("%2C", ","))


def command(line: str) -> tuple[str, dict[str, str], str] | None:
    stripped = line.lstrip(_SPACE)
    if stripped.startswith("::"):
        end = stripped.find("::", 2)
        if end < 0:
            return None
        head, message = stripped[2:end], stripped[end + 2 :]
        name, _, raw = head.partition(" ")
        if not name:
            return None
        props = {}
        for pair in filter(None, raw.split(",")):
            key, _, value = pair.partition("=")
            props[key] = _unescape_property(value)
        return name, props, _unescape_data(message)
    legacy = _LEGACY.search(line)
    if legacy:
        return legacy["name"], {"legacy": legacy["props"]}, legacy["message"]
    return None


def commands(log: str) -> list[tuple[str, dict[str, str], str]]:
    """Every command the runner would act on in a log."""
    return [found for line in lines(log) if (found := command(line)) is not None]


def outputs(text: str) -> dict[str, str]:
    out: dict[str, str] = {}
    rows = text.split("\n")
    i = 0
    while i < len(rows):
        row = rows[i]
        i += 1
        if not row:
            continue
        if "<<" in row and ("=" not in row or row.index("<<") < row.index("=")):
            key, delimiter = row.split("<<", 1)
            value: list[str] = []
            while rows[i] != delimiter:
                value.append(rows[i])
                i += 1
            i += 1
            out[key] = "\n".join(value)
        else:
            key, _, value_text = row.partition("=")
            out[key] = value_text
    return out

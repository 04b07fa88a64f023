"""trunkgate's entry in a `.pre-commit-config.yaml`: written afresh, or added to one that exists.

An existing file is edited as text and never written back from a parsed form, so that every
other line (other repositories, local hooks, comments, blank lines, order, quoting) stays byte
for byte as it was. The edits are insertions, in the file's own indentation and line endings:

- `default_install_hook_types` gains the types trunkgate's hooks need (a new line before
  `repos:` when the file has none; the missing types added to its list when it has one);
- trunkgate's entry goes after the last entry of `repos:`;
- only with `force`: an existing trunkgate entry gets the wanted `rev:` (that one value) and
  its missing hooks, appended to its hook list; no hook is ever removed;
- a monorepo package's hooks (told apart by their `alias:`) join an existing entry that has
  none of them yet, appended to its hook list, without `force`.

When PyYAML can be imported (pre-commit itself needs it) the edited text is read back and
compared with the original: anything but the changes above refuses the edit, so a layout
this module does not understand can never be damaged.
"""

from __future__ import annotations

from trunkgate.report import UsageError

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Sequence
    from typing import Any

REPO_URL = "https://github.com/trunkgate/trunkgate"
HOOK_TYPES = ("pre-commit", "commit-msg", "pre-push")
NAME = ".pre-commit-config.yaml"


class Hook:
    """A hook of trunkgate's entry: its id, and extra `key: value` lines (already YAML)."""

    __slots__ = ("extra", "id")

    def __init__(self, id: str, extra: Sequence[tuple[str, str]] = ()) -> None:
        self.id = id
        self.extra = list(extra)

    @property
    def key(self) -> str:
        """What tells it apart in an entry: its alias (a monorepo package's), else its id."""
        return next((value for name, value in self.extra if name == "alias"), self.id)


class Edit:
    """The file's new text, what changed (one line each) and what needs --force."""

    __slots__ = ("changes", "conflicts", "text")

    def __init__(self, text: str) -> None:
        self.text = text
        self.changes: list[str] = []
        self.conflicts: list[str] = []


def _entry_lines(rev: str, hooks: Sequence[Hook], style: _Style) -> list[str]:
    seq, key = " " * style.seq, " " * (style.seq + 1 + style.gap)
    hseq, hkey = " " * style.hook_seq, " " * (style.hook_seq + 1 + style.hook_gap)
    lines = [
        f"{seq}-{' ' * style.gap}repo: {REPO_URL}",
        f"{key}rev: {rev}",
        f"{key}hooks:",
    ]
    lines += _hook_lines(hooks, hseq, hkey, style.hook_gap)
    return lines


def _hook_lines(hooks: Sequence[Hook], hseq: str, hkey: str, gap: int) -> list[str]:
    lines = []
    for hook in hooks:
        lines.append(f"{hseq}-{' ' * gap}id: {hook.id}")
        lines += [f"{hkey}{name}: {value}" for name, value in hook.extra]
    return lines


def fresh(rev: str, hooks: Sequence[Hook]) -> str:
    """A new `.pre-commit-config.yaml` holding only trunkgate's entry."""
    lines = [
        f"default_install_hook_types: [{', '.join(HOOK_TYPES)}]",
        "repos:",
        *_entry_lines(rev, hooks, _Style()),
    ]
    return "\n".join(lines) + "\n"


# --------------------------------------------------------------------------- reading the text


class _Style:
    """How the file indents its lists: `-   repo:` at column 0 (pre-commit's sample) by default."""

    def __init__(self, seq: int = 0, gap: int = 3, hook_seq: int = 4, hook_gap: int = 3) -> None:
        self.seq, self.gap, self.hook_seq, self.hook_gap = seq, gap, hook_seq, hook_gap


def _indent(line: str) -> int:
    return len(line) - len(line.lstrip(" "))


def _blank_or_comment(line: str) -> bool:
    stripped = line.strip()
    return not stripped or stripped.startswith("#")


def _dash(line: str) -> tuple[int, int] | None:
    """(indent, spaces after the dash) of a block-sequence item line, else None."""
    body = line.rstrip("\r\n")
    at = _indent(body)
    if body[at : at + 1] != "-" or len(body) == at + 1 or body[at + 1] != " ":
        return None
    rest = body[at + 1 :]
    return at, len(rest) - len(rest.lstrip(" "))


def _value(line: str, key: str) -> str | None:
    """The plain value of `key:` on a line (after an optional `- `), unquoted, without a
    trailing comment; None when the line is not that key."""
    body = line.strip()
    if body.startswith("- "):
        body = body[2:].lstrip()
    if not body.startswith(key + ":"):
        return None
    value = body[len(key) + 1 :].strip()
    if value.startswith(("'", '"')):
        end = value.find(value[0], 1)
        return value[1:end] if end > 0 else value[1:]
    return value.split(" #", 1)[0].strip()


def _top_keys(lines: Sequence[str]) -> dict[str, int]:
    found: dict[str, int] = {}
    for at, line in enumerate(lines):
        if line[:1] and line[:1] not in " \t#-\r\n" and ":" in line:
            found.setdefault(line.split(":", 1)[0].strip(), at)
    return found


def _is_trunkgate(url: str) -> bool:
    text = url.strip().lower().rstrip("/")
    text = text[:-4] if text.endswith(".git") else text
    return text.endswith(("github.com/trunkgate/trunkgate", "github.com:trunkgate/trunkgate"))


def _last_content(lines: Sequence[str], start: int, end: int) -> int:
    """The last line in [start, end) that is not blank and not a comment at column 0
    (those belong to what follows); start - 1 when there is none."""
    for at in range(end - 1, start - 1, -1):
        line = lines[at]
        if line.strip() and not line.startswith("#"):
            return at
    return start - 1


class _Item:
    __slots__ = ("end", "start", "url")

    def __init__(self, start: int, end: int, url: str) -> None:
        self.start, self.end, self.url = start, end, url


def _items(lines: Sequence[str], start: int, end: int, seq: int) -> list[_Item]:
    heads = [at for at in range(start, end) if (_dash(lines[at]) or (-1, 0))[0] == seq]
    items = []
    for n, head in enumerate(heads):
        stop = heads[n + 1] if n + 1 < len(heads) else end
        stop = _last_content(lines, head, stop) + 1
        url = next(
            (v for at in range(head, stop) if (v := _value(lines[at], "repo")) is not None), ""
        )
        items.append(_Item(head, stop, url))
    return items


def _style(lines: Sequence[str], items: Sequence[_Item]) -> _Style:
    if not items:
        return _Style()
    seq, gap = _dash(lines[items[0].start]) or (0, 3)
    key = seq + 1 + gap
    hook_seq, hook_gap = key + (2 if gap == 1 else 0), gap
    for item in items:
        hooks = next(
            (at for at in range(item.start, item.end) if _value(lines[at], "hooks") == ""), None
        )
        if hooks is not None:
            following = next(
                (_dash(lines[at]) for at in range(hooks + 1, item.end) if _dash(lines[at])), None
            )
            if following:
                hook_seq, hook_gap = following
                break
    return _Style(seq, gap, hook_seq, hook_gap)


# --------------------------------------------------------------------------- editing


def _flow_list(value: str) -> list[str] | None:
    text = value.split(" #", 1)[0].strip()
    if not (text.startswith("[") and text.endswith("]")):
        return None
    return [part.strip().strip("'\"") for part in text[1:-1].split(",") if part.strip()]


def _hook_types(lines: list[str], keys: dict[str, int], nl: str, edit: Edit) -> None:
    """Add the hook types trunkgate's hooks need and the file does not list."""
    at = keys.get("default_install_hook_types")
    if at is None:
        repos = keys["repos"]
        where = repos
        while where > 0 and lines[where - 1].startswith("#"):
            where -= 1  # keep a comment that introduces repos: next to it
        lines.insert(where, f"default_install_hook_types: [{', '.join(HOOK_TYPES)}]{nl}")
        edit.changes.append("added default_install_hook_types: " + ", ".join(HOOK_TYPES))
        return
    line = lines[at]
    value = line.split(":", 1)[1]
    listed = _flow_list(value)
    if listed is not None:
        missing = [t for t in HOOK_TYPES if t not in listed]
        if missing:
            body = value.split(" #", 1)
            comment = f"  #{body[1].rstrip(chr(13) + chr(10))}" if len(body) > 1 else ""
            items = ", ".join([*listed, *missing])
            lines[at] = f"default_install_hook_types: [{items}]{comment}{nl}"
            edit.changes.append("default_install_hook_types: added " + ", ".join(missing))
        return
    if value.strip() and not value.strip().startswith("#"):
        raise UsageError(
            f"{NAME}: default_install_hook_types: expected a list, got {value.strip()!r}"
        )
    end = at + 1
    listed, last, style = [], at, None
    while end < len(lines) and (
        _blank_or_comment(lines[end]) or _dash(lines[end]) or lines[end][:1] == " "
    ):
        if _dash(lines[end]):
            listed.append(lines[end].strip()[2:].split(" #", 1)[0].strip().strip("'\""))
            last, style = end, _dash(lines[end])
        end += 1
    missing = [t for t in HOOK_TYPES if t not in listed]
    seq, gap = style or (2, 1)
    for n, kind in enumerate(missing, 1):
        lines.insert(last + n, f"{' ' * seq}-{' ' * gap}{kind}{nl}")
    if missing:
        edit.changes.append("default_install_hook_types: added " + ", ".join(missing))


def _update(
    lines: list[str], item: _Item, rev: str, hooks: Sequence[Hook], style: _Style, nl: str
) -> tuple[list[str], list[str]]:
    """(conflicts, changes) of trunkgate's existing entry; the lines are edited in place."""
    conflicts, changes = [], []
    rev_at = next((at for at in range(item.start, item.end) if _value(lines[at], "rev")), None)
    present = _keys("".join(lines[item.start : item.end]))
    missing = [h for h in hooks if h.key not in present]
    if rev_at is not None:
        old = _value(lines[rev_at], "rev") or ""
        if old != rev:
            conflicts.append(f"trunkgate's entry is at rev {old}, this trunkgate is {rev}")
            line = lines[rev_at]
            cut = line.index("rev:") + len("rev:")
            tail = line[cut:]
            spaces = tail[: len(tail) - len(tail.lstrip(" "))]
            after = tail.lstrip(" ")
            quote = after[:1] if after[:1] in "'\"" else ""
            rest = after[len(old) + 2 * len(quote) :]
            lines[rev_at] = f"{line[:cut]}{spaces}{quote}{rev}{quote}{rest}"
            changes.append(f"trunkgate's entry: rev {old} -> {rev}")
    if missing and len(missing) < len(hooks):  # some were taken out: only --force adds them
        conflicts.append("trunkgate's entry lacks " + ", ".join(h.key for h in missing))
    if missing:  # with none of them there yet, another package's entry, which these join
        hook_lines = [
            line + nl
            for line in _hook_lines(
                missing,
                " " * style.hook_seq,
                " " * (style.hook_seq + 1 + style.hook_gap),
                style.hook_gap,
            )
        ]
        lines[item.end : item.end] = hook_lines
        changes.append("trunkgate's entry: added " + ", ".join(h.key for h in missing))
    return conflicts, changes


def _keys(entry: str) -> set[str]:
    """The keys (alias, else id) of the hooks of one `- repo:` entry's text."""
    yaml = _yaml()
    if yaml is not None:
        try:
            loaded = yaml.safe_load(entry)
        except yaml.YAMLError:
            loaded = None
        if isinstance(loaded, list) and loaded and isinstance(loaded[0], dict):
            return {
                str(h.get("alias") or h.get("id"))
                for h in loaded[0].get("hooks") or []
                if isinstance(h, dict)
            }
    lines = entry.splitlines()  # pragma: no cover - pre-commit brings PyYAML along
    return {
        v for line in lines for k in ("id", "alias") if (v := _value(line, k))
    }  # pragma: no cover


def merge(text: str, rev: str, hooks: Sequence[Hook]) -> Edit:
    """The edit that adds trunkgate's entry to an existing file's text (see the module)."""
    nl = "\r\n" if "\r\n" in text else "\n"
    lines = text.splitlines(keepends=True)
    if lines and not lines[-1].endswith("\n"):
        lines[-1] += nl
    edit = Edit(text)
    _load(text)  # not YAML, or not a mapping: say so before anything else
    keys = _top_keys(lines)
    if "repos" not in keys:
        lines.append(f"repos:{nl}")
        keys = _top_keys(lines)
    head = lines[keys["repos"]]
    inline = head.split(":", 1)[1].strip()
    if inline and not inline.startswith("#"):
        raise UsageError(
            f"{NAME}: repos: is written inline ({inline[:30]}); expected a block list "
            "(one `- repo:` entry a line); nothing was written"
        )
    _hook_types(lines, keys, nl, edit)
    keys = _top_keys(lines)
    start = keys["repos"] + 1
    end = min([at for at in keys.values() if at >= start] or [len(lines)])
    first = next((at for at in range(start, end) if _dash(lines[at])), None)
    seq = (_dash(lines[first]) or (0, 0))[0] if first is not None else 0
    items = _items(lines, start, end, seq)
    style = _style(lines, items)
    ours = [item for item in items if _is_trunkgate(item.url)]
    if ours:
        conflicts, changes = _update(lines, ours[0], rev, hooks, style, nl)
        edit.conflicts += conflicts
        edit.changes += changes
    else:
        at = _last_content(lines, start, end) + 1
        lines[at:at] = [line + nl for line in _entry_lines(rev, hooks, style)]
        edit.changes.append(f"added trunkgate's entry ({len(hooks)} hooks) at the end of repos:")
    edit.text = "".join(lines)
    _verify(text, edit.text, rev, hooks)
    return edit


def _yaml() -> Any:
    """PyYAML, or None where it is not installed (pre-commit itself needs it)."""
    try:
        import yaml  # type: ignore[import-untyped]  # PyYAML ships no types
    except ImportError:  # pragma: no cover - pre-commit brings PyYAML along
        return None
    return yaml


def _load(text: str) -> dict[str, Any]:
    """The file read as YAML (when PyYAML is here); not YAML, or not a mapping, is bad input."""
    yaml = _yaml()
    if yaml is None:  # pragma: no cover - pre-commit brings PyYAML along
        return {}
    try:
        loaded = yaml.safe_load(text) if text.strip() else {}
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" (line {mark.line + 1})" if mark is not None else ""
        raise UsageError(f"{NAME}: not valid YAML{where}; nothing was written") from None
    if not isinstance(loaded, dict):
        raise UsageError(
            f"{NAME}: expected a mapping (repos: ...) at the top, got {type(loaded).__name__}"
        )
    return loaded


def _verify(before: str, after: str, rev: str, hooks: Sequence[Hook]) -> None:
    """Read both texts back (when PyYAML is here) and refuse anything but the intended edit."""
    yaml = _yaml()
    if yaml is None:  # pragma: no cover - pre-commit brings PyYAML along
        return
    old = _load(before)
    try:
        new = yaml.safe_load(after)
    except yaml.YAMLError:
        new = None  # the edit broke the file: refused below
    expected = dict(old)
    types = list(old.get("default_install_hook_types") or [])
    expected["default_install_hook_types"] = types + [t for t in HOOK_TYPES if t not in types]
    repos = [dict(r) if isinstance(r, dict) else r for r in (old.get("repos") or [])]
    ours = next(
        (r for r in repos if isinstance(r, dict) and _is_trunkgate(str(r.get("repo", "")))),
        None,
    )
    wanted = [{"id": h.id, **{k: yaml.safe_load(v) for k, v in h.extra}} for h in hooks]
    if ours is None:
        repos.append({"repo": REPO_URL, "rev": rev, "hooks": wanted})
    else:
        present = {
            h.get("alias") or h.get("id") for h in ours.get("hooks") or [] if isinstance(h, dict)
        }
        ours["rev"] = rev
        ours["hooks"] = list(ours.get("hooks") or []) + [
            h for h in wanted if (h.get("alias") or h["id"]) not in present
        ]
    expected["repos"] = repos
    if new != expected:
        raise UsageError(
            f"{NAME}: its layout could not be edited without touching other lines; nothing "
            "was written (add trunkgate's entry by hand: see trunkgate init --help)"
        )


def repo_rev(text: str, name: str) -> str | None:
    """The `rev:` of the first entry whose repo URL ends in `name` (ruff-pre-commit), or None."""
    lines = text.splitlines(keepends=True)
    keys = _top_keys(lines)
    if "repos" not in keys:
        return None
    start = keys["repos"] + 1
    end = min([at for at in keys.values() if at >= start] or [len(lines)])
    first = next((at for at in range(start, end) if _dash(lines[at])), None)
    if first is None:
        return None
    for item in _items(lines, start, end, (_dash(lines[first]) or (0, 0))[0]):
        url = item.url.lower().rstrip("/")
        if url.removesuffix(".git").endswith("/" + name):
            for at in range(item.start, item.end):
                rev = _value(lines[at], "rev")
                if rev:
                    return rev
    return None

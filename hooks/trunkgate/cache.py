"""The policy cache: a policy file's parsed table, kept so that a hook on every commit does
not pay for the TOML parser (it costs more than the gate).

An entry is keyed by the file's path, size, times and inode, and stored with marshal (plain
values only: marshal executes nothing) in the user's cache folder.
"""

from __future__ import annotations

import os

from trunkgate.report import UsageError

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Callable

_CACHE_VERSION = 2


def freeze(value: object) -> object:
    """TOML values as marshal holds them: dates and times become tagged tuples."""
    if isinstance(value, dict):
        return {k: freeze(v) for k, v in value.items()}
    if isinstance(value, list):
        return [freeze(v) for v in value]
    if isinstance(value, (str, int, float, bool)):
        return value
    return ("\0" + type(value).__name__, value.isoformat())  # type: ignore[attr-defined]


def thaw(value: object) -> object:
    if isinstance(value, dict):
        return {k: thaw(v) for k, v in value.items()}
    if isinstance(value, list):
        return [thaw(v) for v in value]
    if isinstance(value, tuple):  # TOML has no tuples: a date, datetime or time
        import datetime

        return getattr(datetime, value[0][1:]).fromisoformat(value[1])
    return value


def _cache_file(path: str) -> str | None:
    if os.environ.get("TRUNKGATE_NO_CACHE"):
        return None
    base = os.environ.get("TRUNKGATE_CACHE_DIR") or os.path.join(
        os.environ.get("XDG_CACHE_HOME") or os.path.expanduser("~/.cache"), "trunkgate"
    )
    import zlib

    key = zlib.crc32(path.encode("utf-8", "surrogateescape"))
    return os.path.join(base, f"policy-{key:08x}.marshal")


def display(path: str) -> str:
    """A path as the user would name it: relative to the current folder when below it."""
    rel = os.path.relpath(path)
    return path if rel.startswith("..") else rel


def _stamp(st: os.stat_result) -> tuple[int, int, int, int]:
    return (st.st_size, st.st_mtime_ns, st.st_ctime_ns, st.st_ino)


def load(path: str, extract: Callable[[str, bytes], dict | None]) -> dict | None:
    """`extract(path, data)` of a policy file, through the cache when it is fresh."""
    import marshal

    path = os.path.abspath(path)
    try:
        stamp = _stamp(os.stat(path))
    except OSError:
        return None
    cache = _cache_file(path)
    if cache:
        try:
            # Our own cache of plain values (dicts, lists, strings, numbers) in the user's own
            # cache folder; marshal executes nothing, and anything unexpected is ignored.
            with open(cache, "rb") as fh:
                version, cached_path, cached_stamp, dated, table = marshal.load(fh)  # noqa: S302  # nosec B302
            if (version, cached_path, cached_stamp) == (_CACHE_VERSION, path, stamp) and (
                table is None or isinstance(table, dict)
            ):
                return thaw(table) if dated else table  # type: ignore[return-value]
        except (OSError, ValueError, EOFError, TypeError, AttributeError, IndexError):
            pass
    try:
        with open(path, "rb") as fh:
            data = fh.read()
    except OSError as exc:
        raise UsageError(f"{display(path)}: cannot read the file ({exc.strerror})") from None
    table = extract(display(path), data)
    if cache:
        try:
            try:
                blob = marshal.dumps((_CACHE_VERSION, path, stamp, False, table))
            except ValueError:  # TOML dates or times
                blob = marshal.dumps((_CACHE_VERSION, path, stamp, True, freeze(table)))
            os.makedirs(os.path.dirname(cache), exist_ok=True)
            tmp = f"{cache}.{os.getpid()}.tmp"
            with open(tmp, "wb") as fh:
                fh.write(blob)
            os.replace(tmp, cache)
        except (OSError, ValueError):
            pass  # no writable cache: no cache
    return table  # type: ignore[no-any-return]

"""The policy cache: a policy file's parsed table, kept so that a hook on every commit does
not pay for the TOML parser (it costs more than the gate).

An entry is keyed by the file's path, size, times and inode, and stored with marshal (plain
values only: marshal executes nothing) in the user's cache folder.
"""

from __future__ import annotations

import os
import stat

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Callable
    from typing import Any, TypeAlias

    # A TOML value as marshal holds it: a date, datetime or time becomes (tag, isoformat).
    Frozen: TypeAlias = dict[str, object] | list[object] | str | int | float | tuple[str, str]

_CACHE_VERSION = 3


def freeze(value: object) -> Frozen:
    """TOML values as marshal holds them: dates and times become tagged tuples."""
    if isinstance(value, dict):
        return {k: freeze(v) for k, v in value.items()}
    if isinstance(value, list):
        return [freeze(v) for v in value]
    if isinstance(value, (str, int, float, bool)):
        return value
    return ("\0" + type(value).__name__, value.isoformat())  # type: ignore[attr-defined]  # a date, datetime or time


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


MAX_ENTRY = 1024 * 1024  # a policy's cached table is a few KiB; anything larger is not ours


def _trusted(st: os.stat_result) -> bool:
    """Ours alone: owned by this user, and nobody else may write to it."""
    getuid = getattr(os, "getuid", None)
    return getuid is not None and st.st_uid == getuid() and not st.st_mode & 0o022


def _read_entry(cache: str) -> object:
    """The cached tuple, or None when the entry is missing or cannot be trusted: its folder
    and the entry must be this user's and writable by nobody else, and not a symlink."""
    import marshal

    try:
        if not _trusted(os.stat(os.path.dirname(cache))):
            return None
        fd = os.open(cache, os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0))
    except OSError:
        return None
    try:
        st = os.fstat(fd)
        if not (stat.S_ISREG(st.st_mode) and _trusted(st)) or st.st_size > MAX_ENTRY:
            return None
        with os.fdopen(fd, "rb", closefd=False) as fh:
            data = fh.read(MAX_ENTRY + 1)
    except OSError:
        return None
    finally:
        os.close(fd)
    import zlib

    # A checksum first: a truncated or corrupt entry (which could ask marshal for a list of a
    # billion items) is dropped before marshal sees it.
    if len(data) < 4 or zlib.crc32(data[4:]) != int.from_bytes(data[:4], "big"):
        return None
    try:
        # Plain values only (dicts, lists, strings, numbers): marshal executes nothing.
        return marshal.loads(data[4:])  # noqa: S302  # nosec B302
    except (ValueError, EOFError, TypeError, MemoryError, RecursionError):
        return None


def _write_entry(cache: str, blob: bytes) -> None:
    """Write an entry beside the others, created exclusively, renamed into place."""
    import tempfile

    folder = os.path.dirname(cache)
    os.makedirs(folder, mode=0o700, exist_ok=True)
    if not _trusted(os.stat(folder)):
        return
    import zlib

    fd, tmp = tempfile.mkstemp(prefix=".policy-", suffix=".tmp", dir=folder)
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(zlib.crc32(blob).to_bytes(4, "big") + blob)
        os.replace(tmp, cache)
    except BaseException:
        os.unlink(tmp)
        raise


def load(
    path: str, extract: Callable[[str, bytes], dict[str, Any] | None]
) -> dict[str, Any] | None:
    """`extract(path, data)` of a policy file, through the cache when it is fresh and ours.

    In any doubt (an entry of another user's, a folder others can write to, a stale stamp,
    a broken entry) the file itself is read.
    """
    import marshal

    from trunkgate.files import read_bytes

    path = os.path.abspath(path)
    try:
        stamp = _stamp(os.stat(path))
    except OSError:
        return None
    cache = _cache_file(path)
    if cache:
        entry = _read_entry(cache)
        if isinstance(entry, tuple) and len(entry) == 5:
            version, cached_path, cached_stamp, dated, table = entry
            if (version, cached_path, cached_stamp) == (_CACHE_VERSION, path, stamp) and (
                table is None or isinstance(table, dict)
            ):
                return thaw(table) if dated else table  # type: ignore[return-value]  # thaw keeps a dict
    table = extract(display(path), read_bytes(path, display(path)))
    if cache:
        try:
            try:
                blob = marshal.dumps((_CACHE_VERSION, path, stamp, False, table))
            except ValueError:  # TOML dates or times
                blob = marshal.dumps((_CACHE_VERSION, path, stamp, True, freeze(table)))
            _write_entry(cache, blob)
        except (OSError, ValueError):
            pass  # no writable cache: no cache
    return table

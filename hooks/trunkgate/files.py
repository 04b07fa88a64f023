"""Reading and writing the files trunkgate is given: one helper each, one set of errors.

- `read_text`: a regular text file, bounded in size; missing, unreadable, not a regular
  file (a FIFO, a device), too large or not UTF-8 is one `UsageError` line naming it.
- `write_all` / `write_atomic`: replace files all or nothing. Each new version goes to a
  fresh temporary file beside its target (`mkstemp`: created exclusively, never through a
  planted symlink), is flushed to disk, and only then renamed over the target.
- `project_root`: the folder that holds `.git`, walking up, without starting git.
"""

from __future__ import annotations

import os
import stat

from trunkgate.report import UsageError

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Sequence

MAX_BYTES = 64 * 1024 * 1024  # a policy, message, changelog or report larger than this is refused


def _expected(expected: str | None) -> str:
    return f", expected {expected}" if expected else ""


def read_bytes(
    path: str, shown: str | None = None, limit: int = MAX_BYTES, expected: str | None = None
) -> bytes:
    """A regular file's bytes, at most `limit` of them; anything else is a UsageError that
    names the file (and says what was `expected` there)."""
    shown = shown or path
    try:
        fd = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0))
    except FileNotFoundError:
        raise UsageError(f"{shown}: no such file{_expected(expected)}") from None
    except OSError as exc:
        raise UsageError(f"{shown}: cannot read the file ({exc.strerror})") from None
    try:
        info = os.fstat(fd)
        if stat.S_ISDIR(info.st_mode):
            raise UsageError(f"{shown}: is a directory{_expected(expected or 'a file')}")
        if not stat.S_ISREG(info.st_mode):
            raise UsageError(
                f"{shown}: not a regular file (a FIFO, a device or a socket)"
                f"{_expected(expected or 'a file')}"
            )
        if info.st_size > limit:
            raise UsageError(f"{shown}: {info.st_size} bytes, expected at most {limit}")
        with os.fdopen(fd, "rb", closefd=False) as fh:
            data = fh.read(limit + 1)
    except OSError as exc:
        raise UsageError(f"{shown}: cannot read the file ({exc.strerror})") from None
    finally:
        os.close(fd)
    if len(data) > limit:
        raise UsageError(f"{shown}: more than {limit} bytes, expected at most {limit}")
    return data


def decode(data: bytes, shown: str, expected: str | None = None) -> str:
    """UTF-8 text, or a UsageError that names the first bad byte."""
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise UsageError(
            f"{shown}: not UTF-8 text (byte 0x{data[exc.start]:02x} at offset {exc.start})"
            f"{_expected(expected)}"
        ) from None


def read_text(
    path: str, shown: str | None = None, limit: int = MAX_BYTES, expected: str | None = None
) -> str:
    """A UTF-8 text file's contents (see `read_bytes` for what is refused)."""
    shown = shown or path
    return decode(read_bytes(path, shown, limit, expected), shown, expected)


def _stage(path: str, shown: str, text: str) -> str:
    """The new version of one file, written and flushed to a temporary file beside it."""
    import tempfile

    folder, name = os.path.split(os.path.abspath(path))
    try:
        mode = stat.S_IMODE(os.stat(path).st_mode)
    except FileNotFoundError:
        umask = os.umask(0)
        os.umask(umask)
        mode = 0o666 & ~umask
    fd, tmp = tempfile.mkstemp(prefix=f".{name}.", suffix=".trunkgate-tmp", dir=folder)
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(text.encode("utf-8"))
            fh.flush()
            os.fsync(fh.fileno())
        os.chmod(tmp, mode)
    except BaseException:
        os.unlink(tmp)
        raise
    return tmp


def write_all(targets: Sequence[tuple[str, str, str]]) -> None:
    """Replace several files, each given as (path, shown, text), all or none.

    Every new version is staged first; a failure while staging removes what was staged and
    changes nothing. Then each is renamed over its target (a rename replaces a symlink
    rather than following it) and the folders are flushed.
    """
    staged: list[tuple[str, str]] = []
    try:
        for path, shown, text in targets:
            try:
                staged.append((_stage(path, shown, text), path))
            except OSError as exc:
                raise UsageError(
                    f"{shown}: cannot write the file ({exc.strerror}); nothing was changed"
                ) from None
    except BaseException:
        for tmp, _ in staged:
            os.unlink(tmp)
        raise
    folders = set()
    for tmp, path in staged:
        os.replace(tmp, path)
        folders.add(os.path.dirname(os.path.abspath(path)))
    for folder in folders:
        try:
            fd = os.open(folder, os.O_RDONLY)
        except OSError:  # pragma: no cover - a folder we just wrote in
            continue
        try:
            os.fsync(fd)
        except OSError:  # pragma: no cover - file systems that cannot flush a folder
            pass
        finally:
            os.close(fd)


def write_atomic(path: str, text: str) -> None:
    """Write one whole file or nothing."""
    write_all([(path, path, text)])


def project_root(start: str) -> str | None:
    """The nearest folder at or above `start` that holds `.git` (a folder, or the file of a
    worktree or submodule); None outside a working tree."""
    here = os.path.abspath(start)
    while True:
        if os.path.exists(os.path.join(here, ".git")):
            return here
        parent = os.path.dirname(here)
        if parent == here:
            return None
        here = parent

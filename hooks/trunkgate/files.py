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
    fd, tmp = tempfile.mkstemp(prefix=f".{name}.", suffix=TMP_SUFFIX, dir=folder)
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


JOURNAL = ".trunkgate-journal"
TMP_SUFFIX = ".trunkgate-tmp"


def _fsync_folder(folder: str) -> None:
    try:
        fd = os.open(folder, os.O_RDONLY)
    except OSError:  # pragma: no cover - a folder we just wrote in
        return
    try:
        os.fsync(fd)
    except OSError:  # pragma: no cover - file systems that cannot flush a folder
        pass
    finally:
        os.close(fd)


def _journal(folder: str, state: str, lines: list[str]) -> None:
    """Write the journal whole: a new version staged beside it, flushed, renamed in place."""
    text = "".join(f"{line}\n" for line in [state, *lines])
    os.replace(_stage(os.path.join(folder, JOURNAL), JOURNAL, text), os.path.join(folder, JOURNAL))
    _fsync_folder(folder)


def recover(folder: str) -> list[str]:
    """Finish or undo a `write_all` that was killed, in `folder`; returns the files it finished.

    A journal that says "commit" means every new version was staged: they are renamed into
    place (the write rolls forward). One that says "staging" means the kill came before:
    the staged files in the folders it names are removed (nothing had changed). Either way
    no temporary file and no journal is left.
    """
    journal = os.path.join(folder, JOURNAL)
    try:
        with open(journal, encoding="utf-8", errors="surrogateescape") as fh:
            state, *lines = [line for line in fh.read().split("\n") if line] or [""]
    except FileNotFoundError:
        # A kill while the first journal was staged leaves only that journal's temporary file.
        for name in os.listdir(folder) if os.path.isdir(folder) else ():
            if name.startswith(f".{JOURNAL}.") and name.endswith(TMP_SUFFIX):
                os.unlink(os.path.join(folder, name))
        return []
    done: list[str] = []
    folders = {folder}
    if state == "commit":
        for line in lines:
            tmp, _, path = line.partition("\0")
            folders.add(os.path.dirname(path))
            if os.path.exists(tmp):
                os.replace(tmp, path)
                done.append(path)
    else:
        folders.update(lines)
    for here in folders:
        try:
            names = os.listdir(here)
        except OSError:
            continue
        for name in names:
            if name.startswith(".") and name.endswith(TMP_SUFFIX):
                os.unlink(os.path.join(here, name))
        _fsync_folder(here)
    os.unlink(journal)
    return done


def write_all(targets: Sequence[tuple[str, str, str]]) -> None:
    """Replace several files, each given as (path, shown, text), all or none.

    1. A journal in the folder the targets share says "staging" and names their folders.
    2. Every new version is staged beside its target (a failure here removes what was
       staged and the journal, and changes nothing).
    3. The journal is rewritten to say "commit" and name the staged files: from this moment
       the write is done, whatever happens.
    4. Each staged file is renamed over its target (a rename replaces a symlink rather than
       following it), the folders are flushed, and the journal is removed.
    Each journal write is itself staged, flushed and renamed, so it is old or new, never
    half. A kill at any moment leaves the old files, or the new ones once `recover` has
    run; `release cut`, `init` and the next write in that folder recover first.
    """
    paths = [os.path.abspath(path) for path, _, _ in targets]
    if len(paths) == 1:  # one rename is all or nothing by itself: no journal
        path, shown, text = targets[0]
        try:
            tmp = _stage(paths[0], shown, text)
        except OSError as exc:
            raise UsageError(f"{shown}: cannot write the file ({exc.strerror})") from None
        try:
            os.replace(tmp, paths[0])
        except OSError as exc:
            os.unlink(tmp)
            raise UsageError(f"{shown}: cannot write the file ({exc.strerror})") from None
        _fsync_folder(os.path.dirname(paths[0]))
        return
    if not paths:
        return
    folder = os.path.commonpath([os.path.dirname(p) for p in paths])
    recover(folder)
    _journal(folder, "staging", sorted({os.path.dirname(p) for p in paths}))
    staged: list[tuple[str, str]] = []
    try:
        for (_path, shown, text), full in zip(targets, paths, strict=True):
            try:
                staged.append((_stage(full, shown, text), full))
            except OSError as exc:
                raise UsageError(
                    f"{shown}: cannot write the file ({exc.strerror}); nothing was changed"
                ) from None
        _journal(folder, "commit", [f"{tmp}\0{path}" for tmp, path in staged])
    except BaseException:
        recover(folder)
        raise
    for tmp, path in staged:
        os.replace(tmp, path)
    for here in {os.path.dirname(path) for _, path in staged}:
        _fsync_folder(here)
    os.unlink(os.path.join(folder, JOURNAL))


def write_atomic(path: str, text: str) -> None:
    """Write one whole file or nothing."""
    write_all([(path, path, text)])


def lines_of(path: str, cache: dict[str, list[str]]) -> list[str]:
    """A source file's lines, read once per `cache` (none when it cannot be read), undecodable
    bytes replaced: the code a finding flags, to show it or fingerprint it."""
    if path not in cache:
        try:
            with open(path, encoding="utf-8", errors="replace") as fh:
                cache[path] = fh.read().splitlines()
        except OSError:
            cache[path] = []
    return cache[path]


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

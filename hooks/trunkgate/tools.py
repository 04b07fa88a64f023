"""Shared helpers of the tool gates (lint, security, audit, coverage).

Find a tool next to the running interpreter or on PATH, run it with an argument list
(never a shell), and turn a crash into one clear `UsageError` with the tail of its stderr.
Which files a gate scans is the change model's answer (`Change.select`). Gates never import
each other; what two of them share lives here.
"""

from __future__ import annotations

import os
import sys

from trunkgate import flags
from trunkgate.report import UsageError

TYPE_CHECKING = False
if TYPE_CHECKING:
    import subprocess
    from collections.abc import Iterable, Sequence

TAIL_LINES = 5

# The arguments every file-scanning gate takes, in the same words.
FILE_ARGS = (
    flags.Arg(
        "files",
        "files to check (pre-commit passes the staged ones); default: the change in CI",
        kind="pos*",
        metavar="FILE",
    ),
    flags.Arg("--all", "check the whole tree instead of the given or changed files", kind="flag"),
    flags.Arg(
        "--base",
        "check the files changed between the merge-base of REF and HEAD "
        "(default in CI: the pull request's base, or the push's previous commit)",
        metavar="REF",
    ),
)


# --------------------------------------------------------------------------- files


def is_excluded(path: str, patterns: Iterable[str]) -> bool:
    """A path matched by a shell-style pattern (whole path), or inside a listed folder."""
    from fnmatch import fnmatchcase

    for pattern in patterns:
        pattern = pattern.strip()
        while pattern.startswith("./"):
            pattern = pattern[2:]
        pattern = pattern.rstrip("/")
        if not pattern:
            continue
        if path == pattern or path.startswith(pattern + "/") or fnmatchcase(path, pattern):
            return True
    return False


# --------------------------------------------------------------------------- run


def find(name: str, install_hint: str, *, path_first: bool = False) -> str:
    """The path of a tool: next to `sys.executable` first (the hook's venv), then on PATH;
    with `path_first`, PATH first (the project's own environment, for its test command).

    A missing tool is a UsageError that says how to install it.
    """
    exe = name + ".exe" if os.name == "nt" else name
    here = os.path.dirname(os.path.abspath(sys.executable)) if sys.executable else ""
    folders = [p for p in os.environ.get("PATH", "").split(os.pathsep) if p]
    if here:
        folders = [*folders, here] if path_first else [here, *folders]
    for folder in folders:
        candidate = os.path.join(folder, exe)
        if os.path.isfile(candidate) and os.access(candidate, os.X_OK):
            return candidate
    where = f"next to {sys.executable} or on PATH" if here else "on PATH"
    raise UsageError(f"{name} is not installed (looked {where}); install it with: {install_hint}")


def command(text: str, key: str, hint: str | None = None, *, path_first: bool = False) -> list[str]:
    """A command the policy names (`pytest -q`), split as a POSIX shell splits words (never
    run through one), its program found as `find` finds a tool; `hint` says how to install
    it. A command that cannot be split, or is empty, is a UsageError naming the policy key."""
    import shlex

    try:
        argv = shlex.split(text)
    except ValueError as exc:
        raise UsageError(f"{key}: cannot split {text!r} ({exc}), expected a command") from None
    if not argv or not argv[0]:
        raise UsageError(f"{key}: empty, expected a command such as `pytest`")
    if os.sep not in argv[0] and "/" not in argv[0]:
        name = argv[0]
        default = "pip install pytest" if name == "pytest" else f"install {name}"
        argv[0] = find(
            name, f"{hint or default} (or set the policy key {key})", path_first=path_first
        )
    return argv


def is_pytest(argv: Sequence[str]) -> bool:
    """pytest run as a program (`pytest`, `py.test`) or as a module (`python -m pytest`)."""
    name = os.path.basename(argv[0]).removesuffix(".exe")
    if name in ("pytest", "py.test"):
        return True
    return any(argv[i] == "-m" and argv[i + 1] == "pytest" for i in range(1, len(argv) - 1))


def find_tool(gate: str) -> str:
    """The path of the tool a gate needs, as the registry declares it (with its install hint)."""
    from trunkgate import registry

    tool = registry.tool_of(gate)
    return find(tool.name, tool.install)


def tail(text: str, lines: int = TAIL_LINES) -> list[str]:
    """The last few non-blank lines of a tool's output, for an error message."""
    kept = [line.rstrip() for line in text.splitlines() if line.strip()]
    return kept[-lines:]


def failure(argv: Sequence[str], proc: subprocess.CompletedProcess[str], what: str) -> UsageError:
    """The UsageError for a tool that did not do its job: what went wrong and the last lines
    of its stderr, joined on one line; up to 40 lines go in `detail`, for --verbose."""
    name = os.path.basename(argv[0]).removesuffix(".exe")
    kept = tail(proc.stderr or "", 40) or tail(proc.stdout or "", 40) or ["(no output)"]
    shown = "; ".join(" ".join(line.split()) for line in kept[-TAIL_LINES:])
    more = len(kept) - TAIL_LINES
    hint = f" (--verbose shows {more} more lines)" if more > 0 else ""
    return UsageError(f"{name} {what}: {shown}{hint}", detail="\n".join(kept))


def _popen(
    argv: Sequence[str], cwd: str | None, env: dict[str, str] | None
) -> subprocess.Popen[str]:
    import subprocess

    try:
        return subprocess.Popen(
            list(argv),
            cwd=cwd,
            env={**os.environ, **env} if env else None,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            encoding="utf-8",
            errors="replace",
        )
    except OSError as exc:
        raise UsageError(f"cannot run {argv[0]}: {exc.strerror or exc}") from None


def _finish(
    argv: Sequence[str], proc: subprocess.Popen[str], ok: Sequence[int], timeout: float | None
) -> subprocess.CompletedProcess[str]:
    import subprocess

    try:
        out, err = proc.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.communicate()
        raise UsageError(
            f"{os.path.basename(argv[0])} did not finish within {timeout:g} s"
        ) from None
    done = subprocess.CompletedProcess(list(argv), proc.returncode, out, err)
    if done.returncode not in ok:
        raise failure(argv, done, f"failed (exit status {done.returncode})")
    return done


def run(
    argv: Sequence[str],
    *,
    cwd: str | None = None,
    ok: Sequence[int] = (0,),
    env: dict[str, str] | None = None,
    timeout: float | None = None,
) -> subprocess.CompletedProcess[str]:
    """Run a tool (an argument list, never a shell); return its completed process.

    stdout and stderr are captured as text. `env` adds variables to the current
    environment. An exit status not in `ok`, a tool that cannot start or one that runs
    past `timeout` seconds becomes a UsageError (exit 2) with the tail of its stderr.
    """
    return _finish(argv, _popen(argv, cwd, env), ok, timeout)


def run_all(
    argvs: Sequence[Sequence[str]],
    *,
    cwd: str | None = None,
    ok: Sequence[int] = (0,),
    env: dict[str, str] | None = None,
    timeout: float | None = None,
) -> list[subprocess.CompletedProcess[str]]:
    """Run several tool processes at once (one per core, say); results in the same order."""
    if len(argvs) == 1:
        return [run(argvs[0], cwd=cwd, ok=ok, env=env, timeout=timeout)]
    import threading

    procs = [_popen(argv, cwd, env) for argv in argvs]
    results: list[subprocess.CompletedProcess[str] | UsageError | None] = [None] * len(procs)

    def collect(i: int) -> None:
        try:
            results[i] = _finish(argvs[i], procs[i], ok, timeout)
        except UsageError as exc:
            results[i] = exc

    threads = [threading.Thread(target=collect, args=(i,), daemon=True) for i in range(len(procs))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    for result in results:
        if isinstance(result, UsageError):
            raise result
    # Every thread stored its process or its error (raised above): no None is left.
    return results  # type: ignore[return-value]  # no None is left


def load_json(argv: Sequence[str], proc: subprocess.CompletedProcess[str]) -> object:
    """A tool's JSON output; output that is not JSON means the tool crashed."""
    import json

    try:
        return json.loads(proc.stdout)
    except ValueError:
        raise failure(argv, proc, f"gave no JSON report (exit status {proc.returncode})") from None


# --------------------------------------------------------------------------- which files

# The file types a scanning gate can select, by the names pre-commit gives them (identify's
# tags), and the suffixes that make a file that type. `python` also takes an extensionless
# script with a python shebang, as identify does. A gate's hook passes every file of the
# types it may select; the gate keeps those of the types its policy selects, with the same
# function (`selects`) whichever way the files came: given, changed, or the whole tree.
FILE_TYPES: dict[str, tuple[str, ...]] = {
    "python": (".py", ".pyw"),
    "pyi": (".pyi",),
    "jupyter": (".ipynb",),
    "markdown": (".md", ".markdown"),
}


def suffixes_of(types: Sequence[str], where: str) -> tuple[str, ...]:
    """The suffixes of the named file types; an unknown name is a UsageError naming `where`."""
    out: list[str] = []
    for name in types:
        if name not in FILE_TYPES:
            known = ", ".join(FILE_TYPES)
            raise UsageError(f"{where}: unknown file type {name!r}, expected some of {known}")
        out += FILE_TYPES[name]
    return tuple(out)


def selects(path: str, suffixes: Sequence[str]) -> bool:
    """True for a file a gate with these suffixes scans (a shebang script is python's)."""
    from trunkgate.change import is_python

    shebang = ".py" in suffixes
    name = os.path.basename(path)
    if not shebang and not name.endswith(tuple(suffixes)):
        return False
    return os.path.isfile(path) and is_python(path, suffixes)


def tree_files(root: str, suffixes: Sequence[str]) -> list[str]:
    """The files of the tree below `root` a gate with these suffixes scans: git's tracked and
    not-ignored files, relative to root, the same that `selects` keeps of given files."""
    from trunkgate import git

    return [f for f in git.ls_files(cwd=root) if selects(os.path.join(root, f), suffixes)]


# Keep each command line well under the smallest platform limit (Windows: 32767).
MAX_ARGV_CHARS = 24000


def chunks(
    files: Sequence[str],
    count: int,
    sizes: dict[str, int] | None = None,
    *,
    limit: int = MAX_ARGV_CHARS,
) -> list[list[str]]:
    """Split files into at least `count` groups (more when they would not fit in `limit`
    characters of command line), of similar total size (largest first, each into the
    lightest group); every group is non-empty."""
    if not files:
        return []
    chars = sum(len(f) + 1 for f in files)
    count = max(1, min(len(files), max(count, -(-chars // limit))))
    sizes = sizes or {}
    order = sorted(files, key=lambda f: (-sizes.get(f, 0), f))
    groups: list[list[str]] = [[] for _ in range(count)]
    loads = [0] * count
    for name in order:
        i = loads.index(min(loads))
        groups[i].append(name)
        loads[i] += sizes.get(name, 0) or 1
    return [sorted(g) for g in groups if g]


# --------------------------------------------------------------------------- pinned versions


def cache_home() -> str:
    """trunkgate's user cache folder: TRUNKGATE_CACHE_DIR, else trunkgate/ in XDG_CACHE_HOME
    (or ~/.cache)."""
    return os.environ.get("TRUNKGATE_CACHE_DIR") or os.path.join(
        os.environ.get("XDG_CACHE_HOME") or os.path.expanduser("~/.cache"), "trunkgate"
    )


def pinned(name: str, version: str, why: str) -> str:
    """The path of `name` at exactly `version`, installed from the package index into
    `<cache>/tools/<name>-<version>/` on first use and reused after; `why` names the pin for
    the error when it cannot be installed. The folder appears whole or not at all."""
    import re
    import shutil
    import tempfile

    if not re.fullmatch(r"[0-9]+(\.[0-9]+)*([a-z]+[0-9]+)?", version):
        raise UsageError(f"{why}: {version!r} is not a version, expected one like 0.4.4")
    folder = os.path.join(cache_home(), "tools", f"{name}-{version}")
    exe = name + ".exe" if os.name == "nt" else name
    found = os.path.join(folder, "Scripts" if os.name == "nt" else "bin", exe)
    if os.path.isfile(found):
        return found
    how = f"pip install {name}=={version} (or set the lint policy key {name}-version)"
    os.makedirs(os.path.dirname(folder), exist_ok=True)
    work = tempfile.mkdtemp(prefix=f".{name}-{version}-", dir=os.path.dirname(folder))
    try:
        argv = [
            sys.executable,
            "-m",
            "pip",
            "install",
            "--quiet",
            "--disable-pip-version-check",
            "--no-deps",
            "--only-binary=:all:",
            "--target",
            work,
            f"{name}=={version}",
        ]
        try:
            proc = _finish(argv, _popen(argv, None, None), (0, 1, 2, 3), 600)
            done = proc.returncode == 0
            last = tail(proc.stderr or proc.stdout or "", 1) or ["(no output)"]
        except UsageError as exc:  # no interpreter to run pip with, or pip hung
            done, last = False, [str(exc)]
        if not done or not os.path.isfile(os.path.join(work, os.path.relpath(found, folder))):
            lines = last
            raise UsageError(
                f"{why}: could not install {name} {version} into {folder} ({lines[-1].strip()}); "
                f"install it yourself with: {how}"
            )
        try:
            os.rename(work, folder)
        except OSError:  # another run installed it meanwhile
            if not os.path.isfile(found):
                raise
    finally:
        shutil.rmtree(work, ignore_errors=True)
    return found


def version_of(exe: str) -> str:
    """The version a tool prints for `--version` (`ruff 0.4.4` -> `0.4.4`)."""
    proc = run([exe, "--version"], timeout=60)
    words = proc.stdout.split()
    return words[-1] if words else ""

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
    from collections.abc import Sequence

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

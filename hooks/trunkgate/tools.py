"""Shared helpers of the tool gates (lint, security, audit, coverage).

Find a tool next to the running interpreter or on PATH, run it with an argument list
(never a shell), turn a crash into one clear `UsageError` with the tail of its stderr, and
choose the files a gate scans: the files given, the files changed since a base, or the
whole tree. Gates never import each other; what two of them share lives here.
"""

from __future__ import annotations

import os
import sys

from trunkgate import config, git
from trunkgate.report import UsageError

TYPE_CHECKING = False
if TYPE_CHECKING:
    import subprocess
    from collections.abc import Iterable, Sequence

    from trunkgate.context import Context

TAIL_LINES = 5

# The arguments every file-scanning gate takes, in the same words.
FILE_ARGS = (
    config.Arg(
        "files",
        "files to check (pre-commit passes the staged ones); default: the change in CI",
        kind="pos*",
        metavar="FILE",
    ),
    config.Arg("--all", "check the whole tree instead of the given or changed files", kind="flag"),
    config.Arg(
        "--base",
        "check the files changed between the merge-base of REF and HEAD "
        "(default in CI: the pull request's base, or the push's previous commit)",
        metavar="REF",
    ),
)

PY_SUFFIXES = (".py", ".pyw", ".pyi")


# --------------------------------------------------------------------------- run


def find(name: str, install_hint: str) -> str:
    """The path of a tool: next to `sys.executable` first (the hook's venv), then on PATH.

    A missing tool is a UsageError that says how to install it.
    """
    exe = name + ".exe" if os.name == "nt" else name
    here = os.path.dirname(os.path.abspath(sys.executable)) if sys.executable else ""
    folders = [here] if here else []
    folders += [p for p in os.environ.get("PATH", "").split(os.pathsep) if p]
    for folder in folders:
        candidate = os.path.join(folder, exe)
        if os.path.isfile(candidate) and os.access(candidate, os.X_OK):
            return candidate
    where = f"next to {sys.executable} or on PATH" if here else "on PATH"
    raise UsageError(f"{name} is not installed (looked {where}); install it with: {install_hint}")


def tail(text: str, lines: int = TAIL_LINES) -> str:
    """The last few non-blank lines of a tool's output, for an error message."""
    kept = [line.rstrip() for line in text.splitlines() if line.strip()]
    return "\n  ".join(kept[-lines:])


def failure(argv: Sequence[str], proc: subprocess.CompletedProcess[str], what: str) -> UsageError:
    """The UsageError for a tool that did not do its job: what went wrong, and its stderr tail."""
    name = os.path.basename(argv[0]).removesuffix(".exe")
    detail = tail(proc.stderr or "") or tail(proc.stdout or "") or "(no output)"
    return UsageError(f"{name} {what}:\n  {detail}")


def _popen(argv: Sequence[str], cwd: str | None, env: dict[str, str] | None):
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
    argv: Sequence[str], proc, ok: Sequence[int], timeout: float | None
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
    results: list[object] = [None] * len(procs)

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
    return results  # type: ignore[return-value]


def load_json(argv: Sequence[str], proc: subprocess.CompletedProcess[str]) -> object:
    """A tool's JSON output; output that is not JSON means the tool crashed."""
    import json

    try:
        return json.loads(proc.stdout)
    except ValueError:
        raise failure(argv, proc, f"gave no JSON report (exit status {proc.returncode})") from None


# --------------------------------------------------------------------------- paths


def relative(path: str, root: str) -> str:
    """A path as findings show it: relative to the project root, posix, no leading `./`."""
    absolute = os.path.normpath(os.path.join(root, path))
    rel = os.path.relpath(absolute, root)
    return rel.replace(os.sep, "/") if os.sep != "/" else rel


def is_python(path: str, suffixes: Sequence[str] = PY_SUFFIXES) -> bool:
    """A Python file by its suffix, or an extensionless script with a python shebang."""
    name = os.path.basename(path)
    if name.endswith(tuple(suffixes)):
        return True
    if "." in name.lstrip("."):
        return False
    try:
        with open(path, "rb") as fh:
            first = fh.readline(200)
    except OSError:
        return False
    return first.startswith(b"#!") and b"python" in first


class Selection:
    """The files a gate scans, and a sentence that says which and why."""

    __slots__ = ("files", "note", "whole_tree")

    def __init__(self, files: list[str], note: str, whole_tree: bool = False) -> None:
        self.files = files  # relative to the project root, posix; [] for the whole tree
        self.note = note
        self.whole_tree = whole_tree


def _plural(count: int, word: str) -> str:
    return f"{count} {word}{'s' * (count != 1)}"


def _keep(paths: Iterable[str], root: str, suffixes: Sequence[str], inside: bool) -> list[str]:
    """Existing Python files among `paths` (relative to root), deduplicated, in order."""
    out: dict[str, None] = {}
    for path in paths:
        rel = relative(path, root)
        if inside and (rel == ".." or rel.startswith("../")):
            continue
        full = os.path.join(root, rel)
        if os.path.isfile(full) and is_python(full, suffixes):
            out[rel] = None
    return list(out)


def _toplevel(root: str) -> str:
    """The top of the working tree holding root: the nearest folder with a `.git` (a folder, or
    a file in a worktree or submodule); git is asked only when the environment redirects it."""
    here = os.path.abspath(root)
    if "GIT_DIR" not in os.environ and "GIT_WORK_TREE" not in os.environ:
        while True:
            if os.path.exists(os.path.join(here, ".git")):
                return here
            parent = os.path.dirname(here)
            if parent == here:
                break
            here = parent
    return git.toplevel(cwd=root)


def changed(base: str, root: str, suffixes: Sequence[str] = PY_SUFFIXES) -> list[str]:
    """Python files changed between the merge-base of `base` and HEAD, relative to root."""
    names = git.changed_files(base, "HEAD", cwd=root)
    top = _toplevel(root)
    return _keep((os.path.join(top, n) for n in names), root, suffixes, inside=True)


def select(
    policy: config.Policy,
    opts: config.Options,
    ctx: Context,
    *,
    suffixes: Sequence[str] = PY_SUFFIXES,
    verb: str = "checked",
) -> Selection:
    """Which files to scan: `--all`; the files given; changes since `--base`, or in CI since
    the pull request's base (or the push's previous commit); a CI run with no base (a
    schedule, a new branch) scans the whole tree. Locally with nothing given: the change
    since the merge-base with the trunk."""
    root = policy.root
    if getattr(opts, "all", False):
        return Selection([], f"{verb} the whole tree (--all)", whole_tree=True)
    given = getattr(opts, "files", None) or []
    if given:
        cwd = os.getcwd()
        files = _keep((os.path.join(cwd, f) for f in given), root, suffixes, inside=False)
        skipped = len(given) - len(files)
        extra = f" ({_plural(skipped, 'other file')} skipped)" if skipped else ""
        return Selection(files, f"{verb} {_plural(len(files), 'Python file')} given{extra}")
    base = getattr(opts, "base", None)
    source = "--base"
    if not base and ctx.ci:
        if ctx.pr_base_sha:
            base, source = ctx.pr_base_sha, "the pull request's base"
        else:
            before, _ = ctx.push_range
            if before and not git.is_null(before):
                base, source = before, "the push's previous commit"
            else:
                event = ctx.event_name or "this"
                note = f"{verb} the whole tree (no base to compare with in a {event} event)"
                return Selection([], note, whole_tree=True)
    if not base:  # locally, with nothing given: the change since the trunk, as other gates do
        base = git.trunk_ref(policy.trunk, cwd=root)
        source = f"the trunk, {policy.trunk}"
    if not base:
        return Selection(
            [],
            f"nothing to check: no files given and no trunk ({policy.trunk}) to compare with "
            "(pass file names, --base REF or --all)",
        )
    sha = git.require_commit(base, source if source != "--base" else "--base", cwd=root)
    files = changed(sha, root, suffixes)
    label = base if source == "--base" else source
    return Selection(
        files,
        f"{verb} {_plural(len(files), 'changed Python file')} since {sha[:10]} ({label})",
    )

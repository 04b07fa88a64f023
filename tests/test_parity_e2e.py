"""Parity: the pre-commit hooks and the GitHub actions give the same verdict, case by case.

One table of cases (branch names, commit messages, changelogs, coverage data) goes both
ways:

- locally, through pre-commit with the hooks of a snapshot of this checkout, as a developer
  runs them (the branch checked out, the message file of the commit-msg stage, the changelog
  and the coverage data in the repository). The scratch repositories name the snapshot in
  their .pre-commit-config.yaml at its commit, as an adopter names a release, and call
  `pre-commit run <hook>`: `pre-commit try-repo` would build the hook environment afresh for
  every call (it uses a new store each time), which costs seconds per case;
- in CI, through the composite actions run by a real Actions runner (act): one job with one
  step per case, reading each step's `passed` output.

The two runs go concurrently (act in a thread). The verdicts must be equal for every case,
and each kind of case must have at least one pass and one fail, so that agreement is not
trivial.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

from tests.support.act import ActRun
from tests.support.gha import (
    VERSION,
    Target,
    build_once,
    copy_checkout,
    needs_act,
    run_workflow,
    runner_python,
    runner_python_template,
    trunkgate_ref,
    wheelhouse,
)

pytestmark = [pytest.mark.e2e, needs_act]

# Fixtures come from tests.support.gha; naming them here makes pytest see them.
__all__ = ["runner_python", "runner_python_template", "trunkgate_ref", "wheelhouse"]

PRE_COMMIT = str(Path(sys.executable).parent / "pre-commit")
CHANGELOGS = Path(__file__).resolve().parent / "changelogs"

BRANCHES = [
    "feature/login-form",
    "hotfix/1.4.1",
    "dependabot/pip/requests-2.32.3",
    "Feature/Login",
    "release/1.4.x",
    "wip",
]
MESSAGES = [
    "feat(api): add a thing",
    "fix!: drop the old flag",
    'Revert "feat: add a thing"',
    "added a thing",
    "feat: " + "a very long description " * 4,
    "Feat: capitalised type",
]
CHANGELOG_CASES = ["good.md", "missing-link.md", "bad-date.md", "no-unreleased.md", "ungrouped.md"]
# Coverage: how many of the ten functions of lib.py the tests call (fail-under is 90).
COVERAGE_CASES = [10, 9, 7]

LIB = "".join(f"def f{i}():\n    return {i}\n\n\n" for i in range(10))
COVERAGE_POLICY = """\
[tool.trunkgate]
trunk = "main"

[tool.trunkgate.coverage]
fail-under = 90
diff-fail-under = 0
"""


def coverage_project(dest: Path, called: int) -> None:
    """lib.py, a run of `called` of its functions under coverage, and coverage.json."""
    dest.mkdir(parents=True, exist_ok=True)
    (dest / "lib.py").write_text(LIB, encoding="utf-8")
    calls = "".join(f"lib.f{i}()\n" for i in range(called))
    (dest / "prog.py").write_text(f"import lib\n\n{calls}", encoding="utf-8")
    (dest / "pyproject.toml").write_text(COVERAGE_POLICY, encoding="utf-8")
    env = {**os.environ, "COVERAGE_FILE": str(dest / ".coverage")}
    for args in (["run", "--include=lib.py", "prog.py"], ["json", "-q", "-o", "coverage.json"]):
        subprocess.run([sys.executable, "-m", "coverage", *args], cwd=dest, env=env, check=True)
    (dest / ".coverage").unlink()
    (dest / "prog.py").unlink()


# --------------------------------------------------------------------------- local side


@pytest.fixture(scope="session")
def hook_repo(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, str]:
    """This checkout, committed to a scratch repository: (path, commit)."""

    def build(folder: Path) -> None:
        copy_checkout(folder)
        env = {**os.environ, "GIT_CONFIG_GLOBAL": os.devnull, "GIT_CONFIG_NOSYSTEM": "1"}
        for args in (["init", "-q", "-b", "main"], ["add", "-A"], ["commit", "-q", "-m", "s"]):
            subprocess.run(
                ["git", "-c", "user.name=t", "-c", "user.email=t@example.com", *args],
                cwd=folder,
                env=env,
                check=True,
            )

    folder = build_once(tmp_path_factory, "parity-hook-repo", build)
    sha = subprocess.run(
        ["git", "rev-parse", "HEAD"], cwd=folder, capture_output=True, text=True, check=True
    ).stdout.strip()
    return folder, sha


@pytest.fixture(scope="session")
def pre_commit_home(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One pre-commit store for the session: it builds each hook environment once."""
    return build_once(tmp_path_factory, "parity-pre-commit-home", lambda folder: None)


HOOKS = ("trunkgate-branch", "trunkgate-commit-msg", "trunkgate-changelog", "trunkgate-coverage")


class Local:
    """A scratch repository that adopts this checkout's hooks, run with pre-commit."""

    def __init__(self, path: Path, hooks: tuple[Path, str], home: Path) -> None:
        self.target = Target(path)
        self.env = {
            **self.target.env,
            "PRE_COMMIT_HOME": str(home),
            "NO_COLOR": "1",
            "TRUNKGATE_NO_CACHE": "1",
        }
        repo, rev = hooks
        listed = "".join(f"    -   id: {hook}\n" for hook in HOOKS)
        config = f"repos:\n-   repo: {repo}\n    rev: {rev}\n    hooks:\n{listed}"
        self.target.commit("chore: adopt the hooks", {".pre-commit-config.yaml": config})

    def run(self, hook: str, *args: str) -> bool:
        proc = subprocess.run(
            [PRE_COMMIT, "run", hook, *args],
            cwd=self.target.path,
            env=self.env,
            capture_output=True,
            text=True,
            check=False,
        )
        assert proc.returncode in (0, 1), f"{hook} {args}:\n{proc.stdout}\n{proc.stderr}"
        return proc.returncode == 0


def local_verdicts(tmp_path: Path, hooks: tuple[Path, str], home: Path) -> dict[str, bool]:
    verdicts: dict[str, bool] = {}

    branches = Local(tmp_path / "local-branch", hooks, home)
    for i, name in enumerate(BRANCHES):
        branches.target.git("checkout", "-q", "-b", name, "main")
        verdicts[f"branch-{i}"] = branches.run("trunkgate-branch", "--all-files")

    messages = Local(tmp_path / "local-msg", hooks, home)
    message_file = tmp_path / "COMMIT_EDITMSG"
    for i, text in enumerate(MESSAGES):
        message_file.write_text(text + "\n", encoding="utf-8")
        verdicts[f"message-{i}"] = messages.run(
            "trunkgate-commit-msg",
            "--hook-stage",
            "commit-msg",
            "--commit-msg-filename",
            str(message_file),
        )

    changelogs = Local(tmp_path / "local-changelog", hooks, home)
    for i, name in enumerate(CHANGELOG_CASES):
        changelogs.target.commit(f"docs: case {i}", {"CHANGELOG.md": read_case(name)})
        verdicts[f"changelog-{i}"] = changelogs.run("trunkgate-changelog", "--all-files")

    for i, called in enumerate(COVERAGE_CASES):
        local = Local(tmp_path / f"local-coverage-{i}", hooks, home)
        coverage_project(local.target.path, called)
        local.target.commit("test: measure", {})
        verdicts[f"coverage-{i}"] = local.run(
            "trunkgate-coverage", "--hook-stage", "pre-push", "--all-files"
        )
    return verdicts


def read_case(name: str) -> str:
    return (CHANGELOGS / name).read_text(encoding="utf-8")


# --------------------------------------------------------------------------- CI side


def step(case: str, action: str, **inputs: str) -> str:
    lines = [
        f"      - id: {case.replace('-', '_')}",
        "        continue-on-error: true",
        f"        uses: trunkgate/trunkgate/actions/{action}@v{VERSION}",
        "        with:",
    ]
    lines += [f"          {key}: {value!r}" for key, value in inputs.items()]
    return "\n".join(lines) + "\n"


ONLY_FORMAT = {"check-updated": "false"}  # the pre-commit hook checks the format only


def ci_workflow() -> str:
    steps = [step(f"branch-{i}", "branch-name", branch=name) for i, name in enumerate(BRANCHES)]
    steps += [
        step(f"message-{i}", "commits", range=f"message-{i}~1..message-{i}")
        for i in range(len(MESSAGES))
    ]
    steps += [
        step(
            f"changelog-{i}", "changelog", **{"working-directory": f"changelog-{i}"}, **ONLY_FORMAT
        )
        for i in range(len(CHANGELOG_CASES))
    ]
    steps += [
        step(f"coverage-{i}", "coverage", **{"working-directory": f"coverage-{i}"})
        for i in range(len(COVERAGE_CASES))
    ]
    return (
        "name: parity\non: push\npermissions:\n  contents: read\njobs:\n  cases:\n"
        "    runs-on: ubuntu-latest\n    steps:\n"
        "      - uses: actions/checkout@fbc6f3992d24b796d5a048ff273f7fcc4a7b6c09 # v5.1.0\n"
        "        with:\n          persist-credentials: false\n          fetch-depth: 0\n"
        + "".join(steps)
    )


def ci_run(tmp_path: Path, refs: dict[str, Path]) -> ActRun:
    target = Target(tmp_path / "ci")
    files: dict[str, str | None] = {"pyproject.toml": '[tool.trunkgate]\ntrunk = "main"\n'}
    for i, name in enumerate(CHANGELOG_CASES):
        files[f"changelog-{i}/CHANGELOG.md"] = read_case(name)
        files[f"changelog-{i}/pyproject.toml"] = "[tool.trunkgate]\n"
    target.commit("chore: start", files)
    for i, called in enumerate(COVERAGE_CASES):
        coverage_project(target.path / f"coverage-{i}", called)
    target.commit("test: measure", {})
    before = target.sha()
    for i, text in enumerate(MESSAGES):
        target.commit(text)
        target.git("tag", f"message-{i}")
    # The workflow stays out of the history: the message commits are the last ones.
    target.write({".github/workflows/parity.yml": ci_workflow()})
    return run_workflow(
        target,
        "push",
        ".github/workflows/parity.yml",
        home=tmp_path / "home",
        payload=target.push(before),
        **refs,  # type: ignore[arg-type]
    )


def ci_verdicts(run: ActRun) -> dict[str, bool]:
    verdicts = {}
    for case in all_cases():
        outputs = run.outputs(job="parity/cases", step=case.replace("-", "_"))
        assert outputs.get("error") == "false", (case, outputs, run.describe())
        verdicts[case] = outputs["passed"] == "true"
    return verdicts


def all_cases() -> list[str]:
    return [
        *(f"branch-{i}" for i in range(len(BRANCHES))),
        *(f"message-{i}" for i in range(len(MESSAGES))),
        *(f"changelog-{i}" for i in range(len(CHANGELOG_CASES))),
        *(f"coverage-{i}" for i in range(len(COVERAGE_CASES))),
    ]


def describe(case: str) -> str:
    kind, _, index = case.rpartition("-")
    table = {
        "branch": BRANCHES,
        "message": MESSAGES,
        "changelog": CHANGELOG_CASES,
        "coverage": [f"{n} of 10 functions run" for n in COVERAGE_CASES],
    }[kind]
    return f"{case} ({table[int(index)]!r})"


# --------------------------------------------------------------------------- the test


@pytest.mark.skipif(not Path(PRE_COMMIT).exists(), reason="pre-commit is not installed")
def test_hooks_and_actions_give_the_same_verdicts(
    tmp_path: Path,
    hook_repo: tuple[Path, str],
    pre_commit_home: Path,
    trunkgate_ref: Path,
    wheelhouse: Path,
    runner_python: Path,
) -> None:
    refs = {
        "trunkgate_ref": trunkgate_ref,
        "wheelhouse": wheelhouse,
        "runner_python": runner_python,
    }
    result: dict[str, ActRun] = {}
    errors: list[BaseException] = []

    def in_ci() -> None:
        try:
            result["run"] = ci_run(tmp_path, refs)
        except BaseException as exc:  # handed to the main thread
            errors.append(exc)

    started = time.monotonic()
    worker = threading.Thread(target=in_ci)
    worker.start()
    try:
        local = local_verdicts(tmp_path, hook_repo, pre_commit_home)
        print(f"pre-commit side: {time.monotonic() - started:.1f}s")
    finally:
        worker.join()
    print(f"both sides: {time.monotonic() - started:.1f}s")
    if errors:
        raise errors[0]
    run = result["run"]
    assert run.returncode == 0, run.describe()  # every case step continues on error
    ci = ci_verdicts(run)

    differences = [
        f"{describe(case)}: pre-commit {'passed' if local[case] else 'failed'}, "
        f"action {'passed' if ci[case] else 'failed'}"
        for case in all_cases()
        if local[case] != ci[case]
    ]
    assert differences == [], "\n".join(differences)
    for kind in ("branch", "message", "changelog", "coverage"):
        verdicts = {local[c] for c in all_cases() if c.startswith(kind)}
        assert verdicts == {True, False}, f"{kind}: every case gave the same verdict"
    shutil.rmtree(tmp_path / "home", ignore_errors=True)

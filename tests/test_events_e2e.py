"""Every event the starter workflow answers, run by a real Actions runner (act, offline).

For each event a scratch target that adopted the starter sees a good change pass and a bad
one fail with annotations, with payloads shaped like GitHub's: a merge queue entry
(merge_group with base_sha, head_sha and head_ref), a pull request whose title or labels
were edited (only the title and label checks run, read live through the REST stand-in), a
manual run, a tag push and a schedule; then the sticky comment (workflow_run, the REST
stand-in recording the calls) and the SARIF upload, skipped for a fork's pull request.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.support.act import ActRun
from tests.support.gha import (
    VERSION,
    Target,
    needs_act,
    run_workflow,
    runner_python,
    runner_python_template,
    step_summary,
    trunkgate_ref,
    wheelhouse,
)
from tests.support.osv_server import OSVServer
from tests.test_actions_e2e import (
    BAD_CALC,
    CALC,
    CHANGELOG,
    OSV_DATA,
    SUB,
    SUB_ENTRY,
    SUB_TEST,
    TESTS,
    annotations_of,
    job_key,
    new_target,
    project,
)

pytestmark = [pytest.mark.e2e, needs_act]
__all__ = ["runner_python", "runner_python_template", "trunkgate_ref", "wheelhouse"]

STARTER = ".github/workflows/quality-gates.yml"
GOOD_CHANGE = {
    "src/calc/__init__.py": CALC + SUB,
    "tests/test_calc.py": TESTS + SUB_TEST,
    "CHANGELOG.md": CHANGELOG.format(unreleased=SUB_ENTRY),
}
BAD_CHANGE = {
    "src/calc/__init__.py": BAD_CALC,
    "CHANGELOG.md": CHANGELOG.format(unreleased=SUB_ENTRY),
}


@pytest.fixture
def act_run(tmp_path: Path, trunkgate_ref: Path, wheelhouse: Path, runner_python: Path):
    """run(target, event, payload, workflow=STARTER, **kw): one act run, its own HOME."""
    count = 0

    def run(target: Target, event: str, payload: dict, workflow: str = STARTER, **kw) -> ActRun:
        nonlocal count
        count += 1
        return run_workflow(
            target,
            event,
            workflow,
            home=tmp_path / f"home-{count}",
            payload=payload,
            trunkgate_ref=trunkgate_ref,
            wheelhouse=wheelhouse,
            runner_python=runner_python,
            **kw,
        )

    return run


def verdicts(run: ActRun) -> dict[str, str]:
    results = run.job_results()
    return {
        job: results.get(job_key(job), "(none)")
        for job in ("Gates", "Tests and coverage", "Summary")
    }


def gate_outputs(run: ActRun) -> dict[str, str]:
    return run.outputs(job=job_key("Gates"), step="gate")


def notes_titled(run: ActRun, prefix: str) -> list[dict[str, str]]:
    return [a for a in annotations_of(run, "Gates") if a.get("title", "").startswith(prefix)]


# --------------------------------------------------------------------------- merge queue


def test_merge_queue_judges_the_entry_from_the_payloads_base(tmp_path: Path, act_run) -> None:
    """The queue's branch is exempt, and a finding already on main is not the entry's."""
    target = new_target(tmp_path)
    target.commit("chore: keep an old helper", {"tools/legacy.py": "import os\n"})
    target.branch("gh-readonly-queue/main/pr-7-" + target.sha())
    target.commit("feat: add subtraction (#7)", GOOD_CHANGE)

    good = act_run(target, "merge_group", target.merge_group())

    assert good.returncode == 0, good.describe()
    assert verdicts(good) == dict.fromkeys(verdicts(good), "success"), good.describe()
    outputs = gate_outputs(good)
    assert outputs["branch-passed"] == "true", outputs  # the queue's branch is exempt
    assert outputs["lint-passed"] == "true", outputs
    assert outputs["commits-commits"] == "1", outputs

    target.git("checkout", "-q", "main")
    target.branch("gh-readonly-queue/main/pr-8-" + target.sha())
    target.commit("feat: a bad entry (#8)", BAD_CHANGE)
    bad = act_run(target, "merge_group", target.merge_group(number=8))

    assert bad.returncode == 1, bad.describe()
    assert verdicts(bad)["Summary"] == "failure"
    lint = notes_titled(bad, "trunkgate lint")
    assert {(a["file"], a["line"]) for a in lint} >= {("src/calc/__init__.py", "3")}, lint
    assert not [a for a in lint if a["file"] == "tools/legacy.py"], lint
    assert gate_outputs(bad)["branch-passed"] == "true"


# --------------------------------------------------------------------------- title and labels


def test_an_edited_title_reruns_only_the_title_and_label_checks_read_live(
    tmp_path: Path, act_run, rest_api
) -> None:
    target = new_target(tmp_path)
    target.branch("feature/subtraction")
    target.commit("feat: add subtraction", GOOD_CHANGE)
    # The payload still has the title from before the fix; the API has the new one.
    payload = target.pull_request(
        title="bad title from the payload", head_ref="feature/subtraction", action="edited"
    )
    pulls = "/repos/example/target/pulls/7"
    rest_api.route("GET", pulls, {"number": 7, "title": "feat: add subtraction", "labels": []})
    # The tests of this commit, from the run of its push (not re-run on an edit).
    checks = f"/repos/example/target/commits/{target.sha()}/check-runs"

    def tests_were(conclusion: str) -> None:
        name = "trunkgate / Tests and coverage"
        done = {"name": name, "status": "completed", "conclusion": conclusion, "started_at": "1"}
        rest_api.route("GET", checks, {"total_count": 1, "check_runs": [done]})

    tests_were("success")
    live = {"GITHUB_API_URL": rest_api.url}

    good = act_run(target, "pull_request", payload, env=live, secrets={"GITHUB_TOKEN": "t0ken"})

    assert good.returncode == 0, good.describe()
    assert verdicts(good) == {
        "Gates": "success",
        "Tests and coverage": "(none)",  # skipped: the code did not change
        "Summary": "success",
    }, good.describe()
    outputs = gate_outputs(good)
    # (the action declares every gate's output; those of the gates that did not run are empty)
    assert {k for k, v in outputs.items() if k.endswith("-passed") and v} == {
        "commits-passed",
        "changelog-updated-passed",
    }, good.describe(200)
    calls = [(c.method, c.path, c.headers.get("authorization")) for c in rest_api.calls]
    assert ("GET", pulls, "Bearer t0ken") in calls, calls
    assert ("GET", checks, "Bearer t0ken") in calls, calls
    summary = step_summary(good, "/Summary")
    assert (
        "| Tests and coverage | ✅ passed | passed on this commit (not re-run: a edited event "
        "changes no code) |" in summary
    ), summary

    # A good title does not turn the Summary green over tests that failed on this commit.
    tests_were("failure")
    red = act_run(target, "pull_request", payload, env=live, secrets={"GITHUB_TOKEN": "t0ken"})
    assert red.returncode == 1, red.describe()
    assert verdicts(red)["Summary"] == "failure"
    assert "| Tests and coverage | ❌ failed | failed on this commit" in step_summary(
        red, "/Summary"
    )
    tests_were("success")

    rest_api.route("GET", pulls, {"number": 7, "title": "still a bad title", "labels": []})
    bad = act_run(target, "pull_request", payload, env=live, secrets={"GITHUB_TOKEN": "t0ken"})

    assert bad.returncode == 1, bad.describe()
    assert verdicts(bad)["Summary"] == "failure"
    titles = notes_titled(bad, "trunkgate commits")
    assert any("still a bad title" in a["message"] for a in titles), titles


# --------------------------------------------------------------------------- manual and tag


def test_a_manual_run_scans_the_whole_tree(tmp_path: Path, act_run) -> None:
    target = new_target(tmp_path)
    dispatch = {"inputs": {}, "ref": "refs/heads/main"}

    good = act_run(target, "workflow_dispatch", dispatch)

    assert good.returncode == 0, good.describe()
    assert set(verdicts(good).values()) == {"success"}, good.describe()
    assert gate_outputs(good)["commits-passed"] == "true"

    target.commit("fix: a helper", {"src/calc/extra.py": "import subprocess\n"})
    bad = act_run(target, "workflow_dispatch", dispatch)

    assert bad.returncode == 1, bad.describe()
    lint = notes_titled(bad, "trunkgate lint")
    assert any(a.get("file") == "src/calc/extra.py" for a in lint), lint


def test_a_tag_push_checks_the_release_version(tmp_path: Path, act_run) -> None:
    target = new_target(tmp_path)  # version 0.1.0, and its changelog section
    target.git("tag", "v0.1.0")
    zeros = "0" * 40

    good = act_run(target, "push", {**target.push(zeros, ref="refs/tags/v0.1.0")})

    assert good.returncode == 0, good.describe()
    assert set(verdicts(good).values()) == {"success"}, good.describe()
    assert gate_outputs(good)["version-passed"] == "true"

    target.git("tag", "v0.2.0")
    bad = act_run(target, "push", {**target.push(zeros, ref="refs/tags/v0.2.0")})

    assert bad.returncode == 1, bad.describe()
    assert gate_outputs(bad)["version-passed"] == "false"
    version = notes_titled(bad, "trunkgate version")
    assert any("0.2.0" in a["message"] for a in version), version


# --------------------------------------------------------------------------- schedule


def test_the_scheduled_audit(tmp_path: Path, act_run) -> None:
    with OSVServer(OSV_DATA) as osv:
        target = new_target(
            tmp_path, starter="dependency-audit.yml", **{"audit.osv-url": f'"{osv.url}"'}
        )
        target.commit("build: pin requests", {"requirements.txt": "requests==2.32.3\n"})
        workflow = ".github/workflows/dependency-audit.yml"
        schedule = {"schedule": "17 5 * * 1"}
        good = act_run(target, "schedule", schedule, workflow=workflow)
        target.commit("build: an old requests", {"requirements.txt": "requests==2.25.0\n"})
        bad = act_run(target, "schedule", schedule, workflow=workflow)

    assert good.returncode == 0, good.describe()
    assert bad.returncode == 1, bad.describe()
    prefix = "trunkgate/trunkgate dependency audit/"
    notes = [a for a in bad.annotations() if a["job"] == f"{prefix}Dependency audit"]
    assert any("PYSEC-2023-74" in a["message"] for a in notes), notes


# --------------------------------------------------------------------------- comment, SARIF


COMMENTING = """\
    with:
      pr-comment: true
      sarif: true
  code-scanning:
    needs: gates
    if: ${{ !cancelled() }}
    permissions:
      contents: read
      security-events: write
    uses: trunkgate/trunkgate/.github/workflows/upload-sarif.yml@v%s
"""


def test_the_sticky_comment_and_the_sarif_upload(tmp_path: Path, act_run, rest_api) -> None:
    artifacts = tmp_path / "artifacts"
    target = Target(tmp_path / "target")
    target.adopt("quality-gates.yml", edit=lambda text: text + COMMENTING % VERSION)
    target.adopt("pr-comment.yml")
    target.commit("feat: add the calculator", project())
    target.branch("feature/subtraction")
    target.commit("feat: add subtraction", GOOD_CHANGE)
    head = target.sha()
    payload = target.pull_request(title="feat: add subtraction", head_ref="feature/subtraction")

    gates = act_run(target, "pull_request", payload, env={"ARTIFACT_DIR": str(artifacts)})

    assert gates.returncode == 0, gates.describe()
    assert (artifacts / "trunkgate-summary" / "pr-number").read_text() == "7\n"
    assert "trunkgate" in (artifacts / "trunkgate-summary" / "summary.md").read_text()
    [uploaded] = (artifacts / "uploaded-sarif").iterdir()
    assert uploaded.name == "trunkgate_..sarif"

    comments = "/repos/example/target/issues/7/comments"
    rest_api.route("GET", "/repos/example/target/pulls/7", {"head": {"sha": head}})
    rest_api.route("GET", comments, pages=[[]])
    rest_api.route("POST", comments, {"id": 11}, status=201)
    finished = {
        "action": "completed",
        "workflow_run": {
            "id": 4242,
            "event": "pull_request",
            "conclusion": "success",
            "head_sha": head,
            "name": "Quality gates",
        },
        "repository": {"full_name": "example/target"},
    }
    comment_env = {"ARTIFACT_DIR": str(artifacts), "GITHUB_API_URL": rest_api.url}
    secrets = {"GITHUB_TOKEN": "w-token"}
    posted = act_run(
        target, "workflow_run", finished, ".github/workflows/pr-comment.yml",
        env=comment_env, secrets=secrets,
    )  # fmt: skip

    assert posted.returncode == 0, posted.describe()
    assert "created comment 11 on #7" in posted.log(), posted.describe()
    [post] = [c for c in rest_api.calls if c.method == "POST"]
    assert post.path == comments
    assert post.body["body"].startswith("<!-- trunkgate -->\n")
    assert post.headers["authorization"] == "Bearer w-token"

    # The next run updates the same comment instead of adding one.
    ours = {"id": 11, "user": {"login": "github-actions[bot]"}, "body": post.body["body"]}
    rest_api.route("GET", comments, pages=[[ours]])
    rest_api.route("PATCH", "/repos/example/target/issues/comments/11", {"id": 11})
    again = act_run(
        target, "workflow_run", finished, ".github/workflows/pr-comment.yml",
        env=comment_env, secrets=secrets,
    )  # fmt: skip
    assert again.returncode == 0, again.describe()
    assert [c.method for c in rest_api.calls].count("POST") == 1
    assert [c.method for c in rest_api.calls].count("PATCH") == 1

    # A forged number in the artifact is refused before any call.
    (artifacts / "trunkgate-summary" / "pr-number").write_text("7 && curl evil\n")
    before = len(rest_api.calls)
    forged = act_run(
        target, "workflow_run", finished, ".github/workflows/pr-comment.yml",
        env=comment_env, secrets=secrets,
    )  # fmt: skip
    assert forged.returncode == 1, forged.describe()
    assert any("expected a pull request number" in a["message"] for a in forged.annotations())
    assert len(rest_api.calls) == before

    # A fork's pull request: no upload (its token cannot write security events).
    fork = target.pull_request(
        title="feat: add subtraction", head_ref="feature/subtraction", head_repo="someone/fork"
    )
    skipped = act_run(target, "pull_request", fork, env={"ARTIFACT_DIR": str(tmp_path / "fork")})
    assert skipped.returncode == 0, skipped.describe()
    upload = "code-scanning/trunkgate SARIF upload/Upload to code scanning"
    assert skipped.job_results().get(upload) in (None, "skipped"), skipped.describe()
    assert not (tmp_path / "fork" / "uploaded-sarif").exists()

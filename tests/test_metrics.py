"""`trunkgate metrics`: DORA's four keys from histories whose deployments, failures and fixes
are known, every expected figure worked out by hand in the test."""

from __future__ import annotations

import datetime
import json
import os
import subprocess
from pathlib import Path

import pytest
from markdown_it import MarkdownIt

from tests.conftest import Repo, shallow_clone
from tests.support.gha import (
    Target,
    needs_act,
    run_workflow,
    runner_python,
    runner_python_template,
    step_summary,
    trunkgate_ref,
    wheelhouse,
)
from trunkgate import dora, flags, metrics
from trunkgate.render import metrics as render_metrics

# Fixtures come from tests.support.gha; naming them here makes pytest see them.
__all__ = ["runner_python", "runner_python_template", "trunkgate_ref", "wheelhouse"]

HOUR = 3600
MINUTE = 60


def deploy(repo: Repo, name: str, when: str, ref: str = "HEAD") -> None:
    """An annotated tag, dated `when` (the deployment's time)."""
    env = {**os.environ, "GIT_COMMITTER_DATE": when}
    subprocess.run(["git", "tag", "-a", "-m", name, name, ref], cwd=repo.path, check=True, env=env)


def at(day: str, time: str) -> str:
    return f"2026-03-{day}T{time}:00+00:00"


@pytest.fixture
def released(repo: Repo) -> Repo:
    """March 2026, one change at a time on main (times UTC):

    change              first commit   deployed as        lead time
    feat: a             02 09:00       v1.0.0 02 10:00    1 h
    fix: b              03 09:00       v1.0.1 03 09:30    30 min  (a patch release of 1.0.0)
    feat: c             04 09:00       v1.1.0 04 11:00    2 h
    Revert "feat: c"    10 09:00       v1.2.0 10 09:20    20 min  (reverts c, shipped in 1.1.0)
    feat: d             10 09:10       v1.2.0 10 09:20    10 min
    feat: e             20 08:00       v1.3.0 20 12:00    4 h
    fix: f              30 08:00       v1.3.1 30 09:00    1 h     (10 days on: no failure)
    feat: g             30 10:00       (not deployed)

    Failed: v1.0.0 (restored by v1.0.1 after 23 h 30 min) and v1.1.0 (restored by v1.2.0
    after 5 d 22 h 20 min). v1.4.0-rc.1 is a pre-release and v1 a floating alias: neither
    is a deployment.
    """
    repo.commit("feat: a", {"a.py": "a = 1\n"}, date=at("02", "09:00"))
    deploy(repo, "v1.0.0", at("02", "10:00"))
    repo.commit("fix: b", {"b.py": "b = 1\n"}, date=at("03", "09:00"))
    deploy(repo, "v1.0.1", at("03", "09:30"))
    repo.commit("feat: c", {"c.py": "c = 1\n"}, date=at("04", "09:00"))
    deploy(repo, "v1.1.0", at("04", "11:00"))
    repo.tag("v1")
    repo.commit('Revert "feat: c"', {"c.py": ""}, date=at("10", "09:00"))
    repo.commit("feat: d", {"d.py": "d = 1\n"}, date=at("10", "09:10"))
    deploy(repo, "v1.2.0", at("10", "09:20"))
    repo.commit("feat: e", {"e.py": "e = 1\n"}, date=at("20", "08:00"))
    deploy(repo, "v1.3.0", at("20", "12:00"))
    repo.commit("fix: f", {"f.py": "f = 1\n"}, date=at("30", "08:00"))
    deploy(repo, "v1.3.1", at("30", "09:00"))
    repo.commit("feat: g", {"g.py": "g = 1\n"}, date=at("30", "10:00"))
    deploy(repo, "v1.4.0-rc.1", at("30", "10:30"))
    return repo


MARCH = ("--since", "2026-03-01", "--until", "2026-03-31")


def run_json(gate_cli, *args: str) -> dict:
    code, out, err = gate_cli("metrics", *args, "--format", "json")
    assert code == 0, err
    return json.loads(out)


def test_the_four_keys_of_a_known_history(released: Repo, gate_cli) -> None:
    doc = run_json(gate_cli, *MARCH)
    assert doc["since"] == "2026-03-01"
    assert doc["until"] == "2026-03-31"
    assert doc["deployments"] == 6
    keys = doc["keys"]
    # 6 deployments in 31 days: 6 * 7 / 31 a week.
    assert keys["deployment_frequency"]["value"] == pytest.approx(6 * 7 / 31)
    assert keys["deployment_frequency"]["met"] is False
    # Lead times 600, 1200, 1800, 3600, 3600, 7200, 14400 s: the median is 1 h, under 2 h.
    assert doc["changes"] == 7
    assert keys["lead_time"]["value"] == HOUR
    assert keys["lead_time"]["met"] is True
    assert doc["undeployed_changes"] == 1  # feat: g
    # 2 of 6 deployments failed.
    assert keys["change_failure_rate"]["value"] == pytest.approx(100 * 2 / 6)
    assert keys["change_failure_rate"]["met"] is False
    # Restored after 23 h 30 min and 5 d 22 h 20 min: the median is their mean.
    first = 23 * HOUR + 30 * MINUTE
    second = 5 * 24 * HOUR + 22 * HOUR + 20 * MINUTE
    assert keys["time_to_restore"]["value"] == (first + second) / 2
    assert [
        (f["deployment"], f["restored_by"], f["restore_seconds"], f["signal"])
        for f in doc["failures"]
    ] == [
        ("v1.0.0", "v1.0.1", first, "patch release"),
        ("v1.1.0", "v1.2.0", second, "revert"),
    ]
    assert doc["missed"] == ["deployment_frequency", "change_failure_rate", "time_to_restore"]


def test_week_by_week(released: Repo, gate_cli) -> None:
    weeks = {w["week"]: w for w in run_json(gate_cli, *MARCH)["weeks"]}
    # 2026-03-01 is a Sunday: the window starts in week 9 and ends in week 14.
    assert list(weeks) == [f"2026-W{n:02d}" for n in range(9, 15)]
    assert [weeks[w]["deployments"] for w in weeks] == [0, 3, 1, 1, 0, 1]
    assert [weeks[w]["failures"] for w in weeks] == [0, 2, 0, 0, 0, 0]
    # Week 10: lead times 1 h, 30 min and 2 h; week 11: 20 and 10 min.
    assert weeks["2026-W10"]["lead_time_median_seconds"] == HOUR
    assert weeks["2026-W11"]["lead_time_median_seconds"] == 15 * MINUTE
    assert weeks["2026-W13"]["lead_time_median_seconds"] is None


def test_the_failure_window_is_the_policys(released: Repo, gate_cli) -> None:
    # v1.1.0 was repaired 5 d 22 h later: with a 5-day window it did not fail.
    doc = run_json(gate_cli, *MARCH, "--failure-window-days", "5")
    assert [f["deployment"] for f in doc["failures"]] == ["v1.0.0"]
    # v1.3.0 -> v1.3.1 is 10 d: an 11-day window makes it a failure too.
    doc = run_json(gate_cli, *MARCH, "--failure-window-days", "11")
    assert [f["deployment"] for f in doc["failures"]] == ["v1.0.0", "v1.1.0", "v1.3.0"]


def test_the_window_cuts_deployments(released: Repo, gate_cli) -> None:
    doc = run_json(gate_cli, "--since", "7d", "--until", "2026-03-10")
    # 2026-03-04 .. 2026-03-10: v1.1.0 and v1.2.0.
    assert doc["deployments"] == 2
    assert [f["deployment"] for f in doc["failures"]] == ["v1.1.0"]


def test_targets_are_policy_keys_and_check_fails_on_a_miss(released: Repo, gate_cli) -> None:
    code, _, _ = gate_cli("metrics", *MARCH, "--check")
    assert code == 1
    released.write(
        ".trunkgate.toml",
        "[metrics]\ntarget-deploys-per-week = 1\ntarget-failure-rate = 40\n"
        "target-restore-minutes = 10000\n",
    )
    code, out, _ = gate_cli("metrics", *MARCH, "--check")
    assert code == 0, out
    assert "every target met" in out


def test_text_output(released: Repo, gate_cli) -> None:
    code, out, _ = gate_cli("metrics", *MARCH)
    assert code == 0
    assert "6 deployments from 2026-03-01 to 2026-03-31 (31 days, 6 weeks)" in out
    assert "Lead time for changes  1 h" in out
    assert "33.3 %" in out
    assert "(2 of 6)" in out
    assert "failed: v1.0.0 (2026-03-02), restored by v1.0.1 after 23 h 30 min" in out
    assert "not deployed yet: 1 change" in out


def test_markdown_renders_tables_and_charts(released: Repo, gate_cli) -> None:
    code, out, _ = gate_cli("metrics", *MARCH, "--format", "markdown")
    assert code == 0
    tokens = MarkdownIt("commonmark").enable("table").parse(out)
    assert [t.tag for t in tokens if t.type == "heading_open"] == ["h3"]
    assert sum(t.type == "table_open" for t in tokens) == 3  # keys, weeks, failures
    charts = [t.content for t in tokens if t.type == "fence" and t.info == "mermaid"]
    assert len(charts) == 2
    assert charts[0].startswith("xychart-beta\n")
    assert '    x-axis ["W09", "W10", "W11", "W12", "W13", "W14"]' in charts[0]
    assert "    bar [0, 3, 1, 1, 0, 1]" in charts[0]
    assert "    line [0, 2, 0, 0, 0, 0]" in charts[0]
    # Median lead time a week, in hours: 1, 0.25, 4, -, 1.
    assert "    bar [0, 1, 0.2, 4, 0, 1]" in charts[1]
    assert "    line [2, 2, 2, 2, 2, 2]" in charts[1]


def test_github_writes_the_summary_and_outputs(released: Repo, gate_cli, github_env) -> None:
    summary, output = github_env("schedule", {})
    code, out, _ = gate_cli("metrics", *MARCH, "--format", "github")
    assert code == 0
    assert "Deployment frequency" in out
    text = summary.read_text(encoding="utf-8")
    assert "xychart-beta" in text
    outputs = output.read_text(encoding="utf-8")
    assert "deployments<<" in outputs
    assert "\n6\n" in outputs
    assert "missed<<" in outputs


def test_a_merge_is_one_change_from_its_first_commit(repo: Repo, gate_cli) -> None:
    """A feature branch (first commit 02 08:00, second 02 12:00) merged on 03 09:00 and
    deployed at 03 10:00: one change, lead time 26 h. Then a hotfix branch merged into the
    next deployment: the one before it failed."""
    repo.commit("chore: start", date=at("01", "08:00"))
    repo.branch("feature/x")
    repo.commit("feat: x one", {"x.py": "1\n"}, date=at("02", "08:00"))
    repo.commit("feat: x two", {"x.py": "2\n"}, date=at("02", "12:00"))
    repo.checkout("main")
    merge_env = {
        **os.environ,
        "GIT_AUTHOR_DATE": at("03", "09:00"),
        "GIT_COMMITTER_DATE": at("03", "09:00"),
    }
    subprocess.run(
        ["git", "merge", "-q", "--no-ff", "-m", "Merge branch 'feature/x'", "feature/x"],
        cwd=repo.path,
        check=True,
        env=merge_env,
    )
    deploy(repo, "v0.1.0", at("03", "10:00"))
    repo.branch("hotfix/crash")
    repo.commit("fix: the crash", {"x.py": "3\n"}, date=at("03", "11:00"))
    repo.checkout("main")
    merge_env = {
        **os.environ,
        "GIT_AUTHOR_DATE": at("03", "11:30"),
        "GIT_COMMITTER_DATE": at("03", "11:30"),
    }
    subprocess.run(
        ["git", "merge", "-q", "--no-ff", "-m", "Merge branch 'hotfix/crash'", "hotfix/crash"],
        cwd=repo.path,
        check=True,
        env=merge_env,
    )
    deploy(repo, "v0.2.0", at("03", "12:00"))
    doc = run_json(gate_cli, *MARCH)
    # Changes: chore: start (never deployed alone: it is in v0.1.0, 2 d 2 h), the merge
    # of feature/x (26 h), the merge of hotfix/crash (first commit 11:00, 1 h).
    assert doc["changes"] == 3
    assert doc["keys"]["lead_time"]["value"] == 26 * HOUR
    assert [(f["deployment"], f["restored_by"], f["signal"]) for f in doc["failures"]] == [
        ("v0.1.0", "v0.2.0", "hotfix")
    ]
    assert doc["failures"][0]["restore_seconds"] == 2 * HOUR


def test_a_hotfix_deployed_from_its_branch_repairs_the_one_before(repo: Repo, gate_cli) -> None:
    """v1.0.0 fails; hotfix/1.0.1 is deployed from its branch as v1.0.1, then merged back and
    shipped with v1.1.0: only v1.0.0 failed, not v1.0.1."""
    repo.commit("feat: a", date=at("02", "08:00"))
    deploy(repo, "v1.0.0", at("02", "09:00"))
    repo.branch("hotfix/1.0.1")
    repo.commit("fix: a", date=at("02", "10:00"))
    deploy(repo, "v1.0.1", at("02", "10:30"))
    repo.checkout("main")
    subprocess.run(
        ["git", "merge", "-q", "--no-ff", "-m", "Merge branch 'hotfix/1.0.1'", "hotfix/1.0.1"],
        cwd=repo.path,
        check=True,
        env={
            **os.environ,
            "GIT_AUTHOR_DATE": at("02", "11:00"),
            "GIT_COMMITTER_DATE": at("02", "11:00"),
        },
    )
    repo.commit("feat: b", date=at("02", "12:00"))
    deploy(repo, "v1.1.0", at("02", "13:00"))
    doc = run_json(gate_cli, *MARCH)
    assert [(f["deployment"], f["restored_by"]) for f in doc["failures"]] == [("v1.0.0", "v1.0.1")]


def test_a_revert_of_a_change_never_deployed_is_no_failure(repo: Repo, gate_cli) -> None:
    repo.commit("feat: a", date=at("02", "08:00"))
    deploy(repo, "v1.0.0", at("02", "09:00"))
    repo.commit("feat: b", date=at("02", "10:00"))
    repo.commit('Revert "feat: b"', date=at("02", "11:00"))
    deploy(repo, "v1.1.0", at("02", "12:00"))
    assert run_json(gate_cli, *MARCH)["failures"] == []
    # A revert of what v1.1.0 shipped fails v1.1.0 (not v1.2.0's predecessor by chance).
    repo.commit('Revert "feat: a" (#12)', date=at("03", "08:00"))
    deploy(repo, "v1.2.0", at("03", "09:00"))
    failures = run_json(gate_cli, *MARCH)["failures"]
    assert [(f["deployment"], f["restored_by"], f["signal"]) for f in failures] == [
        ("v1.0.0", "v1.2.0", "revert")
    ]


def test_release_commits_are_not_changes(repo: Repo, gate_cli) -> None:
    repo.commit("feat: a", date=at("02", "08:00"))
    repo.commit("chore(release): 1.0.0", date=at("02", "09:58"))
    deploy(repo, "v1.0.0", at("02", "10:00"))
    doc = run_json(gate_cli, *MARCH)
    assert doc["changes"] == 1
    assert doc["keys"]["lead_time"]["value"] == 2 * HOUR
    assert doc["undeployed_changes"] == 0


def test_deploy_tags_pattern(repo: Repo, gate_cli) -> None:
    """Lightweight deploy tags, dated by their commits; release tags are not deployments."""
    repo.commit("feat: a", date=at("02", "08:00"))
    repo.tag("deploy-1")
    repo.tag("v1.0.0")
    repo.commit("feat: b", date=at("02", "09:00"))
    repo.tag("deploy-2")
    doc = run_json(gate_cli, *MARCH, "--deploy-tags", "deploy-*")
    assert doc["deployments"] == 2
    assert doc["keys"]["lead_time"]["value"] == 0
    assert run_json(gate_cli, *MARCH)["deployments"] == 1


def test_unprefixed_release_tags_are_detected(repo: Repo, gate_cli) -> None:
    repo.commit("feat: a", date=at("02", "08:00"))
    deploy(repo, "1.0.0", at("02", "09:00"))
    repo.commit("fix: a", date=at("02", "10:00"))
    deploy(repo, "1.0.1", at("02", "11:00"))
    doc = run_json(gate_cli, *MARCH)
    assert doc["deployments"] == 2
    assert "detected" in doc["deployments_from"]
    assert [f["deployment"] for f in doc["failures"]] == ["1.0.0"]


def test_pep440_patch_releases(repo: Repo, gate_cli) -> None:
    repo.commit("feat: a", date=at("02", "08:00"))
    deploy(repo, "v1.4.0", at("02", "09:00"))
    deploy(repo, "v1.5.0rc1", at("02", "09:30"))
    repo.commit("fix: a", date=at("02", "10:00"))
    deploy(repo, "v1.4.1", at("02", "11:00"))
    doc = run_json(gate_cli, *MARCH, "--version-scheme", "pep440")
    assert doc["deployments"] == 2
    assert [f["deployment"] for f in doc["failures"]] == ["v1.4.0"]


def test_a_deployment_in_this_very_second_counts(
    repo: Repo, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The window ends now, inclusive: a release tagged in the second the metrics run (a
    workflow run right after the tag push) is a deployment, not outside the window."""
    repo.commit("feat: a", date=at("02", "08:00"))
    deploy(repo, "v1.0.0", at("02", "09:00"))
    monkeypatch.chdir(repo.path)
    _, policy = flags.parse_args(metrics.PROG, "metrics", [], metrics.ARGS, "", "")
    tagged = datetime.datetime.fromisoformat(at("02", "09:00")).timestamp()
    measured, _ = metrics.measure(policy, None, tagged)
    assert [d.name for d in measured.deployed] == ["v1.0.0"]
    before, _ = metrics.measure(policy, None, tagged - 1)
    assert before.deployed == []


def test_an_empty_window_has_no_data(repo: Repo, gate_cli) -> None:
    repo.commit("feat: a", date=at("02", "08:00"))
    doc = run_json(gate_cli, *MARCH)
    assert doc["deployments"] == 0
    assert doc["keys"]["lead_time"]["met"] is None
    assert doc["keys"]["change_failure_rate"]["met"] is None
    assert doc["keys"]["deployment_frequency"]["met"] is False


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        (("--since", "soon"), "since: expected a number of days or weeks (90d, 13w) or a date"),
        (("--since", "0d"), "since: expected a number of days"),
        (("--until", "31.03.2026"), "--until: expected a date YYYY-MM-DD, got '31.03.2026'"),
        (("--since", "2026-04-01", "--until", "2026-03-31"), "is not before the end of the window"),
    ],
)
def test_bad_input_is_one_line_and_exit_2(repo: Repo, gate_cli, args, expected) -> None:
    repo.commit("feat: a")
    code, _, err = gate_cli("metrics", *args)
    assert code == 2
    assert expected in err
    assert "Traceback" not in err


def test_formats_are_its_own(repo: Repo, gate_cli, capsys) -> None:
    repo.commit("feat: a")
    with pytest.raises(SystemExit) as exc:
        gate_cli("metrics", "--format", "sarif")
    assert exc.value.code == 2
    assert "invalid choice: 'sarif'" in capsys.readouterr().err


def test_a_shallow_clone_is_refused(released: Repo, tmp_path: Path, gate_cli, monkeypatch) -> None:
    clone = shallow_clone(released.path, tmp_path / "shallow", depth=2)
    monkeypatch.chdir(clone)
    code, _, err = gate_cli("metrics", *MARCH)
    assert code == 2
    assert "fetch-depth: 0" in err


def test_outside_a_repository(tmp_path: Path, gate_cli, monkeypatch) -> None:
    monkeypatch.chdir(tmp_path)
    code, _, err = gate_cli("metrics")
    assert code == 2
    assert "not a git repository" in err


def test_names_version_and_signals() -> None:
    assert dora.names_version("bump: version 1.1.0 → 1.2.0", "1.2.0")
    assert dora.names_version("Merge pull request #9 from o/release/1.2.0", "1.2.0")
    assert not dora.names_version("feat: support 1.2.0.1 wheels", "1.2.0")
    assert not dora.names_version("feat: 11.2.0", "1.2.0")
    assert dora.is_hotfix("Merge pull request #7 from owner/hotfix/x", ["hotfix/"])
    assert dora.is_hotfix("hotfix: the crash", ["hotfix/"])
    assert not dora.is_hotfix("fix: hotfix/ naming in docs", ["hotfix/"])
    assert dora.is_revert('Revert "feat: a"')
    assert dora.is_revert("revert: feat a")
    assert metrics.is_patch("semver", "1.2.3", "1.2.4")
    assert not metrics.is_patch("semver", "1.2.3", "1.3.0")
    assert metrics.is_patch("pep440", "1.2", "1.2.1")
    assert not metrics.is_patch("calver", "2026.3.0", "2026.3.1")
    assert render_metrics.duration(None) == "-"
    assert render_metrics.duration(59) == "59 s"
    assert render_metrics.duration(25 * MINUTE) == "25 min"
    assert render_metrics.duration(3 * HOUR) == "3 h"
    assert render_metrics.duration(50 * HOUR + 5) == "2 d 2 h"


def test_a_repository_without_commits(repo: Repo, gate_cli) -> None:
    doc = run_json(gate_cli, *MARCH)
    assert doc["deployments"] == 0
    assert doc["changes"] == 0


def test_a_tag_of_something_else_than_a_commit_is_no_deployment(repo: Repo, gate_cli) -> None:
    repo.commit("feat: a", {"a.py": "a = 1\n"}, date=at("02", "08:00"))
    deploy(repo, "v1.0.0", at("02", "09:00"))
    blob = repo.git("rev-parse", "HEAD:a.py").strip()
    repo.tag("v1.0.1", blob)
    tree = repo.git("rev-parse", "HEAD^{tree}").strip()
    deploy(repo, "v1.0.2", at("02", "10:00"), tree)
    doc = run_json(gate_cli, *MARCH)
    assert doc["deployments"] == 1
    assert doc["failures"] == []


def test_tag_names_are_data_in_the_summary(repo: Repo, gate_cli) -> None:
    repo.commit("feat: a", date=at("02", "08:00"))
    deploy(repo, "deploy-<b>x</b>|1", at("02", "09:00"))
    repo.commit('Revert "feat: a"', date=at("02", "10:00"))
    deploy(repo, "deploy-`2`", at("02", "11:00"))
    code, out, _ = gate_cli("metrics", *MARCH, "--deploy-tags", "deploy-*", "--format", "markdown")
    assert code == 0
    assert "<b>" not in out
    assert "<code>deploy-&lt;b&gt;x&lt;/b&gt;\\|1</code>" in out
    tokens = MarkdownIt("commonmark").enable("table").parse(out)
    assert sum(t.type == "table_open" for t in tokens) == 3


def test_release_tags_with_a_slash(repo: Repo, gate_cli) -> None:
    repo.commit("feat: a", date=at("02", "08:00"))
    deploy(repo, "release/1.0.0", at("02", "09:00"))
    repo.commit("fix: a", date=at("02", "10:00"))
    deploy(repo, "release/1.0.1", at("02", "11:00"))
    doc = run_json(gate_cli, *MARCH, "--tag-prefix", "release/")
    assert doc["deployments"] == 2
    assert [f["deployment"] for f in doc["failures"]] == ["release/1.0.0"]


# --------------------------------------------------------------------------- in Actions


@pytest.mark.e2e
@needs_act
def test_the_metrics_starter_under_a_real_runner(
    tmp_path: Path, trunkgate_ref: Path, wheelhouse: Path, runner_python: Path
) -> None:
    """The starter (workflows/metrics.yml) copied into a target, run on workflow_dispatch by
    act: the reusable workflow measures the history and writes the summary and outputs."""
    target = Target(tmp_path / "target")
    target.adopt("metrics.yml")
    target.commit("feat: a", {"a.py": "a = 1\n"})
    target.git("tag", "-a", "-m", "v1.0.0", "v1.0.0")
    target.commit("fix: a", {"a.py": "a = 2\n"})
    target.git("tag", "-a", "-m", "v1.0.1", "v1.0.1")
    run = run_workflow(
        target,
        "workflow_dispatch",
        ".github/workflows/metrics.yml",
        home=tmp_path / "home",
        payload={"inputs": {}, "ref": "refs/heads/main"},
        trunkgate_ref=trunkgate_ref,
        wheelhouse=wheelhouse,
        runner_python=runner_python,
    )
    assert run.returncode == 0, run.describe()
    outputs = run.outputs(step="metrics")
    assert outputs["deployments"] == "2", outputs
    assert outputs["change-failure-rate"] == "50.00", outputs
    summary = step_summary(run, "/DORA metrics")
    assert "### trunkgate metrics" in summary, summary
    assert "xychart-beta" in summary


def test_a_patch_of_an_older_line(repo: Repo, gate_cli) -> None:
    """v1.0.0, then v1.1.0, then v1.0.1 (a fix of the 1.0 line, from its branch): v1.0.0
    failed, not v1.1.0."""
    repo.commit("feat: a", date=at("02", "08:00"))
    deploy(repo, "v1.0.0", at("02", "09:00"))
    repo.branch("release/1.0")
    repo.commit("fix: a on 1.0", date=at("03", "08:00"))
    repo.checkout("main")
    repo.commit("feat: b", date=at("02", "10:00"))
    deploy(repo, "v1.1.0", at("02", "11:00"))
    deploy(repo, "v1.0.1", at("03", "09:00"), "release/1.0")
    doc = run_json(gate_cli, *MARCH)
    # v1.0.1 is not in main's history: not a deployment here, so nothing failed.
    assert doc["failures"] == []
    repo.git("merge", "-q", "--no-ff", "-m", "Merge branch 'release/1.0'", "release/1.0")
    doc = run_json(gate_cli, *MARCH)
    assert [(f["deployment"], f["restored_by"]) for f in doc["failures"]] == [("v1.0.0", "v1.0.1")]

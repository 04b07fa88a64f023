from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pytest

from tests.conftest import shallow_clone
from tests.support import runner
from tests.support.cli import run_cli
from trunkgate import config
from trunkgate.gates import branch

ZERO = "0" * 40


def policy(**overrides: object) -> config.Policy:
    return config.resolve("branch", overrides, start="/")


# --------------------------------------------------------------------------- names


@pytest.mark.parametrize(
    "name",
    [
        "main",
        "feature/login-form",
        "fix/JIRA-123_crash",
        "hotfix/1.4.1",
        "release/1.4.0",
        "release/v2.0.0-rc.1",
        "release/next-big-thing",
        "dependabot/pip/requests-2.32.0",
        "build/v0.1",
    ],
)
def test_good_names(name: str) -> None:
    assert branch.check_name(name, policy()) == []


@pytest.mark.parametrize(
    ("name", "rule", "suggestion"),
    [
        ("Feature/Login", "branch-name", "feature/login"),
        ("login-form", "branch-name", "feature/login-form"),
        ("feature/", "branch-name", "feature/short-description"),
        ("feature/my thing!", "branch-name", "feature/my-thing"),
        ("feature/a/b", "branch-name", "feature/a-b"),
        ("release/1.4", "branch-version", "release/1.4.0"),
        ("hotfix/v1.4", "branch-version", "hotfix/1.4.0"),
    ],
)
def test_bad_names(name: str, rule: str, suggestion: str) -> None:
    (finding,) = branch.check_name(name, policy())
    assert finding.rule == rule
    assert finding.hint == f"rename it with: git branch -m {suggestion}"
    assert name in finding.message


def test_versions_follow_the_scheme() -> None:
    calver = policy(**{"version-scheme": "calver"})
    assert branch.check_name("release/2026.11", calver) == []
    assert branch.check_name("release/1.4.0", calver)[0].rule == "branch-version"


def test_custom_pattern_replaces_prefixes() -> None:
    custom = policy(pattern=r"(feat|bug)/[a-z-]+")
    assert branch.check_name("feat/thing", custom) == []
    (finding,) = branch.check_name("feature/thing", custom)
    assert "does not match the pattern" in finding.message


def test_exempt_patterns() -> None:
    assert branch.check_name("wip-anything", policy(exempt=["wip-*"])) == []
    assert branch.check_name("wip-anything", policy(exempt=[]))[0].rule == "branch-name"
    assert branch.check_name("wip-a", policy(exempt=["wip-?"])) == []
    assert branch.check_name("wip-ab", policy(exempt=["wip-?"]))[0].rule == "branch-name"


# --------------------------------------------------------------------------- locally


def test_feature_branch_passes(repo, capsys) -> None:
    repo.commit("feat: start")
    repo.branch("feature/login")
    assert run_cli("branch", []) == 0
    out = capsys.readouterr().out
    assert 'checked branch "feature/login" (the current branch)' in out
    assert "trunkgate branch: passed" in out


def test_bad_branch_fails_with_rename_hint(repo, capsys) -> None:
    repo.commit("feat: start")
    repo.branch("Login_Form")
    assert run_cli("branch", []) == 1
    out = capsys.readouterr().out
    assert 'branch: branch-name: branch "Login_Form" does not start with' in out
    assert "git branch -m feature/login_form" in out
    assert "trunkgate branch: failed (1 error)" in out


def test_commit_onto_trunk_fails(repo, capsys) -> None:
    repo.commit("feat: start")
    assert run_cli("branch", []) == 1
    out = capsys.readouterr().out
    assert "trunk-protected: this commits straight onto the trunk (main)" in out
    assert "git switch -c feature/<name>" in out


def test_commit_onto_trunk_allowed_by_flag_and_by_policy(repo) -> None:
    repo.commit("feat: start")
    assert run_cli("branch", ["--allow-trunk-commits"]) == 0
    repo.write("pyproject.toml", "[tool.trunkgate.branch]\nallow-trunk-commits = true\n")
    assert run_cli("branch", []) == 0
    assert run_cli("branch", ["--no-allow-trunk-commits"]) == 1  # the flag wins over the file


def test_first_commit_of_a_repository_may_create_the_trunk(repo) -> None:
    assert run_cli("branch", []) == 0


def test_other_trunk_name_from_shared_key(repo) -> None:
    repo.commit("feat: start")
    repo.write("pyproject.toml", '[tool.trunkgate]\ntrunk = "develop"\n')
    assert run_cli("branch", []) == 1  # "main" is now just a badly named branch
    repo.branch("develop")
    assert run_cli("branch", []) == 1  # and develop is the protected trunk


def test_detached_head_has_nothing_to_check(repo, capsys) -> None:
    sha = repo.commit("feat: start")
    repo.checkout(sha)
    assert run_cli("branch", []) == 0
    assert "nothing to check: detached HEAD" in capsys.readouterr().out


def test_during_a_rebase_the_rebased_branch_is_checked(repo, capsys) -> None:
    repo.commit("feat: base", {"a.txt": "1\n"})
    repo.branch("wrong-name")
    repo.commit("feat: mine", {"a.txt": "2\n"})
    repo.checkout("main")
    repo.commit("feat: theirs", {"a.txt": "3\n"})
    repo.checkout("wrong-name")
    repo.git("rebase", "main", check=False)  # stops on the conflict: HEAD is detached
    assert repo.git("status").find("rebase in progress") >= 0
    assert run_cli("branch", []) == 1
    assert 'branch "wrong-name"' in capsys.readouterr().out


def test_worktree_reads_its_own_branch(repo, tmp_path, monkeypatch) -> None:
    repo.commit("feat: start")
    wt = tmp_path / "wt"
    repo.git("worktree", "add", "-q", "-b", "feature/in-worktree", str(wt))
    monkeypatch.chdir(wt)
    assert run_cli("branch", []) == 0
    repo.git("worktree", "add", "-q", "-b", "BadName", str(tmp_path / "wt2"))
    monkeypatch.chdir(tmp_path / "wt2")
    assert run_cli("branch", []) == 1


def test_branch_flag_checks_a_name(repo) -> None:
    assert run_cli("branch", ["--branch", "feature/x"]) == 0
    assert run_cli("branch", ["--branch=nope"]) == 1


def test_not_a_repository(tmp_path, monkeypatch, capsys) -> None:
    monkeypatch.chdir(tmp_path)
    assert run_cli("branch", []) == 2
    err = capsys.readouterr().err
    assert err.strip() == f"trunkgate branch: error: not a git repository: {tmp_path}"


# --------------------------------------------------------------------------- pre-push


@pytest.mark.parametrize(
    ("remote", "code"),
    [
        ("refs/tags/v1.0.0", 0),
        ("refs/heads/main", 1),
        ("refs/heads/feature/x", 0),
        ("refs/heads/Bad", 1),
    ],
)
def test_pre_push_checks_the_pushed_ref(repo, monkeypatch, remote: str, code: int) -> None:
    sha = repo.commit("feat: start")  # checked out on main all along
    monkeypatch.setenv("PRE_COMMIT_FROM_REF", ZERO)
    monkeypatch.setenv("PRE_COMMIT_TO_REF", sha)
    monkeypatch.setenv("PRE_COMMIT_REMOTE_BRANCH", remote)
    monkeypatch.setenv("PRE_COMMIT_LOCAL_BRANCH", remote)
    assert run_cli("branch", []) == code


def test_pre_push_of_a_deletion_passes(repo, monkeypatch, capsys) -> None:
    repo.commit("feat: start")
    monkeypatch.setenv("PRE_COMMIT_TO_REF", ZERO)
    monkeypatch.setenv("PRE_COMMIT_REMOTE_BRANCH", "refs/heads/Whatever")
    assert run_cli("branch", []) == 0
    assert "nothing to check: deleting refs/heads/Whatever" in capsys.readouterr().out


# --------------------------------------------------------------------------- CI


def pr_event(head: str, base_sha: str = "", head_sha: str = "") -> dict:
    return {
        "number": 7,
        "pull_request": {
            "number": 7,
            "title": "feat: x",
            "head": {"ref": head, "sha": head_sha},
            "base": {"ref": "main", "sha": base_sha},
        },
    }


@pytest.mark.parametrize(
    ("head", "code"), [("feature/x", 0), ("main", 1), ("my work", 1), ("renovate/all", 0)]
)
def test_pull_request_head_branch(repo, github_env, head: str, code: int) -> None:
    repo.commit("feat: start")
    github_env("pull_request", pr_event(head))
    assert run_cli("branch", []) == code


def test_push_to_trunk_is_a_merge_and_passes(repo, github_env) -> None:
    repo.commit("feat: start")
    github_env("push", {"before": ZERO, "after": repo.head()}, ref="refs/heads/main")
    assert run_cli("branch", []) == 0


def test_push_of_a_tag_passes(repo, github_env, capsys) -> None:
    repo.commit("feat: start")
    github_env("push", {}, ref="refs/tags/v1.0.0")
    assert run_cli("branch", []) == 0
    assert "nothing to check: refs/tags/v1.0.0: not a branch" in capsys.readouterr().out


def test_pull_request_payload_without_head(repo, github_env, capsys) -> None:
    github_env("pull_request", {"pull_request": {"number": 1}})
    assert run_cli("branch", []) == 2
    assert "has no head ref" in capsys.readouterr().err


def test_github_format_writes_annotations_summary_and_outputs(repo, github_env, capsys) -> None:
    repo.commit("feat: start")
    summary, output = github_env("pull_request", pr_event("Bad,Name"))
    assert run_cli("branch", ["--format", "github"]) == 1
    out = capsys.readouterr().out
    assert '::error title=trunkgate branch%3A branch-name::branch "Bad,Name" does not' in out
    assert "### trunkgate branch: ❌ failed" in summary.read_text()
    assert runner.outputs(output.read_text()) == {"passed": "false", "findings": "1"}


# --------------------------------------------------------------------------- history


def test_old_branch_fails_max_age(repo, capsys) -> None:
    repo.commit("feat: start", date="2026-01-01T00:00:00+00:00")
    repo.branch("feature/old")
    repo.commit("feat: old work", date="2026-01-02T00:00:00+00:00")
    assert run_cli("branch", ["--max-age-days", "30"]) == 1
    out = capsys.readouterr().out
    assert 'branch-age: branch "feature/old" is' in out
    assert run_cli("branch", ["--max-age-days", "100000"]) == 0


def test_branch_far_behind_trunk_fails_max_behind(repo, capsys) -> None:
    repo.commit("feat: start")
    repo.branch("feature/behind")
    repo.commit("feat: mine")
    repo.checkout("main")
    for i in range(3):
        repo.commit(f"fix: trunk {i}")
    repo.checkout("feature/behind")
    assert run_cli("branch", ["--max-behind", "2"]) == 1
    assert 'branch-behind: branch "feature/behind" is 3 commits behind main' in (
        capsys.readouterr().out
    )
    assert run_cli("branch", ["--max-behind", "3"]) == 0


def test_start_after_grandfathers_old_branches(repo, capsys) -> None:
    repo.commit("feat: start", date="2025-01-01T00:00:00+00:00")
    repo.branch("OldStyleName")
    repo.commit("feat: old", date="2025-02-01T00:00:00+00:00")
    assert run_cli("branch", ["--start-after", "2025-06-01"]) == 0
    assert "grandfathered: started 2025-02-01" in capsys.readouterr().out
    assert run_cli("branch", ["--start-after", "2025-01-15"]) == 1


def test_history_needs_a_trunk(repo, capsys) -> None:
    repo.git("checkout", "-q", "-b", "feature/orphan")
    repo.commit("feat: start")
    assert run_cli("branch", ["--max-behind", "5"]) == 2
    assert 'need the trunk "main"' in capsys.readouterr().err


def test_history_for_a_name_without_local_branch_is_not_measured(repo, capsys) -> None:
    repo.commit("feat: start")
    assert run_cli("branch", ["--branch", "feature/elsewhere", "--max-behind", "1"]) == 0
    assert "not measured" in capsys.readouterr().out


def test_shallow_clone_says_history_is_missing(repo, tmp_path, monkeypatch, capsys) -> None:
    repo.commit("feat: start")
    repo.commit("feat: more")
    repo.branch("feature/deep")
    repo.commit("feat: a")
    repo.commit("feat: b")
    clone = shallow_clone(repo.path, tmp_path / "shallow")
    monkeypatch.chdir(clone)
    subprocess.run(["git", "checkout", "-q", "feature/deep"], check=True)
    assert run_cli("branch", ["--max-age-days", "3650"]) == 2
    assert "shallow" in capsys.readouterr().err


# --------------------------------------------------------------------------- output and policy


def test_json_format(repo, capsys) -> None:
    repo.commit("feat: start")
    repo.branch("nope")
    assert run_cli("branch", ["--format", "json"]) == 1
    data = json.loads(capsys.readouterr().out)
    assert data["gate"] == "branch"
    assert data["passed"] is False
    assert data["findings"] == [
        {
            "file": None,
            "line": None,
            "rule": "branch-name",
            "severity": "error",
            "message": data["findings"][0]["message"],
        }
    ]
    assert data["findings"][0]["message"].startswith('branch "nope" does not start')


@pytest.mark.parametrize(
    ("text", "message"),
    [
        (
            "[tool.trunkgate.branch]\nmax-age-day = 3\n",
            'pyproject.toml: [tool.trunkgate.branch] unknown key "max-age-day" '
            '(did you mean "max-age-days"?)',
        ),
        (
            "[tool.trunkgate.branch]\npattern = '(unclosed'\n",
            "pyproject.toml: [tool.trunkgate.branch] pattern: expected a valid regular "
            'expression (missing ), unterminated subpattern at position 0), got "(unclosed"',
        ),
        (
            "[tool.trunkgate.branch]\nmax-behind = -1\n",
            "pyproject.toml: [tool.trunkgate.branch] max-behind: expected a whole number >= 0, "
            "got -1",
        ),
    ],
)
def test_bad_policy_is_one_line_and_exit_2(repo, capsys, text: str, message: str) -> None:
    repo.write("pyproject.toml", text)
    assert run_cli("branch", []) == 2
    assert capsys.readouterr().err == f"trunkgate branch: error: {message}\n"


def test_help_has_an_example(capsys) -> None:
    with pytest.raises(SystemExit) as exc:
        run_cli("branch", ["--help"])
    assert exc.value.code == 0
    out = capsys.readouterr().out
    assert "trunkgate branch --branch feature/login-form" in out
    assert "--max-age-days" in out


def test_unknown_flag_is_a_usage_error(capsys) -> None:
    with pytest.raises(SystemExit) as exc:
        run_cli("branch", ["--max-agedays", "3"])
    assert exc.value.code == 2
    assert "unrecognized arguments" in capsys.readouterr().err


def test_dotfile_policy(repo) -> None:
    repo.commit("feat: start")
    repo.branch("team/thing")
    assert run_cli("branch", []) == 1
    Path(".trunkgate.toml").write_text('[branch]\nprefixes = ["team/"]\n')
    assert run_cli("branch", []) == 0


def test_a_merge_queue_branch_is_exempt(repo, capsys) -> None:
    repo.commit("feat: start")
    assert run_cli("branch", ["--branch", "gh-readonly-queue/main/pr-7-" + "a" * 40]) == 0
    assert "exempt by the policy" in capsys.readouterr().out

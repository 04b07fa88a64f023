"""The secrets gate against the real detect-secrets: what it finds, what it never prints."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest

from tests.support.cli import run_cli
from tests.support.runner import outputs
from trunkgate.baseline import VERSION
from trunkgate.gates import secrets

ROOT = Path(__file__).resolve().parent.parent
# Fakes, put together at run time so that no scanner flags this file: AWS's documented
# example key id, and a GitHub token of the right shape.
AWS = "AKIA" + "IOSFODNN7EXAMPLE"
GITHUB = "ghp_" + "abcdefghijklmnopqrstuvwxyz0123456789"
HEX = "6f1ed002ab5595859014ebf0951522d9" + "a3c8d5e8d9c0b1e2f3a4b5c6d7e8f901"


def run(capsys, *args: str) -> tuple[int, str, str]:
    code = run_cli("secrets", list(args))
    out, err = capsys.readouterr()
    return code, out, err


def as_json(capsys, *args: str) -> tuple[int, dict]:
    code, out, err = run(capsys, *args, "--format", "json")
    assert code in (0, 1), err
    return code, json.loads(out)


def found(data: dict) -> list[tuple]:
    return [(f["file"], f["line"], f["rule"], f["severity"]) for f in data["findings"]]


# --------------------------------------------------------------------------- finding


def test_an_aws_key_in_an_env_file_fails_and_its_clean_twin_passes(repo, capsys):
    repo.write("deploy.env", f"REGION=eu-west-1\nAWS_ACCESS_KEY_ID={AWS}\n")
    code, data = as_json(capsys, "deploy.env")
    assert code == 1
    assert found(data) == [("deploy.env", 2, "AWSKeyDetector", "error")]
    assert data["findings"][0]["message"].startswith("AWS Access Key: ")
    assert data["metrics"] == {"secrets": 1, "baselined": 0}
    repo.write("deploy.env", "REGION=eu-west-1\nAWS_ACCESS_KEY_ID=${AWS_ACCESS_KEY_ID}\n")
    code, data = as_json(capsys, "deploy.env")
    assert code == 0
    assert data["findings"] == []
    assert data["notes"] == ["scanned 1 file given"]


def test_several_detectors_and_files(repo, capsys):
    repo.write("a.py", f'TOKEN = "{GITHUB}"\n')
    repo.write("conf/b.yaml", f"aws:\n  key: {AWS}\n")
    code, data = as_json(capsys, "a.py", "conf/b.yaml")
    assert code == 1
    assert found(data) == [
        ("a.py", 1, "GitHubTokenDetector", "error"),
        ("conf/b.yaml", 2, "AWSKeyDetector", "error"),
    ]


def test_detect_secrets_own_allowlist_pragma_is_honoured(repo, capsys):
    repo.write("a.py", f'KEY = "{AWS}"  # pragma: allowlist secret\n')
    code, data = as_json(capsys, "a.py")
    assert code == 0, data


def test_the_noisy_plugins_are_off_by_default_and_the_policy_turns_them_on(repo, capsys):
    repo.write("a.py", f'digest = "{HEX}"\n')
    code, data = as_json(capsys, "a.py")
    assert code == 0, data
    code, data = as_json(capsys, "a.py", "--plugins", "HexHighEntropyString")
    assert code == 1
    assert found(data) == [("a.py", 1, "HexHighEntropyString", "error")]
    # Only the plugins named run: the AWS detector is not among them.
    repo.write("b.py", f'KEY = "{AWS}"\n')
    code, data = as_json(capsys, "b.py", "--plugins", "HexHighEntropyString")
    assert code == 0


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ("AwsKeyDetector", 'unknown plugin "AwsKeyDetector" (did you mean "AWSKeyDetector"?)'),
        ("", "plugins: expected at least one detect-secrets plugin"),
    ],
)
def test_a_bad_plugin_list_is_a_usage_error(repo, capsys, value, message):
    repo.write("a.py", "x = 1\n")
    repo.write("pyproject.toml", f'[tool.trunkgate.secrets]\nplugins = ["{value}"]\n')
    if not value:
        repo.write("pyproject.toml", "[tool.trunkgate.secrets]\nplugins = []\n")
    code, out, err = run(capsys, "a.py")
    assert code == 2
    assert out == ""
    assert err.count("\n") == 1, err
    assert message in err


def test_a_missing_detect_secrets_is_one_line_with_the_install_hint(repo, capsys, monkeypatch):
    for name in [m for m in sys.modules if m.split(".")[0] == "detect_secrets"]:
        monkeypatch.setitem(sys.modules, name, None)
    monkeypatch.setitem(sys.modules, "detect_secrets", None)
    repo.write("a.py", "x = 1\n")
    code, out, err = run(capsys, "a.py")
    assert code == 2
    assert out == ""
    assert err == (
        "trunkgate secrets: error: detect-secrets is not installed (the secrets gate imports "
        "it); install it with: pip install 'trunkgate[secrets]'\n"
    )


def test_nothing_to_scan_needs_no_detect_secrets(repo, capsys, monkeypatch):
    monkeypatch.setitem(sys.modules, "detect_secrets", None)
    repo.commit("chore: start", {"a.py": "x = 1\n"})
    code, out, _ = run(capsys, "--base", "main")
    assert code == 0
    assert "scanned 0 changed files" in out


def test_exclude_from_the_policy(repo, capsys):
    repo.write("fixtures/keys.env", f"KEY={AWS}\n")
    repo.write("app.env", "KEY=\n")
    repo.write("pyproject.toml", '[tool.trunkgate.secrets]\nexclude = ["fixtures"]\n')
    code, data = as_json(capsys, "fixtures/keys.env", "app.env")
    assert code == 0
    assert data["notes"] == ["scanned 2 files given (1 excluded by the policy)"]


def test_a_file_too_large_is_a_warning_not_a_silent_pass(repo, capsys, monkeypatch):
    monkeypatch.setattr(secrets, "MAX_BYTES", 10)
    repo.write("big.txt", f"KEY={AWS}\n")
    code, data = as_json(capsys, "big.txt")
    assert code == 0
    assert found(data) == [("big.txt", None, "not-scanned", "warning")]


def test_a_symbolic_link_is_not_followed(repo, capsys, tmp_path):
    outside = tmp_path / "outside.env"
    outside.write_text(f"KEY={AWS}\n", encoding="utf-8")
    (repo.path / "link.env").symlink_to(outside)
    code, data = as_json(capsys, "link.env")
    assert code == 0
    assert data["notes"] == ["scanned 1 file given (1 symbolic link not followed)"]


# --------------------------------------------------------------------------- the change


def test_only_the_lines_a_change_adds_count_unless_scope_is_files(repo, capsys):
    repo.commit("chore: start", {"old.env": f"KEY={AWS}\n", "other.env": f"T={GITHUB}\n"})
    base = repo.head()
    repo.branch("feature/x")
    repo.commit("feat: more", {"old.env": f"KEY={AWS}\nNEW={GITHUB}\n", "new.txt": "hello\n"})
    code, data = as_json(capsys, "--base", "main")
    assert code == 1
    assert found(data) == [("old.env", 2, "GitHubTokenDetector", "error")]
    assert data["notes"] == [
        f"scanned 2 changed files since {base[:10]} (main)",
        "only the lines the change adds count (scope added-lines)",
        "1 secret on lines the change does not touch not shown (scan them with --all)",
    ]
    code, data = as_json(capsys, "--base", "main", "--scope", "files")
    assert found(data) == [
        ("old.env", 1, "AWSKeyDetector", "error"),
        ("old.env", 2, "GitHubTokenDetector", "error"),
    ]
    code, data = as_json(capsys, "--all")
    assert [f[0] for f in found(data)] == ["old.env", "old.env", "other.env"]
    assert data["notes"][0] == "scanned the whole tree (--all): 3 files"


def test_a_pull_request_in_actions_annotates_the_line(repo, capsys, github_env):
    repo.commit("chore: start", {"README.md": "# x\n"})
    base = repo.head()
    repo.branch("feature/x")
    head = repo.commit("feat: add", {"settings.py": f'\nAWS_KEY = "{AWS}"\n'})
    summary, output = github_env(
        "pull_request", {"pull_request": {"base": {"sha": base}, "head": {"sha": head}}}
    )
    code, out, _ = run(capsys, "--format", "github")
    assert code == 1
    assert "::error file=settings.py,line=2,title=trunkgate secrets%3A AWSKeyDetector::" in out
    assert outputs(output.read_text(encoding="utf-8"))["secrets"] == "1"
    assert "AWSKeyDetector" in summary.read_text(encoding="utf-8")


# --------------------------------------------------------------------------- never printed


def test_no_output_channel_ever_shows_the_secret(repo, capsys, github_env, tmp_path):
    """Text, JSON, github (annotations, step summary, outputs), SARIF, stderr: the value of
    every secret found is in none of them, nor in the baseline."""
    repo.commit("chore: start", {"README.md": "# x\n"})
    base = repo.head()
    repo.branch("feature/x")
    files = {"a.py": f'KEY = "{AWS}"\n', "b.env": f"TOKEN={GITHUB}\n"}
    head = repo.commit("feat: add", files)
    seen = []
    for fmt in ("text", "json"):
        code, out, err = run(capsys, "a.py", "b.env", "--format", fmt)
        assert code == 1
        seen += [out, err]
    sarif = tmp_path / "out.sarif"
    code = run_cli("run", ["--gates", "secrets", "--format", "sarif", "--sarif", str(sarif)])
    out, err = capsys.readouterr()
    assert code == 1
    assert json.loads(out)["runs"][0]["results"]
    seen += [out, err, sarif.read_text(encoding="utf-8")]
    summary, output = github_env(
        "pull_request", {"pull_request": {"base": {"sha": base}, "head": {"sha": head}}}
    )
    for args in (["--format", "github"], ["--format", "github", "--verbose"]):
        code, out, err = run(capsys, *args)
        assert code == 1
        assert out.count("::error file=") == 2
        seen += [out, err]
    code = run_cli("run", ["--gates", "secrets", "--format", "github"])
    out, err = capsys.readouterr()
    seen += [out, err, summary.read_text(encoding="utf-8"), output.read_text(encoding="utf-8")]
    code, out, err = run(capsys, "--all", "--update-baseline")
    assert code == 0
    seen += [out, err, (repo.path / ".trunkgate/secrets-baseline.json").read_text()]
    # Each channel did carry the findings (so this test can fail).
    assert "AWSKeyDetector" in summary.read_text(encoding="utf-8")
    assert outputs(output.read_text(encoding="utf-8"))["secrets-secrets"] == "2"
    for text in seen:
        for value in (AWS, GITHUB, AWS[4:], GITHUB[4:]):
            assert value not in text


def test_redact_replaces_every_value_longest_first():
    assert secrets.redact("a abc b ab", ["ab", "abc"]) == "a [redacted] b [redacted]"
    assert secrets.redact("nothing", []) == "nothing"


def test_a_secret_in_a_file_name_is_redacted_too(repo, capsys):
    name = f"{AWS}.env"
    repo.write(name, f"KEY={AWS}\n")
    code, out, err = run(capsys, name)
    assert code == 1
    assert AWS not in out + err
    assert "[redacted].env:1: AWSKeyDetector" in out
    assert repr(secrets.Secret("P", "kind", "a", 1, AWS)) == "Secret(P a:1)"


# --------------------------------------------------------------------------- baseline


def test_the_baseline_adopts_todays_secrets_then_fails_only_new_ones(repo, capsys):
    repo.commit("chore: start", {"tests/fixture.env": f"KEY={AWS}\n", "app.py": "x = 1\n"})
    code, out, _ = run(capsys, "--update-baseline")
    assert code == 0
    assert "wrote .trunkgate/secrets-baseline.json: 1 accepted secret" in out
    path = repo.path / ".trunkgate" / "secrets-baseline.json"
    document = json.loads(path.read_text(encoding="utf-8"))
    assert document["version"] == VERSION
    (entry,) = document["findings"]
    assert entry["path"] == "tests/fixture.env"
    assert entry["test_id"] == "AWSKeyDetector"
    assert entry["type"] == "AWS Access Key"
    assert entry["count"] == 1
    # Accepted: the same secret passes, even moved to another line.
    repo.write("tests/fixture.env", f"# moved\n\nKEY={AWS}\n")
    code, data = as_json(capsys, "tests/fixture.env")
    assert code == 0
    assert data["notes"][-1] == "1 secret accepted by the baseline .trunkgate/secrets-baseline.json"
    # A second copy, or another secret, is new.
    repo.write("tests/fixture.env", f"KEY={AWS}\nAGAIN={AWS}\nT={GITHUB}\n")
    code, data = as_json(capsys, "tests/fixture.env")
    assert code == 1
    assert found(data) == [
        ("tests/fixture.env", 2, "AWSKeyDetector", "error"),
        ("tests/fixture.env", 3, "GitHubTokenDetector", "error"),
    ]
    # The same key in another file is not the accepted one.
    repo.write("app.py", f'K = "{AWS}"\n')
    code, data = as_json(capsys, "app.py")
    assert found(data) == [("app.py", 1, "AWSKeyDetector", "error")]


def test_the_baseline_file_itself_is_never_scanned(repo, capsys):
    repo.write(".trunkgate/secrets-baseline.json", '{"version": 1, "findings": []}\n')
    code, data = as_json(capsys, ".trunkgate/secrets-baseline.json")
    assert code == 0
    assert data["notes"] == ["scanned 1 file given (1 excluded by the policy)"]


@pytest.mark.parametrize(
    ("text", "why"),
    [
        ("{not json", "invalid JSON"),
        ('{"version": 1}', 'no "findings" list'),
        ('{"version": 7, "findings": []}', "version 7, expected 1"),
        ('{"version": 1, "findings": [{"path": "a"}]}', "findings[0] needs path"),
    ],
)
def test_a_corrupt_baseline_is_a_usage_error(repo, capsys, text, why):
    repo.write("a.env", "K=1\n")
    repo.write(".trunkgate/secrets-baseline.json", text)
    code, out, err = run(capsys, "a.env")
    assert code == 2
    assert out == ""
    assert err.count("\n") == 1, err
    assert err.startswith(
        "trunkgate secrets: error: .trunkgate/secrets-baseline.json: not a trunkgate secrets "
        "baseline ("
    )
    assert why in err
    assert "trunkgate secrets --update-baseline" in err


def test_update_baseline_without_a_baseline_key_is_a_usage_error(repo, capsys):
    repo.commit("chore: start", {"a.env": "K=1\n"})
    code, _, err = run(capsys, "--update-baseline", "--baseline", "")
    assert code == 2
    assert "the policy key baseline is empty" in err


# --------------------------------------------------------------------------- the demo


@pytest.mark.parametrize(("twin", "expected"), [("broken", 1), ("fixed", 0)])
def test_the_demos_broken_twin_commits_one_secret_and_the_fixed_twin_none(
    repo, capsys, twin, expected
):
    import shutil

    examples = ROOT / "examples"
    shutil.copytree(examples / "project", repo.path, dirs_exist_ok=True)
    repo.commit("chore: start greeter")
    repo.branch("feature/x")
    shutil.copytree(examples / f"change-{twin}", repo.path, dirs_exist_ok=True)
    repo.commit("feat: the change")
    code, data = as_json(capsys)
    assert code == expected
    assert found(data) == ([("deploy.env", 4, "AWSKeyDetector", "error")] if expected else [])


def test_this_projects_baseline_accepts_the_demos_fake_key(capsys, monkeypatch):
    monkeypatch.chdir(ROOT)
    code, data = as_json(capsys, "examples/change-broken/deploy.env")
    assert code == 0
    assert data["notes"][-1] == "1 secret accepted by the baseline .trunkgate/secrets-baseline.json"

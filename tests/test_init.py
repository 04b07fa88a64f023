"""`trunkgate init`: it reads the repository, edits an existing hook config in place, and
writes only what differs from the defaults, each value with its source."""

from __future__ import annotations

import difflib
import subprocess
import tomllib
from pathlib import Path

import pytest
import yaml

from tests.support.cli import run_cli
from trunkgate import config, init, precommit_config

ROOT = Path(__file__).resolve().parent.parent

EXISTING = """\
# our hooks
repos:
  # formatting
  - repo: https://github.com/astral-sh/ruff-pre-commit
    rev: v0.4.4  # keep in step with CI
    hooks:
      - id: ruff
        args: [--fix]
      - id: ruff-format

  - repo: local
    hooks:
      - id: no-print
        name: no print
        entry: grep -L print
        language: system
        types: [python]

# pre-commit.ci
ci:
  autofix_prs: false
"""

SAMPLE_STYLE = """\
repos:
-   repo: https://github.com/pre-commit/pre-commit-hooks
    rev: v4.6.0
    hooks:
    -   id: trailing-whitespace
    -   id: end-of-file-fixer
"""


def out_err(capsys) -> tuple[str, str]:
    captured = capsys.readouterr()
    return captured.out, captured.err


def with_origin(repo, tmp_path: Path, trunk: str = "master") -> None:
    """A bare origin with its HEAD on `trunk`, fetched, and origin/HEAD set as a clone sets it."""
    origin = tmp_path / "origin.git"
    subprocess.run(["git", "init", "-q", "--bare", "-b", trunk, str(origin)], check=True)
    repo.git("remote", "add", "origin", str(origin))
    repo.git("push", "-q", "origin", f"HEAD:refs/heads/{trunk}")
    repo.git("fetch", "-q", "origin")
    repo.git("remote", "set-head", "origin", "--auto")


def master_repo(repo, tmp_path: Path) -> None:
    repo.git("checkout", "-q", "-b", "master")
    repo.commit("chore: start", {"src/app.py": "print('hi')\n"})
    with_origin(repo, tmp_path)
    repo.git("branch", "-q", "-D", "main", check=False)


def policy_table(repo) -> dict:
    return tomllib.loads((repo.path / "pyproject.toml").read_text())["tool"]["trunkgate"]


def only_insertions(old: str, new: str) -> list[list[str]]:
    """The blocks of lines `new` adds to `old`; fails if any line of `old` changed or moved."""
    a, b = old.splitlines(keepends=True), new.splitlines(keepends=True)
    matcher = difflib.SequenceMatcher(a=a, b=b, autojunk=False)
    added = []
    for op, i1, i2, j1, j2 in matcher.get_opcodes():
        assert op in ("equal", "insert"), (op, a[i1:i2], b[j1:j2])
        if op == "insert":
            added.append(b[j1:j2])
    return added


# --------------------------------------------------------------------------- a fresh repository


def test_a_bare_repository_gets_hooks_workflows_a_minimal_policy_and_a_changelog(
    repo, capsys
) -> None:
    assert run_cli("init", []) == 0
    out, _ = out_err(capsys)
    assert "wrote .pre-commit-config.yaml" in out
    assert (repo.path / ".pre-commit-config.yaml").read_text() == init.pre_commit_config()
    hooks = yaml.safe_load((repo.path / ".pre-commit-config.yaml").read_text())
    assert hooks["default_install_hook_types"] == ["pre-commit", "commit-msg", "pre-push"]
    assert [h["id"] for h in hooks["repos"][0]["hooks"]] == init.default_hooks()
    for name in init.WORKFLOWS:
        written = (repo.path / ".github" / "workflows" / name).read_text()
        assert written == (ROOT / "workflows" / name).read_text()
    # Nothing differs from the defaults: the policy says so and sets nothing.
    dotfile = (repo.path / ".trunkgate.toml").read_text()
    assert tomllib.loads(dotfile) == {}
    assert "every key at its default" in dotfile
    assert config.resolve("branch").source.endswith(".trunkgate.toml")
    # A changelog skeleton that the changelog gate accepts.
    assert (repo.path / "CHANGELOG.md").read_text().startswith("# Changelog\n")
    assert run_cli("changelog", []) == 0


def test_pyproject_gets_only_what_differs(repo, capsys) -> None:
    repo.write("pyproject.toml", '[project]\nname = "x"\nversion = "1.0.0"\n')
    repo.write("tests/test_x.py", "def test_x():\n    pass\n")
    repo.write("requirements-dev.txt", "pytest==8.0.0\npytest-cov==5.0.0\n")
    repo.commit("chore: start")
    assert run_cli("init", []) == 0
    data = tomllib.loads((repo.path / "pyproject.toml").read_text())
    assert data["project"] == {"name": "x", "version": "1.0.0"}
    assert data["tool"]["trunkgate"] == {}  # main, no tags, pytest-cov: all defaults
    assert config.resolve("coverage").source.endswith("pyproject.toml")


# --------------------------------------------------------------------------- reading the repository


def test_init_takes_the_tag_prefix_that_names_the_project(repo, tmp_path, capsys) -> None:
    master_repo(repo, tmp_path)
    for tag in ("app-v1.0.0", "lib-v1.0.0", "lib-v1.1.0", "lib-v1.2.0"):
        repo.tag(tag)
    repo.write("pyproject.toml", '[project]\nname = "app"\nversion = "1.0.0"\n')
    assert run_cli("init", []) == 0
    assert policy_table(repo)["tag-prefix"] == "app-v"
    text = (repo.path / "pyproject.toml").read_text()
    assert "# 1 of the repository's 4 tags (e.g. app-v1.0.0)" in text


def test_init_reads_a_master_trunk_unprefixed_tags_and_coverage(repo, tmp_path, capsys) -> None:
    master_repo(repo, tmp_path)
    repo.tag("1.2.0")
    repo.tag("1.3.0")
    repo.write(
        "pyproject.toml",
        '[project]\nname = "x"\nversion = "1.3.0"\n\n'
        "[tool.coverage.report]\nfail_under = 97\n\n[tool.pytest.ini_options]\n"
        'testpaths = ["tests"]\n',
    )
    assert run_cli("init", []) == 0
    text = (repo.path / "pyproject.toml").read_text()
    table = policy_table(repo)
    assert table["trunk"] == "master"
    assert table["tag-prefix"] == ""
    assert "version-scheme" not in table  # semver: the default is not written
    assert table["coverage"] == {"fail-under": 97, "test-command": "coverage run -m pytest"}
    # Each value under a comment naming its source.
    assert '# origin/HEAD points at origin/master\ntrunk = "master"' in text
    assert '# the repository\'s 2 tags (e.g. 1.3.0)\ntag-prefix = ""' in text
    assert "# pyproject.toml [tool.coverage.report] fail_under\nfail-under = 97" in text
    workflow = (repo.path / ".github/workflows/quality-gates.yml").read_text()
    assert "branches: [master]" in workflow
    assert "branches: [main]" not in workflow


def test_without_origin_head_the_existing_branch_is_the_trunk(repo) -> None:
    repo.git("checkout", "-q", "-b", "master")
    repo.commit("chore: start")
    repo.git("branch", "-q", "feature/x")
    assert run_cli("init", []) == 0
    assert 'trunk = "master"' in (repo.path / ".trunkgate.toml").read_text()
    assert "master exists" in (repo.path / ".trunkgate.toml").read_text()


@pytest.mark.parametrize(
    ("name", "text", "source"),
    [
        (".coveragerc", "[report]\nfail_under = 100\n", ".coveragerc [report] fail_under"),
        ("setup.cfg", "[coverage:report]\nfail_under = 100\n", "setup.cfg [coverage:report]"),
        ("tox.ini", "[coverage:report]\nfail_under = 100\n", "tox.ini [coverage:report]"),
        (
            "pyproject.toml",
            '[project]\nname = "x"\nversion = "1"\n[tool.coverage.report]\nfail_under = 100\n',
            "pyproject.toml [tool.coverage.report]",
        ),
    ],
)
def test_coverage_fail_under_from_each_of_coverage_s_files(
    repo, name: str, text: str, source: str
) -> None:
    repo.write(name, text)
    assert run_cli("init", []) == 0
    written = repo.path / ("pyproject.toml" if name == "pyproject.toml" else ".trunkgate.toml")
    policy = written.read_text()
    assert "fail-under = 100" in policy
    assert source in policy
    assert config.resolve("coverage").fail_under == 100


def test_coveragerc_wins_over_pyproject_as_in_coverage(repo) -> None:
    repo.write(".coveragerc", "[report]\nfail_under = 80\n")
    repo.write(
        "pyproject.toml",
        '[project]\nname="x"\nversion="1"\n[tool.coverage.report]\nfail_under=99\n',
    )
    assert run_cli("init", []) == 0
    assert policy_table(repo)["coverage"]["fail-under"] == 80


@pytest.mark.parametrize(
    ("files", "command"),
    [
        ({"pyproject.toml": '[tool.pytest.ini_options]\naddopts = "--cov=app"\n'}, "pytest"),
        ({"pytest.ini": "[pytest]\naddopts = --cov app -q\n"}, "pytest"),
        ({"tox.ini": "[coverage:run]\nbranch = true\n"}, "coverage run -m pytest"),
        ({"tests/test_a.py": "", "requirements.txt": "pytest-cov\n"}, None),
        ({"README.md": "x"}, None),  # no tests, no pytest: nothing to say
    ],
)
def test_the_test_command(repo, files: dict[str, str], command: str | None) -> None:
    for name, text in files.items():
        repo.write(name, text)
    assert run_cli("init", []) == 0
    written = repo.path / ("pyproject.toml" if "pyproject.toml" in files else ".trunkgate.toml")
    data = tomllib.loads(written.read_text())
    data = data.get("tool", {}).get("trunkgate", data)
    assert data.get("coverage", {}).get("test-command") == command


@pytest.mark.parametrize(
    ("pyproject", "extra", "version_file"),
    [
        (
            '[project]\nname = "x"\ndynamic = ["version"]\n'
            '[tool.setuptools.dynamic]\nversion = {attr = "app.__version__"}\n',
            {"src/app/__init__.py": '__version__ = "1.0.0"\n'},
            "src/app/__init__.py",
        ),
        (
            '[project]\nname = "x"\ndynamic = ["version"]\n[tool.hatch.version]\npath = "app.py"\n',
            {"app.py": '__version__ = "1"\n'},
            "app.py",
        ),
        ('[project]\nname = "x"\ndynamic = ["version"]\n[tool.setuptools_scm]\n', {}, ""),
        (
            '[build-system]\nbuild-backend = "flit_core.buildapi"\n'
            '[project]\nname = "my-app"\ndynamic = ["version"]\n',
            {"my_app/__init__.py": '__version__ = "1"\n'},
            "my_app/__init__.py",
        ),
        ('[project]\nname = "x"\nversion = "1.0"\n', {}, None),
    ],
)
def test_the_version_source(repo, pyproject: str, extra: dict, version_file: str | None) -> None:
    repo.write("pyproject.toml", pyproject)
    for name, text in extra.items():
        repo.write(name, text)
    assert run_cli("init", []) == 0
    assert policy_table(repo).get("release", {}).get("version-file") == version_file


# --------------------------------------------------------------------------- flags


@pytest.mark.parametrize(
    ("flag", "value", "table", "key", "expected"),
    [
        ("--trunk", "master", "", "trunk", "master"),
        ("--tag-prefix", "release-", "", "tag-prefix", "release-"),
        ("--version-scheme", "calver", "", "version-scheme", "calver"),
        ("--changelog-file", "HISTORY.md", "", "changelog-file", "HISTORY.md"),
        ("--fail-under", "85", "coverage", "fail-under", 85),
        ("--test-command", "make test", "coverage", "test-command", "make test"),
    ],
)
def test_every_flag_is_honoured(repo, flag, value, table, key, expected) -> None:
    repo.write("pyproject.toml", '[project]\nname = "x"\nversion = "1"\n')
    repo.commit("chore: start")
    repo.git("checkout", "-q", "-b", "develop")  # nothing here says master or calver
    assert run_cli("init", [flag, value]) == 0
    table_data = policy_table(repo)
    got = table_data[table][key] if table else table_data[key]
    assert got == expected
    assert f"# {flag}\n" in (repo.path / "pyproject.toml").read_text()


def test_a_flag_wins_over_what_the_repository_says(repo, tmp_path) -> None:
    master_repo(repo, tmp_path)
    repo.write(".coveragerc", "[report]\nfail_under = 70\n")
    assert run_cli("init", ["--trunk", "trunk", "--fail-under", "95"]) == 0
    text = (repo.path / ".trunkgate.toml").read_text()
    assert 'trunk = "trunk"' in text
    assert "fail-under = 95" in text
    assert "branches: [trunk]" in (repo.path / ".github/workflows/quality-gates.yml").read_text()


@pytest.mark.parametrize(
    ("args", "words"),
    [
        (["--fail-under", "abc"], "--fail-under: expected a number from 0 to 100"),
        (["--fail-under", "101"], "--fail-under: expected a number from 0 to 100"),
        (["--test-command", " "], "--test-command: expected a command"),
        (["--version-scheme", "roman"], "--version-scheme"),
        (["--check", "--force"], "--check: only reports"),
    ],
)
def test_bad_flags_exit_2_and_write_nothing(repo, capsys, args, words) -> None:
    assert run_cli("init", args) == 2
    assert words in out_err(capsys)[1]
    assert list(repo.path.iterdir()) == [repo.path / ".git"]


# --------------------------------------------------------------------------- the changelog


def test_an_existing_changelog_under_another_name(repo) -> None:
    repo.write(
        "HISTORY.md",
        "# History\n\n## [Unreleased]\n\n## [1.0.0] - 2025-01-01\n\n"
        "### Added\n\n- x\n\n[unreleased]: u\n[1.0.0]: u\n",
    )
    assert run_cli("init", []) == 0
    assert 'changelog-file = "HISTORY.md"' in (repo.path / ".trunkgate.toml").read_text()
    assert not (repo.path / "CHANGELOG.md").exists()
    hooks = yaml.safe_load((repo.path / ".pre-commit-config.yaml").read_text())
    lint = next(h for h in hooks["repos"][0]["hooks"] if h["id"] == "trunkgate-changelog")
    assert lint["files"] == r"^HISTORY\.md$"
    assert run_cli("changelog", []) == 0


def test_a_changelog_in_another_convention_skips_the_changelog_gates(repo, capsys) -> None:
    text = "# Changelog\n\n" + "".join(
        f"## v1.{n}.0 (2025-01-0{n})\n\n### Feat\n\n- thing {n}\n\n### Fix\n\n- bug {n}\n\n"
        for n in range(5, 0, -1)
    )
    repo.write("CHANGELOG.md", text)
    assert run_cli("init", []) == 0
    out, _ = out_err(capsys)
    assert "CHANGELOG.md follows another convention (it is commitizen's format" in out
    policy = (repo.path / ".trunkgate.toml").read_text()
    assert 'skip = ["changelog", "changelog-updated"]' in policy
    assert "# CHANGELOG.md: it is commitizen's format" in policy
    ids = [
        h["id"]
        for h in yaml.safe_load((repo.path / ".pre-commit-config.yaml").read_text())["repos"][0][
            "hooks"
        ]
    ]
    assert "trunkgate-changelog" not in ids
    assert "trunkgate-changelog-updated" not in ids
    assert config.resolve("run").skip == ["changelog", "changelog-updated"]


# ----------------------------------------------------------------------- an existing hook config


@pytest.mark.parametrize(
    "text", [EXISTING, SAMPLE_STYLE, EXISTING.replace("\n", "\r\n"), SAMPLE_STYLE.rstrip("\n")]
)
def test_an_existing_config_gains_only_inserted_lines(repo, capsys, text: str) -> None:
    path = repo.path / ".pre-commit-config.yaml"
    path.write_bytes(text.encode())
    assert run_cli("init", []) == 0
    new = path.read_bytes().decode()
    old = text if text.endswith("\n") else text + "\n"  # a last line gets its line end
    blocks = only_insertions(old, new)
    assert len(blocks) == 2
    assert blocks[0] == [
        "default_install_hook_types: [pre-commit, commit-msg, pre-push]"
        + ("\r\n" if "\r\n" in text else "\n")
    ]
    assert blocks[1][0].lstrip(" -").startswith("repo: https://github.com/trunkgate/trunkgate")
    loaded_old, loaded = yaml.safe_load(old), yaml.safe_load(new)
    assert loaded["repos"][:-1] == loaded_old["repos"]
    assert loaded.get("ci") == loaded_old.get("ci")
    assert [h["id"] for h in loaded["repos"][-1]["hooks"]] == init.default_hooks()
    # The new entry is written in the file's own indentation.
    first_item = next(line for line in old.splitlines() if line.lstrip().startswith("- "))
    indent = first_item[: len(first_item) - len(first_item.lstrip())]
    assert blocks[1][0].startswith(indent + "-")
    assert "\r\n" not in new or all(line.endswith("\r\n") for line in blocks[1])


def test_ruff_s_pin_goes_to_the_lint_hook(repo) -> None:
    (repo.path / ".pre-commit-config.yaml").write_text(EXISTING)
    assert run_cli("init", []) == 0
    loaded = yaml.safe_load((repo.path / ".pre-commit-config.yaml").read_text())
    lint = next(h for h in loaded["repos"][-1]["hooks"] if h["id"] == "trunkgate-lint")
    assert lint["additional_dependencies"] == ["ruff==0.4.4"]
    assert "# ruff-pre-commit's rev v0.4.4" in (repo.path / ".pre-commit-config.yaml").read_text()


def test_a_ruff_version_range_falls_back_to_the_hook_s_rev(repo, capsys) -> None:
    repo.write("ruff.toml", 'required-version = ">=0.4"\n')
    (repo.path / ".pre-commit-config.yaml").write_text(EXISTING)
    assert run_cli("init", []) == 0
    assert "ruff: required-version '>=0.4' in ruff.toml is not one version" in out_err(capsys)[0]
    assert '["ruff==0.4.4"]' in (repo.path / ".pre-commit-config.yaml").read_text()


def test_ruff_required_version_wins(repo) -> None:
    repo.write("ruff.toml", 'required-version = "==0.5.7"\n')
    (repo.path / ".pre-commit-config.yaml").write_text(EXISTING)
    assert run_cli("init", []) == 0
    loaded = yaml.safe_load((repo.path / ".pre-commit-config.yaml").read_text())
    lint = next(h for h in loaded["repos"][-1]["hooks"] if h["id"] == "trunkgate-lint")
    assert lint["additional_dependencies"] == ["ruff==0.5.7"]


@pytest.mark.parametrize(
    ("line", "expected"),
    [
        (
            "default_install_hook_types: [pre-commit]  # ours",
            "[pre-commit, commit-msg, pre-push]  # ours",
        ),
        ("default_install_hook_types: [pre-push, pre-commit, commit-msg]", None),
    ],
)
def test_existing_hook_types_get_what_is_missing(repo, line: str, expected: str | None) -> None:
    path = repo.path / ".pre-commit-config.yaml"
    path.write_text(line + "\n" + SAMPLE_STYLE)
    assert run_cli("init", []) == 0
    first = path.read_text().splitlines()[0]
    assert first == (f"default_install_hook_types: {expected}" if expected else line)


def test_block_style_hook_types(repo) -> None:
    path = repo.path / ".pre-commit-config.yaml"
    path.write_text("default_install_hook_types:\n  - pre-commit\n" + SAMPLE_STYLE)
    assert run_cli("init", []) == 0
    loaded = yaml.safe_load(path.read_text())
    assert loaded["default_install_hook_types"] == ["pre-commit", "commit-msg", "pre-push"]
    assert path.read_text().startswith(
        "default_install_hook_types:\n  - pre-commit\n  - commit-msg\n"
    )


def test_dry_run_shows_the_diff_and_writes_nothing(repo, capsys) -> None:
    (repo.path / ".pre-commit-config.yaml").write_text(EXISTING)
    assert run_cli("init", ["--dry-run"]) == 0
    out, _ = out_err(capsys)
    assert "--- a/.pre-commit-config.yaml\n+++ b/.pre-commit-config.yaml\n" in out
    assert "+  - repo: https://github.com/trunkgate/trunkgate\n" in out
    assert "--- /dev/null\n+++ b/.trunkgate.toml\n" in out
    assert "would update .pre-commit-config.yaml" in out
    assert (repo.path / ".pre-commit-config.yaml").read_text() == EXISTING
    assert sorted(p.name for p in repo.path.iterdir()) == [".git", ".pre-commit-config.yaml"]


def test_an_older_trunkgate_entry_is_a_conflict_that_force_settles(repo, capsys) -> None:
    text = EXISTING.replace(
        "# pre-commit.ci",
        "  - repo: https://github.com/trunkgate/trunkgate\n    rev: 'v0.0.1'  # pinned\n"
        "    hooks:\n      - id: trunkgate-branch\n      - id: trunkgate-lint\n"
        "        args: [--all]\n\n# pre-commit.ci",
    )
    path = repo.path / ".pre-commit-config.yaml"
    path.write_text(text)
    assert run_cli("init", []) == 2
    _, err = out_err(capsys)
    assert ".pre-commit-config.yaml: trunkgate's entry is at rev v0.0.1, this trunkgate is" in err
    assert "nothing was written" in err
    assert path.read_text() == text
    assert not (repo.path / ".trunkgate.toml").exists()
    assert run_cli("init", ["--dry-run"]) == 0
    out, _ = out_err(capsys)
    assert "conflict: .pre-commit-config.yaml: trunkgate's entry lacks trunkgate-commit-msg" in out
    assert run_cli("init", ["--force"]) == 0
    new = path.read_text()
    loaded = yaml.safe_load(new)
    ours = loaded["repos"][2]
    assert ours["rev"] == init.pre_commit_config().split("rev: ")[1].split("\n")[0]
    assert [h["id"] for h in ours["hooks"]][:2] == ["trunkgate-branch", "trunkgate-lint"]
    assert ours["hooks"][1]["args"] == ["--all"]  # the user's settings stay
    assert sorted(h["id"] for h in ours["hooks"]) == sorted(init.default_hooks())
    assert loaded["repos"][:2] == yaml.safe_load(text)["repos"][:2]
    assert "  # pinned" in new  # the rev line keeps its comment
    # Only the rev line changed; the rest are insertions.
    old_lines = [line for line in text.splitlines() if "rev: 'v0.0.1'" not in line]
    assert [line for line in new.splitlines() if line in old_lines] == old_lines


def test_a_workflow_that_differs_is_a_conflict(repo, capsys) -> None:
    repo.write(".github/workflows/quality-gates.yml", "mine\n")
    assert run_cli("init", []) == 2
    err = out_err(capsys)[1]
    assert ".github/workflows/quality-gates.yml exists and differs; nothing was written" in err
    assert not (repo.path / ".pre-commit-config.yaml").exists()
    assert run_cli("init", ["--force"]) == 0
    assert (repo.path / ".github/workflows/quality-gates.yml").read_text() != "mine\n"


@pytest.mark.parametrize(
    ("text", "words"),
    [
        ("repos: [\n", "not valid YAML (line"),
        ("repos: []\n", "repos: is written inline"),
        ("- a\n- b\n", "expected a mapping (repos: ...) at the top, got list"),
        # A flow list whose lines start at column 0: the insertion would land inside it.
        (
            "repos:\n- repo: local\n  hooks: [\n{id: x, name: x, entry: x, language: system}\n]\n",
            "could not be edited without touching",
        ),
    ],
)
def test_a_config_init_cannot_edit_safely_exits_2(repo, capsys, text: str, words: str) -> None:
    path = repo.path / ".pre-commit-config.yaml"
    path.write_text(text)
    assert run_cli("init", []) == 2
    err = out_err(capsys)[1]
    assert words in err
    assert len(err.strip().splitlines()) == 1
    assert path.read_text() == text
    assert sorted(p.name for p in repo.path.iterdir()) == [".git", ".pre-commit-config.yaml"]


def test_an_existing_policy_is_left_alone_and_its_disagreements_said(repo, tmp_path, capsys):
    master_repo(repo, tmp_path)
    text = '[project]\nname = "x"\nversion = "1"\n\n[tool.trunkgate]\ntrunk = "develop"\n'
    repo.write("pyproject.toml", text)
    assert run_cli("init", []) == 0
    out, _ = out_err(capsys)
    assert "pyproject.toml [tool.trunkgate] exists: the policy is left as it is" in out
    assert 'the policy has trunk = "develop"; the repository says "master"' in out
    assert (repo.path / "pyproject.toml").read_text() == text
    # The workflows follow the policy that stays, not what init would have written.
    assert "branches: [develop]" in (repo.path / ".github/workflows/quality-gates.yml").read_text()


# --------------------------------------------------------------------------- --check


def test_check_says_what_is_out_of_date(repo, tmp_path, capsys) -> None:
    master_repo(repo, tmp_path)
    assert run_cli("init", ["--check"]) == 1
    out, _ = out_err(capsys)
    assert "out of date: .pre-commit-config.yaml (missing)" in out
    assert not (repo.path / ".pre-commit-config.yaml").exists()
    assert run_cli("init", []) == 0
    capsys.readouterr()
    assert run_cli("init", ["--check"]) == 0
    assert "up to date" in out_err(capsys)[0]
    # The trunk moves on the remote: the policy written before is out of date.
    repo.git("push", "-q", "origin", "HEAD:refs/heads/trunk")
    repo.git("symbolic-ref", "refs/remotes/origin/HEAD", "refs/remotes/origin/trunk")
    assert run_cli("init", ["--check"]) == 1
    out, _ = out_err(capsys)
    assert 'out of date: the policy has trunk = "master"; the repository says "trunk"' in out
    # A hook removed by hand is out of date too.
    path = repo.path / ".pre-commit-config.yaml"
    path.write_text(path.read_text().replace("    -   id: trunkgate-audit\n", ""))
    assert run_cli("init", ["--check"]) == 1
    assert "out of date: .pre-commit-config.yaml\n" in out_err(capsys)[0]


def test_init_into_a_folder_that_does_not_exist(tmp_path, capsys) -> None:
    assert run_cli("init", [str(tmp_path / "nope")]) == 2
    assert "no such directory" in capsys.readouterr().err


def test_repo_rev_reads_the_pin_of_another_repository() -> None:
    assert precommit_config.repo_rev(EXISTING, "ruff-pre-commit") == "v0.4.4"
    assert precommit_config.repo_rev(EXISTING, "black") is None
    assert precommit_config.repo_rev("ci: {}\n", "ruff-pre-commit") is None


def test_values_and_sources_with_control_characters_stay_valid_toml(repo) -> None:
    repo.write("pyproject.toml", '[project]\nname = "x"\nversion = "1"\n')
    assert run_cli("init", ["--test-command", 'pytest -k "a\tb" \\x\x1b']) == 0
    table = policy_table(repo)
    assert table["coverage"]["test-command"] == 'pytest -k "a\tb" \\x\x1b'
    assert config.resolve("coverage").test_command == 'pytest -k "a\tb" \\x\x1b'


@pytest.mark.parametrize(
    ("url", "tag", "link"),
    [
        ("https://github.com/o/r.git", "1.2.0", "https://github.com/o/r/compare/1.2.0...HEAD"),
        ("git@github.com:o/r.git", None, "https://github.com/o/r/commits/HEAD"),
        ("https://example.com/o/r.git", "1.2.0", None),
    ],
)
def test_the_skeleton_links_unreleased_on_github(repo, capsys, url, tag, link) -> None:
    repo.commit("chore: start")
    if tag:
        repo.tag(tag)
    repo.git("remote", "add", "origin", url)
    assert run_cli("init", []) == 0
    text = (repo.path / "CHANGELOG.md").read_text()
    if link:
        assert text.endswith(f"\n[unreleased]: {link}\n")
    else:
        assert "[unreleased]:" not in text
    capsys.readouterr()
    assert run_cli("changelog", []) == 0
    assert ("warning" in capsys.readouterr().out) is (link is None)


# --------------------------------------------------------------------------- monorepo packages


def _monorepo(repo) -> None:
    """A root project `app` and two packages, each with its own pyproject.toml and tags."""
    repo.write("pyproject.toml", '[project]\nname = "app"\nversion = "1.0.0"\n')
    for name in ("lib", "cli"):
        repo.write(f"packages/{name}/pyproject.toml", f'[project]\nname = "{name}"\n')
        repo.write(f"packages/{name}/{name}.py", "x = 1\n")
    repo.commit("chore: start")
    for tag in ("app-v1.0.0", "lib-v1.0.0", "lib-v1.1.0", "cli-v0.1.0"):
        repo.tag(tag)


def _hooks_of(repo) -> list[dict]:
    loaded = yaml.safe_load((repo.path / ".pre-commit-config.yaml").read_text())
    return loaded["repos"][0]["hooks"]


def test_init_in_a_package_writes_hooks_and_workflow_at_the_top(repo, monkeypatch) -> None:
    _monorepo(repo)
    monkeypatch.chdir(repo.path / "packages" / "lib")
    assert run_cli("init", []) == 0
    # Nothing pre-commit or GitHub would never read, in the package's folder.
    assert not (repo.path / "packages/lib/.pre-commit-config.yaml").exists()
    assert not (repo.path / "packages/lib/.github").exists()
    hooks = {h["alias"]: h for h in _hooks_of(repo)}
    assert set(hooks) == {f"{h}-packages-lib" for h in init.default_hooks()}
    for hook in hooks.values():
        assert hook["args"] == ["--config=packages/lib/pyproject.toml"]
    assert hooks["trunkgate-lint-packages-lib"]["files"] == "^packages/lib/"
    assert hooks["trunkgate-changelog-packages-lib"]["files"] == r"^packages/lib/CHANGELOG\.md$"
    assert "files" not in hooks["trunkgate-commit-msg-packages-lib"]  # the message is no file
    for name, job in (("monorepo.yml", "gates"), ("monorepo-audit.yml", "audit")):
        workflow = yaml.safe_load((repo.path / ".github/workflows" / name).read_text())
        assert workflow["jobs"][job]["strategy"]["matrix"]["package"] == ["packages/lib"]
    assert not (repo.path / ".github/workflows/quality-gates.yml").exists()
    assert not (repo.path / ".github/workflows/dependency-audit.yml").exists()
    table = tomllib.loads((repo.path / "packages/lib/pyproject.toml").read_text())
    assert table["tool"]["trunkgate"]["tag-prefix"] == "lib-v"
    assert (repo.path / "packages/lib/CHANGELOG.md").exists()

    # A second package joins the same matrix and the same entry; the first is kept as it was.
    starters = [repo.path / ".github/workflows" / n for n in init.MONOREPO]
    before = [p.read_text() for p in starters]
    monkeypatch.chdir(repo.path / "packages" / "cli")
    assert run_cli("init", []) == 0
    both = "package: [packages/lib, packages/cli]"
    for path, text in zip(starters, before, strict=True):
        assert path.read_text() == text.replace("package: [packages/lib]", both)
    keys = [h.get("alias") for h in _hooks_of(repo)]
    assert keys[: len(hooks)] == list(hooks)
    assert set(keys[len(hooks) :]) == {f"{h}-packages-cli" for h in init.default_hooks()}

    # The root project: its own hooks by id beside the packages', its own workflow and tags.
    monkeypatch.chdir(repo.path)
    assert run_cli("init", []) == 0
    own = [h for h in _hooks_of(repo) if "alias" not in h]
    assert [h["id"] for h in own] == init.default_hooks()
    assert all("args" not in h for h in own)
    root = (repo.path / ".github/workflows/quality-gates.yml").read_text()
    assert "tags: ['app-v*']" in root
    assert policy_table(repo)["tag-prefix"] == "app-v"

    # Each is set up now: init again has nothing to write, anywhere.
    for folder in ("packages/lib", "packages/cli", "."):
        monkeypatch.chdir(repo.path / folder)
        assert run_cli("init", ["--check"]) == 0, folder


def test_init_tags_the_workflow_with_the_release_prefix(repo, monkeypatch) -> None:
    repo.write("pyproject.toml", '[project]\nname = "x"\nversion = "1.0.0"\n')
    repo.commit("chore: start")
    repo.tag("1.0.0")
    assert run_cli("init", []) == 0
    workflow = (repo.path / ".github/workflows/quality-gates.yml").read_text()
    assert "tags: ['[0-9]*']" in workflow
    assert yaml.safe_load(workflow)[True]["push"]["tags"] == ["[0-9]*"]

"""The changelog gate: the Keep a Changelog linter, and --check-updated on real histories."""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tests.conftest import shallow_clone
from tests.support.cli import run_cli
from trunkgate import changelog_rules, config, versions
from trunkgate import keepachangelog as kac

HERE = Path(__file__).parent / "changelogs"
GOOD = (HERE / "good.md").read_text(encoding="utf-8")
ZERO = "0" * 40
E, W = "error", "warning"


def policy(**overrides: object) -> config.Policy:
    return config.resolve("changelog", overrides, start="/")


def lint(text: str, **overrides: object) -> list[tuple[int | None, str, str]]:
    found = changelog_rules.check_text(text, policy(**overrides), "CHANGELOG.md")
    return [(f.line, f.rule, f.severity) for f in found]


# --------------------------------------------------------------------------- the format


def test_good_file_has_no_findings() -> None:
    assert lint(GOOD) == []


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("no-title.md", [(3, "title", E)]),
        ("no-unreleased.md", [(3, "unreleased", E)]),
        ("unreleased-not-first.md", [(9, "unreleased", E)]),
        ("unreleased-dated.md", [(3, "unreleased", E)]),
        ("bad-heading.md", [(9, "heading", E)]),
        ("bad-version.md", [(9, "version", E)]),
        ("missing-date.md", [(9, "missing-date", E)]),
        ("bad-date.md", [(9, "date", E)]),
        ("version-order.md", [(15, "version-order", E)]),
        ("date-order.md", [(9, "date-order", E)]),
        ("duplicate-version.md", [(15, "duplicate-version", E)]),
        ("unknown-group.md", [(5, "group", E)]),
        ("duplicate-group.md", [(13, "duplicate-group", E)]),
        ("empty-group.md", [(5, "empty-group", E)]),
        ("other-marker.md", [(8, "entry", E), (12, "empty-group", E), (14, "entry", E)]),
        ("ungrouped.md", [(5, "ungrouped", E)]),
        ("stray-text.md", [(9, "stray-text", E), (15, "stray-text", E), (21, "stray-text", E)]),
        (
            "stray-heading.md",
            [(3, "stray-heading", E), (11, "stray-heading", E), (19, "stray-heading", E)],
        ),
        ("security-no-id.md", [(8, "security-id", W)]),
        ("missing-link.md", [(9, "link", W)]),
    ],
)
def test_one_bad_file_per_rule(name: str, expected: list) -> None:
    text = (HERE / name).read_text(encoding="utf-8")
    assert lint(text) == expected
    assert lint(text.replace("\n", "\r\n")) == expected  # CRLF: the same lines


def test_every_rule_has_a_fixture() -> None:
    rules = set()
    for path in HERE.glob("*.md"):
        rules |= {rule for _, rule, _ in lint(path.read_text(encoding="utf-8"))}
    assert rules == {
        "title",
        "unreleased",
        "heading",
        "version",
        "missing-date",
        "date",
        "version-order",
        "date-order",
        "duplicate-version",
        "group",
        "duplicate-group",
        "empty-group",
        "entry",
        "ungrouped",
        "stray-text",
        "stray-heading",
        "security-id",
        "link",
    }


def test_messages_say_what_and_where() -> None:
    found = changelog_rules.check_text(
        (HERE / "version-order.md").read_text(encoding="utf-8"), policy(), "CHANGELOG.md"
    )
    assert found[0].message == (
        "[1.1.0] is listed below [1.0.0] (line 9) but is not older; list versions newest first"
    )
    found = changelog_rules.check_text(
        (HERE / "date-order.md").read_text(encoding="utf-8"), policy(), "CHANGELOG.md"
    )
    assert "[1.1.0] (2026-01-10) is dated before [1.0.0] below it (2026-01-15)" in found[0].message
    found = changelog_rules.check_text("# T\n## [Unreleased]\n### added\n- x\n", policy(), "C.md")
    assert 'unknown group "### added" (did you mean "Added"?)' in found[-1].message
    found = changelog_rules.check_text(
        "# T\n## [Unreleased]\n## [v1.0.0] - 2026-01-01\n", policy(), "C"
    )
    assert [f.message for f in found if f.rule == "version"] == [
        "[v1.0.0] is not a semver version (X.Y.Z); drop the leading v"
    ]


def test_unreleased_rules() -> None:
    text = "# T\n## Unreleased\n## [1.0.0] - 2026-01-01\n## [unreleased] [YANKED]\n"
    assert [(line, rule) for line, rule, sev in lint(text) if sev == E] == [
        (2, "heading"),
        (4, "unreleased"),
        (4, "unreleased"),
    ]


def test_title_after_the_first_section() -> None:
    found = changelog_rules.check_text("## [Unreleased]\n# Changelog\n", policy(), "C.md")
    assert [(f.line, f.rule, f.message) for f in found if f.severity == E] == [
        (
            1,
            "title",
            "no title: start the file with an H1 heading such as `# Changelog`, before the "
            "first version",
        ),
        (
            2,
            "stray-heading",
            "an H1 heading below a version; the title comes before the first section",
        ),
    ]


def test_only_skip_skips(project, capsys) -> None:
    project.commit("fix: detail\n\nChangelog: no\n", {"src/app.py": "print(1)\n"})
    assert run([], capsys)[0] == 1
    project.commit("fix: detail\n\nchangelog: SKIP\n", {"src/app.py": "print(2)\n"})
    assert run([], capsys)[0] == 0


def test_empty_file_gives_findings_not_a_crash() -> None:
    assert lint("") == [(1, "title", E), (1, "unreleased", E)]
    assert lint("# Changelog\n") == [(1, "unreleased", E)]


def test_malformed_heading_is_reported_once() -> None:
    # no separate missing-date or version finding for a heading that is not in form
    assert lint("# T\n## [Unreleased]\n## 1.0.0\n## []\n") == [
        (2, "link", W),
        (3, "heading", E),
        (3, "link", W),
        (4, "heading", E),
    ]


def test_dates_only_compare_real_dates() -> None:
    text = (
        "# T\n## [Unreleased]\n## [1.2.0] - 2026-03-01\n## [1.1.0] - 2026-13-01\n"
        "## [1.0.0] - 2026-02-01\n## [0.9.0] - 2026-02-02\n"
    )
    assert [(line, rule) for line, rule, sev in lint(text) if sev == E] == [
        (4, "date"),
        (5, "date-order"),
    ]


@pytest.mark.parametrize(
    ("scheme", "good", "bad"),
    [
        ("semver", ["2.0.0", "2.0.0-rc.1", "1.10.0", "1.9.0+build.5"], "1.0"),
        ("calver", ["2026.06.1", "2026.6", "2025.12.3"], "1.0.0"),
        ("pep440", ["1!0.1", "2.0", "2.0rc1", "1.10", "1.9.post1", "1.9.dev2"], "1.0-beta"),
    ],
)
def test_version_schemes(scheme: str, good: list[str], bad: str) -> None:
    def file(labels: list[str]) -> str:
        body = "".join(f"## [{v}] - 2026-01-01\n### Added\n- x\n" for v in labels)
        links = "".join(f"[{v}]: u\n" for v in ["Unreleased", *labels])
        return f"# T\n## [Unreleased]\n{body}{links}"

    assert lint(file(good), **{"version-scheme": scheme}) == []
    assert lint(file(list(reversed(good))), **{"version-scheme": scheme})[0][1] == "version-order"
    (finding,) = lint(file([good[0], bad]), **{"version-scheme": scheme})
    assert finding[1] == "version"
    assert lint(file([good[0], good[0]]), **{"version-scheme": scheme})[0][1] == "duplicate-version"


def test_pep440_equal_versions_are_duplicates() -> None:
    text = "# T\n## [Unreleased]\n## [1.0] - 2026-01-02\n## [1.0.0] - 2026-01-01\n[unreleased]: u\n"
    text += "[1.0]: u\n[1.0.0]: u\n"
    assert lint(text, **{"version-scheme": "pep440"}) == [(4, "duplicate-version", E)]


def test_extra_groups() -> None:
    text = "# T\n## [Unreleased]\n### Performance\n- faster\n[unreleased]: u\n"
    assert lint(text) == [(3, "group", E)]
    assert lint(text, **{"extra-groups": ["Performance"]}) == []


@pytest.mark.parametrize(
    ("text", "leads"),
    [
        ("CVE-2026-12345: fixed", True),
        ("cve-2026-1234 fixed", True),
        ("[CVE-2026-1234](https://x): fixed", True),
        ("**CVE-2026-1234** fixed", True),
        ("`GHSA-7x9c-2mw4-q3v8`: fixed", True),
        ("GHSA-7x9c-2mw4: too short", False),
        ("GHSA-7x9c-2mw4-q3v8x: too long", False),
        ("PYSEC-2026-17 fixed", True),
        ("RUSTSEC-2026-0001 fixed", True),
        ("**Breaking:** CVE-2026-1234: TLS 1.0 removed", True),
        ("Fixed CVE-2026-1234", False),
        ("CVE-26-1234", False),
        ("1CVE-2026-1234", False),
        ("CVE-2026-", False),
        ("", False),
    ],
)
def test_advisory_ids(text: str, leads: bool) -> None:
    assert changelog_rules.leads_with_advisory(text) is leads


@given(st.lists(st.tuples(*(st.integers(0, 12) for _ in range(3))), max_size=8))
@settings(max_examples=200, deadline=None)
def test_plain_semver_fast_path_agrees_with_versions(cores: list[tuple[int, int, int]]) -> None:
    labels = [".".join(map(str, c)) for c in cores]
    fast = changelog_rules._version_keys(labels, "semver")
    slow = changelog_rules._version_keys([*labels, "1.0.0-rc.1"], "semver")[:-1]
    for i in range(len(labels)):
        for j in range(len(labels)):
            assert (fast[i] < fast[j]) == (slow[i] < slow[j])  # type: ignore[operator]
            assert (fast[i] == fast[j]) == (slow[i] == slow[j])


@given(st.text(alphabet="0123456789.-+a", max_size=12))
@settings(max_examples=300, deadline=None)
def test_plain_semver_is_valid_semver(label: str) -> None:
    if changelog_rules._plain_semver(label) is not None:
        assert versions.is_valid(label, "semver")


def test_prerelease_sorts_below_its_release() -> None:
    text = "# T\n## [Unreleased]\n## [1.0.0] - 2026-02-01\n## [1.0.0-rc.1] - 2026-01-01\n"
    assert [r for _, r, s in lint(text) if s == E] == []
    text = "# T\n## [Unreleased]\n## [1.0.0-rc.1] - 2026-02-01\n## [1.0.0] - 2026-01-01\n"
    assert [r for _, r, s in lint(text) if s == E] == ["version-order"]


@given(st.text())
@settings(max_examples=300, deadline=None)
def test_lint_never_raises(text: str) -> None:
    for finding in changelog_rules.check_text(text, policy(), "C.md"):
        assert finding.line is not None
        assert finding.line >= 1


# --------------------------------------------------------------------------- command line


def test_main_prints_path_line_rule(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "CHANGES.md"
    shutil.copy(HERE / "bad-date.md", path)
    assert run_cli("changelog", [str(path)]) == 1
    out = capsys.readouterr().out
    assert (
        f'{path}:9: date: [1.0.1] has the date "2026-02-30", not a real date written YYYY-MM-DD'
        in out.splitlines()
    )
    assert "Keep a Changelog (https://keepachangelog.com/en/2.0.0/)" in out
    assert out.rstrip().endswith("trunkgate changelog: failed (1 error)")


def test_warnings_pass(capsys: pytest.CaptureFixture[str]) -> None:
    path = HERE / "security-no-id.md"
    assert run_cli("changelog", [str(path)]) == 0
    out = capsys.readouterr().out
    assert f"{path}:8: security-id: warning: lead a Security entry" in out
    assert "passed (1 warning)" in out


def test_json_format(capsys: pytest.CaptureFixture[str]) -> None:
    path = str(HERE / "duplicate-group.md")
    assert run_cli("changelog", ["--format", "json", path]) == 1
    data = json.loads(capsys.readouterr().out)
    assert data["gate"] == "changelog"
    assert data["passed"] is False
    assert data["findings"] == [
        {
            "file": path,
            "line": 13,
            "rule": "duplicate-group",
            "severity": "error",
            "message": '"### Added" appears twice in [Unreleased] (first at line 5); merge them',
        }
    ]
    assert data["metrics"] == {"releases": 1}


def test_default_path_comes_from_the_policy(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    (tmp_path / ".git").mkdir()
    (tmp_path / "pyproject.toml").write_text(
        '[tool.trunkgate]\nversion-scheme = "calver"\nchangelog-file = "docs/CHANGES.md"\n'
    )
    (tmp_path / "docs").mkdir()
    (tmp_path / "docs" / "CHANGES.md").write_text(
        "# Changes\n\n## [Unreleased]\n\n## [2026.1] - 2026-01-02\n\n### Added\n\n- x\n"
        "\n[unreleased]: u\n[2026.1]: u\n"
    )
    sub = tmp_path / "docs"
    monkeypatch.chdir(sub)
    monkeypatch.setenv("TRUNKGATE_NO_CACHE", "1")
    assert run_cli("changelog", []) == 0
    assert "checked CHANGES.md: 1 release (calver)" in capsys.readouterr().out
    monkeypatch.chdir(tmp_path)
    assert run_cli("changelog", ["--version-scheme", "semver"]) == 1
    assert "docs/CHANGES.md:5: version: [2026.1] is not a semver" in capsys.readouterr().out


def test_several_paths(capsys: pytest.CaptureFixture[str]) -> None:
    assert run_cli("changelog", [str(HERE / "good.md"), str(HERE / "bad-date.md")]) == 1
    out = capsys.readouterr().out
    assert "good.md: 4 releases" in out
    assert "bad-date.md: 2 releases" in out


def test_extra_groups_flag(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "C.md"
    path.write_text("# T\n## [Unreleased]\n### Performance\n- faster\n[unreleased]: u\n")
    assert run_cli("changelog", [str(path)]) == 1
    assert run_cli("changelog", ["--extra-groups", "Performance,Docs", str(path)]) == 0
    capsys.readouterr()


@pytest.mark.parametrize(
    ("content", "expected"),
    [
        (b"# Changelog\n\x00\x01binary", "a binary file (NUL byte at offset 12)"),
        ("# Changelog\n\n## [Unreleased] caf\xe9\n".encode("latin-1"), "byte 0xe9 at offset 32"),
        ("# Changelog\n".encode("utf-16-le"), "a binary file (NUL byte at offset 1)"),
    ],
)
def test_bad_bytes_exit_2_naming_file_and_offset(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], content: bytes, expected: str
) -> None:
    path = tmp_path / "CHANGELOG.md"
    path.write_bytes(content)
    assert run_cli("changelog", [str(path)]) == 2
    captured = capsys.readouterr()
    assert captured.out == ""
    (line,) = captured.err.splitlines()
    assert line.startswith(f"trunkgate changelog: error: {path}: ")
    assert expected in line


def test_missing_path_and_directory_exit_2(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert run_cli("changelog", [str(tmp_path / "NOPE.md")]) == 2
    err = capsys.readouterr().err
    assert f"{tmp_path / 'NOPE.md'}: no such file" in err
    assert run_cli("changelog", [str(tmp_path)]) == 2
    assert f"{tmp_path}: is a directory" in capsys.readouterr().err


def test_unreadable_path_exits_2(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (tmp_path / "file").write_text("x")
    assert run_cli("changelog", [str(tmp_path / "file" / "CHANGELOG.md")]) == 2
    assert "CHANGELOG.md: cannot read the file (Not a directory)" in capsys.readouterr().err


def test_crlf_file_lines(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "CHANGELOG.md"
    path.write_bytes((HERE / "stray-text.md").read_bytes().replace(b"\n", b"\r\n"))
    assert run_cli("changelog", [str(path)]) == 1
    out = capsys.readouterr().out
    assert [line.split(": ")[0] for line in out.splitlines() if "stray-text" in line] == [
        f"{path}:9",
        f"{path}:15",
        f"{path}:21",
    ]


def test_empty_file_exit_1(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "CHANGELOG.md"
    path.write_bytes(b"")
    assert run_cli("changelog", [str(path)]) == 1
    out = capsys.readouterr().out
    assert f"{path}:1: title:" in out
    assert f"{path}:1: unreleased:" in out


def test_base_without_check_updated_is_a_usage_error(capsys: pytest.CaptureFixture[str]) -> None:
    assert run_cli("changelog", ["--base", "main", str(HERE / "good.md")]) == 2
    assert "--base: only used with --check-updated" in capsys.readouterr().err


def test_help_names_the_command(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exc:
        run_cli("changelog", ["--help"])
    assert exc.value.code == 0
    out = capsys.readouterr().out
    assert "trunkgate changelog" in out
    assert "--check-updated" in out


def test_cli_dispatches_here(capsys: pytest.CaptureFixture[str]) -> None:
    from trunkgate import cli

    assert cli.main(["changelog", str(HERE / "good.md")]) == 0
    assert "trunkgate changelog: passed" in capsys.readouterr().out


# --------------------------------------------------------------------------- --check-updated

BASE_CHANGELOG = """\
# Changelog

## [Unreleased]

### Added

- Something new.

## [1.0.0] - 2026-01-15

### Added

- The first release.

[unreleased]: https://example.com/compare/v1.0.0...HEAD
[1.0.0]: https://example.com/releases/tag/v1.0.0
"""


def with_entry(text: str, entry: str = "- Another thing.", group: str = "### Added") -> str:
    return text.replace(f"{group}\n\n", f"{group}\n\n{entry}\n", 1)


@pytest.fixture
def project(repo):
    """main: a changelog, code and docs; then a feature branch checked out."""
    repo.commit(
        "feat: start",
        {
            "CHANGELOG.md": BASE_CHANGELOG,
            "src/app.py": "print('hello')\n",
            "README.md": "# app\n",
        },
    )
    repo.branch("feature/x")
    return repo


def run(args: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str, str]:
    code = run_cli("changelog", ["--check-updated", *args])
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def test_code_change_without_entry_fails(project, capsys) -> None:
    project.commit("feat: greet", {"src/app.py": "print('hi')\n"})
    code, out, _ = run([], capsys)
    assert code == 1
    assert (
        "CHANGELOG.md:3: missing-entry: code changed (src/app.py) but [Unreleased] gained no entry"
        in out
    )
    assert 'trailer "Changelog: skip"' in out  # the hint
    assert "base: the trunk, main (refs/heads/main)" in out


def test_code_change_with_entry_passes(project, capsys) -> None:
    project.commit(
        "feat: greet",
        {"src/app.py": "print('hi')\n", "CHANGELOG.md": with_entry(BASE_CHANGELOG)},
    )
    code, out, _ = run([], capsys)
    assert code == 0, out
    assert "[Unreleased] gained 1 entry" in out


def test_uncommitted_entry_in_the_working_tree_counts(project, capsys) -> None:
    project.commit("feat: greet", {"src/app.py": "print('hi')\n"})
    project.write("CHANGELOG.md", with_entry(BASE_CHANGELOG, group="### Added"))
    assert run([], capsys)[0] == 0


def test_docs_only_change_passes(project, capsys) -> None:
    project.commit("feat: document", {"README.md": "# app\n\nMore.\n", "docs/guide.md": "x\n"})
    code, out, _ = run([], capsys)
    assert code == 0
    assert "no code changed (2 files changed, none matching the policy's code patterns)" in out


def test_changelog_is_never_code(project, capsys) -> None:
    project.commit("feat: x", {"CHANGELOG.md": BASE_CHANGELOG + "\n"})
    assert run(["--code", "*.md"], capsys)[0] == 0


def test_exempt_commits_need_no_entry(project, capsys) -> None:
    project.commit("test: cover greet", {"tests/test_app.py": "def test(): pass\n"})
    project.commit("chore: tidy", {"src/app.py": "print('hello')  # tidy\n"})
    code, out, _ = run([], capsys)
    assert code == 0
    assert "no entry needed: every commit is of an exempt type (chore, test)" in out
    project.commit("fix: crash", {"src/app.py": "print('hello!')\n"})
    assert run([], capsys)[0] == 1


def test_merge_commits_are_ignored_for_exemption(project, capsys) -> None:
    project.commit("docs: explain", {"src/app.py": "# explained\nprint('hello')\n"})
    project.branch("side")
    project.commit("ci: speed up", {"ci.py": "x = 1\n"})
    project.checkout("feature/x")
    project.git("merge", "--no-ff", "-q", "-m", "Merge branch 'side'", "side")
    code, out, _ = run([], capsys)
    assert code == 0, out
    assert "exempt type (ci, docs)" in out


def test_changelog_skip_trailer(project, capsys) -> None:
    project.commit("fix: internal detail\n\nChangelog: skip\n", {"src/app.py": "print(1)\n"})
    code, out, _ = run([], capsys)
    assert code == 0
    assert 'has the trailer "Changelog: skip"' in out
    assert "no entry needed" in out


def test_the_skip_trailer_never_covers_a_released_section(project, capsys) -> None:
    edited = BASE_CHANGELOG.replace("- The first release.", "- The very first release.")
    project.commit(
        "fix: internal detail\n\nChangelog: skip\n",
        {"src/app.py": "print(1)\n", "CHANGELOG.md": edited},
    )
    code, out, _ = run([], capsys)
    assert code == 1
    assert "released-section: entries of the released section [1.0.0] changed" in out
    assert "(released sections are still checked)" in out


def test_the_skip_label_never_covers_a_released_section(project, github_env, capsys) -> None:
    base = project.git("rev-parse", "main").strip()
    edited = BASE_CHANGELOG.replace("- The first release.", "- Rewritten.")
    project.commit("fix: x", {"src/app.py": "print(2)\n", "CHANGELOG.md": edited})
    labels = [{"name": "skip-changelog"}]
    payload = {
        "pull_request": {"base": {"sha": base}, "head": {"ref": "feature/x"}, "labels": labels}
    }
    github_env("pull_request", payload)
    code, out, _ = run([], capsys)
    assert code == 1
    assert "released-section" in out


@pytest.mark.parametrize(
    ("message", "hint"),
    [
        ("feat: greet", "add `- what changed` under `### Added` of [Unreleased] (line 5)"),
        ("fix: crash", "add `### Fixed` under `## [Unreleased]` (line 3), then `- what changed`"),
        ("perf: faster", "add `### Changed` under `## [Unreleased]` (line 3)"),
        (
            "feat!: drop the old flag",
            "add `### Changed` under `## [Unreleased]` (line 3), then `- **Breaking:** what",
        ),
    ],
)
def test_the_missing_entry_hint_names_the_group_of_the_commit_types(
    project, capsys, message: str, hint: str
) -> None:
    project.commit(message, {"src/app.py": "print('hi')\n"})
    code, out, _ = run([], capsys)
    assert code == 1
    assert f"hint: {hint}" in out or hint in out
    assert "### Fixed` then" not in out


def test_the_hint_says_to_create_the_unreleased_section(project, capsys) -> None:
    text = BASE_CHANGELOG.replace("## [Unreleased]\n\n### Added\n\n- Something new.\n\n", "")
    project.commit("feat: x", {"CHANGELOG.md": text, "src/app.py": "print(5)\n"})
    code, out, _ = run([], capsys)
    assert code == 1
    assert (
        "add `## [Unreleased]` above the first release, then `### Added` and `- what changed` "
        "under it" in out
    )


def test_ci_skip_label(project, github_env, capsys) -> None:
    base = project.git("rev-parse", "main").strip()
    project.commit("feat: greet", {"src/app.py": "print('hi')\n"})
    payload = {"pull_request": {"base": {"sha": base}, "head": {"ref": "feature/x"}, "labels": []}}
    github_env("pull_request", payload)
    code, out, _ = run(["--format", "github"], capsys)
    assert code == 1
    assert (
        "::error file=CHANGELOG.md,line=3,title=trunkgate changelog-updated%3A missing-entry::"
        in out
    )
    assert f"base: the pull request's base ({base})" in out
    payload["pull_request"]["labels"] = [{"name": "skip-changelog"}]
    github_env("pull_request", payload)
    code, out, _ = run([], capsys)
    assert code == 0
    assert 'no entry needed: the pull request has the label "skip-changelog"' in out


def test_ci_push_compares_with_the_commit_before(project, github_env, capsys) -> None:
    before = project.head()
    project.commit("feat: greet", {"src/app.py": "print('hi')\n"})
    github_env("push", {"before": before, "after": project.head()}, ref="refs/heads/feature/x")
    code, out, _ = run([], capsys)
    assert code == 1
    assert f"base: the push's previous commit ({before})" in out


def test_ci_push_of_a_new_branch_uses_the_trunk(project, github_env, capsys) -> None:
    project.commit("feat: greet", {"src/app.py": "print('hi')\n"})
    github_env("push", {"before": ZERO, "after": project.head()}, ref="refs/heads/feature/x")
    code, out, _ = run([], capsys)
    assert code == 1
    assert "base: the trunk, main (refs/heads/main)" in out


@pytest.mark.parametrize(
    ("event", "payload", "ref"),
    [
        ("workflow_dispatch", {"inputs": {}, "ref": "refs/heads/main"}, "refs/heads/main"),
        ("schedule", {}, "refs/heads/main"),
        ("push", {"before": ZERO, "after": "x"}, "refs/tags/v1.0.0"),
    ],
)
def test_an_event_without_a_change_has_nothing_to_check(
    project, github_env, capsys, event, payload, ref
) -> None:
    # Without a base there is no change whose changelog entry could be missing: pass with a
    # note, as the commits gate does (found on a real history: these exited 2).
    project.commit("feat: greet", {"src/app.py": "print('hi')\n"})
    github_env(event, payload, ref=ref)
    code, out, _ = run([], capsys)
    assert code == 0
    assert f"nothing to check: a {'tag' if ref.startswith('refs/tags/') else event} event" in out


def test_editing_a_released_section_fails(project, capsys) -> None:
    edited = BASE_CHANGELOG.replace("- The first release.", "- The very first release.")
    project.commit("docs: reword", {"CHANGELOG.md": with_entry(edited)})
    code, out, _ = run([], capsys)
    assert code == 1
    assert (
        "CHANGELOG.md:14: released-section: entries of the released section [1.0.0] changed "
        "(1 added or changed, 1 removed or changed)" in out
    )


def test_removing_a_released_entry_or_section_fails(project, capsys) -> None:
    removed = BASE_CHANGELOG.replace("- The first release.\n", "")
    project.commit("docs: drop", {"CHANGELOG.md": removed})
    code, out, _ = run([], capsys)
    assert code == 1
    assert (
        "CHANGELOG.md:9: released-section: entries of the released section [1.0.0] changed "
        "(1 removed or changed)" in out
    )
    gone = BASE_CHANGELOG.split("## [1.0.0]")[0]
    project.commit("docs: drop all", {"CHANGELOG.md": gone})
    code, out, _ = run([], capsys)
    assert "CHANGELOG.md: released-section: the released section [1.0.0] was removed" in out


def test_adding_to_a_released_section_fails(project, capsys) -> None:
    added = BASE_CHANGELOG.replace("- The first release.\n", "- The first release.\n- Also.\n")
    project.commit("docs: add", {"CHANGELOG.md": added})
    code, out, _ = run([], capsys)
    assert code == 1
    assert "CHANGELOG.md:14: released-section: entries of the released section [1.0.0] " in out
    assert "changed (1 added or changed); add new entries under [Unreleased] instead" in out


def test_check_released_skips_unreadable_headings() -> None:
    before = kac.parse("# T\n## [Unreleased]\n## \n### Added\n- x\n")
    after = kac.parse("# T\n## [Unreleased]\n")
    assert changelog_rules.check_released(before, after, "C.md") == []


def test_a_new_release_section_is_not_an_edit(project, capsys) -> None:
    released = BASE_CHANGELOG.replace(
        "## [Unreleased]\n\n### Added\n\n- Something new.\n",
        "## [Unreleased]\n\n### Fixed\n\n- A fix.\n\n"
        "## [1.1.0] - 2026-02-01\n\n### Added\n\n- Something new.\n",
    )
    project.commit("fix: x", {"CHANGELOG.md": released, "src/app.py": "print(2)\n"})
    code, out, _ = run([], capsys)
    assert code == 0, out


def test_breaking_change_needs_a_breaking_entry(project, capsys) -> None:
    project.commit(
        "feat!: rename the command",
        {"src/app.py": "print(3)\n", "CHANGELOG.md": with_entry(BASE_CHANGELOG)},
    )
    code, out, _ = run([], capsys)
    assert code == 1
    assert "CHANGELOG.md:3: breaking-entry: the change is breaking" in out
    assert "- **Breaking:** <what changed and how to upgrade>" in out
    project.commit(
        "docs: mark it",
        {"CHANGELOG.md": with_entry(BASE_CHANGELOG, "- **Breaking:** Renamed the command.")},
    )
    assert run([], capsys)[0] == 0


def test_breaking_footer_counts_too(project, capsys) -> None:
    project.commit(
        "chore: drop python 3.9\n\nBREAKING CHANGE: needs 3.10\n", {"pyproject.toml": "[x]\n"}
    )
    code, out, _ = run([], capsys)
    assert code == 1
    assert "breaking-entry" in out
    assert "missing-entry" not in out  # chore is exempt, but breaking still needs its entry


def test_remind_mode_warns(project, capsys) -> None:
    project.commit("feat: greet", {"src/app.py": "print('hi')\n"})
    code, out, _ = run(["--mode", "remind"], capsys)
    assert code == 0
    assert "CHANGELOG.md:3: missing-entry: warning: code changed" in out
    assert "passed (1 warning)" in out


def test_missing_base_exits_2(project, capsys) -> None:
    code, out, err = run(["--base", "nope"], capsys)
    assert code == 2
    assert out == ""
    assert "--base 'nope' is not a commit in this repository" in err


def test_explicit_base(project, capsys) -> None:
    first = project.head()
    project.commit(
        "feat: one", {"src/app.py": "print(1)\n", "CHANGELOG.md": with_entry(BASE_CHANGELOG)}
    )
    middle = project.head()
    project.commit("feat: two", {"src/app.py": "print(2)\n"})
    assert run(["--base", first], capsys)[0] == 0
    code, out, _ = run(["--base", middle], capsys)
    assert code == 1
    assert f"base: --base ({middle}), merge-base {middle[:10]}" in out


def test_no_trunk_and_no_base_exits_2(repo, capsys) -> None:
    repo.branch("work")
    repo.commit("feat: x", {"CHANGELOG.md": BASE_CHANGELOG})
    code, _, err = run(["--trunk", "develop"], capsys)
    assert code == 2
    assert "neither origin/develop nor develop exists here" in err


def test_unrelated_histories_exit_2(project, capsys) -> None:
    project.git("checkout", "-q", "--orphan", "other")
    project.commit("feat: x", {"CHANGELOG.md": BASE_CHANGELOG})
    code, _, err = run(["--base", "main"], capsys)
    assert code == 2
    assert "--base main and HEAD have no common commit" in err


def test_new_changelog_counts_as_gained(repo, capsys) -> None:
    repo.commit("feat: start", {"src/app.py": "x\n"})
    repo.branch("feature/y")
    repo.commit("feat: more", {"src/app.py": "y\n", "CHANGELOG.md": BASE_CHANGELOG})
    code, out, _ = run([], capsys)
    assert code == 0, out
    assert "gained 1 entry" in out


def test_missing_changelog_exits_2(repo, capsys) -> None:
    repo.commit("feat: start", {"src/app.py": "x\n"})
    code, _, err = run([], capsys)
    assert code == 2
    assert "CHANGELOG.md: no such file" in err


def test_missing_unreleased_section(project, capsys) -> None:
    text = BASE_CHANGELOG.replace("## [Unreleased]\n\n### Added\n\n- Something new.\n\n", "")
    project.commit("feat: x", {"CHANGELOG.md": text, "src/app.py": "print(5)\n"})
    code, out, _ = run([], capsys)
    assert code == 1
    assert (
        "CHANGELOG.md:1: missing-entry: code changed (src/app.py) but the changelog has no" in out
    )


def test_two_paths_with_check_updated_exit_2(project, capsys) -> None:
    code, _, err = run(["A.md", "B.md"], capsys)
    assert code == 2
    assert "--check-updated: 2 paths given, expected at most one changelog" in err


def test_named_changelog_in_a_subfolder(project, capsys) -> None:
    project.commit("docs: move", {"docs/CHANGES.md": BASE_CHANGELOG})
    project.git("checkout", "-q", "-B", "main")
    project.branch("feature/z")
    project.commit(
        "feat: z", {"src/app.py": "print(9)\n", "docs/CHANGES.md": with_entry(BASE_CHANGELOG)}
    )
    code, out, _ = run(["docs/CHANGES.md"], capsys)
    assert code == 0, out
    assert "compared docs/CHANGES.md there with the working tree" in out


def test_changelog_named_through_a_symlink(project, tmp_path, capsys) -> None:
    link = tmp_path / "link"
    link.symlink_to(project.path)
    project.commit("feat: greet", {"src/app.py": "print('hi')\n"})
    code, out, _ = run([str(link / "CHANGELOG.md")], capsys)
    assert code == 1  # the base's changelog was found: nothing counts as gained
    assert "missing-entry" in out


def test_pre_push_uses_the_pushed_refs(project, monkeypatch, capsys) -> None:
    base = project.head()
    project.commit("feat: greet", {"src/app.py": "print('hi')\n"})
    pushed = project.head()
    # the working tree has the entry, the pushed commit does not: the pushed commit decides
    project.write("CHANGELOG.md", with_entry(BASE_CHANGELOG))
    monkeypatch.setenv("PRE_COMMIT_FROM_REF", base)
    monkeypatch.setenv("PRE_COMMIT_TO_REF", pushed)
    code, out, _ = run([], capsys)
    assert code == 1
    assert f"base: the remote's commit ({base})" in out
    assert f"with the pushed commit {pushed[:10]}" in out
    # a new branch: the all-zero from-ref means the merge-base with the trunk
    monkeypatch.setenv("PRE_COMMIT_FROM_REF", ZERO)
    code, out, _ = run([], capsys)
    assert code == 1
    assert "base: the trunk, main (refs/heads/main)" in out


def test_pre_push_without_the_changelog_in_the_pushed_commit(repo, monkeypatch, capsys) -> None:
    repo.commit("feat: start", {"src/app.py": "x\n"})
    monkeypatch.setenv("PRE_COMMIT_FROM_REF", ZERO)
    monkeypatch.setenv("PRE_COMMIT_TO_REF", repo.head())
    repo.write("CHANGELOG.md", BASE_CHANGELOG)
    code, _, err = run([], capsys)
    assert code == 2
    assert "CHANGELOG.md: no such file in the pushed commit" in err


def test_shallow_clone_says_so(project, tmp_path, monkeypatch, capsys) -> None:
    base = project.git("rev-parse", "main").strip()
    project.commit("feat: one", {"src/app.py": "print(1)\n"})
    project.commit("feat: two", {"src/app.py": "print(2)\n"})
    clone = shallow_clone(project.path, tmp_path / "shallow", branch="feature/x")
    monkeypatch.chdir(clone)
    code, _, err = run(["--base", base], capsys)
    assert code == 2
    assert "is not a commit in this repository; the clone is shallow" in err
    # deep enough to have the base, but the walk from the merge-base is cut: still says so
    subprocess.run(
        ["git", "fetch", "-q", "--depth", "2", "origin", "feature/x"], cwd=clone, check=True
    )
    code, out, _ = run(["--base", "HEAD~1"], capsys)
    assert code == 1  # HEAD~1 is there: the range HEAD~1..HEAD is whole, and has no entry
    assert "1 commit in the range" in out
    # no --base and no trunk in a single-branch shallow clone: say so, with the hint
    code, _, err = run([], capsys)
    assert code == 2
    assert "neither origin/main nor main exists here" in err
    assert "the clone is shallow" in err


# --------------------------------------------------------------------------- pure parts


def test_a_monorepo_package_needs_an_entry_for_its_own_code_only(repo, capsys) -> None:
    """Two packages, each with its policy and changelog: a change to one asks the other for
    nothing, and still asks the one it changed."""
    policy = '[project]\nname = "{0}"\n\n[tool.trunkgate]\n'
    repo.commit(
        "feat: start",
        {
            **{f"packages/{p}/pyproject.toml": policy.format(p) for p in ("a", "b")},
            **{f"packages/{p}/CHANGELOG.md": BASE_CHANGELOG for p in ("a", "b")},
            **{f"packages/{p}/src/{p}.py": "x = 1\n" for p in ("a", "b")},
        },
    )
    repo.branch("feature/b")
    repo.commit("feat: b", {"packages/b/src/b.py": "x = 2\n"})
    code, out, _ = run(["--config", "packages/a/pyproject.toml"], capsys)
    assert code == 0, out
    assert "no code changed (0 files changed" in out
    code, out, _ = run(["--config", "packages/b/pyproject.toml"], capsys)
    assert code == 1, out
    assert "code changed (src/b.py) but [Unreleased] gained no entry" in out


def test_check_updated_directly() -> None:
    before = kac.parse(BASE_CHANGELOG)
    after = kac.parse(with_entry(BASE_CHANGELOG))
    commits = [changelog_rules.Commit("a" * 40, "fix: x")]
    found, notes = changelog_rules.check_updated(
        before, after, ["src/a.py"], commits, policy(), "C.md"
    )
    assert found == []
    assert notes == ["[Unreleased] gained 1 entry"]
    found, notes = changelog_rules.check_updated(
        before, before, ["a.py", "b.py", "c.py", "d.py"], commits, policy(), "C.md"
    )
    assert [f.message for f in found] == [
        "code changed (a.py, b.py, c.py and 1 more) but [Unreleased] gained no entry"
    ]
    found, notes = changelog_rules.check_updated(
        before,
        before,
        ["a.py"],
        commits,
        policy(**{"skip-label": "no-log"}),
        "C.md",
        labels=["no-log"],
    )
    assert (found, notes) == (
        [],
        [
            'no entry needed: the pull request has the label "no-log" (released sections are '
            "still checked)"
        ],
    )


def test_new_entries_counts_duplicates() -> None:
    one = kac.parse("## [Unreleased]\n### Added\n- x\n").sections[0]
    two = kac.parse("## [Unreleased]\n### Added\n- x\n- x\n### Fixed\n- x\n").sections[0]
    assert [e.line for e in changelog_rules.new_entries(one, two)] == [4, 6]
    assert changelog_rules.new_entries(two, one) == []
    assert changelog_rules.new_entries(one, None) == []
    assert len(changelog_rules.new_entries(None, two)) == 3


# --------------------------------------------------------------------------- other conventions


def _changelog_gate(tmp_path: Path, name: str, text: str, capsys) -> tuple[int, str]:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    code = run_cli("changelog", [str(path)])
    return code, capsys.readouterr().out


def _releases(count: int, heading: str, groups: tuple[str, ...] = ("Fixed",)) -> str:
    out = ["# Changelog", ""]
    for n in range(count, 0, -1):
        out += [heading.format(n=n), ""]
        for group in groups:
            out += [f"### {group}", "", f"- change {n}", ""]
    return "\n".join(out)


def test_another_heading_style_is_named_in_one_finding(tmp_path, capsys) -> None:
    text = _releases(300, "## v4.13.{n} (2025-01-01)")
    code, out = _changelog_gate(tmp_path, "CHANGELOG.md", text, capsys)
    assert code == 1
    findings = [line for line in out.splitlines() if ": convention: " in line]
    assert len(findings) == 1, out
    assert 'its release headings are written "## v4.13.300 (2025-01-01)"' in findings[0]
    assert '[tool.trunkgate.run] skip = ["changelog", "changelog-updated"]' in findings[0]
    assert "not a semver version" not in out
    assert "1 error" in out


def test_commitizen_format_is_named(tmp_path, capsys) -> None:
    text = _releases(5, "## v1.{n}.0 (2025-01-0{n})", ("Feat", "Fix"))
    code, out = _changelog_gate(tmp_path, "CHANGELOG.md", text, capsys)
    assert code == 1
    assert 'it is commitizen\'s format ("## v1.5.0 (2025-01-05)" headings' in out


def test_towncrier_format_is_named(tmp_path, capsys) -> None:
    text = _releases(3, "## 1.{n}.0 (2025-01-0{n})", ("Features", "Bugfixes"))
    code, out = _changelog_gate(tmp_path, "CHANGELOG.md", text, capsys)
    assert code == 1
    assert "it is towncrier's format" in out
    marked = "# Changelog\n\n<!-- towncrier release notes start -->\n"
    code, out = _changelog_gate(tmp_path, "NEWS.md", marked, capsys)
    assert code == 1
    assert "NEWS.md follows another convention than Keep a Changelog: it is towncrier's" in out


def test_rst_is_not_markdown(tmp_path, capsys) -> None:
    text = "Changelog\n=========\n\n1.2.0 (2025-01-01)\n------------------\n\n- A fix.\n"
    code, out = _changelog_gate(tmp_path, "CHANGES.rst", text, capsys)
    assert code == 1
    assert "it is reStructuredText, not Markdown" in out
    assert "no title" not in out


def test_a_keep_a_changelog_file_with_a_few_bad_headings_is_still_linted() -> None:
    text = GOOD.replace("## [1.1.0] - 2026-03-01", "## v1.1.0 (2026-03-01)")
    assert text != GOOD
    doc = kac.parse(text)
    assert changelog_rules.convention(text, doc) is None
    assert "heading" in [f.rule for f in changelog_rules.check_changelog(doc, policy(), "C.md")]


def test_a_group_at_level_two_is_a_misplaced_group() -> None:
    text = (
        "# C\n\n## [Unreleased]\n\n## Changed\n\n- x\n\n"
        "## [1.0.0] - 2025-01-01\n\n### Added\n\n- y\n"
    )
    found = changelog_rules.check_text(text, policy(), "C.md")
    rules = [(f.line, f.rule) for f in found if f.severity == E]
    assert (5, "misplaced-group") in rules
    message = next(f.message for f in found if f.rule == "misplaced-group")
    assert message.startswith(
        '"## Changed" is a group written as a level-2 heading; write it `### Changed`'
    )
    assert not any("not a semver version" in f.message for f in found)
    assert not any(f.rule in ("heading", "version", "missing-date") for f in found)


def test_a_release_dated_in_the_future_fails() -> None:
    text = (
        "# C\n\n## [Unreleased]\n\n## [1.0.0] - 2099-01-01\n\n### Added\n\n- y\n\n"
        "[1.0.0]: u\n[unreleased]: u\n"
    )
    assert lint(text) == [(5, "future-date", E)]
    assert lint(text.replace("2099", "2020")) == []


def test_findings_are_capped_per_rule(tmp_path, capsys) -> None:
    # 30 releases without dates, in Keep a Changelog form otherwise.
    text = _releases(30, "## [1.{n}.0]")
    found = changelog_rules.check_text(text, policy(), "C.md")
    missing = [f for f in found if f.rule == "missing-date"]
    assert len(missing) == 11
    assert missing[-1].message.startswith("and 20 more missing-date findings like these")
    everything = changelog_rules.check_text(text, policy(**{"findings-per-rule": 0}), "C.md")
    assert len([f for f in everything if f.rule == "missing-date"]) == 30
    code, out = _changelog_gate(tmp_path, "CHANGELOG.md", text, capsys)
    assert code == 1
    assert out.count(": missing-date: ") == 11

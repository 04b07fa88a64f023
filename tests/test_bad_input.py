"""Bad input, across the command line: exit 2 and one clear line on stderr, never a traceback."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

from trunkgate import cli

GOOD_CHANGELOG = "# Changelog\n\n## [Unreleased]\n"


def setup_files(root: Path, files: dict[str, bytes | str]) -> None:
    for name, data in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(data, bytes):
            path.write_bytes(data)
        else:
            path.write_text(data, encoding="utf-8")


CASES = [
    # (id, files, argv, the one line on stderr, after "trunkgate <cmd>: error: ")
    (
        "malformed-toml",
        {"pyproject.toml": "[tool.trunkgate\n"},
        ["branch"],
        "pyproject.toml: invalid TOML",
    ),
    (
        "unknown-key",
        {"pyproject.toml": "[tool.trunkgate.commits]\nmax-subject-lenght = 50\n"},
        ["commit-msg", "MSG"],
        'unknown key "max-subject-lenght" (did you mean "max-subject-length"?)',
    ),
    (
        "bad-regex",
        {"pyproject.toml": "[tool.trunkgate.branch]\npattern = '[a-'\n"},
        ["branch"],
        "pattern: expected a valid regular expression",
    ),
    (
        "binary-changelog",
        {"CHANGELOG.md": b"\x89PNG\r\n\x1a\n\x00\x00"},
        ["changelog"],
        "CHANGELOG.md: a binary file (NUL byte at offset 8), expected UTF-8 Markdown text",
    ),
    (
        "latin1-changelog",
        {"CHANGELOG.md": "# Changelog\n\n## [Unreleased]\n\n- caf\xe9\n".encode("latin-1")},
        ["changelog"],
        "CHANGELOG.md: not UTF-8 text (byte 0xe9 at offset 35)",
    ),
    ("missing-changelog", {}, ["changelog", "NOPE.md"], "NOPE.md: no such file"),
    ("missing-message-file", {}, ["commit-msg", "nope.txt"], "nope.txt: no such file"),
    (
        "bad-flag-value",
        {},
        ["branch", "--max-behind", "many"],
        "--max-behind: expected a whole number",
    ),
    ("missing-config", {}, ["branch", "--config", "team.toml"], "team.toml: no such file"),
    ("bad-base", {}, ["changelog", "--check-updated", "--base", "nope"], "'nope' is not a commit"),
    (
        "bad-range",
        {},
        ["commits", "--range", "nope..HEAD"],
        "--range start 'nope' is not a commit in this repository",
    ),
    (
        "missing-test-command",
        {},
        ["tests", "--command", "no-such-runner-xyz -q"],
        "no-such-runner-xyz is not installed",
    ),
    (
        "corrupt-junit-xml",
        {"w.py": "open('report.xml', 'w').write('<testsuite><testcase')\n"},
        ["tests", "--command", f"{sys.executable} w.py", "--junit-xml", "report.xml"],
        "report.xml: not well-formed XML",
    ),
    (
        "corrupt-benchmark-json",
        {"base.json": '{"benchmarks": [', "head.json": '{"benchmarks": []}'},
        ["performance", "--baseline", "base.json", "head.json"],
        "base.json: not JSON",
    ),
    (
        "corrupt-secrets-baseline",
        {".trunkgate/secrets-baseline.json": "{not json", "a.env": "K=1\n"},
        ["secrets", "a.env"],
        ".trunkgate/secrets-baseline.json: not a trunkgate secrets baseline (invalid JSON",
    ),
    (
        "unknown-secrets-plugin",
        {"a.env": "K=1\n"},
        ["secrets", "a.env", "--plugins", "AWSKeyDetectr"],
        'unknown plugin "AWSKeyDetectr" (did you mean "AWSKeyDetector"?)',
    ),
    (
        "review-without-a-repository",
        {},
        ["review", "--base", "HEAD~1"],
        "GITHUB_REPOSITORY is not set; expected owner/name",
    ),
    ("review-bad-share", {}, ["review", "--min-share", "lots"], "--min-share: expected a number"),
]


@pytest.mark.parametrize(
    ("files", "argv", "message"), [c[1:] for c in CASES], ids=[c[0] for c in CASES]
)
def test_bad_input_is_one_line_and_exit_2(repo, capsys, files, argv, message) -> None:
    repo.commit("chore: start", {"CHANGELOG.md": GOOD_CHANGELOG})
    repo.branch("feature/x")
    (repo.path / "MSG").write_text("feat: x\n")
    setup_files(repo.path, files)
    assert cli.main(argv) == 2
    captured = capsys.readouterr()
    lines = captured.err.strip().splitlines()
    assert len(lines) == 1, captured.err
    assert lines[0].startswith(f"trunkgate {argv[0]}: error: ")
    assert message in lines[0]
    assert "Traceback" not in captured.err + captured.out


def test_crlf_and_empty_files_are_input_not_errors(repo, capsys) -> None:
    repo.commit("chore: start")
    (repo.path / "CHANGELOG.md").write_bytes(b"# Changelog\r\n\r\n## [Unreleased]\r\n")
    assert cli.main(["changelog"]) == 0
    (repo.path / "CHANGELOG.md").write_text("")
    assert cli.main(["changelog"]) == 1  # an empty changelog lacks its title and Unreleased
    (repo.path / "MSG").write_bytes(b"feat: x\r\n\r\nbody\r\n")
    assert cli.main(["commit-msg", "MSG"]) == 0
    capsys.readouterr()


def test_no_git_repository(tmp_path, monkeypatch, capsys) -> None:
    monkeypatch.chdir(tmp_path)
    for argv in (["branch"], ["commits"], ["changelog", "--check-updated"]):
        assert cli.main(argv) == 2
        err = capsys.readouterr().err
        assert err.strip().splitlines() == [
            f"trunkgate {argv[0]}: error: not a git repository: {tmp_path}"
        ]

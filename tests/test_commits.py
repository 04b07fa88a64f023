"""The commit-msg hook and the commits gate, in-process, on real git repositories."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.conftest import shallow_clone
from tests.support.cli import run_cli
from tests.support.runner import outputs
from trunkgate import config, conventional, flags, git, messages
from trunkgate.change import Change
from trunkgate.context import Context
from trunkgate.gates import commits

MESSAGES = Path(__file__).parent / "messages"
ZERO = "0" * 40


def policy(**overrides: object) -> config.Policy:
    return config.resolve("commits", overrides, start=os.getcwd())


def message_file(repo, name: str) -> str:
    """Copy a fixture into the repository, where git leaves COMMIT_EDITMSG."""
    target = repo.path / ".git" / "COMMIT_EDITMSG"
    shutil.copyfile(MESSAGES / name, target)
    return ".git/COMMIT_EDITMSG"


def out_err(capsys) -> tuple[str, str]:
    captured = capsys.readouterr()
    return captured.out, captured.err


# --------------------------------------------------------------------------- commit-msg


@pytest.mark.parametrize(
    "name",
    [
        "conventional.txt",
        "bang.txt",
        "breaking_footer.txt",
        "multiline_footers.txt",
        "scissors.txt",
        "crlf.txt",
        "editor.txt",
        "merge.txt",
        "merge_pr.txt",
        "revert.txt",
        "fixup.txt",
        "squash.txt",
        "amend.txt",
    ],
)
def test_good_messages_pass(repo, capsys, name: str) -> None:
    assert run_cli("commit-msg", [message_file(repo, name)]) == 0
    out, err = out_err(capsys)
    assert out.strip().endswith("trunkgate commit-msg: passed")
    assert err == ""


@pytest.mark.parametrize(
    ("name", "rule"),
    [("merge.txt", "merge"), ("revert.txt", "revert"), ("fixup.txt", "fixup")],
)
def test_strict_refuses_git_special_messages(repo, capsys, name: str, rule: str) -> None:
    path = message_file(repo, name)
    assert run_cli("commit-msg", [path, "--strict"]) == 1
    out, _ = out_err(capsys)
    assert f"{path}:1: {rule}: " in out
    assert "policy strict" in out


def test_strict_from_the_policy_file(repo, capsys) -> None:
    repo.write("pyproject.toml", "[tool.trunkgate.commits]\nstrict = true\n")
    assert run_cli("commit-msg", [message_file(repo, "squash.txt")]) == 1
    assert "git rebase -i --autosquash origin/main" in out_err(capsys)[0]
    assert run_cli("commit-msg", [message_file(repo, "squash.txt"), "--no-strict"]) == 0


def test_invalid_message_shows_line_expectation_example_and_re_edit(repo, capsys) -> None:
    path = message_file(repo, "invalid.txt")
    assert run_cli("commit-msg", [path]) == 1
    out, _ = out_err(capsys)
    lines = out.splitlines()
    assert lines[0].startswith(f'{path}:1: header-format: "Added parser" has no "<type>: " prefix')
    assert "expected" in lines[0]
    assert "for example: feat: added parser" in lines
    assert "  git commit --edit --file=.git/COMMIT_EDITMSG" in lines
    assert lines[-1] == "trunkgate commit-msg: failed (1 error)"


def test_line_numbers_are_those_of_the_file(repo, capsys) -> None:
    path = repo.path / "MSG"
    path.write_text("# leading comment\n\nfix: x\nno blank line\n", encoding="utf-8")
    assert run_cli("commit-msg", ["MSG"]) == 1
    assert 'MSG:4: body-blank-line: line 2 is not blank: "no blank line"' in out_err(capsys)[0]


@pytest.mark.parametrize("name", ["empty.txt", "only_comments.txt"])
def test_an_empty_message_fails(repo, capsys, name: str) -> None:
    assert run_cli("commit-msg", [message_file(repo, name)]) == 1
    out, _ = out_err(capsys)
    assert "empty: the message is empty; expected a header" in out


def test_allow_empty_message_does_not_get_past_the_hook(repo, tmp_path) -> None:
    """git commit --allow-empty-message runs the commit-msg hook, and the hook refuses."""
    hook = repo.path / ".git" / "hooks" / "commit-msg"
    python = Path(sys.executable)
    hook.write_text(f'#!/bin/sh\nexec "{python}" -m trunkgate commit-msg "$1"\n')
    hook.chmod(0o755)
    repo.write("a.txt", "a")
    repo.git("add", "a.txt")
    proc = subprocess.run(
        ["git", "commit", "-q", "--allow-empty-message", "-m", ""],
        cwd=repo.path,
        capture_output=True,
        text=True,
        check=False,
    )
    assert proc.returncode != 0
    assert "the message is empty" in proc.stdout + proc.stderr
    assert repo.git("rev-list", "--all") == ""  # nothing was committed


@pytest.mark.parametrize(
    ("name", "byte", "offset", "column"),
    [("latin1.txt", "0xe9", 23, 24), ("gbk.txt", "0xd0", 13, 14)],
)
def test_a_message_that_is_not_utf8(repo, capsys, name, byte, offset, column) -> None:
    path = message_file(repo, name)
    assert run_cli("commit-msg", [path]) == 1
    out, err = out_err(capsys)
    assert err == ""
    assert (
        f"{path}:1: encoding: the message is not UTF-8: byte {byte} at byte offset {offset} "
        f"(line 1, column {column})" in out
    )
    assert "save the message as UTF-8" in out
    assert "git commit --edit --file=" in out


def test_encoding_offsets_count_bytes_and_skip_a_bom(repo, capsys) -> None:
    data = b"\xef\xbb\xbffeat: \xc3\xa9\n\nbody caf\xe9\n"
    assert data.index(b"\xe9\n") == 21
    (repo.path / "MSG").write_bytes(data)
    assert run_cli("commit-msg", ["MSG"]) == 1
    expected = "MSG:3: encoding: the message is not UTF-8: byte 0xe9 at byte offset 21"
    assert f"{expected} (line 3, column 9)" in out_err(capsys)[0]
    (repo.path / "MSG").write_bytes(b"\xef\xbb\xbffeat: caf\xe9\n")
    assert run_cli("commit-msg", ["MSG"]) == 1
    assert "byte 0xe9 at byte offset 12 (line 1, column 10)" in out_err(capsys)[0]


def test_bytes_after_the_scissors_or_in_comments_do_not_count(repo, capsys) -> None:
    assert run_cli("commit-msg", [message_file(repo, "scissors.txt")]) == 0
    (repo.path / "MSG").write_bytes(b"feat: x\n# caf\xe9\n")
    assert run_cli("commit-msg", ["MSG"]) == 0


def test_missing_message_file_is_a_usage_error(repo, capsys) -> None:
    assert run_cli("commit-msg", ["no/such/FILE"]) == 2
    out, err = out_err(capsys)
    assert out == ""
    assert err.startswith("trunkgate commit-msg: error: no/such/FILE: no such file")
    assert len(err.strip().splitlines()) == 1


def test_unreadable_message_file_is_a_usage_error(repo, capsys) -> None:
    (repo.path / "adir").mkdir()
    assert run_cli("commit-msg", ["adir"]) == 2
    assert "adir: is a directory, expected the commit message file" in out_err(capsys)[1]


def test_custom_comment_char(repo, capsys) -> None:
    repo.git("config", "core.commentChar", ";")
    path = message_file(repo, "comment_semicolon.txt")
    assert run_cli("commit-msg", [path, "--format", "json"]) == 0
    out, _ = out_err(capsys)
    assert json.loads(out)["passed"] is True
    # with ";" as the comment char, "#12 ..." is body text, and "; ..." lines are comments:
    # the header would be fine either way, so prove it with a header that only ";" hides
    (repo.path / "MSG").write_text("; not a header\nfix: x\n\n#12 stays\n", encoding="utf-8")
    assert run_cli("commit-msg", ["MSG"]) == 0
    repo.git("config", "--unset", "core.commentChar")
    assert run_cli("commit-msg", ["MSG"]) == 1
    assert 'MSG:1: header-format: "; not a header"' in out_err(capsys)[0]


def test_comment_string_of_newer_git_and_a_broken_config(repo, capsys) -> None:
    repo.git("config", "core.commentString", "//")
    (repo.path / "MSG").write_text("// Bad\nfix: x\n", encoding="utf-8")
    assert run_cli("commit-msg", ["MSG"]) == 0
    with (repo.path / ".git" / "config").open("a") as fh:
        fh.write("[core\n")
    assert run_cli("commit-msg", ["MSG"]) == 2
    assert "bad config line" in out_err(capsys)[1]


def test_comment_char_auto(repo, capsys) -> None:
    repo.git("config", "core.commentChar", "auto")
    (repo.path / "MSG").write_text(
        "#12: not a comment\nfix: x\n\n; Please enter the commit message\n;\n", encoding="utf-8"
    )
    assert (
        run_cli("commit-msg", ["MSG"]) == 1
    )  # ";" is the comment char, so "#12: ..." is the header
    assert "MSG:1: header-format:" in out_err(capsys)[0]
    (repo.path / "MSG").write_text("fix: x\n\n# Please enter the message\n#\n", encoding="utf-8")
    assert run_cli("commit-msg", ["MSG"]) == 0


def test_git_is_asked_only_when_another_comment_char_is_possible(repo, capsys, monkeypatch) -> None:
    monkeypatch.setenv("PATH", "")
    (repo.path / "MSG").write_text("fix: x\n\nbody\n", encoding="utf-8")
    assert run_cli("commit-msg", ["MSG"]) == 0
    # git's template written with "#", bullets: no other comment char is possible
    (repo.path / "MSG").write_text("fix: x\n\n- one\n* two\n# comment\n", encoding="utf-8")
    assert run_cli("commit-msg", ["MSG"]) == 0
    (repo.path / "MSG").write_text("fix: x\n; comment\n", encoding="utf-8")
    assert run_cli("commit-msg", ["MSG"]) == 2
    assert "git is not installed" in out_err(capsys)[1]


def test_policy_types_scopes_and_length_from_flags(repo, capsys) -> None:
    (repo.path / "MSG").write_text("feat(ui): add a dark theme\n", encoding="utf-8")
    assert run_cli("commit-msg", ["MSG", "--types", "fix,docs"]) == 1
    out = out_err(capsys)[0]
    assert 'MSG:1: type: type "feat" is not allowed; expected one of: fix, docs' in out
    assert "for example: fix(ui): add a dark theme" in out
    assert "Allowed types: fix, docs." in out
    assert run_cli("commit-msg", ["MSG", "--scopes", "api,cli"]) == 1
    out = out_err(capsys)[0]
    assert 'scope "ui" is not allowed; expected one of: api, cli' in out
    assert "for example: feat(api): add a dark theme" in out
    assert run_cli("commit-msg", ["MSG", "--max-subject-length", "20"]) == 1
    out = out_err(capsys)[0]
    assert "the header is 26 characters long; expected at most 20" in out
    assert "for example: feat(ui): add a dark" in out
    assert run_cli("commit-msg", ["MSG", "--max-subject-length", "0"]) == 0


def test_require_scope_from_the_policy_file(repo, capsys) -> None:
    repo.write(
        "pyproject.toml",
        '[tool.trunkgate.commits]\nrequire-scope = true\nscopes = ["parser", "cli"]\n',
    )
    (repo.path / "MSG").write_text("fix: handle tabs\n", encoding="utf-8")
    assert run_cli("commit-msg", ["MSG"]) == 1
    out = out_err(capsys)[0]
    assert "scope-required: the header names no scope" in out
    assert "(one of: parser, cli)" in out
    assert "for example: fix(parser): handle tabs" in out
    assert "Every header names a scope." in out
    (repo.path / "MSG").write_text("fix(cli,parser): handle tabs\n", encoding="utf-8")
    assert run_cli("commit-msg", ["MSG"]) == 0


def test_warnings_do_not_fail(repo, capsys) -> None:
    (repo.path / "MSG").write_text("Fix:  handle tabs.\n", encoding="utf-8")
    assert run_cli("commit-msg", ["MSG"]) == 0
    out = out_err(capsys)[0]
    assert "MSG:1: type-case: warning: " in out
    assert "MSG:1: description-whitespace: warning: " in out
    assert "MSG:1: description-period: warning: " in out
    assert "passed (3 warnings)" in out


def test_commit_msg_json_schema(repo, capsys) -> None:
    assert run_cli("commit-msg", [message_file(repo, "invalid.txt"), "--format", "json"]) == 1
    data = json.loads(out_err(capsys)[0])
    assert set(data) >= {"gate", "passed", "findings"}
    assert (data["gate"], data["passed"]) == ("commit-msg", False)
    assert data["findings"] == [
        {
            "file": ".git/COMMIT_EDITMSG",
            "line": 1,
            "rule": "header-format",
            "severity": "error",
            "message": data["findings"][0]["message"],
        }
    ]
    assert data["findings"][0]["message"].startswith('"Added parser" has no')


def test_commit_msg_bad_flag_is_a_usage_error(repo, capsys) -> None:
    assert run_cli("commit-msg", ["MSG", "--max-subject-length", "many"]) == 2
    out, err = out_err(capsys)
    assert out == ""
    assert "--max-subject-length: expected a whole number" in err


# --------------------------------------------------------------------------- suggestions


@pytest.mark.parametrize(
    ("header", "example"),
    [
        ("Added parser", "feat: added parser"),
        ("Added parser.", "feat: added parser"),
        ("Fix crash in the lexer", "fix: crash in the lexer"),
        ("Fixed crash in the lexer", "fix: fixed crash in the lexer"),
        ("Refactoring: split the lexer", "refactor: split the lexer"),
        ("Fix : the lexer", "fix: the lexer"),
        ("Feature(parser)!: Arrays", "feat(parser)!: arrays"),
        ("feat (parser): API for arrays", "feat(parser): API for arrays"),
        ("feat:add arrays", "feat: add arrays"),
        ("feature: add arrays", "feat: add arrays"),
        ("bugfix: tabs", "fix: tabs"),
        ("Update README", "chore: update README"),
        ("Parser handles arrays", "feat: parser handles arrays"),
        ("WIP", "feat: WIP"),
        ("feat: ", "feat: describe the change"),
        ("stuff: x", "feat: x"),
        ("[JIRA-1] arrays", "feat: [JIRA-1] arrays"),
        ('Revert "feat: x"', "revert: feat: x"),
        ("", "feat: describe the change"),
        ("Fix bug: lexer", "fix: bug: lexer"),
        ("perform: a faster lexer", "perf: a faster lexer"),
        ("xy: z", "feat: z"),
    ],
)
def test_suggest_builds_one_example_from_the_subject(repo, header: str, example: str) -> None:
    assert messages.suggest(conventional.parse(header), policy()) == example


def test_suggest_respects_the_policy(repo) -> None:
    msg = conventional.parse("Added parser")
    assert messages.suggest(msg, policy(types=["fix", "docs"])) == "fix: added parser"
    assert messages.suggest(msg, policy(types=[])) == "feat: added parser"
    assert messages.suggest(conventional.parse("stuff : x"), policy(types=[])) == "stuff: x"
    assert messages.suggest(msg, policy(**{"require-scope": True})) == "feat(<scope>): added parser"
    scoped = conventional.parse("Feature(" + "s" * 30 + "): x")
    assert messages.suggest(scoped, policy(**{"max-subject-length": 30})) == "feat: x"
    revert = conventional.parse('Revert "feat: x"')
    assert messages.suggest(revert, policy(types=["fix"])) == "fix: feat: x"
    long = conventional.parse("feat: " + "x" * 90)
    assert messages.suggest(long, policy()) == "feat: " + "x" * 66
    words = conventional.parse("feat: add the parser, the lexer and the printer")
    limited = policy(**{"max-subject-length": 26})
    assert messages.suggest(words, limited) == "feat: add the parser, the"
    assert messages.suggest(conventional.parse("Merge branch 'x'"), policy()) is None
    assert messages.suggest(conventional.parse("fixup! feat: x"), policy()) is None


def test_check_message_locates_by_line_in_the_text_without_a_file(repo) -> None:
    found = messages.check_message(conventional.parse("fix: x\nbody"), policy(), where="abc1234")
    assert [(f.file, f.where, f.line, f.rule) for f in found] == [
        (None, "abc1234", None, "body-blank-line")
    ]
    assert found[0].message.startswith('line 2: line 2 is not blank: "body"; expected')
    assert found[0].hint is None  # the header is fine: there is no better header to show
    empty = messages.check_message(conventional.parse(""), policy(), where="abc1234")
    assert [f.rule for f in empty] == ["empty"]
    assert empty[0].hint == "abc1234: for example: feat: describe the change"


def test_policy_types_and_scopes_compare_without_case(repo) -> None:
    pol = policy(types=["Feat"], scopes=["API"])
    assert messages.check_message(conventional.parse("FEAT(api): x"), pol)[0].rule == "type-case"
    assert len(messages.check_message(conventional.parse("FEAT(api): x"), pol)) == 1


# --------------------------------------------------------------------------- commits: ranges


def test_range_with_a_bad_commit(repo, capsys) -> None:
    base = repo.commit("chore: start")
    repo.commit("feat(parser): add arrays")
    bad = repo.commit("Added lexer")
    repo.commit("Merge branch 'x'")
    assert run_cli("commits", ["--range", f"{base}..HEAD"]) == 1
    out = out_err(capsys)[0]
    assert f'{bad[:7]}: header-format: "Added lexer" has no "<type>: " prefix' in out
    assert f"{bad[:7]}: for example: feat: added lexer" in out
    assert f"checked 3 commits in {base}..HEAD" in out
    assert "git rebase -i <base>" in out
    assert out.count(": header-format:") == 1


def test_range_of_good_commits_passes_and_says_what_it_checked(repo, capsys) -> None:
    repo.commit("chore: start")
    repo.commit("feat(parser): add arrays")
    assert run_cli("commits", ["--range", "HEAD~1..HEAD"]) == 0
    out = out_err(capsys)[0]
    assert "checked 1 commit in HEAD~1..HEAD" in out
    assert out.strip().endswith("trunkgate commits: passed")


def test_range_with_merge_commits_follows_strict(repo, capsys) -> None:
    base = repo.commit("chore: start")
    repo.branch("feature/x")
    repo.commit("feat: x")
    repo.checkout("main")
    repo.commit("fix: y")
    repo.git("merge", "-q", "--no-ff", "--no-edit", "feature/x")
    assert run_cli("commits", ["--range", f"{base}..main"]) == 0
    assert "checked 3 commits" in out_err(capsys)[0]
    assert run_cli("commits", ["--range", f"{base}..main", "--strict"]) == 1
    out = out_err(capsys)[0]
    assert "merge: merge commit \"Merge branch 'feature/x'\"" in out
    assert "git rebase origin/main" in out


def test_empty_range_fails_loudly(repo, capsys) -> None:
    repo.commit("chore: start")
    assert run_cli("commits", ["--range", "HEAD..HEAD"]) == 2
    out, err = out_err(capsys)
    assert out == ""
    assert "no commits in HEAD..HEAD" in err


@pytest.mark.parametrize(
    ("rng", "words"),
    [
        ("nope..HEAD", "--range start 'nope' is not a commit"),
        ("HEAD..nope", "--range end 'nope' is not a commit"),
        ("HEAD", "expected A..B"),
        ("HEAD...HEAD~1", "expected A..B"),
    ],
)
def test_bad_range_is_a_usage_error(repo, capsys, rng: str, words: str) -> None:
    repo.commit("chore: start")
    repo.commit("fix: x")
    assert run_cli("commits", ["--range", rng]) == 2
    assert words in out_err(capsys)[1]


def test_base_flag_means_base_to_head(repo, capsys) -> None:
    base = repo.commit("chore: start")
    repo.commit("fix: x")
    repo.commit("nope")
    assert run_cli("commits", ["--base", base]) == 1
    assert f"checked 2 commits in {base[:10]}..HEAD" in out_err(capsys)[0]
    assert run_cli("commits", ["--base", base, "--range", "HEAD~1..HEAD~1"]) == 2  # --range wins


def test_open_ended_range_means_head(repo, capsys) -> None:
    repo.commit("chore: start")
    repo.commit("fix: x")
    assert run_cli("commits", ["--range", "HEAD~1.."]) == 0
    assert "checked 1 commit in HEAD~1..HEAD" in out_err(capsys)[0]


def test_shallow_clone_that_cuts_the_range(repo, tmp_path, capsys, monkeypatch) -> None:
    repo.commit("chore: start")
    repo.branch("feature/x")
    for n in range(3):
        repo.commit(f"feat: step {n}")
    shallow = shallow_clone(repo.path, tmp_path / "shallow")
    monkeypatch.chdir(shallow)
    assert run_cli("commits", ["--range", "origin/main..origin/feature/x"]) == 2
    err = out_err(capsys)[1]
    assert "reaches past the shallow clone's history" in err
    assert "fetch-depth: 0" in err
    assert run_cli("commits", ["--range", "HEAD~2..HEAD"]) == 2
    assert "is not a commit in this repository; the clone is shallow" in out_err(capsys)[1]


def test_a_commit_message_that_is_not_utf8(repo, capsys) -> None:
    base = repo.commit("chore: start")
    # `git commit` would re-encode the bytes as Latin-1; older tools and plumbing do not
    tree = repo.git("rev-parse", "HEAD^{tree}").strip()
    who = b"Ada Tester <ada@example.com> 1767225600 +0000"
    raw = b"tree %s\nparent %s\nauthor %s\ncommitter %s\n\nfeat: caf\xe9 menu\n" % (
        tree.encode(),
        base.encode(),
        who,
        who,
    )
    sha = (
        subprocess.run(
            ["git", "hash-object", "-t", "commit", "-w", "--stdin"],
            input=raw,
            check=True,
            capture_output=True,
        )
        .stdout.decode()
        .strip()
    )
    repo.git("update-ref", "HEAD", sha)
    assert run_cli("commits", ["--range", f"{base}..HEAD"]) == 1
    out = out_err(capsys)[0]
    sha = repo.head()[:7]
    assert f"{sha}: encoding: the message is not UTF-8: byte 0xe9 at byte offset 9" in out


def test_pr_title_flag(repo, capsys) -> None:
    assert run_cli("commits", ["--pr-title", "Add arrays"]) == 1
    out = out_err(capsys)[0]
    assert 'pull request title: header-format: "Add arrays" has no' in out
    assert "pull request title: for example: feat: add arrays" in out
    assert "Edit the pull request title." in out
    assert run_cli("commits", ["--pr-title", "feat: add arrays"]) == 0


def test_commits_json_schema(repo, capsys) -> None:
    base = repo.commit("chore: start")
    repo.commit("nope")
    assert run_cli("commits", ["--range", f"{base}..HEAD", "--format", "json"]) == 1
    data = json.loads(out_err(capsys)[0])
    assert (data["gate"], data["passed"]) == ("commits", False)
    # The contract's five keys, plus "where" for a location that is not a file (a commit).
    assert [set(f) for f in data["findings"]] == [
        {"file", "line", "rule", "severity", "message", "where"}
    ]
    assert data["findings"][0]["file"] is None
    assert data["findings"][0]["where"] == repo.head()[:7]
    assert data["metrics"] == {"commits": 1}


# --------------------------------------------------------------------------- commits: contexts


def test_local_default_is_the_commits_not_on_the_trunk(repo, capsys) -> None:
    repo.commit("Initial commit")  # on the trunk: not this branch's doing
    repo.branch("feature/x")
    repo.commit("feat: x")
    assert run_cli("commits", []) == 0
    out = out_err(capsys)[0]
    assert "checked 1 commit in main..HEAD" in out


def test_local_on_the_trunk_with_nothing_unpushed_has_nothing_to_check(repo, capsys) -> None:
    """A fresh clone, or the trunk after a pull: no commit of this branch's to check. It
    passes and says so; an empty range against another base is still exit 2."""
    repo.commit("chore: start")
    assert run_cli("commits", []) == 0
    out = out_err(capsys)[0]
    assert "no commits to check: HEAD is on the trunk, and main..HEAD is empty" in out
    repo.branch("feature/x")
    assert run_cli("commits", ["--base", "main"]) == 2
    assert "no commits in main..HEAD (every commit of HEAD is in the base)" in out_err(capsys)[1]


def test_local_without_a_trunk(repo, capsys) -> None:
    repo.commit("chore: start")
    assert run_cli("commits", ["--trunk", "develop"]) == 2
    assert (
        "no base to compare with (neither origin/develop nor develop exists here); expected "
        "--base REF, or the trunk (policy key trunk)"
    ) in out_err(capsys)[1]


def test_local_with_unrelated_history(repo, capsys) -> None:
    repo.commit("chore: start")
    repo.git("checkout", "-q", "--orphan", "other")
    repo.commit("feat: other")
    assert run_cli("commits", []) == 2
    assert "have no common commit" in out_err(capsys)[1]


def with_remote(repo, tmp_path) -> Path:
    remote = tmp_path / "remote.git"
    subprocess.run(["git", "init", "-q", "--bare", str(remote)], check=True)
    repo.git("remote", "add", "origin", str(remote))
    repo.git("push", "-q", "origin", "main")
    return remote


def pre_push(monkeypatch, old: str, new: str, branch: str = "refs/heads/feature/x") -> None:
    monkeypatch.setenv("PRE_COMMIT_FROM_REF", old)
    monkeypatch.setenv("PRE_COMMIT_TO_REF", new)
    monkeypatch.setenv("PRE_COMMIT_REMOTE_BRANCH", branch)


def test_pre_push_new_branch_checks_only_new_commits(repo, tmp_path, capsys, monkeypatch):
    repo.commit("Initial commit")  # already on the remote
    with_remote(repo, tmp_path)
    repo.branch("feature/x")
    repo.commit("feat: x")
    bad = repo.commit("wip")
    pre_push(monkeypatch, ZERO, bad)
    assert run_cli("commits", []) == 1
    out = out_err(capsys)[0]
    assert f'{bad[:7]}: header-format: "wip"' in out
    assert "Initial commit" not in out
    assert "checked 2 commits in" in out


def test_pre_push_new_branch_without_new_commits(repo, tmp_path, capsys, monkeypatch):
    head = repo.commit("chore: start")
    with_remote(repo, tmp_path)
    repo.branch("feature/x")
    pre_push(monkeypatch, ZERO, head)
    assert run_cli("commits", []) == 0
    assert "no new commits in" in out_err(capsys)[0]


def test_pre_push_update_checks_from_to(repo, tmp_path, capsys, monkeypatch):
    repo.commit("chore: start")
    with_remote(repo, tmp_path)
    repo.branch("feature/x")
    old = repo.commit("feat: x")
    repo.git("push", "-q", "origin", "feature/x")
    repo.commit("fix: y")
    new = repo.commit("Fix z")
    pre_push(monkeypatch, old, new)
    assert run_cli("commits", []) == 1
    out = out_err(capsys)[0]
    assert "checked 2 commits in" in out
    assert f"{new[:7]}: for example: fix: z" in out


def test_pre_push_of_a_rebased_branch_leaves_out_the_trunk_commits(
    repo, tmp_path, capsys, monkeypatch
):
    repo.commit("chore: start")
    with_remote(repo, tmp_path)
    repo.branch("feature/x")
    old = repo.commit("feat: x")
    repo.git("push", "-q", "origin", "feature/x")
    repo.checkout("main")
    repo.commit("Legacy trunk commit")  # on the trunk already: checked when it got there
    repo.git("push", "-q", "origin", "main")
    repo.checkout("feature/x")
    repo.git("rebase", "-q", "main")
    new = repo.head()
    pre_push(monkeypatch, old, new)
    assert run_cli("commits", []) == 0
    out = out_err(capsys)[0]
    assert f"checked 1 commit in {old[:10]}..{new[:10]}, less those on origin/main" in out


def test_pre_push_to_the_trunk_checks_trunk_commits(repo, tmp_path, capsys, monkeypatch):
    old = repo.commit("chore: start")
    with_remote(repo, tmp_path)
    new = repo.commit("oops")
    pre_push(monkeypatch, old, new, branch="refs/heads/main")
    assert run_cli("commits", []) == 1
    assert f'{new[:7]}: header-format: "oops"' in out_err(capsys)[0]


def test_pre_push_old_commit_unknown_here(repo, tmp_path, capsys, monkeypatch):
    repo.commit("chore: start")
    with_remote(repo, tmp_path)
    repo.branch("feature/x")
    new = repo.commit("feat: x")
    pre_push(monkeypatch, "1" * 40, new)  # a force push over a commit this clone never saw
    assert run_cli("commits", []) == 0
    assert "checked 1 commit in" in out_err(capsys)[0]


def test_pre_push_deleting_a_branch(repo, capsys, monkeypatch):
    head = repo.commit("chore: start")
    pre_push(monkeypatch, head, ZERO)
    assert run_cli("commits", []) == 0
    assert "deletes a branch" in out_err(capsys)[0]


def pr_payload(base: str, head: str, title: str, number: int = 12) -> dict:
    return {
        "pull_request": {
            "number": number,
            "title": title,
            "base": {"sha": base, "ref": "main"},
            "head": {"sha": head, "ref": "feature/x"},
        }
    }


def test_ci_pull_request_checks_commits_title_and_squash_subject(repo, capsys, github_env):
    base = repo.commit("chore: start")
    repo.branch("feature/x")
    repo.commit("feat: x")
    bad = repo.commit("tweak")
    title = "feat(parser): " + "a" * 54  # 68 characters: fits, but not with " (#12345)"
    summary, output = github_env("pull_request", pr_payload(base, bad, title, 12345))
    assert run_cli("commits", ["--no-ignore-pr-number"]) == 1
    out = out_err(capsys)[0]
    assert run_cli("commits", ["--format", "github", "--no-ignore-pr-number"]) == 1
    annotations = out_err(capsys)[0]
    # A commit is not a file: the annotation names it in its message, not as file=.
    assert f"::error title=trunkgate commits%3A header-format::{bad[:7]}: " in annotations
    assert "trunkgate commits: failed (2 errors)" in annotations
    assert "### trunkgate commits: ❌ failed" in summary.read_text()
    assert f"{bad[:7]}: header-format: " in out
    assert "squash-merge subject: subject-length: " in out
    assert "is 77 characters long; expected at most 72" in out
    assert "shorten the title by 5 characters" in out
    assert f"checked 2 commits in {base[:10]}..{bad[:10]} (pull request #12345)" in out
    assert "checked the pull request title and its squash-merge subject (#12345)" in out
    written = outputs(output.read_text())
    assert written["passed"] == "false"
    assert written["commits"] == "2"


def test_ci_pull_request_title_must_be_conventional(repo, capsys, github_env):
    base = repo.commit("chore: start")
    repo.branch("feature/x")
    head = repo.commit("feat: x")
    github_env("pull_request", pr_payload(base, head, "Add the x"))
    assert run_cli("commits", ["--format", "github"]) == 1
    out = out_err(capsys)[0]
    assert "::error title=trunkgate commits%3A header-format::pull request title: " in out


def test_ci_single_commit_squash_subject(repo, capsys, github_env):
    base = repo.commit("chore: start")
    repo.branch("feature/x")
    head = repo.commit("feat: " + "b" * 64)  # 70 characters; GitHub may use it as the subject
    github_env("pull_request", pr_payload(base, head, "feat: short title", 123))
    assert run_cli("commits", ["--no-ignore-pr-number"]) == 1
    out = out_err(capsys)[0]
    assert "(the commit subject and the pull request number) is 77 characters" in out
    assert "shorten the commit subject by 5 characters" in out
    # By default the length rule leaves the " (#N)" out, so the squash subject fits.
    assert run_cli("commits", []) == 0
    assert "checked the pull request title (#123)" in out_err(capsys)[0]
    # squash-subject = false: repositories that do not squash-merge.
    assert run_cli("commits", ["--no-ignore-pr-number", "--no-squash-subject"]) == 0


# --------------------------------------------------------------------------- exemptions, length


def bot_commit(repo, message: str, name: str, email: str) -> str:
    old = {k: os.environ[k] for k in ("GIT_AUTHOR_NAME", "GIT_AUTHOR_EMAIL")}
    os.environ.update(GIT_AUTHOR_NAME=name, GIT_AUTHOR_EMAIL=email)
    try:
        return repo.commit(message)
    finally:
        os.environ.update(old)


def test_bot_commits_are_exempt_by_author(repo, capsys) -> None:
    base = repo.commit("chore: start")
    dep = bot_commit(
        repo,
        "Bump requests from 2.25.0 to 2.31.0",
        "dependabot[bot]",
        "49699333+dependabot[bot]@users.noreply.github.com",
    )
    pci = bot_commit(
        repo,
        "[pre-commit.ci] auto fixes from pre-commit.com hooks",
        "pre-commit-ci[bot]",
        "66853113+pre-commit-ci[bot]@users.noreply.github.com",
    )
    # A bot recorded by its noreply email only (a name someone changed): the login counts.
    ren = bot_commit(
        repo,
        "Update dependency x to v2",
        "Renovate Bot",
        "29139614+renovate[bot]@users.noreply.github.com",
    )
    assert run_cli("commits", ["--range", f"{base}..HEAD"]) == 0
    out = out_err(capsys)[0]
    assert f'{dep[:7]} not checked: its author "dependabot[bot]" is exempt' in out
    assert f'{pci[:7]} not checked: its author "pre-commit-ci[bot]"' in out
    assert f'{ren[:7]} not checked: its author "renovate[bot]"' in out
    # Without the exemption the same commits fail: the exemption is what let them through.
    assert run_cli("commits", ["--range", f"{base}..HEAD", "--exempt-authors", ""]) == 1
    assert f"{dep[:7]}: header-format" in out_err(capsys)[0]


def test_every_github_app_with_one_pattern(repo, capsys) -> None:
    base = repo.commit("chore: start")
    bot = bot_commit(repo, "bump: version 1 -> 2", "commitizenbot[bot]", "cz@example.com")
    robot = bot_commit(repo, "tweak", "robot", "robot@example.com")  # ends in "t", no [bot]
    skipped = repo.commit("[skip ci] tweak")
    args = [
        "--range",
        f"{base}..HEAD",
        "--exempt-authors",
        "*[bot]",
        "--exempt-subjects",
        "[skip ci] *",
    ]
    assert run_cli("commits", args) == 1
    out = out_err(capsys)[0]
    assert f'{bot[:7]} not checked: its author "commitizenbot[bot]" is exempt' in out
    assert f'{skipped[:7]} not checked: its subject matches "[skip ci] *"' in out
    assert f"{robot[:7]}: header-format" in out


def test_a_human_named_like_a_bot_pattern_is_checked(repo, capsys) -> None:
    base = repo.commit("chore: start")
    # As a shell pattern "dependabot[bot]" would match "dependabott" ([bot] is one of b, o,
    # t); without * or ? an entry is a name as written.
    bot_commit(repo, "Bump x", "dependabott", "dependabott@example.com")
    assert run_cli("commits", ["--range", f"{base}..HEAD"]) == 1


def test_exempt_authors_and_subjects_as_shell_patterns(repo, capsys) -> None:
    base = repo.commit("chore: start")
    ours = bot_commit(repo, "Sync translations", "Weblate", "hosted@weblate.org")
    bump = repo.commit("Bump version: 1.2.0 -> 1.3.0")
    bad = repo.commit("tweak")
    args = [
        "--range",
        f"{base}..HEAD",
        "--exempt-authors",
        "*@weblate.org",
        "--exempt-subjects",
        "Bump version: *,[skip ci] *",
    ]
    assert run_cli("commits", args) == 1
    out = out_err(capsys)[0]
    assert f'{ours[:7]} not checked: its author "hosted@weblate.org" is exempt' in out
    assert f'{bump[:7]} not checked: its subject matches "Bump version: *"' in out
    assert f"{bad[:7]}: header-format" in out
    assert "1 error" in out


def test_empty_commit_message_fails_in_the_commits_gate(repo, capsys) -> None:
    base = repo.commit("chore: start")
    repo.write("a.txt", "a")
    repo.git("add", "a.txt")
    repo.git("commit", "-q", "--no-verify", "--allow-empty-message", "-m", "")
    empty = repo.head()
    assert run_cli("commits", ["--range", f"{base}..HEAD"]) == 1
    assert f"{empty[:7]}: empty: the message is empty" in out_err(capsys)[0]


def test_the_length_rule_leaves_out_the_pull_request_number(repo, capsys) -> None:
    base = repo.commit("chore: start")
    merged = repo.commit("feat: " + "x" * 66 + " (#1234)")  # 72 + 8 characters
    assert run_cli("commits", ["--range", f"{base}..HEAD"]) == 0
    assert run_cli("commits", ["--range", f"{base}..HEAD", "--no-ignore-pr-number"]) == 1
    assert f"{merged[:7]}: subject-length: the header is 80 characters long;" in out_err(capsys)[0]
    long = repo.commit("feat: " + "y" * 67 + " (#1234)")
    assert run_cli("commits", ["--range", f"{merged}..HEAD"]) == 1
    out = out_err(capsys)[0]
    assert f"{long[:7]}: subject-length: the header is 73 characters long without its pull " in out
    # Only a real number counts: "(#12a)" or "(#)" is part of the subject.
    assert messages.pr_suffix("feat: x (#12a)") == 0
    assert messages.pr_suffix("feat: x (#)") == 0
    assert messages.pr_suffix("feat: x (#7)") == 5
    assert messages.pr_suffix("feat: x") == 0


@pytest.mark.parametrize(
    ("header", "what", "hint"),
    [
        (
            "feat(cli) add --foo",
            'a colon is missing after "feat(cli)"',
            'add a colon after "feat(cli)": feat(cli): add --foo',
        ),
        (
            "fix! drop the old flag",
            'a colon is missing after "fix!"',
            'add a colon after "fix!": fix!: drop the old flag',
        ),
        (
            "feat(api)! remove v1",
            'a colon is missing after "feat(api)!"',
            'add a colon after "feat(api)!": feat(api)!: remove v1',
        ),
    ],
)
def test_a_missing_colon_is_named(repo, capsys, header: str, what: str, hint: str) -> None:
    (repo.path / "MSG").write_text(header + "\n", encoding="utf-8")
    assert run_cli("commit-msg", ["MSG"]) == 1
    out = out_err(capsys)[0]
    assert f"MSG:1: header-format: {what}; expected" in out
    assert hint in out
    assert "feat: feat(" not in out


def test_ci_pull_request_passes(repo, capsys, github_env):
    base = repo.commit("chore: start")
    repo.branch("feature/x")
    head = repo.commit("feat: x")
    github_env("pull_request", pr_payload(base, head, "feat: add x"))
    assert run_cli("commits", []) == 0


def test_ci_pull_request_with_no_commits(repo, capsys, github_env):
    head = repo.commit("chore: start")
    github_env("pull_request", pr_payload(head, head, "feat: add x"))
    assert run_cli("commits", []) == 2
    assert "no commits in" in out_err(capsys)[1]


def test_ci_pull_request_without_shas_in_the_payload(repo, capsys, github_env):
    repo.commit("chore: start")
    repo.branch("feature/x")
    repo.commit("feat: x")
    github_env("pull_request", {"pull_request": {"title": "feat: x"}})
    assert run_cli("commits", []) == 0
    out = out_err(capsys)[0]
    assert "checked 1 commit in main..HEAD (the pull request)" in out
    assert "checked the pull request title" in out


def test_ci_pull_request_without_a_title(repo, capsys, github_env):
    base = repo.commit("chore: start")
    repo.branch("feature/x")
    head = repo.commit("feat: x")
    payload = pr_payload(base, head, "")
    del payload["pull_request"]["title"]
    github_env("pull_request", payload)
    assert run_cli("commits", []) == 0
    assert "title" not in out_err(capsys)[0]


def test_ci_pull_request_head_missing_from_a_shallow_checkout(repo, capsys, github_env):
    base = repo.commit("chore: start")
    github_env("pull_request", pr_payload(base, "f" * 40, "feat: x"))
    assert run_cli("commits", []) == 2
    assert "the pull request's head 'ffffffffff" in out_err(capsys)[1]


def test_ci_push_event(repo, capsys, github_env):
    before = repo.commit("chore: start")
    after = repo.commit("bad")
    github_env("push", {"before": before, "after": after}, ref="refs/heads/main")
    assert run_cli("commits", []) == 1
    assert after == repo.head()  # the checkout is the pushed commit: HEAD
    assert f"checked 1 commit in {before[:10]}..HEAD" in out_err(capsys)[0]


def test_ci_push_deleting_a_branch(repo, capsys, github_env):
    before = repo.commit("chore: start")
    github_env("push", {"before": before, "after": ZERO, "deleted": True}, ref="refs/heads/x")
    assert run_cli("commits", []) == 0
    assert "deletes a branch" in out_err(capsys)[0]


def test_ci_push_of_a_new_branch(repo, capsys, github_env):
    repo.commit("chore: start")
    repo.branch("feature/x")
    after = repo.commit("feat: x")
    github_env("push", {"before": ZERO, "after": after}, ref="refs/heads/feature/x")
    assert run_cli("commits", []) == 0
    assert after == repo.head()
    assert (
        "checked 1 commit in main..HEAD (the commits since HEAD left the trunk)"
        in out_err(capsys)[0]
    )


@pytest.mark.parametrize(
    ("event", "payload", "ref"),
    [
        ("schedule", {}, "refs/heads/main"),
        ("workflow_dispatch", {}, "refs/heads/main"),
        ("push", {"before": ZERO, "after": "1" * 40}, "refs/tags/v1.0.0"),
    ],
)
def test_ci_event_without_a_base_passes_with_a_note(repo, capsys, github_env, event, payload, ref):
    repo.commit("Not conventional")  # nothing is under review, so nothing is judged
    github_env(event, payload, ref=ref)
    assert run_cli("commits", []) == 0
    kind = "tag" if event == "push" else event
    out = out_err(capsys)[0]
    assert f"no commits to check: a {kind} event has no base to compare with" in out
    assert out.strip().endswith("trunkgate commits: passed")


def test_ci_pull_request_checked_out_as_github_merge_commit(repo, capsys, github_env):
    base = repo.commit("chore: start")
    repo.branch("feature/x")
    head = repo.commit("feat: x")
    repo.checkout("main")
    repo.commit("fix: on the trunk meanwhile")
    tip = repo.head()
    # actions/checkout on a pull request: refs/pull/N/merge, the head merged into the base
    repo.git("checkout", "-q", "--detach", tip)
    repo.git("merge", "-q", "--no-ff", "--no-edit", "-m", f"Merge {head} into {tip}", head)
    github_env("pull_request", pr_payload(base, head, "feat: add x"))
    assert run_cli("commits", []) == 0  # the merge commit is GitHub's, not the author's
    assert f"checked 1 commit in {base[:10]}..{head[:10]} (pull request #12)" in out_err(capsys)[0]


def test_gate_is_the_same_function_as_main(repo, capsys) -> None:
    base = repo.commit("chore: start")
    repo.commit("nope")
    opts, pol = flags.parse_args(
        "trunkgate commits", "commits", ["--range", f"{base}..HEAD"], commits.ARGS, "", ""
    )
    result = commits.gate(pol, opts, Change.of(Context(), pol, opts))
    assert [f.rule for f in result.findings] == ["header-format"]
    assert result.exit_code == run_cli("commits", ["--range", f"{base}..HEAD"])


def test_git_comment_string_outside_the_working_directory(repo, tmp_path, monkeypatch) -> None:
    repo.git("config", "core.commentChar", ";")
    other = tmp_path / "elsewhere"
    other.mkdir()
    monkeypatch.chdir(other)
    assert git.comment_string(cwd=str(repo.path)) == ";"
    assert git.comment_string() is None


_POLICIES = [
    {},
    {"types": ["fix", "docs"], "max-subject-length": 30},
    {"require-scope": True, "scopes": ["parser", "cli"], "max-subject-length": 24},
    {"types": [], "scopes": ["api"], "max-subject-length": 0},  # any type: any length
    {"max-subject-length": 20},
]


@given(
    st.text(st.characters(blacklist_characters="\r\n"), max_size=120),
    st.sampled_from(_POLICIES),
)
@settings(max_examples=400, suppress_health_check=[HealthCheck.function_scoped_fixture])
def test_every_example_passes_the_policy(repo, header: str, overrides: dict) -> None:
    pol = policy(**overrides)
    example = messages.suggest(conventional.parse(header), pol)
    if example is None:
        return
    assert "\n" not in example
    found = messages.check_message(conventional.parse(example), pol)
    assert [f for f in found if f.severity == "error"] == [], (header, example)

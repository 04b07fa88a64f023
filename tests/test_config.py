from __future__ import annotations

import datetime
import os
from pathlib import Path

import pytest

from trunkgate import cache, config, flags, schema
from trunkgate.report import UsageError

ARGS = (
    flags.Arg("--branch", "a name", metavar="NAME"),
    flags.Arg("--dry", "a switch", kind="flag"),
    flags.Arg("files", "some files", kind="pos*"),
)


def parse(argv: list[str], gate: str = "branch") -> tuple[flags.Options, config.Policy]:
    return flags.parse_args(f"trunkgate {gate}", gate, argv, ARGS, "doc", "trunkgate branch")


def test_defaults_match_the_handbook(tmp_path: Path) -> None:
    branch = config.resolve("branch", start=str(tmp_path))
    assert branch.trunk == "main"
    assert branch.prefixes == [
        "feature/",
        "fix/",
        "hotfix/",
        "release/",
        "chore/",
        "docs/",
        "refactor/",
        "test/",
        "ci/",
        "perf/",
        "build/",
    ]
    commits = config.resolve("commits", start=str(tmp_path))
    assert " ".join(commits.types) == "feat fix docs style refactor perf test build ci chore revert"
    assert config.resolve("changelog", start=str(tmp_path)).changelog_file == "CHANGELOG.md"
    assert branch.source is None


def test_precedence_flag_over_gate_table_over_shared_over_default(repo) -> None:
    repo.write(
        "pyproject.toml",
        '[tool.trunkgate]\ntrunk = "develop"\nversion-scheme = "calver"\n'
        '[tool.trunkgate.branch]\nversion-scheme = "pep440"\nmax-behind = 3\n',
    )
    _, policy = parse([])
    assert policy.trunk == "develop"  # shared key
    assert policy.version_scheme == "pep440"  # the gate's table wins over the shared key
    assert policy.max_behind == 3
    assert config.resolve("changelog").version_scheme == "calver"  # another gate: shared
    _, policy = parse(["--version-scheme", "semver", "--max-behind=7", "--trunk", "main"])
    assert (policy.version_scheme, policy.max_behind, policy.trunk) == ("semver", 7, "main")


def test_fast_parser_and_argparse_agree(repo) -> None:
    every = [*ARGS, *flags.COMMON, *flags._policy_args("branch")]
    argv = ["--branch", "x", "--dry", "--prefixes", "a/, b/", "--no-allow-trunk-commits", "f1"]
    fast = flags._fast_parse([*argv, "--", "-f2"], every)
    slow = vars(flags._argparse("p", "d", "e", every).parse_args([*argv, "--", "-f2"]))
    assert fast == slow
    opts, policy = parse([*argv, "--", "-f2"])
    assert (opts.branch, opts.dry, opts.files) == ("x", True, ["f1", "-f2"])
    assert policy.prefixes == ["a/", "b/"]
    assert policy.allow_trunk_commits is False


@pytest.mark.parametrize(
    "argv",
    [["--format", "xml"], ["--branch"], ["--dry=yes"], ["-x"], ["--nope"]],
)
def test_bad_flags_exit_2_through_argparse(repo, argv: list[str], capsys) -> None:
    with pytest.raises(SystemExit) as exc:
        parse(argv)
    assert exc.value.code == 2
    assert "usage: trunkgate branch" in capsys.readouterr().err


def test_argparse_handles_what_the_fast_parser_declines(repo) -> None:
    # A positional given to a gate without positionals is an argparse error.
    with pytest.raises(SystemExit):
        flags.parse_args("trunkgate branch", "branch", ["extra"], (), "doc", "ex")
    with pytest.raises(SystemExit):
        flags.parse_args(
            "trunkgate branch",
            "branch",
            [],
            (flags.Arg("file", "one file", kind="pos"),),
            "doc",
            "ex",
        )
    opts, _ = flags.parse_args(
        "trunkgate branch", "branch", ["a"], (flags.Arg("file", "one", kind="pos?"),), "doc", "ex"
    )
    assert opts.file == "a"


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["--max-behind", "-3"], '--max-behind: expected a whole number >= 0, got "-3"'),
        (
            ["--start-after", "2026-02-30"],
            '--start-after: expected a date YYYY-MM-DD, got "2026-02-30"',
        ),
        (["--pattern", "a("], "--pattern: expected a valid regular expression"),
        (["--version-scheme", "roman"], "--version-scheme: expected one of semver, calver, pep440"),
    ],
)
def test_bad_flag_values_are_usage_errors(repo, argv: list[str], message: str) -> None:
    with pytest.raises(UsageError, match="^" + message.replace("(", r"\(")):
        parse(argv)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("[tool.trunkgate\n", "pyproject.toml: invalid TOML: "),
        ("[tool.trunkgate]\ntrunks = 'x'\n", 'unknown key "trunks" (did you mean "trunk"?)'),
        ("[tool.trunkgate]\nzzz = 1\n", '[tool.trunkgate] unknown key "zzz"'),
        ("[tool]\ntrunkgate = 3\n", "[tool.trunkgate] must be a table, got 3"),
        ("[tool.trunkgate]\nbranch = 3\n", "[tool.trunkgate.branch] must be a table, got 3"),
        ("[tool.trunkgate]\ntrunk = 3\n", "[tool.trunkgate] trunk: expected a string, got 3"),
        (
            "[tool.trunkgate.branch]\nprefixes = 'feature/'\n",
            'prefixes: expected a list of strings, got "feature/"',
        ),
        (
            "[tool.trunkgate.commits]\nstrict = 'yes'\n",
            'strict: expected true or false, got "yes"',
        ),
        (
            "[tool.trunkgate.coverage]\nfail-under = 101\n",
            "fail-under: expected a number from 0 to 100, got 101",
        ),
        (
            "[tool.trunkgate.branch]\nstart-after = 2026-01-01T10:00:00\n",
            "start-after: expected a date YYYY-MM-DD",
        ),
        (
            "[tool.trunkgate.commits]\nmax-subject-length = true\n",
            "max-subject-length: expected a whole number >= 0, got true",
        ),
    ],
)
def test_bad_policy_files(repo, text: str, message: str) -> None:
    repo.write("pyproject.toml", text)
    with pytest.raises(UsageError) as exc:
        config.resolve("branch")
    assert message in str(exc.value)
    assert str(exc.value).startswith("pyproject.toml: ")
    assert "\n" not in str(exc.value).strip()


def test_non_utf8_policy_file(repo) -> None:
    (repo.path / "pyproject.toml").write_bytes(b"[tool.trunkgate]\ntrunk = '\xff'\n")
    with pytest.raises(UsageError, match=r"not UTF-8 text \(byte 0xff at offset 26\)"):
        config.resolve("branch")


def test_the_changelog_file_is_a_shared_key_beside_the_changelog_table(repo) -> None:
    repo.write(
        "pyproject.toml",
        '[tool.trunkgate]\nchangelog-file = "docs/CHANGES.md"\n'
        '[tool.trunkgate.changelog]\nmode = "remind"\n',
    )
    policy = config.resolve("changelog")
    assert (policy.changelog_file, policy.mode) == ("docs/CHANGES.md", "remind")
    assert config.resolve("release").changelog_file == "docs/CHANGES.md"


def test_dates_from_toml_and_strings(repo) -> None:
    repo.write("pyproject.toml", "[tool.trunkgate.branch]\nstart-after = 2026-03-01\n")
    assert config.resolve("branch").start_after == datetime.date(2026, 3, 1)
    repo.write("pyproject.toml", "[tool.trunkgate.branch]\nstart-after = '2026-03-02'\n")
    assert config.resolve("branch").start_after == datetime.date(2026, 3, 2)


def test_nearest_file_wins_and_stops_at_the_repository(repo, tmp_path, monkeypatch) -> None:
    (tmp_path / "pyproject.toml").write_text("[tool.trunkgate]\ntrunk = 'outside'\n")
    assert config.resolve("branch").trunk == "main"  # never climbs out of the repository
    repo.write("pyproject.toml", "[project]\nname = 'x'\n")  # no table: keep looking
    repo.write(".trunkgate.toml", "trunk = 'dot'\n")
    assert config.resolve("branch").trunk == "dot"
    repo.write("pkg/pyproject.toml", "[tool.trunkgate]\ntrunk = 'pkg'\n")
    monkeypatch.chdir(repo.path / "pkg")
    policy = config.resolve("branch")
    assert policy.trunk == "pkg"
    assert policy.root == str(repo.path / "pkg")
    assert policy.path("CHANGELOG.md") == str(repo.path / "pkg" / "CHANGELOG.md")


def test_outside_a_repository_the_search_reaches_the_root(tmp_path, monkeypatch) -> None:
    folder = tmp_path / "no-repo" / "deep"
    folder.mkdir(parents=True)
    monkeypatch.chdir(folder)
    assert config.find_config() == (None, {}, str(folder))  # no policy: the defaults, here
    (tmp_path / "no-repo" / ".trunkgate.toml").write_text("trunk = 'up'\n")
    source, table, root = config.find_config()
    assert (source, table, root) == (
        str(tmp_path / "no-repo" / ".trunkgate.toml"),
        {"trunk": "up"},
        str(tmp_path / "no-repo"),
    )


def test_explicit_config_file(repo) -> None:
    repo.write("policies/team.toml", "[branch]\nprefixes = ['team/']\n")
    _, policy = parse(["--config", "policies/team.toml"])
    assert policy.prefixes == ["team/"]
    assert policy.root == str(repo.path / "policies")
    repo.write("other/pyproject.toml", "[project]\nname = 'x'\n")
    _, policy = parse(["--config", "other/pyproject.toml"])
    assert policy.prefixes[0] == "feature/"  # a pyproject without the table: defaults
    with pytest.raises(UsageError, match=r"^missing\.toml: no such file \(from --config\)$"):
        parse(["--config", "missing.toml"])
    repo.write("bad.toml", "[branch]\nmax-behind = 'x'\n")
    with pytest.raises(UsageError, match=r"^bad\.toml: \[branch\] max-behind: expected"):
        parse(["--config", "bad.toml"])
    repo.write("bad2.toml", "nope = 1\n")
    with pytest.raises(UsageError, match=r'^bad2\.toml: top level unknown key "nope"'):
        parse(["--config", "bad2.toml"])


def test_the_cache_follows_the_file(repo) -> None:
    repo.write("pyproject.toml", "[tool.trunkgate]\ntrunk = 'aaaa'\n")
    assert config.resolve("branch").trunk == "aaaa"
    cache_dir = Path(os.environ["TRUNKGATE_CACHE_DIR"])
    assert any(cache_dir.glob("policy-*.marshal"))
    repo.write("pyproject.toml", "[tool.trunkgate]\ntrunk = 'bbbb'\n")  # same size
    assert config.resolve("branch").trunk == "bbbb"
    assert config.resolve("branch").trunk == "bbbb"  # from the cache this time


def test_a_corrupt_cache_is_ignored(repo, monkeypatch, tmp_path) -> None:
    monkeypatch.setenv("TRUNKGATE_CACHE_DIR", str(tmp_path / "c"))
    repo.write("pyproject.toml", "[tool.trunkgate]\ntrunk = 'cccc'\n")
    assert config.resolve("branch").trunk == "cccc"
    for entry in (tmp_path / "c").iterdir():
        entry.write_bytes(b"garbage")
    assert config.resolve("branch").trunk == "cccc"


def test_no_cache_and_unwritable_cache(repo, monkeypatch, tmp_path) -> None:
    monkeypatch.setenv("TRUNKGATE_NO_CACHE", "1")
    repo.write("pyproject.toml", "[tool.trunkgate]\ntrunk = 'dddd'\n")
    assert config.resolve("branch").trunk == "dddd"
    monkeypatch.delenv("TRUNKGATE_NO_CACHE")
    blocker = tmp_path / "file"
    blocker.write_text("")
    monkeypatch.setenv("TRUNKGATE_CACHE_DIR", str(blocker / "sub"))
    assert config.resolve("branch").trunk == "dddd"
    repo.write("pyproject.toml", "[tool.trunkgate.branch]\nstart-after = 2026-01-01\n")
    assert config.resolve("branch").start_after == datetime.date(2026, 1, 1)


def test_the_cache_keeps_toml_dates(repo) -> None:
    repo.write(
        "pyproject.toml",
        "[tool.trunkgate.branch]\nstart-after = 2026-01-01\n"
        "[tool.trunkgate.audit]\n"
        "ignore = [{id = 'X-1', reason = 'not reachable', until = 2026-12-31}]\n",
    )
    first = config.resolve("audit").ignore
    again = config.resolve("audit").ignore  # from the cache
    assert first == again
    assert config.resolve("branch").start_after == datetime.date(2026, 1, 1)
    assert cache.thaw(cache.freeze({"t": [datetime.time(1, 2)]})) == {"t": [datetime.time(1, 2)]}


def test_policy_attributes(tmp_path) -> None:
    policy = config.resolve("commits", start=str(tmp_path))
    assert policy.get("max-subject-length") == 72
    assert ("strict", False) in policy.items()
    with pytest.raises(AttributeError):
        _ = policy.no_such_key


def test_help_lists_every_policy_key(capsys) -> None:
    with pytest.raises(SystemExit) as exc:
        flags.parse_args(
            "trunkgate commits", "commits", ["--help"], (), "Check commits.", "trunkgate commits"
        )
    assert exc.value.code == 0
    out = capsys.readouterr().out
    for key in schema.keys_for("commits"):
        assert f"--{key}" in out
    assert "example:\n  trunkgate commits" in out
    assert "exit codes: 0 passed, 1 failed, 2 usage or input error" in out


def _plant(repo, table: dict) -> Path:
    """Rewrite the cache entry of repo's pyproject.toml to hold `table`, with a fresh stamp."""
    import marshal
    import zlib

    path = os.path.abspath(repo.path / "pyproject.toml")
    entry = Path(cache._cache_file(path))
    version, cached_path, stamp, dated, _ = marshal.loads(entry.read_bytes()[4:])  # noqa: S302 - our own entry
    blob = marshal.dumps((version, cached_path, stamp, dated, table))
    entry.write_bytes(zlib.crc32(blob).to_bytes(4, "big") + blob)
    return entry


def test_a_fresh_cache_entry_is_what_is_read(repo) -> None:
    # Proves the cache is read at all: a planted entry of our own, with the right stamp, wins
    # over the file (so the other cache tests cannot pass with the read switched off).
    repo.write("pyproject.toml", '[tool.trunkgate]\ntrunk = "aaaa"\n')
    assert config.resolve("branch").trunk == "aaaa"
    _plant(repo, {"trunk": "cached"})
    assert config.resolve("branch").trunk == "cached"


@pytest.mark.skipif(os.getuid() != 0, reason="needs root to give a file to another user")
def test_an_entry_of_another_user_is_not_trusted(repo) -> None:
    repo.write("pyproject.toml", '[tool.trunkgate]\ntrunk = "aaaa"\n')
    assert config.resolve("branch").trunk == "aaaa"
    entry = _plant(repo, {"trunk": "planted"})
    os.chown(entry, 65534, 65534)
    assert config.resolve("branch").trunk == "aaaa"


def test_an_entry_others_can_write_is_not_trusted(repo) -> None:
    repo.write("pyproject.toml", '[tool.trunkgate]\ntrunk = "aaaa"\n')
    assert config.resolve("branch").trunk == "aaaa"
    entry = _plant(repo, {"trunk": "planted"})
    entry.chmod(0o666)
    assert config.resolve("branch").trunk == "aaaa"
    entry.chmod(0o600)
    entry.parent.chmod(0o777)  # a folder others can write to: nothing in it counts
    assert config.resolve("branch").trunk == "aaaa"


def test_the_cache_folder_is_private_and_entries_are_bounded(repo, monkeypatch, tmp_path) -> None:
    monkeypatch.setenv("TRUNKGATE_CACHE_DIR", str(tmp_path / "fresh"))
    repo.write("pyproject.toml", '[tool.trunkgate]\ntrunk = "aaaa"\n')
    assert config.resolve("branch").trunk == "aaaa"
    assert (tmp_path / "fresh").stat().st_mode & 0o777 == 0o700
    entry = next((tmp_path / "fresh").glob("policy-*.marshal"))
    good = entry.read_bytes()
    for junk in (b"", b"\x00" * 10, b"[" * 100_000, good[:-3], b"x" * (cache.MAX_ENTRY + 1)):
        entry.write_bytes(junk)
        assert config.resolve("branch").trunk == "aaaa"
    entry.unlink()
    entry.symlink_to(tmp_path / "elsewhere")
    assert config.resolve("branch").trunk == "aaaa"
    assert not (tmp_path / "elsewhere").exists()  # the write replaced the link, not followed it

"""The security gate: the real bandit on real files, in real git repositories."""

from __future__ import annotations

import json

import pytest
from hypothesis import given
from hypothesis import strategies as st

from tests.support.cli import run_cli
from trunkgate import baseline as baselines
from trunkgate import report, tools
from trunkgate.gates import security

SHELL = "import subprocess\n\n\ndef run(cmd):\n    return subprocess.call(cmd, shell=True)\n"
SHELL_CLEAN = "import subprocess\n\n\ndef run(cmd):\n    return subprocess.call([cmd])\n"
YAML = (
    "import yaml\n\n\ndef load(path):\n    with open(path) as fh:\n        return yaml.load(fh)\n"
)
PASSWORD = 'password = "hunter2"\n'
CALL = "    subprocess.call(cmd, shell=True)\n"


def calls(n: int, *, before: str = "") -> str:
    return "import subprocess\n" + before + "\n\ndef run(cmd):\n" + CALL * n


def run(capsys, *argv: str) -> tuple[int, str, str]:
    code = run_cli("security", list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def as_json(capsys, *argv: str) -> tuple[int, dict]:
    code, out, err = run(capsys, *argv, "--format", "json")
    assert out, err
    return code, json.loads(out)


def found(data: dict) -> list[tuple[str, int, str, str]]:
    return [(f["file"], f["line"], f["rule"], f["severity"]) for f in data["findings"]]


BASELINE = ".trunkgate/bandit-baseline.json"


# --------------------------------------------------------------------------- pure


def test_normalise_code_collapses_whitespace():
    assert baselines.normalise_code("  a =  f(x,\n\t y)  ") == "a = f(x, y)"
    assert baselines.code_hash("a = f(x,  y)") == baselines.code_hash("a = f(x,\n    y)")
    assert baselines.code_hash("a = f(x, y)") != baselines.code_hash("a = f(y, x)")


def test_bandit_paths_are_normalised_so_dot_slash_is_the_same_fingerprint(tmp_path):
    (tmp_path / "pkg").mkdir()
    (tmp_path / "pkg" / "a.py").write_text(calls(1))
    item = {"test_id": "B602", "line_number": 5, "line_range": [5], "issue_severity": "HIGH"}
    data = {
        "results": [
            {**item, "filename": "./pkg/a.py"},
            {**item, "filename": "pkg/a.py"},
            {**item, "filename": str(tmp_path / "pkg" / "a.py")},
        ]
    }
    issues, errors, nosec = security.issues_from_bandit(data, str(tmp_path))
    assert {i.path for i in issues} == {"pkg/a.py"}
    assert len({i.fingerprint for i in issues}) == 1
    assert (errors, nosec) == ([], 0)
    assert issues[0].severity == "high"
    assert issues[0].confidence == "undefined"


def test_the_fingerprint_is_the_flagged_code_not_the_line_number(tmp_path):
    (tmp_path / "a.py").write_text("x = 1\n" + CALL)
    (tmp_path / "b.py").write_text("\n\n\n" + CALL)
    data = {
        "results": [
            {"test_id": "B602", "filename": "a.py", "line_number": 2, "line_range": [2]},
            {"test_id": "B602", "filename": "b.py", "line_number": 4, "line_range": [4]},
        ]
    }
    (a, b), _, _ = security.issues_from_bandit(data, str(tmp_path))
    assert a.fingerprint[0] == b.fingerprint[0] == "B602"
    assert a.fingerprint[2] == b.fingerprint[2] == baselines.code_hash(CALL)


def test_an_unreadable_file_falls_back_to_banditss_own_excerpt(tmp_path):
    data = {
        "results": [
            {
                "test_id": "B105",
                "filename": "gone.py",
                "line_number": 3,
                "code": "2 \n3 password = 'x'\n",
            },
            "junk",
        ],
        "errors": [{"filename": "./bad.py", "reason": "syntax error"}, "junk"],
        "metrics": {"_totals": {"nosec": 2}},
    }
    issues, errors, nosec = security.issues_from_bandit(data, str(tmp_path))
    assert issues[0].fingerprint[2] == baselines.code_hash("password = 'x'")
    assert errors == [("bad.py", "syntax error")]
    assert nosec == 2
    with pytest.raises(report.UsageError, match="expected a JSON report object"):
        security.issues_from_bandit([], str(tmp_path))


def issue(path: str, line: int, code: str = "x", test_id: str = "B602", **kw) -> security.Issue:
    return security.Issue(test_id, path, line, code, **kw)


def test_split_baseline_counts_repeats_and_stale_entries():
    issues = [issue("a.py", 9), issue("a.py", 3), issue("a.py", 5), issue("b.py", 1, "y")]
    baseline = {issue("a.py", 0).fingerprint: 2, issue("c.py", 0).fingerprint: 1}
    new, matched, stale = baselines.split_baseline(issues, baseline, ["a.py", "b.py", "c.py"])
    assert [(i.path, i.line) for i in new] == [("a.py", 9), ("b.py", 1)]
    assert matched == 2
    assert stale == 1
    _, _, stale = baselines.split_baseline(issues, baseline, ["a.py"])
    assert stale == 0  # c.py was not scanned: its entry may well still hold


@given(
    codes=st.lists(st.sampled_from(["a()", "b()", "c(x)"]), min_size=0, max_size=12),
    extra=st.lists(st.sampled_from(["a()", "b()", "d()"]), max_size=4),
    seed=st.randoms(use_true_random=False),
)
def test_split_baseline_is_blind_to_lines_and_counts_each_extra_copy(codes, extra, seed):
    before = [issue("m.py", n + 1, code) for n, code in enumerate(codes)]
    baseline = baselines.baseline_counts(security.baseline_document(before)["findings"])
    after_codes = codes + extra
    lines = list(range(1, len(after_codes) + 1))
    seed.shuffle(lines)  # every line moved
    after = [issue("m.py", n, c) for n, c in zip(lines, after_codes, strict=True)]
    new, matched, stale = baselines.split_baseline(after, baseline, ["m.py"])
    assert sorted(i.fingerprint[2] for i in new) == sorted(baselines.code_hash(c) for c in extra)
    assert matched == len(codes)
    assert stale == 0


def test_classify_applies_severity_warn_severity_and_confidence():
    issues = [
        issue("a.py", 1, severity="high", confidence="high", text="H", more_info="u"),
        issue("a.py", 2, severity="medium", confidence="high", text="M"),
        issue("a.py", 3, severity="low", confidence="medium", text="L"),
        issue("a.py", 4, severity="high", confidence="low", text="HL"),
    ]
    findings, below = security.classify(issues, "high", "medium", "low")
    assert [(f.line, f.severity) for f in findings] == [
        (1, report.ERROR),
        (2, report.WARNING),
        (4, report.ERROR),
    ]
    assert below == 1
    assert findings[0].message == "H (severity high, confidence high)"
    assert findings[0].hint == "B602: u"
    assert findings[1].hint is None
    findings, below = security.classify(issues, "low", "low", "medium")
    assert [(f.line, f.severity) for f in findings] == [(1, "error"), (2, "error"), (3, "error")]
    assert below == 1
    findings, below = security.classify(issues, "medium", "high", "high")
    assert [(f.line, f.severity) for f in findings] == [(1, "error"), (2, "error")]


@pytest.mark.parametrize(
    ("path", "patterns", "expected"),
    [
        ("tests/test_a.py", ["tests"], True),
        ("tests/test_a.py", ["./tests/"], True),
        ("testsuite/a.py", ["tests"], False),
        ("pkg/migrations/0001.py", ["*/migrations/*"], True),
        ("pkg/a.py", ["*/migrations/*", ""], False),
        ("pkg/test_a.py", ["*test_*.py"], True),
        ("setup.py", ["setup.py"], True),
    ],
)
def test_is_excluded(path, patterns, expected):
    assert security.is_excluded(path, patterns) is expected


def test_chunks_balance_sizes_and_respect_the_command_line_limit():
    assert tools.chunks([], 4) == []
    files = [f"f{i}.py" for i in range(10)]
    sizes = {f: (1000 if f == "f0.py" else 100) for f in files}
    groups = tools.chunks(files, 2, sizes)
    assert sorted(f for g in groups for f in g) == sorted(files)
    assert groups[0] == ["f0.py"] or groups[1] == ["f0.py"]
    assert tools.chunks(["a.py"], 8) == [["a.py"]]
    many = [f"{'d' * 200}/{i}.py" for i in range(300)]
    groups = tools.chunks(many, 1)
    assert len(groups) > 1
    assert all(sum(len(f) + 1 for f in g) <= tools.MAX_ARGV_CHARS for g in groups)
    assert sorted(f for g in groups for f in g) == sorted(many)


def test_baseline_document_is_sorted_and_keeps_unscanned_entries():
    keep = [{"path": "z.py", "test_id": "B105", "fingerprint": "f", "count": 1}]
    issues = [
        issue("b.py", 1, test_name="t", severity="high"),
        issue("a.py", 7, "y", "B506"),
        issue("b.py", 4, test_name="t", severity="high"),
    ]
    doc = security.baseline_document(issues, keep)
    assert doc["version"] == 1
    entries = doc["findings"]
    assert [(e["path"], e["test_id"], e["count"]) for e in entries] == [
        ("a.py", "B506", 1),
        ("b.py", "B602", 2),
        ("z.py", "B105", 1),
    ]
    assert entries[1]["test_name"] == "t"
    assert entries[1]["fingerprint"] == baselines.code_hash("x")
    assert baselines.baseline_counts(entries)[issues[0].fingerprint] == 2


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("{", "invalid JSON"),
        ("[]", 'no "findings" list'),
        ('{"findings": []}', "version None, expected 1"),
        ('{"version": 1, "findings": [{"path": "a.py"}]}', "findings[0] needs path"),
        (
            '{"version": 1, "findings": [{"path": "a", "test_id": "B1", "fingerprint": "f", '
            '"count": true}]}',
            "findings[0]",
        ),
    ],
)
def test_read_baseline_refuses_what_is_not_a_baseline(tmp_path, text, message):
    path = tmp_path / "b.json"
    path.write_text(text)
    with pytest.raises(report.UsageError, match="not a trunkgate security baseline") as exc:
        baselines.read_baseline(str(path), "b.json")
    assert message in str(exc.value)
    assert str(exc.value).startswith("b.json: ")


def test_read_baseline_of_a_missing_or_unreadable_file(tmp_path):
    assert baselines.read_baseline(str(tmp_path / "none.json")) is None
    with pytest.raises(report.UsageError, match="cannot read the baseline"):
        baselines.read_baseline(str(tmp_path))


def test_write_baseline_is_atomic_and_cleans_up_after_a_failure(tmp_path):
    target = tmp_path / "deep" / "b.json"
    baselines.write_baseline(str(target), {"version": 1, "findings": []})
    assert json.loads(target.read_text()) == {"findings": [], "version": 1}
    (tmp_path / "deep" / "taken").mkdir()
    with pytest.raises(report.UsageError, match="taken: cannot write the file"):  # a folder
        baselines.write_baseline(str(tmp_path / "deep" / "taken"), {"findings": []})
    assert sorted(p.name for p in target.parent.iterdir()) == ["b.json", "taken"]


def test_issue_repr_and_odd_metrics(tmp_path):
    assert repr(issue("a.py", 3, severity="high")) == "Issue(B602 a.py:3 high)"
    assert security.issues_from_bandit({"metrics": {"_totals": [1]}}, str(tmp_path))[2] == 0
    assert security._sizes(["missing.py"], str(tmp_path)) == {"missing.py": 0}


# --------------------------------------------------------------------------- thresholds


def test_shell_true_is_high_and_fails_its_clean_twin_passes(repo, capsys):
    repo.write("app.py", SHELL)
    repo.write("clean.py", SHELL_CLEAN)
    code, data = as_json(capsys, "app.py")
    assert code == 1
    assert found(data) == [("app.py", 5, "B602", "error")]
    assert "shell=True" in data["findings"][0]["message"]
    assert data["metrics"] == {"high": 1, "medium": 0, "low": 0, "baselined": 0}
    code, data = as_json(capsys, "clean.py")
    assert code == 0
    assert found(data) == []


def test_yaml_load_is_medium_and_only_a_warning_by_default(repo, capsys):
    repo.write("conf.py", YAML)
    code, out, _ = run(capsys, "conf.py")
    assert code == 0
    assert "conf.py:6: B506: warning: Use of unsafe yaml load" in out
    assert out.splitlines()[-1] == "trunkgate security: passed (1 warning)"
    code, data = as_json(capsys, "conf.py", "--severity", "medium")
    assert code == 1
    assert found(data) == [("conf.py", 6, "B506", "error")]


def test_a_hard_coded_password_is_low_and_hidden_by_default(repo, capsys):
    repo.write("settings.py", PASSWORD)
    code, data = as_json(capsys, "settings.py")
    assert code == 0
    assert found(data) == []
    assert any("1 finding below the thresholds not shown" in n for n in data["notes"])
    code, data = as_json(capsys, "settings.py", "--warn-severity", "low")
    assert code == 0
    assert found(data) == [("settings.py", 1, "B105", "warning")]
    code, data = as_json(capsys, "settings.py", "--severity", "low")
    assert code == 1
    assert found(data) == [("settings.py", 1, "B105", "error")]


def test_confidence_threshold(repo, capsys):
    repo.write("settings.py", PASSWORD)  # B105: low severity, medium confidence
    code, data = as_json(capsys, "settings.py", "--severity", "low", "--confidence", "high")
    assert code == 0
    assert found(data) == []
    code, data = as_json(capsys, "settings.py", "--severity", "low", "--confidence", "medium")
    assert code == 1


def test_thresholds_from_the_policy_and_the_flag_wins(repo, capsys):
    repo.write(
        "pyproject.toml",
        '[tool.trunkgate.security]\nseverity = "medium"\nwarn-severity = "low"\n',
    )
    repo.write("conf.py", YAML)
    repo.write("settings.py", PASSWORD)
    code, data = as_json(capsys, "conf.py", "settings.py")
    assert code == 1
    assert found(data) == [
        ("conf.py", 6, "B506", "error"),
        ("settings.py", 1, "B105", "warning"),
    ]
    code, data = as_json(capsys, "conf.py", "settings.py", "--severity", "high")
    assert code == 0


def test_a_bad_threshold_in_the_policy_is_a_usage_error(repo, capsys):
    repo.write("pyproject.toml", '[tool.trunkgate.security]\nseverity = "critical"\n')
    repo.write("app.py", SHELL)
    code, _, err = run(capsys, "app.py")
    assert code == 2
    assert "severity: expected one of low, medium, high" in err


def test_nosec_is_honoured(repo, capsys):
    repo.write("app.py", SHELL.replace("shell=True)", "shell=True)  # nosec B602 - reviewed"))
    code, data = as_json(capsys, "app.py")
    assert code == 0
    assert found(data) == []
    assert "1 finding skipped by # nosec" in data["notes"]


def test_the_projects_bandit_settings_apply(repo, capsys):
    repo.write("pyproject.toml", '[tool.bandit]\nskips = ["B602"]\n')
    repo.write("app.py", SHELL)
    assert run(capsys, "app.py")[0] == 0
    repo.write("pyproject.toml", "[project]\nname = 'x'\n")
    assert run(capsys, "app.py")[0] == 1
    repo.write(".bandit", "[bandit]\nskips = B602\n")
    assert run(capsys, "app.py")[0] == 0


def test_a_file_bandit_cannot_parse_fails(repo, capsys):
    repo.write("broken.py", "def f(:\n")
    code, data = as_json(capsys, "broken.py")
    assert code == 1
    assert found(data) == [("broken.py", None, "scan-error", "error")]
    assert "syntax error" in data["findings"][0]["message"]


# --------------------------------------------------------------------------- baseline


def test_baseline_adopts_old_code_then_fails_only_new_findings(repo, capsys):
    repo.write("old.py", SHELL)
    repo.write("conf.py", YAML)
    code, out, _ = run(capsys, "--update-baseline")
    assert code == 0
    assert f"wrote {BASELINE}: 3 accepted findings" in out  # B602, B506, and B404 (low)
    code, data = as_json(capsys, "old.py", "conf.py")
    assert code == 0
    assert found(data) == []
    assert f"3 findings accepted by the baseline {BASELINE}" in data["notes"]
    assert data["metrics"]["baselined"] == 3
    repo.write("new.py", SHELL)
    code, data = as_json(capsys, "old.py", "new.py")
    assert code == 1
    assert found(data) == [("new.py", 5, "B602", "error")]


def test_a_moved_line_still_matches_the_baseline(repo, capsys):
    repo.write("old.py", calls(1))
    assert run(capsys, "--update-baseline")[0] == 0
    repo.write("old.py", calls(1, before="\nimport os\nimport sys\n\nX = os.sep + sys.prefix\n"))
    code, data = as_json(capsys, "old.py")
    assert code == 0, data
    assert found(data) == []


def test_reindented_code_still_matches_but_changed_code_does_not(repo, capsys):
    repo.write("old.py", calls(1))
    assert run(capsys, "--update-baseline")[0] == 0
    repo.write("old.py", calls(1).replace("(cmd, shell", "(cmd,    shell"))
    assert run(capsys, "old.py")[0] == 0
    repo.write("old.py", calls(1).replace("(cmd,", "(cmd + 'x',"))
    assert run(capsys, "old.py")[0] == 1


def test_dot_slash_paths_match_the_same_baseline_entries(repo, capsys):
    repo.write("pkg/old.py", calls(1))
    assert run(capsys, "--update-baseline", "pkg/old.py")[0] == 0
    code, data = as_json(capsys, "./pkg/old.py")
    assert code == 0
    assert data["metrics"]["baselined"] == 2  # B602 and B404
    code, data = as_json(capsys, "pkg//old.py")
    assert code == 0


def test_repeats_are_counted_three_against_two_is_one_new(repo, capsys):
    repo.write("old.py", calls(2))
    assert run(capsys, "--update-baseline")[0] == 0
    entries = json.loads((repo.path / BASELINE).read_text())["findings"]
    assert [(e["test_id"], e["count"]) for e in entries] == [("B404", 1), ("B602", 2)]
    repo.write("old.py", calls(3))
    code, data = as_json(capsys, "old.py")
    assert code == 1
    assert found(data) == [("old.py", 7, "B602", "error")]
    assert data["metrics"]["baselined"] == 3
    repo.write("old.py", calls(1))
    code, data = as_json(capsys, "old.py")
    assert code == 0
    assert (
        "1 baseline entry no longer occurs; shrink the baseline with --update-baseline"
        in (data["notes"])
    )


def test_update_baseline_writes_a_stable_sorted_file(repo, capsys):
    repo.write("b.py", calls(2))
    repo.write("a.py", YAML + PASSWORD)
    assert run(capsys, "--update-baseline")[0] == 0
    path = repo.path / BASELINE
    first = path.read_bytes()
    doc = json.loads(first)
    assert list(doc) == ["about", "findings", "version"]
    keys = [(e["path"], e["test_id"]) for e in doc["findings"]]
    assert keys == sorted(keys)
    assert ("a.py", "B105") in keys
    assert "hunter2" not in first.decode()  # the flagged code is hashed, never copied
    assert first.endswith(b"}\n")
    repo.write("b.py", calls(2, before="\n# moved down\n"))
    assert run(capsys, "--update-baseline")[0] == 0
    assert path.read_bytes() == first
    assert [p.name for p in path.parent.iterdir()] == ["bandit-baseline.json"]


def test_update_baseline_of_some_files_keeps_the_entries_of_the_others(repo, capsys):
    repo.write("a.py", SHELL)
    repo.write("b.py", YAML)
    assert run(capsys, "--update-baseline")[0] == 0
    repo.write("a.py", SHELL_CLEAN)
    code, out, _ = run(capsys, "--update-baseline", "a.py")
    assert code == 0
    assert f"wrote {BASELINE}: 3 accepted findings" in out
    entries = json.loads((repo.path / BASELINE).read_text())["findings"]
    assert [(e["path"], e["test_id"]) for e in entries] == [
        ("a.py", "B404"),
        ("a.py", "B603"),  # a.py's B602 is gone: it no longer occurs
        ("b.py", "B506"),  # b.py was not scanned: its entry is kept
    ]


def test_update_baseline_of_a_tree_without_python_files(repo, capsys):
    repo.write(
        BASELINE,
        '{"version": 1, "findings": [{"path": "gone.py", "test_id": "B1", '
        '"fingerprint": "f", "count": 1}]}',
    )
    code, out, _ = run(capsys, "--update-baseline")
    assert code == 0
    assert "scanned the whole tree: 0 Python files" in out
    assert json.loads((repo.path / BASELINE).read_text())["findings"] == []


def test_a_baseline_elsewhere_or_none(repo, capsys):
    repo.write("pyproject.toml", '[tool.trunkgate.security]\nbaseline = "ci/bandit.json"\n')
    repo.write("old.py", SHELL)
    assert run(capsys, "--update-baseline")[0] == 0
    assert (repo.path / "ci" / "bandit.json").is_file()
    assert run(capsys, "old.py")[0] == 0
    assert run(capsys, "old.py", "--baseline", "")[0] == 1
    code, _, err = run(capsys, "--update-baseline", "--baseline", "")
    assert code == 2
    assert "--update-baseline: the policy key baseline is empty" in err


def test_a_broken_baseline_is_a_usage_error(repo, capsys):
    repo.write("app.py", SHELL_CLEAN)
    repo.write(BASELINE, "{not json")
    code, out, err = run(capsys, "app.py")
    assert code == 2
    assert out == ""
    assert err.startswith(f"trunkgate security: error: {BASELINE}: not a trunkgate security")


# --------------------------------------------------------------------------- which files


def test_changed_files_since_base_never_scan_what_did_not_change(repo, capsys):
    repo.commit("chore: start", {"old.py": SHELL, "README.md": "# x\n"})
    base = repo.head()
    repo.branch("feature/x")
    repo.commit("feat: add", {"pkg/new.py": SHELL, "pkg/ok.py": SHELL_CLEAN})
    code, data = as_json(capsys, "--base", "main")
    assert code == 1
    assert found(data) == [("pkg/new.py", 5, "B602", "error")]
    assert data["notes"][0] == f"scanned 2 changed Python files since {base[:10]} (main)"


def test_changed_files_in_a_pull_request(repo, capsys, github_env):
    repo.commit("chore: start", {"old.py": SHELL})
    base = repo.head()
    repo.branch("feature/x")
    head = repo.commit("feat: add", {"conf.py": YAML})
    github_env("pull_request", {"pull_request": {"base": {"sha": base}, "head": {"sha": head}}})
    code, out, _ = run(capsys, "--format", "github")
    assert code == 0
    assert "::warning file=conf.py,line=6,title=trunkgate security%3A B506::" in out


def test_whole_tree_with_several_bandit_processes(repo, capsys):
    files = {f"pkg/m{i:02}.py": SHELL_CLEAN for i in range(security.PARALLEL_MIN + 6)}
    files["pkg/m07.py"] = SHELL
    files["pkg/m21.py"] = YAML
    files["vendor/lib.py"] = SHELL
    files["notes.txt"] = "not python\n"
    repo.commit("chore: start", files)
    repo.write("pkg/untracked.py", SHELL)
    repo.write(".gitignore", "build/\n")
    repo.write("build/lib/gen.py", SHELL)
    code, data = as_json(capsys, "--all", "--exclude", "vendor")
    assert code == 1
    assert found(data) == [
        ("pkg/m07.py", 5, "B602", "error"),
        ("pkg/m21.py", 6, "B506", "warning"),
        ("pkg/untracked.py", 5, "B602", "error"),
    ]
    count = security.PARALLEL_MIN + 8
    assert data["notes"][0] == (
        f"scanned the whole tree (--all): {count} Python files (1 excluded by the policy)"
    )


def test_exclude_from_the_policy(repo, capsys):
    repo.write("pyproject.toml", '[tool.trunkgate.security]\nexclude = ["tests/*", "gen"]\n')
    repo.write("tests/test_a.py", SHELL)
    repo.write("gen/a.py", SHELL)
    code, data = as_json(capsys, "tests/test_a.py", "gen/a.py")
    assert code == 0
    assert data["notes"] == ["scanned 2 Python files given (2 excluded by the policy)"]


def test_nothing_to_check_passes_without_bandit(repo, capsys, monkeypatch):
    monkeypatch.setenv("PATH", "")
    code, out, _ = run(capsys, "README.md")
    assert code == 0
    assert "scanned 0 Python files given (1 other file skipped)" in out


# --------------------------------------------------------------------------- the tool


def test_a_bandit_crash_is_a_usage_error_with_its_stderr_tail(repo, capsys):
    repo.write("pyproject.toml", '[tool.bandit]\ntests = ["B999"]\n')
    repo.write("app.py", SHELL)
    code, out, err = run(capsys, "app.py")
    assert code == 2
    assert out == ""
    assert err.startswith("trunkgate security: error: bandit failed (exit status 2): ")
    assert err.count("\n") == 1  # the tail of bandit's stderr, on the one error line
    assert "No tests would be run" in err


def test_a_broken_pyproject_is_one_line_naming_it(repo, capsys):
    repo.write("pyproject.toml", "[tool.bandit\nskips = 1\n")
    repo.write("app.py", SHELL)
    code, _, err = run(capsys, "app.py")
    assert code == 2
    assert err.startswith("trunkgate security: error: pyproject.toml: invalid TOML: ")
    assert err.count("\n") == 1


# --------------------------------------------------------------------------- bandit's own scope


def test_tool_bandit_exclude_dirs_keep_tests_out_given_changed_or_whole(repo, capsys):
    repo.commit("chore: start", {"README": "x\n"})
    repo.branch("feature/x")
    repo.commit("feat: x", {"src/app.py": SHELL, "tests/test_app.py": SHELL})
    for args in (("--all",), ("--base", "main"), ("src/app.py", "tests/test_app.py")):
        code, data = as_json(capsys, *args)
        assert {f["file"] for f in data["findings"]} == {"src/app.py", "tests/test_app.py"}
    repo.write("pyproject.toml", '[tool.bandit]\nexclude_dirs = ["tests"]\n')
    for args in (("--all",), ("--base", "main"), ("src/app.py", "tests/test_app.py")):
        code, data = as_json(capsys, *args)
        assert (code, found(data)) == (1, [("src/app.py", 5, "B602", "error")]), args
        assert (
            "(1 outside the targets or excluded by [tool.bandit] in pyproject.toml)"
            in data["notes"][0]
        )


def test_dot_bandit_targets_and_exclude_apply_as_bandit_takes_them(repo, capsys):
    repo.write("src/app.py", SHELL)
    repo.write("src/vendor/lib.py", SHELL)
    repo.write("tests/test_app.py", SHELL)
    repo.write("tools/run.py", SHELL)
    repo.write(".bandit", "[bandit]\ntargets = src,tools\nexclude = ./src/vendor\n")
    code, data = as_json(capsys, "--all")
    assert code == 1
    assert [f[0] for f in found(data)] == ["src/app.py", "tools/run.py"]
    assert "(2 outside the targets or excluded by .bandit)" in data["notes"][0]
    code, data = as_json(capsys, "tests/test_app.py", "src/vendor/lib.py")
    assert (code, data["findings"]) == (0, [])


def test_bandit_settings_read_both_files(tmp_path):
    assert security.bandit_settings(str(tmp_path)) == ([], [], [])
    (tmp_path / "pyproject.toml").write_text(
        '[tool.bandit]\ntargets = ["pkg"]\nexclude_dirs = ["tests", "build"]\n'
    )
    (tmp_path / ".bandit").write_text("[bandit]\nexclude = docs, ./scripts\n")
    assert security.bandit_settings(str(tmp_path)) == (
        ["pkg"],
        ["tests", "build", "docs", "./scripts"],
        ["[tool.bandit] in pyproject.toml", ".bandit"],
    )
    (tmp_path / ".bandit").write_text("not ini\n")
    with pytest.raises(report.UsageError, match=r"^\.bandit: not an INI file with a \[bandit\]"):
        security.bandit_settings(str(tmp_path))


def test_whole_tree_scans_python_scripts_without_a_suffix(repo, capsys):
    repo.write("bin/deploy", "#!/usr/bin/env python3\n" + SHELL).chmod(0o755)
    repo.write("bin/notes", "#!/bin/sh\necho hi\n")
    code, data = as_json(capsys, "--all")
    assert code == 1
    assert [f[0] for f in found(data)] == ["bin/deploy"]
    code, data = as_json(capsys, "bin/deploy", "bin/notes")
    assert [f[0] for f in found(data)] == ["bin/deploy"]

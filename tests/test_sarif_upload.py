"""SARIF that GitHub code scanning takes, and a step summary that renders: checked on real
runs in real repositories, a monorepo package among them.

GitHub's upload rules beyond the SARIF schema, as its documentation gives them ("SARIF
support for code scanning"), are written out in `upload_problems`, which each test applies.
"""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import jsonschema
import pytest
from markdown_it import MarkdownIt

from tests.support import runner
from tests.support.cli import run_cli
from trunkgate import render
from trunkgate.report import ERROR, Finding, GateResult

SCHEMA = json.loads((Path(__file__).parent / "data" / "sarif-schema-2.1.0.json").read_text())
# GitHub's limits per upload: runs per file, results per run, rules per run, locations per
# result, tags per rule.
MAX_RUNS, MAX_RESULTS, MAX_RULES, MAX_LOCATIONS, MAX_TAGS = 20, 25_000, 25_000, 1_000, 20


def upload_problems(doc: dict) -> list[str]:
    """What GitHub's SARIF upload would refuse or mishandle in `doc` (empty: it takes it)."""
    problems = []
    if doc.get("version") != "2.1.0":
        problems.append("version is not 2.1.0")
    runs = doc.get("runs", [])
    if len(runs) > MAX_RUNS:
        problems.append(f"{len(runs)} runs")
    categories = [run.get("automationDetails", {}).get("id", "") for run in runs]
    if len(set(categories)) != len(categories):
        problems.append(f"two runs share a category: {categories}")
    for run in runs:
        driver = run["tool"]["driver"]
        name = driver.get("name")
        rules = driver.get("rules", [])
        if len(run.get("results", [])) > MAX_RESULTS or len(rules) > MAX_RULES:
            problems.append(f"{name}: too many results or rules")
        for rule in rules:
            for key in ("shortDescription", "fullDescription", "help"):
                if not rule.get(key, {}).get("text"):
                    problems.append(f"{name}: rule {rule['id']} has no {key}")
            if not str(rule.get("helpUri", "")).startswith("https://"):
                problems.append(f"{name}: rule {rule['id']} has no https helpUri")
            props = rule.get("properties", {})
            if len(props.get("tags", [])) > MAX_TAGS:
                problems.append(f"{name}: rule {rule['id']} has too many tags")
            if "security-severity" in props:
                score = float(props["security-severity"])  # a string holding a number
                if not 0.0 <= score <= 10.0:
                    problems.append(f"{name}: rule {rule['id']}: security-severity {score}")
        ids = [rule["id"] for rule in rules]
        for result in run.get("results", []):
            where = f"{name}: {result.get('ruleId')}"
            if not result.get("message", {}).get("text"):
                problems.append(f"{where}: no message")
            if "ruleIndex" in result and ids[result["ruleIndex"]] != result["ruleId"]:
                problems.append(f"{where}: ruleIndex does not match ruleId")
            locations = result.get("locations", [])
            if not 1 <= len(locations) <= MAX_LOCATIONS:
                problems.append(f"{where}: {len(locations)} locations, expected at least one")
            for location in locations:
                physical = location.get("physicalLocation", {})
                uri = physical.get("artifactLocation", {}).get("uri", "")
                if not uri or "://" in uri or uri.startswith(("/", "./")) or "\\" in uri:
                    problems.append(f"{where}: uri {uri!r} is not relative to the repository")
                if ".." in uri.split("/"):
                    problems.append(f"{where}: uri {uri!r} leaves the repository")
                if physical.get("region", {}).get("startLine", 1) < 1:
                    problems.append(f"{where}: startLine below 1")
            prints = result.get("partialFingerprints", {})
            if not prints or not all(isinstance(v, str) and v for v in prints.values()):
                problems.append(f"{where}: no partialFingerprints")
    return problems


def git(cwd: Path, *args: str) -> str:
    return subprocess.run(
        ["git", *args], cwd=cwd, check=True, capture_output=True, text=True
    ).stdout.strip()


@pytest.fixture
def monorepo(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A repository whose package pkg/a has its own policy, and a lint finding on a branch
    that breaks the naming rule (a finding with no file)."""
    top = tmp_path / "mono"
    package = top / "pkg" / "a"
    (package / "src").mkdir(parents=True)
    git(tmp_path, "init", "-q", "-b", "main", str(top))
    (package / "pyproject.toml").write_text(
        '[project]\nname = "a"\n\n[tool.trunkgate]\ntrunk = "main"\n\n'
        '[tool.trunkgate.branch]\npattern = "^(feature|fix)/[a-z0-9-]+$"\n'
    )
    (package / "src" / "mod.py").write_text("import os\n\n\ndef f():\n    return 1\n")
    (top / "README.md").write_text("mono\n")
    git(top, "add", "-A")
    git(top, "commit", "-qm", "chore: start")
    git(top, "switch", "-qc", "Bad_Branch")
    monkeypatch.chdir(package)
    return top


def _sarif(path: Path) -> dict:
    doc = json.loads(path.read_text())
    jsonschema.validate(doc, SCHEMA)
    assert upload_problems(doc) == []
    return doc


def test_a_monorepo_package_gets_repository_paths_and_its_own_category(
    monorepo: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "out.sarif"
    assert run_cli("run", ["--gates", "branch,lint", "--all", "--sarif", str(out)]) == 1
    doc = _sarif(out)
    runs = {run["automationDetails"]["id"]: run for run in doc["runs"]}
    assert set(runs) == {"trunkgate/branch/pkg/a/", "trunkgate/lint/pkg/a/"}
    lint = runs["trunkgate/lint/pkg/a/"]
    uris = {
        r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"] for r in lint["results"]
    }
    assert uris == {"pkg/a/src/mod.py"}
    f401 = next(r for r in lint["results"] if r["ruleId"] == "F401")
    assert f401["locations"][0]["physicalLocation"]["region"] == {"startLine": 1}
    rule = next(x for x in lint["tool"]["driver"]["rules"] if x["id"] == "F401")
    assert rule["helpUri"].startswith("https://docs.astral.sh/ruff/rules/")
    # The branch finding has no file: it points at the package policy's [branch] table.
    (branch,) = runs["trunkgate/branch/pkg/a/"]["results"]
    assert branch["locations"][0]["physicalLocation"] == {
        "artifactLocation": {"uri": "pkg/a/pyproject.toml"},
        "region": {"startLine": 7},
    }
    # Text output still speaks of the package's own paths.
    assert "src/mod.py:1: F401" in capsys.readouterr().out


def test_annotations_name_files_from_the_repository_root(
    monorepo: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert run_cli("lint", ["--all", "--format", "github"]) == 1
    commands = [runner.command(line) for line in runner.lines(capsys.readouterr().out)]
    files = {props.get("file") for command in commands if command for _, props, _ in [command]}
    assert files == {"pkg/a/src/mod.py"}


def test_fingerprints_survive_moved_lines_and_tell_repeats_apart(
    monorepo: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    source = monorepo / "pkg" / "a" / "src" / "mod.py"
    twice = "def f():\n    x = 1\n\n\ndef g():\n    x = 1\n"
    source.write_text(twice)

    def prints() -> list[str]:
        out = tmp_path / "out.sarif"
        run_cli("run", ["--gates", "lint", "--all", "--sarif", str(out)])
        (run,) = _sarif(out)["runs"]
        return sorted(
            r["partialFingerprints"]["trunkgate/v1"]
            for r in run["results"]
            if r["ruleId"] == "F841"
        )

    before = prints()
    assert len(before) == len(set(before)) == 2  # the same line twice: two alerts
    source.write_text(f'"""Moved down."""\n\n\n{twice}')
    assert prints() == before
    source.write_text(twice.replace("x = 1", "y = 2"))
    assert prints() != before  # other code flagged: another alert
    capsys.readouterr()


def test_the_upload_rules_catch_what_github_refuses() -> None:
    """The checker above is not a formality: each rule fails on the document it guards."""
    good = GateResult("branch", [Finding("branch-name", "bad name")])
    from trunkgate.render import sarif

    doc = json.loads(sarif.render([good], run=True))
    assert upload_problems(doc) == []
    result = doc["runs"][0]["results"][0]
    for broken, expected in [
        ({**result, "locations": []}, "expected at least one"),
        ({**result, "partialFingerprints": {}}, "no partialFingerprints"),
    ]:
        doc["runs"][0]["results"][0] = broken
        assert any(expected in p for p in upload_problems(doc))
    doc["runs"][0]["results"][0] = result
    location = result["locations"][0]["physicalLocation"]["artifactLocation"]
    for uri in ("/abs/x.py", "file:///x.py", "../x.py", ".\\x.py"):
        location["uri"] = uri
        assert upload_problems(doc), uri
    location["uri"] = "pyproject.toml"
    doc["runs"].append(doc["runs"][0])
    assert any("share a category" in p for p in upload_problems(doc))


def test_security_rules_carry_a_security_severity(tmp_path: Path, monkeypatch) -> None:
    monkeypatch.chdir(tmp_path)
    from trunkgate.render import sarif

    security = GateResult(
        "security",
        [
            Finding("B602", "shell=True", file="a.py", line=1, score=8.0, url="https://b.example/"),
            Finding("B602", "shell=True", file="a.py", line=4, score=5.0),
            Finding("B101", "assert", file="a.py", line=2, severity=ERROR),
        ],
    )
    audit = GateResult("audit", [Finding("PYSEC-1", "requests 2.0", score=9.8)])
    doc = json.loads(sarif.render([security, audit], run=True))
    jsonschema.validate(doc, SCHEMA)  # the tags of a rule are a set: "security" once
    assert upload_problems(doc) == []
    rules = {r["id"]: r for run in doc["runs"] for r in run["tool"]["driver"]["rules"]}
    assert rules["B602"]["properties"]["security-severity"] == "8.0"  # the worst of the rule
    assert rules["B602"]["helpUri"] == "https://b.example/"
    assert rules["B101"]["properties"]["security-severity"] == "7.0"  # an error, no score
    assert rules["PYSEC-1"]["properties"]["security-severity"] == "9.8"
    lint = json.loads(sarif.render([GateResult("lint", [Finding("F401", "x", file="a.py")])], True))
    assert "security-severity" not in lint["runs"][0]["tool"]["driver"]["rules"][0]["properties"]


# ------------------------------------------------------------------------- step summary


def _rendered(markdown_text: str) -> list:
    return MarkdownIt("commonmark").enable("table").parse(markdown_text)


def test_the_run_summary_renders_every_heading_table_and_section(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    summary = tmp_path / "summary.md"
    monkeypatch.setenv("GITHUB_STEP_SUMMARY", str(summary))
    lint = GateResult("lint", [Finding("F401", "unused", file="a.py", line=1)], fix="ruff --fix")
    lint.seconds = 0.5
    results = [
        lint,
        GateResult("branch"),
        GateResult.failed_to_run("audit", "no answer from http://127.0.0.1:9"),
        GateResult("coverage", notes=["total 95 %"]),
    ]
    # Three steps append to one summary, as a job's steps do.
    render.emit(results, "github", run=True)
    render.emit(results[0], "github")
    render.emit(results, "github", run=True)
    tokens = _rendered(summary.read_text())
    headings = [tokens[i + 1].content for i, t in enumerate(tokens) if t.type == "heading_open"]
    assert headings == [
        "trunkgate run: ⚠️ error",
        "trunkgate lint: ❌ failed",
        "trunkgate run: ⚠️ error",
    ]
    tables = [i for i, t in enumerate(tokens) if t.type == "table_open"]
    assert len(tables) == 2 + 1 + 2  # two verdict tables, lint's findings thrice
    rows = [t for t in tokens if t.type == "tr_open"]
    assert len(rows) == 2 * (1 + 4) + 3 * (1 + 1)
    html = "".join(t.content for t in tokens if t.type == "html_block")
    assert html.count("<details") == html.count("</details>") == 8
    assert html.count("<details open>") == 4  # lint and audit, twice: the others are folded
    cells = [tokens[i + 1].content for i, t in enumerate(tokens) if t.type == "td_open"]
    assert cells[:4] == ["lint", "❌ failed", "1", "0.50 s"]
    assert cells[8:12] == ["audit", "⚠️ error", "-", "-"]


def test_the_changelog_action_writes_two_distinct_sections(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (tmp_path / "CHANGELOG.md").write_text("# Changelog\n\n## [Unreleased]\n")
    monkeypatch.chdir(tmp_path)
    git(tmp_path, "init", "-q", "-b", "main")
    git(tmp_path, "add", "-A")
    git(tmp_path, "commit", "-qm", "chore: start")
    summary = tmp_path / "summary.md"
    monkeypatch.setenv("GITHUB_STEP_SUMMARY", str(summary))
    run_cli("changelog", ["--format", "github"])
    run_cli("changelog", ["--check-updated", "--base", "HEAD", "--format", "github"])
    tokens = _rendered(summary.read_text())
    headings = [tokens[i + 1].content for i, t in enumerate(tokens) if t.type == "heading_open"]
    assert [h.split(":")[0] for h in headings] == [
        "trunkgate changelog",
        "trunkgate changelog-updated",
    ]

"""Static checks of the actions and workflows: what zizmor and the schemas do not check.

No workflow expression inside a script; every third-party action pinned by SHA with its
version, and served by a stand-in in the end-to-end tests; least permissions; every action
documented (name, description, branding, inputs, outputs) and every input used, mapped to a
flag the engine really has, and listed in the README's reference; callers passing only
inputs their callee declares.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import yaml

from tests.support import runner
from tests.support.act import STUB_REFS
from trunkgate import flags, registry, report, schema
from trunkgate import run as run_module

ROOT = Path(__file__).resolve().parent.parent
ACTIONS = sorted((ROOT / "actions").glob("*/action.yml"))
REUSABLE = sorted((ROOT / ".github" / "workflows").glob("*.yml"))
STARTERS = sorted((ROOT / "workflows").glob("*.yml"))
EVERY_FILE = [*ACTIONS, *REUSABLE, *STARTERS]
SELF = "trunkgate/trunkgate/"
PINNED = re.compile(r"^(?P<action>[\w.-]+/[\w.-]+)(?P<path>/[\w./-]+)?@(?P<sha>[0-9a-f]{40})$")
VERSION_COMMENT = re.compile(r"#\s*v\d+(\.\d+){0,2}\b")
# The engine command each gate action runs (the first word after tg_start).
GATE_OF_ACTION = {
    "branch-name": "branch",
    "commits": "commits",
    "changelog": "changelog",
    "lint": "lint",
    "security": "security",
    "audit": "audit",
    "coverage": "coverage",
    "tests": "tests",
    "performance": "performance",
    "api": "api",
    "gates": "run",
    "version": "version",
}
COLORS = {"white", "black", "yellow", "blue", "green", "orange", "red", "purple", "gray-dark"}


def load(path: Path) -> dict[str, Any]:
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    assert isinstance(data, dict), path
    if True in data:  # YAML 1.1 reads the key `on` as True
        data["on"] = data.pop(True)
    return data


def rel(path: Path) -> str:
    return path.relative_to(ROOT).as_posix()


def steps_of(doc: dict[str, Any]) -> list[tuple[str, dict[str, Any]]]:
    """(where, step) for every step of an action or a workflow."""
    found = []
    for i, step in enumerate(doc.get("runs", {}).get("steps", []) or []):
        found.append((f"step {step.get('id', i)}", step))
    for job_id, job in (doc.get("jobs") or {}).items():
        for i, step in enumerate(job.get("steps", []) or []):
            found.append((f"job {job_id} step {step.get('id', i)}", step))
    return found


def uses_of(doc: dict[str, Any]) -> list[tuple[str, str]]:
    found = [(where, str(step["uses"])) for where, step in steps_of(doc) if "uses" in step]
    for job_id, job in (doc.get("jobs") or {}).items():
        if "uses" in job:
            found.append((f"job {job_id}", str(job["uses"])))
    return found


# The workflows that run the gates: they get nothing but `contents: read`.
GATE_WORKFLOWS = {"quality-gates.yml", "dependency-audit.yml", "ci.yml", "upload-sarif.yml"}


def test_there_is_something_to_check() -> None:
    assert {p.parent.name for p in ACTIONS} >= {"setup", *GATE_OF_ACTION}
    assert {p.name for p in REUSABLE} >= GATE_WORKFLOWS
    assert {p.name for p in STARTERS} >= {"quality-gates.yml", "dependency-audit.yml"}


# --------------------------------------------------------------------------- scripts


def expressions_in_scripts(doc: dict[str, Any]) -> list[str]:
    return [where for where, step in steps_of(doc) if "${{" in str(step.get("run", ""))]


@pytest.mark.parametrize("path", EVERY_FILE, ids=rel)
def test_no_expression_inside_a_script(path: Path) -> None:
    assert expressions_in_scripts(load(path)) == []


def test_the_expression_check_can_fail() -> None:
    doc = {"runs": {"steps": [{"id": "x", "run": 'echo "${{ inputs.title }}"'}]}}
    assert expressions_in_scripts(doc) == ["step x"]


@pytest.mark.parametrize("path", ACTIONS, ids=rel)
def test_composite_steps_declare_bash_and_strict_mode(path: Path) -> None:
    doc = load(path)
    assert doc["runs"]["using"] == "composite"
    for where, step in steps_of(doc):
        if "run" not in step:
            continue
        assert step.get("shell") == "bash", (where, step.get("shell"))
        script = str(step["run"])
        # Either a one-liner, a call of the action's own script, or the sourced gate
        # library, which sets `set -euo pipefail`.
        assert (
            "\n" not in script.strip()
            or 'source "${GITHUB_ACTION_PATH}/../setup/gate.sh"' in script
            or "set -euo pipefail" in script
        ), where
    for script in path.parent.glob("*.sh"):
        assert "set -euo pipefail" in script.read_text(encoding="utf-8"), script


# --------------------------------------------------------------------------- pins


def pin_problems(path_text: str, doc: dict[str, Any]) -> list[str]:
    """Every `uses:` that is neither local, nor trunkgate's own, nor SHA-pinned with a
    version comment and a stand-in for the end-to-end tests."""
    problems = []
    lines = path_text.splitlines()
    for where, uses in uses_of(doc):
        if uses.startswith(("./", SELF)):
            continue
        match = PINNED.match(uses)
        if not match:
            problems.append(f"{where}: {uses} is not pinned to a commit SHA")
            continue
        line = next((ln for ln in lines if uses in ln), "")
        if not VERSION_COMMENT.search(line):
            problems.append(f"{where}: {uses} has no # vX.Y.Z comment")
        repo_ref = f"{match['action']}@{match['sha']}"
        if repo_ref not in STUB_REFS:
            problems.append(f"{where}: {repo_ref} has no stand-in in tests/support/act.py")
    return problems


@pytest.mark.parametrize("path", EVERY_FILE, ids=rel)
def test_third_party_actions_are_pinned_by_sha_with_a_version(path: Path) -> None:
    assert pin_problems(path.read_text(encoding="utf-8"), load(path)) == []


def test_the_pin_check_can_fail() -> None:
    text = "steps:\n  - uses: actions/checkout@v5\n  - uses: actions/cache@" + "a" * 40 + "\n"
    problems = pin_problems(text, yaml.safe_load("runs:\n  steps:\n" + text[7:]))
    assert problems == [
        "step 0: actions/checkout@v5 is not pinned to a commit SHA",
        f"step 1: actions/cache@{'a' * 40} has no # vX.Y.Z comment",
        f"step 1: actions/cache@{'a' * 40} has no stand-in in tests/support/act.py",
    ]


def test_local_references_only_in_this_repository_ci() -> None:
    for path in [*ACTIONS, *REUSABLE, *STARTERS]:
        locals_ = [uses for _, uses in uses_of(load(path)) if uses.startswith("./")]
        if path.name == "ci.yml":
            continue
        # In a called workflow `./` is the caller's checkout; in an action, the workspace.
        assert locals_ == [], rel(path)


# --------------------------------------------------------------------------- permissions


def undocumented_grants(text: str) -> list[str]:
    """Permission lines (`scope: read|write`) without a comment that says why."""
    grant = re.compile(r"^\s+[a-z-]+: (read|write)\s*(#.*)?$")
    return [ln.strip() for ln in text.splitlines() if (m := grant.match(ln)) and not m[2]]


# The grants beyond `contents: read`, each where it is needed and nowhere else.
EXTRA_GRANTS = {
    ("quality-gates.yml", "gates"): {"pull-requests": "read"},  # live title and labels
    ("quality-gates.yml", "summary"): {"checks": "read"},  # the tests' verdict on a title edit
    ("quality-gates.yml", "review"): {"pull-requests": "read"},  # the commits' pull requests
    # A caller grants what the jobs of the workflow it calls ask for, all of them (GitHub
    # checks it before any job runs): the starter's job and this repository's CI.
    ("quality-gates.yml", "gates", "caller"): {"pull-requests": "read", "checks": "read"},
    ("monorepo.yml", "gates", "caller"): {"pull-requests": "read", "checks": "read"},
    ("ci.yml", "gates"): {"pull-requests": "read", "checks": "read"},
    ("upload-sarif.yml", "upload"): {"security-events": "write"},  # forks skipped
}
# The comment workflow: no checkout, and the only write is the comment.
COMMENT_GRANTS = {"actions": "read", "pull-requests": "write"}


@pytest.mark.parametrize("path", [*REUSABLE, *STARTERS], ids=rel)
def test_least_permissions_and_safe_triggers(path: Path) -> None:
    doc = load(path)
    text = path.read_text(encoding="utf-8")
    assert "pull_request_target" not in doc["on"]
    assert "secrets: inherit" not in text
    assert undocumented_grants(text) == []
    comment = path.name == "pr-comment.yml"
    if comment:
        # workflow_run runs with the base repository's token: nothing from the pull request
        # may run, so nothing is checked out.
        assert "actions/checkout" not in text
        assert "dangerous-triggers" in text or "workflow_run" not in doc["on"]
    else:
        assert "workflow_run" not in doc["on"]
    gates = path.name in GATE_WORKFLOWS or path in STARTERS
    if path in STARTERS:
        assert doc["permissions"] == ({} if comment else {"contents": "read"})
    else:
        assert doc["permissions"] == {}, "nothing at the top; each job grants its own"
    for job_id, job in doc["jobs"].items():
        assert "permissions" in job, job_id
        granted = dict(job["permissions"] or {})
        if comment:
            assert granted == COMMENT_GRANTS, job_id
        elif gates:
            # The gates read the code and post nothing: read access, but for the grants
            # listed above.
            key = (path.name, job_id, "caller") if path in STARTERS else (path.name, job_id)
            extra = EXTRA_GRANTS.get(key, {})
            assert {k: v for k, v in granted.items() if k != "contents"} == extra, job_id
            assert granted.get("contents", "read") == "read", job_id
        if "runs-on" in job:
            assert isinstance(job.get("timeout-minutes"), int), f"{job_id}: timeout-minutes"


def test_the_permission_comment_check_can_fail() -> None:
    text = "permissions:\n  contents: read # why\n  pull-requests: write\n"
    assert undocumented_grants(text) == ["pull-requests: write"]


@pytest.mark.parametrize("path", [*REUSABLE, *STARTERS, *ACTIONS], ids=rel)
def test_checkouts_keep_no_credentials_and_fetch_the_history(path: Path) -> None:
    lines = path.read_text(encoding="utf-8").splitlines()
    for where, step in steps_of(load(path)):
        if not str(step.get("uses", "")).startswith("actions/checkout@"):
            continue
        options = step.get("with") or {}
        if options.get("persist-credentials") is not False:
            # Only a job that pushes keeps them, and says so where it does.
            said = [ln for ln in lines if "persist-credentials: true" in ln and "#" in ln]
            assert options.get("persist-credentials") is True, where
            assert said, where
            assert path.name not in GATE_WORKFLOWS, where
        if path.name in ("quality-gates.yml", "ci.yml"):
            # branch age, commits, changelog and diff coverage all need the history.
            assert options.get("fetch-depth") == 0, where


def test_reusable_workflows_have_no_concurrency_of_their_own() -> None:
    """A called workflow's `github.workflow` is the caller's: a group there deadlocks."""
    for path in REUSABLE:
        doc = load(path)
        if "workflow_call" in doc["on"]:
            assert "concurrency" not in doc, rel(path)


# --------------------------------------------------------------------------- metadata


@pytest.mark.parametrize("path", ACTIONS, ids=rel)
def test_action_metadata_is_complete(path: Path) -> None:
    doc = load(path)
    assert str(doc["name"]).startswith("trunkgate ")
    assert len(str(doc["description"])) > 40
    assert doc["author"]
    assert re.fullmatch(r"[a-z0-9-]+", doc["branding"]["icon"])
    assert doc["branding"]["color"] in COLORS
    for name, spec in (doc.get("inputs") or {}).items():
        assert re.fullmatch(r"[a-z][a-z0-9-]*", name), name
        assert len(str(spec.get("description", ""))) > 20, name
        assert spec.get("required") is False, name
        assert isinstance(spec.get("default"), str), f"{name}: quote the default"
    for name, spec in (doc.get("outputs") or {}).items():
        assert spec.get("description"), name
        assert re.fullmatch(r"\$\{\{ steps\.[a-z_]+\.outputs\.[a-z-]+ \}\}", spec["value"]), name


@pytest.mark.parametrize("path", ACTIONS, ids=rel)
def test_every_input_reaches_a_step_and_every_variable_is_used(path: Path) -> None:
    doc = load(path)
    text = path.read_text(encoding="utf-8")
    for name in doc.get("inputs") or {}:
        assert f"inputs.{name} " in text or f"inputs.{name}}}" in text, f"unused input {name}"
    for where, step in steps_of(doc):
        script = str(step.get("run", ""))
        # The step's script, and the action's own scripts it runs or sources.
        code = script + "".join(
            helper.read_text(encoding="utf-8")
            for helper in (
                ROOT / "actions" / "setup" / "setup.sh",
                ROOT / "actions" / "setup" / "gate.sh",
            )
            if helper.name in script and helper.exists()
        )
        for var in step.get("env") or {}:
            if var.startswith("TRUNKGATE_"):
                assert var in code, f"{where}: {var} unused"
        for var in re.findall(r"TRUNKGATE_INPUT_[A-Z_]+", script):
            assert var in (step.get("env") or {}), f"{where}: {var} is never set"


def engine_flags(command: str) -> set[str]:
    """Every flag `trunkgate <command>` accepts: its own, the common ones, its policy keys."""
    if command == "run":
        args, common, table = run_module.ARGS, flags.RUN_COMMON, "run"
    else:
        gate = registry.BY_COMMAND[command]
        args, common, table = gate.load().ARGS, flags.COMMON, gate.table
    found = {a.flag for a in [*args, *common] if a.flag.startswith("--")}
    found |= {f"--{key}" for key in schema.keys_for(table)}
    bools = {f"--{k}" for k, spec in schema.keys_for(table).items() if spec[0] == schema.BOOL}
    return found | {f"--no-{b[2:]}" for b in bools}


def flags_used(script: str) -> set[str]:
    found = set(re.findall(r"tg_(?:opt|bool|flag) (--[a-z-]+)", script))
    found |= set(re.findall(r'"(--[a-z-]+)=\$\{', script))
    found |= set(re.findall(r"tg_start \w+ (--[a-z-]+)", script))
    return found


@pytest.mark.parametrize("name", sorted(GATE_OF_ACTION))
def test_action_inputs_map_to_flags_the_engine_has(name: str) -> None:
    doc = load(ROOT / "actions" / name / "action.yml")
    [gate_step] = [step for _, step in steps_of(doc) if step.get("id") == "gate"]
    script = str(gate_step["run"])
    command = GATE_OF_ACTION[name]
    assert re.search(rf"tg_start {command}\b", script)
    used = flags_used(script)
    assert used, "no flags found: the pattern is out of date"
    assert used <= engine_flags(command), used - engine_flags(command)


def test_the_flag_check_can_fail() -> None:
    assert "--changelog" not in engine_flags("changelog")  # renamed changelog-file
    assert flags_used('tg_opt --max-age "${X}"\ncommon+=("--changelog=${Y}")') == {
        "--max-age",
        "--changelog",
    }


def test_the_gates_workflow_has_few_jobs_and_its_outputs_are_theirs() -> None:
    """Gates (engine only), Tests and coverage, the opt-in review and performance jobs, and
    the Summary, which waits for every verdict job; every workflow output is a job's output."""
    doc = load(ROOT / ".github" / "workflows" / "quality-gates.yml")
    assert list(doc["jobs"]) == ["gates", "coverage", "review", "performance", "summary"]
    for optional in ("review", "performance"):  # off unless the caller asks
        assert doc["jobs"][optional]["if"].startswith(f"${{{{ inputs.{optional} && ")
        assert doc["on"]["workflow_call"]["inputs"][optional]["default"] is False
    summary = doc["jobs"]["summary"]
    assert summary["needs"] == ["gates", "coverage", "review", "performance"]
    assert summary["if"] == "${{ !cancelled() }}"
    [verdict] = [step for step in summary["steps"] if step.get("id") == "verdict"]
    env = verdict["env"]
    for job in summary["needs"]:
        assert env[f"{job.upper()}_RESULT"] == f"${{{{ needs.{job}.result }}}}"
    for name, spec in doc["on"]["workflow_call"]["outputs"].items():
        job = re.fullmatch(r"\$\{\{ jobs\.([a-z]+)\.outputs\.([a-z-]+) \}\}", spec["value"])
        assert job, name
        assert job[2] in doc["jobs"][job[1]]["outputs"], name


def test_the_root_action_is_the_gates_action() -> None:
    """The Marketplace's action.yml: actions/gates with its script paths from the root."""
    root = load(ROOT / "action.yml")
    gates = load(ROOT / "actions" / "gates" / "action.yml")
    assert root["branding"] == {"icon": "check-circle", "color": "green"}
    assert root["inputs"] == gates["inputs"]
    assert root["outputs"] == gates["outputs"]
    moved = json.dumps(gates["runs"]).replace(
        "${GITHUB_ACTION_PATH}/../setup/", "${GITHUB_ACTION_PATH}/actions/setup/"
    )
    assert json.dumps(root["runs"]) == moved, "copy actions/gates' steps into action.yml"


def test_actions_install_the_engine_by_the_script_beside_them() -> None:
    """No action calls another trunkgate action (by a tag or otherwise)."""
    for path in [ROOT / "action.yml", *ACTIONS]:
        text = path.read_text(encoding="utf-8")
        assert SELF not in "".join(u for _, u in uses_of(load(path))), rel(path)
        if path.parent.name != "setup":
            assert '/setup/setup.sh" all' in text, rel(path)


# --------------------------------------------------------------------------- callers


def declared_inputs(uses: str) -> set[str] | None:
    """The inputs of a trunkgate action or reusable workflow that `uses` names."""
    path = uses.split("@")[0]
    if path.startswith(SELF):
        path = path[len(SELF) :]
    elif path.startswith("./"):
        path = path[2:]
    else:
        return None
    target = ROOT / path
    if target.suffix == ".yml":
        return set((load(target)["on"]["workflow_call"] or {}).get("inputs") or {})
    return set(load(target / "action.yml").get("inputs") or {})


@pytest.mark.parametrize("path", EVERY_FILE, ids=rel)
def test_callers_pass_only_declared_inputs(path: Path) -> None:
    doc = load(path)
    calls = [(w, s) for w, s in steps_of(doc) if "uses" in s]
    calls += [(f"job {j}", job) for j, job in (doc.get("jobs") or {}).items() if "uses" in job]
    for where, step in calls:
        declared = declared_inputs(str(step["uses"]))
        if declared is None:
            continue
        assert set(step.get("with") or {}) <= declared, (where, set(step["with"]) - declared)


def test_starters_have_workflow_template_properties() -> None:
    for path in STARTERS:
        props = json.loads(path.with_suffix(".properties.json").read_text(encoding="utf-8"))
        assert set(props) == {"name", "description", "iconName", "categories", "filePatterns"}
        assert props["iconName"].startswith("octicon ")
        for pattern in props["filePatterns"]:
            re.compile(pattern)
        doc = load(path)
        assert set(doc["on"]) >= ({"pull_request", "push"} if "quality" in path.name else set())
        [job] = doc["jobs"].values()
        called = {"monorepo.yml": "quality-gates.yml", "monorepo-audit.yml": "dependency-audit.yml"}
        called_name = called.get(path.name, path.name)
        assert str(job["uses"]).startswith(f"{SELF}.github/workflows/{called_name}@")


def test_the_monorepo_starter_runs_the_gates_once_a_package() -> None:
    mono = load(ROOT / "workflows" / "monorepo.yml")
    gates = load(ROOT / "workflows" / "quality-gates.yml")
    assert mono["on"]["pull_request"] == gates["on"]["pull_request"]
    assert mono["concurrency"] == gates["concurrency"]
    [job] = mono["jobs"].values()
    assert job["strategy"]["fail-fast"] is False
    assert job["with"]["working-directory"] == "${{ matrix.package }}"
    assert "${{ matrix.package }}" in job["name"]  # one required check a package


def test_the_monorepo_audit_runs_the_audit_once_a_package() -> None:
    mono = load(ROOT / "workflows" / "monorepo-audit.yml")
    audit = load(ROOT / "workflows" / "dependency-audit.yml")
    assert mono["on"] == audit["on"]
    [job] = mono["jobs"].values()
    [single] = audit["jobs"].values()
    assert job["permissions"] == single["permissions"]
    assert job["strategy"]["fail-fast"] is False
    assert job["with"]["working-directory"] == "${{ matrix.package }}"
    assert "${{ matrix.package }}" in job["name"]
    # The two monorepo starters list their packages in the same words, so init edits both.
    gates = (ROOT / "workflows" / "monorepo.yml").read_text(encoding="utf-8")
    text = (ROOT / "workflows" / "monorepo-audit.yml").read_text(encoding="utf-8")
    [line] = [x for x in gates.splitlines() if "package: [" in x]
    assert line in text.splitlines()


def test_starter_triggers() -> None:
    gates = load(ROOT / "workflows" / "quality-gates.yml")
    assert gates["on"] == {
        "pull_request": {
            "types": ["opened", "synchronize", "reopened", "edited", "labeled", "unlabeled"]
        },
        "push": {"branches": ["main"], "tags": ["v*"]},
        "merge_group": None,
        "workflow_dispatch": None,
    }
    group = gates["concurrency"]["group"]
    assert group.startswith("${{ github.workflow }}-"), group
    assert (
        gates["concurrency"]["cancel-in-progress"] == "${{ github.event_name == 'pull_request' }}"
    )
    comment = load(ROOT / "workflows" / "pr-comment.yml")
    assert comment["on"] == {"workflow_run": {"workflows": [gates["name"]], "types": ["completed"]}}
    audit = load(ROOT / "workflows" / "dependency-audit.yml")
    assert set(audit["on"]) == {"schedule", "workflow_dispatch"}


# --------------------------------------------------------------------------- reference


def reference_text() -> str:
    """The README's reference section once merged; until then docs/reference.md."""
    heading = "## Actions and workflows reference"
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    if heading in readme:
        return readme[readme.index(heading) :]
    text = (ROOT / "docs" / "reference.md").read_text(encoding="utf-8")
    assert heading in text
    return text[text.index(heading) :]


def documented(text: str, title: str) -> tuple[set[str], set[str]]:
    """(inputs, outputs) named in the tables of the `### `title`` section."""
    start = text.index(f"### `{title}`")
    end = text.find("\n### ", start + 1)
    section = text[start : end if end != -1 else len(text)]
    inputs: set[str] = set()
    outputs: set[str] = set()
    table: set[str] | None = None
    for line in section.splitlines():
        if line.startswith("| input |"):
            table = inputs
        elif line.startswith("| output |"):
            table = outputs
        elif re.match(r"\| [a-z]+ \|", line):
            table = None  # another table's heading (secrets)
        elif line.startswith("| `") and table is not None:
            table.add(line.split("`")[1])
    return inputs, outputs


@pytest.mark.parametrize("path", ACTIONS, ids=rel)
def test_every_action_input_and_output_is_in_the_reference(path: Path) -> None:
    doc = load(path)
    inputs, outputs = documented(reference_text(), f"{SELF}actions/{path.parent.name}")
    assert inputs == set(doc.get("inputs") or {})
    assert outputs == set(doc.get("outputs") or {})


CALLED = [p.name for p in REUSABLE if "workflow_call" in load(p)["on"]]


@pytest.mark.parametrize("name", CALLED)
def test_every_workflow_input_and_output_is_in_the_reference(name: str) -> None:
    call = load(ROOT / ".github" / "workflows" / name)["on"]["workflow_call"] or {}
    inputs, outputs = documented(reference_text(), f"{SELF}.github/workflows/{name}")
    assert inputs == set(call.get("inputs") or {})
    assert outputs == set(call.get("outputs") or {})


def test_usage_error_annotation_is_what_the_actions_rely_on() -> None:
    """gate.sh turns exit code 2 into outputs; the engine's code for it must stay 2."""
    assert report.USAGE == 2
    assert (ROOT / "actions" / "setup" / "gate.sh").read_text().count("-ge 2 ]]") == 1


# --------------------------------------------------------------------------- the scripts


GATE_SH = ROOT / "actions" / "setup" / "gate.sh"
SETUP_SH = ROOT / "actions" / "setup" / "setup.sh"


def bash(script: str, tmp_path: Path, **env: str) -> subprocess.CompletedProcess[str]:
    """Run `script` with gate.sh sourced, as a gate action's step does."""
    base = {
        "PATH": os.environ.get("PATH", os.defpath),
        "GITHUB_OUTPUT": str(tmp_path / "output"),
        "GITHUB_STEP_SUMMARY": str(tmp_path / "summary"),
        "GITHUB_WORKSPACE": str(tmp_path),
        "RUNNER_TEMP": str(tmp_path),
    }
    return subprocess.run(
        ["bash", "-c", f'source "{GATE_SH}"\n{script}'],
        env={**base, **env},
        capture_output=True,
        text=True,
        check=False,
    )


def test_gate_sh_builds_flags_from_inputs(tmp_path: Path) -> None:
    proc = bash(
        'tg_start lint\ntg_opt --base ""\ntg_opt --base "-x y"\ntg_bool --strict true\n'
        'tg_bool --check-format false\ntg_bool --a ""\ntg_flag --all true\ntg_flag --b false\n'
        'printf "<%s>" "${tg_args[@]}"',
        tmp_path,
    )
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout == "<lint><--base=-x y><--strict><--no-check-format><--all>"


@pytest.mark.parametrize(
    ("script", "message"),
    [
        ('tg_bool --strict "yes"', 'input strict: expected true, false or empty, got "yes"'),
        ('tg_flag --all "1"', 'input all: expected true or false, got "1"'),
        ("TRUNKGATE_INPUT_WORKING_DIRECTORY=/etc tg_cd", "expected a path relative to"),
        ("TRUNKGATE_INPUT_WORKING_DIRECTORY=.. tg_cd", '".." leads outside the workspace'),
        ("TRUNKGATE_INPUT_WORKING_DIRECTORY=nope tg_cd", '"nope" is not a folder'),
        ("tg_start lint\ntg_run", "the setup step did not report the trunkgate command"),
        ("tg_bool --strict $'x\\n::error::y%'", '"x%0A::error::y%25"'),
    ],
)
def test_gate_sh_refuses_bad_inputs_with_one_annotation(
    tmp_path: Path, script: str, message: str
) -> None:
    proc = bash(script, tmp_path)
    assert proc.returncode == 2
    [line] = proc.stdout.splitlines()
    assert line.startswith("::error title=trunkgate::"), line
    assert message in line


@pytest.mark.parametrize(("code", "passed"), [(0, "true"), (1, "false"), (2, "false")])
def test_gate_sh_runs_the_engine_and_writes_its_outputs(
    tmp_path: Path, code: int, passed: str
) -> None:
    engine = tmp_path / "trunkgate"
    engine.write_text(
        "#!/bin/sh\n"
        'echo "args: $*"\n'
        # As the engine does: the heredoc form, names with TRUNKGATE_OUTPUT_PREFIX.
        f'p="$TRUNKGATE_OUTPUT_PREFIX"; [ {code} -ge 2 ] || printf '
        f'"%spassed<<D1\\n{passed}\\nD1\\n%sfindings<<D2\\n{code}\\nD2\\n" "$p" "$p" '
        '>> "$GITHUB_OUTPUT"\n'
        f"exit {code}\n",
        encoding="utf-8",
    )
    engine.chmod(0o755)
    (tmp_path / "pkg").mkdir()
    proc = bash(
        'tg_cd\ntg_start lint\ntg_opt --base "main"\ncode=0\ntg_run pre- || code=$?\n'
        'echo "code=$code pwd=$(pwd) value=$(tg_value passed)"',
        tmp_path,
        TRUNKGATE_BIN=str(engine),
        TRUNKGATE_INPUT_WORKING_DIRECTORY="pkg",
    )
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.splitlines() == [
        "args: lint --base=main --format github",
        f"code={code} pwd={(tmp_path / 'pkg').resolve()} value={passed}",
    ]
    output = (tmp_path / "output").read_text(encoding="utf-8")
    error = "true" if code == 2 else "false"
    findings = 0 if code == 2 else code
    assert runner.outputs(output) == {
        "pre-passed": passed,
        "pre-findings": str(findings),
        "pre-error": error,
    }
    summary = tmp_path / "summary"
    if code == 2:
        assert summary.read_text(encoding="utf-8").startswith("### trunkgate lint: ⚠️ error")
    else:
        assert not summary.exists()


def test_gate_sh_must_be_sourced() -> None:
    proc = subprocess.run(["bash", str(GATE_SH)], capture_output=True, text=True, check=False)
    assert proc.returncode == 2
    assert "sourced" in proc.stderr


@pytest.mark.parametrize(
    ("env", "message"),
    [
        ({"TRUNKGATE_INPUT_EXTRAS": "lint;rm"}, "input extras: expected a comma-separated list"),
        ({"TRUNKGATE_INPUT_CACHE": "yes"}, 'input cache: expected true or false, got "yes"'),
        ({"TRUNKGATE_INPUT_SOURCE": "/nonexistent"}, "does not hold the trunkgate sources"),
        ({"RUNNER_OS": "Windows"}, "Windows runners are not supported yet"),
        (
            {"TRUNKGATE_INPUT_INSTALLER": "conda"},
            'input installer: expected auto, uv or pip, got "conda"',
        ),
    ],
)
def test_setup_sh_checks_its_inputs(tmp_path: Path, env: dict[str, str], message: str) -> None:
    proc = subprocess.run(
        ["bash", str(SETUP_SH), "detect"],
        env={
            "PATH": os.environ.get("PATH", os.defpath),
            "GITHUB_OUTPUT": str(tmp_path / "output"),
            "GITHUB_ACTION_PATH": str(SETUP_SH.parent),
            "TRUNKGATE_INPUT_EXTRAS": "lint",
            "TRUNKGATE_INPUT_CACHE": "true",
            "TRUNKGATE_INPUT_SOURCE": "",
            "TRUNKGATE_INPUT_PYTHON_VERSION": "",
            **env,
        },
        capture_output=True,
        text=True,
        check=False,
    )
    assert proc.returncode == 1
    assert proc.stdout.startswith("::error title=trunkgate setup::"), proc.stdout
    assert message in proc.stdout


def test_setup_sh_finds_the_engine_and_a_python(tmp_path: Path) -> None:
    proc = subprocess.run(
        ["bash", str(SETUP_SH), "detect"],
        env={
            "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ.get('PATH', '')}",
            "GITHUB_OUTPUT": str(tmp_path / "output"),
            "GITHUB_ACTION_PATH": str(SETUP_SH.parent),
            "TRUNKGATE_INPUT_EXTRAS": "lint",
            "TRUNKGATE_INPUT_CACHE": "true",
            "TRUNKGATE_INPUT_SOURCE": "",
            "TRUNKGATE_INPUT_PYTHON_VERSION": "",
        },
        capture_output=True,
        text=True,
        check=False,
    )
    assert proc.returncode == 0, proc.stdout + proc.stderr
    outputs = dict(line.split("=", 1) for line in (tmp_path / "output").read_text().splitlines())
    assert outputs["source"] == str(ROOT.resolve())
    assert outputs["need-python"] == "false"
    assert Path(outputs["python"]).is_file()

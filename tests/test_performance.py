"""The performance gate: the real pytest-benchmark's JSON, from real benchmark runs in
temporary projects, and results written in its format (and asv's) to pin the noise rule."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from tests.support.runner import outputs
from trunkgate import benchmarks, report

PYTHON = sys.executable

# Quick, steady benchmarks: few rounds, and the slow twin 50 times slower.
FAST = "def work():\n    return sum(range(200))\n"
SLOW = "def work():\n    return sum(range(10_000))\n"
BENCH = "from app import work\n\n\ndef test_work(benchmark):\n    benchmark(work)\n"
PYPROJECT = """\
[tool.pytest.ini_options]
pythonpath = ["."]

[tool.trunkgate.performance]
command = "pytest -q -p no:cacheprovider --benchmark-only --benchmark-max-time=0.05"
"""


@pytest.fixture
def project(repo, venv_pytest):
    """A project with one benchmark, the venv's pytest first on PATH."""
    repo.commit(
        "chore: start",
        {"app.py": FAST, "tests/test_bench.py": BENCH, "pyproject.toml": PYPROJECT},
    )
    return repo


def benchmark_run(folder: Path, out: str) -> Path:
    """pytest-benchmark's JSON of the project as it is now."""
    subprocess.run(
        [
            *(PYTHON, "-m", "pytest", "-q", "-p", "no:cacheprovider", "--benchmark-only"),
            *("--benchmark-max-time=0.05", f"--benchmark-json={out}"),
        ],
        cwd=folder,
        check=True,
        capture_output=True,
    )
    return folder / out


def results(entries: dict[str, tuple[float, float, float]]) -> dict:
    """A results document in pytest-benchmark's JSON format: {name: (median, q1, q3)}."""
    items = []
    for name, (median, q1, q3) in entries.items():
        stats = {"min": q1 / 2, "max": q3 * 2, "mean": median, "median": median}
        stats.update(q1=q1, q3=q3, iqr=q3 - q1, rounds=100, iterations=1)
        short = name.rpartition("::")[2]
        items.append({"group": None, "name": short, "fullname": name, "stats": stats})
    return {"machine_info": {}, "commit_info": {}, "benchmarks": items, "version": "5.3.1"}


def write(path: Path, doc: object) -> str:
    path.write_text(json.dumps(doc), encoding="utf-8")
    return path.name


def run_json(gate_cli, *argv: str) -> tuple[int, dict]:
    code, out, err = gate_cli("performance", *argv, "--format", "json")
    assert code != 2, err
    return code, json.loads(out)


# --------------------------------------------------------------------------- real runs


def test_a_slower_head_fails_with_the_benchmark_named(project, gate_cli) -> None:
    base = benchmark_run(project.path, "base.json")
    project.commit("perf: slower", {"app.py": SLOW})
    code, doc = run_json(gate_cli, "--baseline", base.name)  # runs the head's benchmarks
    assert code == 1
    [finding] = doc["findings"]
    assert finding["rule"] == "slower"
    assert finding["file"] == "tests/test_bench.py"
    assert finding["message"].startswith("tests/test_bench.py::test_work: median ")
    assert doc["notes"][0].startswith("ran the benchmarks: `pytest -q")
    assert doc["metrics"] == {"compared": 1, "slower": 1, "faster": 0}


def test_a_faster_head_passes_with_a_note(project, gate_cli) -> None:
    project.commit("perf: slow start", {"app.py": SLOW})
    base = benchmark_run(project.path, "base.json")
    project.commit("perf: faster", {"app.py": FAST})
    head = benchmark_run(project.path, "head.json")
    code, doc = run_json(gate_cli, "--baseline", base.name, head.name)
    assert code == 0
    assert [(f["rule"], f["severity"]) for f in doc["findings"]] == [("faster", "note")]


def test_github_format_annotates_the_benchmark_file(project, gate_cli, github_env) -> None:
    base = write(project.path / "base.json", results({"tests/b.py::test_x": (1.0, 0.9, 1.1)}))
    head = write(project.path / "head.json", results({"tests/b.py::test_x": (2.0, 1.9, 2.1)}))
    summary, output = github_env("push", {"before": "0" * 40, "after": project.head()})
    code, out, _ = gate_cli("performance", "--baseline", base, head, "--format", "github")
    assert code == 1
    assert "::error file=tests/b.py,title=trunkgate performance%3A slower::" in out
    assert outputs(output.read_text())["slower"] == "1"
    assert "| slower |" in summary.read_text()


def test_run_reports_performance_in_sarif_when_enabled(project, gate_cli, tmp_path) -> None:
    project.write(
        "pyproject.toml", PYPROJECT + 'baseline = "base.json"\n'
    )  # the gate reads the baseline from the policy, and runs the head itself
    benchmark_run(project.path, "base.json")
    project.commit("perf: slower", {"app.py": SLOW})
    code, out, _ = gate_cli("run", "--gates", "performance", "--format", "sarif")
    assert code == 1
    [run] = json.loads(out)["runs"]
    assert run["tool"]["driver"]["name"] == "trunkgate performance (pytest-benchmark)"
    [result] = run["results"]
    assert result["ruleId"] == "slower"
    location = result["locations"][0]["physicalLocation"]["artifactLocation"]["uri"]
    assert location == "tests/test_bench.py"


def test_a_real_runs_rounds_are_skipped_and_its_errors_keep_their_lines(project) -> None:
    """pytest-benchmark keeps every round's time under "data": the reader skips those
    arrays, reads the same figures, and tells a corrupt file's line as the file has it."""
    real = benchmark_run(project.path, "base.json").read_bytes()
    doc = json.loads(real)
    assert len(doc["benchmarks"][0]["stats"]["data"]) > 1
    [(name, timing)] = benchmarks.parse(real, "base.json").items()
    stats = doc["benchmarks"][0]["stats"]
    assert (name, timing.median, timing.q1, timing.q3) == (
        "tests/test_bench.py::test_work",
        stats["median"],
        stats["q1"],
        stats["q3"],
    )
    cut = real[: real.rindex(b"]")]  # past the last rounds' array
    try:
        json.loads(cut)
    except ValueError as exc:
        expected = str(exc)
    with pytest.raises(report.UsageError) as caught:
        benchmarks.parse(cut, "base.json")
    assert f"base.json: not JSON ({expected})" in str(caught.value)


# --------------------------------------------------------------------------- the rule


@pytest.mark.parametrize(
    ("head", "verdict"),
    [
        ((1.5, 1.4, 1.6), benchmarks.SLOWER),  # +50 %, the ranges apart
        ((1.5, 0.95, 1.6), benchmarks.NOISE),  # +50 %, but the ranges overlap
        ((1.05, 1.04, 1.06), benchmarks.SAME),  # +5 %: under the threshold, ranges apart
        ((0.5, 0.4, 0.6), benchmarks.FASTER),
        ((0.5, 0.4, 0.95), benchmarks.NOISE),
        ((1.0, 0.9, 1.1), benchmarks.SAME),
    ],
)
def test_a_benchmark_counts_only_beyond_the_threshold_and_the_spread(head, verdict) -> None:
    base = benchmarks.Timing(1.0, 0.9, 1.1)
    assert benchmarks.Moved("b", base, benchmarks.Timing(*head), 10.0).verdict == verdict


def test_noise_passes_and_is_counted(project, gate_cli) -> None:
    base = write(project.path / "base.json", results({"t::a": (1.0, 0.8, 1.3), "t::b": (1, 1, 1)}))
    head = write(project.path / "head.json", results({"t::a": (1.4, 1.2, 1.6), "t::b": (1, 1, 1)}))
    code, doc = run_json(gate_cli, "--baseline", base, head)
    assert code == 0
    assert doc["findings"] == []
    assert doc["notes"][0] == (
        "compared 2 benchmarks: 0 slower, 0 faster, 1 unchanged, 1 moved within the noise "
        "(threshold 10%, and interquartile ranges apart)"
    )


def test_the_threshold_is_the_policys(project, gate_cli) -> None:
    base = write(project.path / "base.json", results({"t::a": (1.0, 0.99, 1.01)}))
    head = write(project.path / "head.json", results({"t::a": (1.2, 1.19, 1.21)}))
    assert run_json(gate_cli, "--baseline", base, head)[0] == 1
    assert run_json(gate_cli, "--baseline", base, head, "--threshold", "25")[0] == 0
    project.write("pyproject.toml", "[tool.trunkgate.performance]\nthreshold = 25\n")
    assert run_json(gate_cli, "--baseline", base, head)[0] == 0


def test_new_and_vanished_benchmarks_are_listed(project, gate_cli) -> None:
    base = write(project.path / "base.json", results({"t::old": (1, 1, 1), "t::kept": (1, 1, 1)}))
    head = write(project.path / "head.json", results({"t::new": (1, 1, 1), "t::kept": (1, 1, 1)}))
    code, doc = run_json(gate_cli, "--baseline", base, head)
    assert code == 0
    assert "new in the head, not compared: t::new" in doc["notes"]
    assert "in the baseline but not run: t::old" in doc["notes"]


def test_the_slowest_comes_first_and_the_message_has_both_runs(project, gate_cli) -> None:
    base = write(
        project.path / "base.json", results({"t::a": (1e-3, 9e-4, 1.1e-3), "t::b": (1, 1, 1)})
    )
    head = write(
        project.path / "head.json", results({"t::a": (1.5e-3, 1.4e-3, 1.6e-3), "t::b": (3, 3, 3)})
    )
    code, doc = run_json(gate_cli, "--baseline", base, head)
    assert code == 1
    assert [f["message"] for f in doc["findings"]] == [
        "t::b: median 1 s -> 3 s (+200.0%); interquartile ranges 1 s-1 s and 3 s-3 s",
        "t::a: median 1 ms -> 1.5 ms (+50.0%); interquartile ranges 900 us-1.1 ms and "
        "1.4 ms-1.6 ms",
    ]


def test_asv_results_are_read(tmp_path: Path) -> None:
    """asv's results format (version 2): a row of columns per benchmark, a result per
    combination of its parameters; a null result (failed, skipped) is left out."""
    columns = ["result", "params", "version", "stats_q_25", "stats_q_75"]
    doc = {
        "version": 2,
        "result_columns": columns,
        "results": {
            "bench.time_sort": [[0.5, 0.7], [["10", "100"]], "abc", [0.4, 0.6], [0.6, 0.8]],
            "bench.time_one": [[2.0], [], "def", [1.5], [2.5]],
            "bench.time_broken": [[None], [], "x", [None], [None]],
            "bench.time_failed": [None, [["1", "2"]], "y", None, None],
            "bench.time_skipped": [[float("nan")], [], "z", [None], [None]],
        },
    }
    found = benchmarks.parse(json.dumps(doc).encode(), "r.json")
    assert {k: (v.median, v.q1, v.q3) for k, v in found.items()} == {
        "bench.time_sort(10)": (0.5, 0.4, 0.6),
        "bench.time_sort(100)": (0.7, 0.6, 0.8),
        "bench.time_one": (2.0, 1.5, 2.5),
    }


# --------------------------------------------------------------------------- bad input


def one_error(gate_cli, *argv: str) -> str:
    code, out, err = gate_cli("performance", *argv)
    lines = err.strip().splitlines()
    assert code == 2, (out, err)
    assert len(lines) == 1, err
    assert "Traceback" not in err + out
    return lines[0]


GOOD = results({"t::a": (1.0, 0.9, 1.1)})


@pytest.mark.parametrize(
    ("text", "error"),
    [
        ("{", "base.json: not JSON (Expecting property name"),
        ("[1, 2]", "base.json: no benchmarks in it"),
        ('{"benchmarks": [1]}', "base.json: benchmarks[0] is not an object"),
        ('{"benchmarks": [{"fullname": "t::a"}]}', "benchmarks[0] has no fullname and stats"),
        (
            '{"benchmarks": [{"fullname": "t::a", "stats": {"median": NaN, "q1": 1, "q3": 1}}]}',
            "base.json: benchmark 't::a': median is not a time, expected a number >= 0, not nan",
        ),
        (
            '{"benchmarks": [{"fullname": "t::a", "stats": {"median": 1, "q1": 2, "q3": 3}}]}',
            "benchmark 't::a': quartiles out of order, expected q1 <= median <= q3",
        ),
        (json.dumps({"results": {}, "version": 2}), "an asv results file without result_columns"),
        ("[" * 100_000, "base.json: nested too deeply to read"),
    ],
    ids=["truncated", "a-list", "not-object", "no-stats", "nan", "order", "asv", "deep"],
)
def test_corrupt_benchmark_json_is_one_line_and_exit_2(project, gate_cli, text, error) -> None:
    (project.path / "base.json").write_text(text, encoding="utf-8")
    head = write(project.path / "head.json", GOOD)
    assert error in one_error(gate_cli, "--baseline", "base.json", head)


def test_a_corrupt_head_is_named_too(project, gate_cli) -> None:
    base = write(project.path / "base.json", GOOD)
    (project.path / "head.json").write_bytes(b"\x00garbage")
    assert "head.json: not JSON" in one_error(gate_cli, "--baseline", base, "head.json")


def test_no_baseline_is_exit_2_with_how_to_make_one(project, gate_cli) -> None:
    assert "no baseline: pass --baseline BASE.json" in one_error(gate_cli)
    line = one_error(gate_cli, "--baseline", "missing.json")
    assert "missing.json: no such file" in line


def test_a_missing_plugin_says_how_to_install_it(project, gate_cli) -> None:
    base = write(project.path / "base.json", GOOD)
    line = one_error(
        gate_cli, "--baseline", base, "--command", "pytest -p no:benchmark --benchmark-only"
    )
    assert "pytest-benchmark is not installed where `pytest -p no:benchmark" in line
    assert "pip install 'trunkgate[performance]'" in line


def test_a_missing_benchmark_command_is_exit_2(project, gate_cli) -> None:
    base = write(project.path / "base.json", GOOD)
    line = one_error(gate_cli, "--baseline", base, "--command", "no-such-bench-xyz")
    assert "no-such-bench-xyz is not installed" in line

"""`trunkgate.policies` declares each table of the schema for the type checker: the same keys,
each typed by its kind. A key added to the schema, or an attribute typed wrong, fails here."""

from __future__ import annotations

import datetime
import typing
from pathlib import Path

import pytest

from trunkgate import config, policies, schema

# What each kind of key is to the type checker.
PYTHON_TYPE: dict[str, object] = {
    schema.STR: str,
    schema.INT: int,
    schema.NUMBER: float,
    schema.BOOL: bool,
    schema.LIST: list[str],
    schema.REGEX: str,
    schema.DATE: datetime.date | None,
    schema.CHOICE: str,
    schema.TABLES: list[dict[str, object]],
}
# What every Policy has besides its keys (and `path()`).
NOT_KEYS: dict[str, object] = {"root": str, "source": str | None}


def _hints(protocol: type) -> dict[str, object]:
    # The module imports datetime for the checker only.
    return typing.get_type_hints(protocol, localns={"datetime": datetime})


def problems(table: str, protocol: type) -> list[str]:
    """How `protocol` differs from the table's keys in the schema (none when it matches)."""
    expected = dict(NOT_KEYS)
    for key, spec in schema.keys_for(table).items():
        expected[key.replace("-", "_")] = PYTHON_TYPE[spec[0]]
    declared = _hints(protocol)
    out = [f"{table}: {name} is not declared" for name in expected if name not in declared]
    out += [
        f"{table}: {name} is not a key of the schema" for name in declared if name not in expected
    ]
    out += [
        f"{table}: {name} is {declared[name]}, expected {want}"
        for name, want in expected.items()
        if name in declared and declared[name] != want
    ]
    if not callable(getattr(protocol, "path", None)):
        out.append(f"{table}: path() is not declared")
    return out


def test_every_table_has_its_protocol() -> None:
    assert set(policies.BY_TABLE) == set(schema.GATES)


@pytest.mark.parametrize("table", sorted(policies.BY_TABLE))
def test_a_protocol_matches_its_table(table: str) -> None:
    assert problems(table, policies.BY_TABLE[table]) == []


def test_every_kind_has_a_python_type() -> None:
    kinds = {spec[0] for spec in schema.SHARED.values()}
    kinds |= {spec[0] for keys in schema.GATES.values() for spec in keys.values()}
    assert kinds <= set(PYTHON_TYPE)


def test_a_key_added_to_the_schema_fails(monkeypatch: pytest.MonkeyPatch) -> None:
    gates = {table: dict(keys) for table, keys in schema.GATES.items()}
    gates["commits"]["max-body-length"] = (schema.INT, 0, "a new key")
    monkeypatch.setattr(schema, "GATES", gates)
    assert problems("commits", policies.CommitsPolicy) == [
        "commits: max_body_length is not declared"
    ]
    shared = {**schema.SHARED, "release-branch": (schema.STR, "", "a new shared key")}
    monkeypatch.setattr(schema, "SHARED", shared)
    assert "lint: release_branch is not declared" in problems("lint", policies.LintPolicy)


def test_a_key_removed_from_the_schema_fails(monkeypatch: pytest.MonkeyPatch) -> None:
    gates = {table: dict(keys) for table, keys in schema.GATES.items()}
    del gates["branch"]["max-behind"]
    monkeypatch.setattr(schema, "GATES", gates)
    assert problems("branch", policies.BranchPolicy) == [
        "branch: max_behind is not a key of the schema"
    ]


def test_a_kind_changed_in_the_schema_fails(monkeypatch: pytest.MonkeyPatch) -> None:
    gates = {table: dict(keys) for table, keys in schema.GATES.items()}
    gates["coverage"]["diff-min-lines"] = (schema.NUMBER, 5, "now a number")
    monkeypatch.setattr(schema, "GATES", gates)
    assert problems("coverage", policies.CoveragePolicy) == [
        "coverage: diff_min_lines is <class 'int'>, expected <class 'float'>"
    ]


def test_a_mistyped_attribute_fails() -> None:
    class Mistyped(policies.CommitsPolicy):
        max_subject_length: str
        start_after: datetime.date  # not a key of the commits table

    assert problems("commits", Mistyped) == [
        "commits: start_after is not a key of the schema",
        "commits: max_subject_length is <class 'str'>, expected <class 'int'>",
    ]

    class Required(policies.BranchPolicy):
        start_after: datetime.date  # a DATE key may be unset: None

    assert problems("branch", Required) == [
        f"branch: start_after is {datetime.date}, expected {datetime.date | None}"
    ]


def test_a_missing_path_fails() -> None:
    pathless = type("Pathless", (), {"__annotations__": _hints(policies.LintPolicy)})

    assert problems("lint", pathless) == ["lint: path() is not declared"]


def test_a_resolved_policy_has_every_attribute_of_its_protocol(tmp_path: Path) -> None:
    (tmp_path / ".git").mkdir()
    policy = config.resolve("commits", start=str(tmp_path))
    assert isinstance(policy.root, str)
    assert policy.source is None or isinstance(policy.source, str)
    assert policy.path("x").endswith("x")
    for name in _hints(policies.CommitsPolicy):
        getattr(policy, name)

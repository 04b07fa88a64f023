"""The README's generated reference is what the schema and the YAML files render to."""

from __future__ import annotations

import copy

import pytest

from tests.support import reference
from trunkgate import schema

README = reference.README.read_text(encoding="utf-8")
RENDERED = reference.render()


@pytest.mark.parametrize("name", reference.SECTIONS)
def test_the_readme_section_is_generated(name: str) -> None:
    assert reference.between(README, name) == reference.wrap(RENDERED[name]), (
        f"README.md's {name} has drifted from its sources: run make docs"
    )


def test_every_marker_pair_is_there_exactly_once() -> None:
    assert set(RENDERED) == set(reference.SECTIONS)
    for name in reference.SECTIONS:
        begin, end = reference.markers(name)
        assert README.count(begin) == 1, begin
        assert README.count(end) == 1, end
        assert README.index(begin) < README.index(end), name


def test_a_missing_or_repeated_marker_is_refused() -> None:
    begin, end = reference.markers("policy-reference")
    with pytest.raises(reference.MarkerError, match="appears 0 times"):
        reference.between(README.replace(begin, ""), "policy-reference")
    with pytest.raises(reference.MarkerError, match="appears 2 times"):
        reference.between(README + "\n" + end + "\n", "policy-reference")
    with pytest.raises(reference.MarkerError, match="comes before"):
        reference.between(f"{end}\nx\n{begin}\n", "policy-reference")


def test_a_new_policy_key_is_drift() -> None:
    gates = copy.deepcopy(schema.GATES)
    gates["commits"]["max-body-length"] = (schema.INT, 0, "longest body line (0: off)")
    rendered = {"policy-reference": reference.render_policy(schema.SHARED, gates, schema.KEY_WORDS)}
    assert reference.drift(README, rendered) == ["policy-reference"]
    updated = reference.update(README, rendered)
    assert "| `max-body-length` | integer | `0` | longest body line (0: off) |" in updated
    assert reference.drift(updated, rendered) == []


def test_a_new_action_input_or_output_is_drift() -> None:
    actions = reference.load_actions(reference.ROOT)
    for change in ("inputs", "outputs"):
        changed = copy.deepcopy(actions)
        changed["lint"][change]["extra"] = {"description": "One more.", "default": ""}
        rendered = {"actions-reference": reference.render_actions(changed)}
        assert reference.drift(README, rendered) == ["actions-reference"], change


def test_a_changed_workflow_default_is_drift() -> None:
    workflows = reference.load_workflows(reference.ROOT)
    key = next(k for k in workflows["release.yml"] if k in ("on", True))
    workflows["release.yml"][key]["workflow_call"]["inputs"]["environment"]["default"] = "prod"
    rendered = {"workflows-reference": reference.render_workflows(workflows)}
    assert reference.drift(README, rendered) == ["workflows-reference"]


def test_regenerating_an_up_to_date_readme_changes_nothing() -> None:
    assert reference.update(README, RENDERED) == README


def test_table_cells_escape_pipes_and_line_breaks() -> None:
    assert reference.cell("a | b\nc\n\nd") == "a \\| b c<br><br>d"
    assert reference.code("x|y") == "`x\\|y`"
    assert reference.code("a `b` c") == "``a `b` c``"


def test_prose_that_markdown_would_take_for_markup_is_escaped() -> None:
    assert reference.cell("a .py file (__version__) or <tag>") == (
        "a .py file (\\_\\_version\\_\\_) or \\<tag>"
    )
    assert reference.cell("GITHUB_TOKEN, `a_<b>*_`, x*.txt") == "GITHUB_TOKEN, `a_<b>*_`, x\\*.txt"
    spec = (schema.CHOICE, "a", "one\ntwo | three", ("a", "b"))
    rows = reference.policy_table({"k": spec}, schema.KEY_WORDS).splitlines()
    assert rows[2] == '| `k` | a \\| b | `"a"` | one two \\| three |'


def test_defaults_and_kinds_are_written_as_in_the_policy_file() -> None:
    assert reference.toml_value(None) == "(none)"
    assert reference.toml_value(True) == "true"
    assert reference.toml_value(["a", 'b"']) == '["a", "b\\""]'
    assert reference.toml_value(90) == "90"
    assert reference.key_type((schema.TABLES, [], "", {"id": "str"}), {}) == "list of tables (id)"
    assert reference.key_type(("colour", "", ""), {"colour": "a colour"}) == "colour"
    assert reference.default_cell({"required": True}) == "(required)"
    assert reference.default_cell({"default": False}) == "`false`"
    assert reference.default_cell({}) == "(empty)"


def test_only_reusable_workflows_are_documented() -> None:
    assert reference.workflow_call({True: {"workflow_call": None}}) == {}
    assert reference.workflow_call({"on": ["push", "workflow_call"]}) == {}
    assert reference.workflow_call({"on": "workflow_call"}) == {}
    assert reference.workflow_call({True: {"push": None}}) is None
    assert "ci.yml" not in RENDERED["workflows-reference"]
    assert "quality-gates.yml" in RENDERED["workflows-reference"]


def test_main_writes_only_when_a_section_changed(tmp_path, monkeypatch, capsys) -> None:
    readme = tmp_path / "README.md"
    readme.write_text(README, encoding="utf-8")
    monkeypatch.setattr(reference, "README", readme)
    assert reference.main([]) == 0
    assert "up to date" in capsys.readouterr().out
    stale = reference.replace(README, "actions-reference", "stale")
    readme.write_text(stale, encoding="utf-8")
    assert reference.main([]) == 0
    assert "regenerated actions-reference" in capsys.readouterr().out
    assert readme.read_text(encoding="utf-8") == README

"""The README's generated reference: the policy keys from the schema, the actions and the
reusable workflows from their YAML files.

Each generated part of README.md sits between `<!-- begin: NAME -->` and `<!-- end: NAME -->`;
`render()` renders every part, `drift()` names those whose README text differs, and
`python -m tests.support.reference` (`make docs`) rewrites them. tests/test_reference.py
fails when the README has drifted. Everything here is a pure function of its arguments but
`load_*`, `render()` (which reads this repository) and `main()`.
"""

from __future__ import annotations

import json
import re
import sys
from pathlib import Path
from typing import Any

import yaml

from trunkgate import registry, schema

ROOT = Path(__file__).resolve().parent.parent.parent
README = ROOT / "README.md"
# The repository adopters name in `uses:`; the headings name actions and workflows with it.
REPOSITORY = "trunkgate/trunkgate"
SECTIONS = ("policy-reference", "actions-reference", "workflows-reference")
# The reusable workflows, in the README's order; any other comes after them, by name.
WORKFLOW_ORDER = ("quality-gates.yml", "dependency-audit.yml", "release.yml")


# -- Markdown -------------------------------------------------------------------------------


CODE_SPAN = re.compile(r"(`+).+?(?<!`)\1(?!`)")
# Outside code spans: `<` (GitHub drops what looks like a tag: <tag>), `*`, and `_` that is
# not inside a word (__version__ would be bold).
MARKUP = re.compile(r"[<*]|(?<![A-Za-z0-9])_+|_+(?![A-Za-z0-9])")


def escape(prose: str) -> str:
    return MARKUP.sub(lambda m: "".join("\\" + c for c in m[0]), prose)


def plain(text: str) -> str:
    """Prose as it reads: what Markdown would take for markup is escaped, code spans kept."""
    out, at = [], 0
    for span in CODE_SPAN.finditer(text):
        out += [escape(text[at : span.start()]), span[0]]
        at = span.end()
    return "".join([*out, escape(text[at:])])


def cell(text: str) -> str:
    """Prose fit for one table cell: lines joined, paragraphs kept apart (<br><br>), markup
    and `|` escaped."""
    paragraphs = re.split(r"\n\s*\n", str(text).strip())
    joined = "<br><br>".join(plain(" ".join(p.split())) for p in paragraphs)
    return joined.replace("|", "\\|")


def code(text: str) -> str:
    """`text` as a code span (longer fences around backticks), fit for a table cell."""
    text = " ".join(str(text).split())
    fence = "`" * (max((len(run) for run in re.findall(r"`+", text)), default=0) + 1)
    pad = " " if text.startswith("`") or text.endswith("`") else ""
    return f"{fence}{pad}{text}{pad}{fence}".replace("|", "\\|")


def table(headings: tuple[str, ...], rows: list[tuple[str, ...]]) -> str:
    lines = ["| " + " | ".join(headings) + " |", "|" + " --- |" * len(headings)]
    lines += ["| " + " | ".join(row) + " |" for row in rows]
    return "\n".join(lines)


def paragraph(text: str) -> str:
    return " ".join(str(text).split())


# -- The policy reference -------------------------------------------------------------------


def toml_value(value: object) -> str:
    """A default as it is written in the policy file (TOML); None: no default."""
    if value is None:
        return "(none)"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str):
        return json.dumps(value)
    if isinstance(value, (list, tuple)):
        return "[" + ", ".join(toml_value(item) for item in value) + "]"
    return str(value)


# The type column's word for each kind; a kind not named here gets the schema's KEY_WORDS
# (its error messages' words) without the article.
TYPE_WORDS = {
    schema.STR: "string",
    schema.INT: "integer",
    schema.NUMBER: "number",
    schema.BOOL: "boolean",
    schema.LIST: "list of strings",
    schema.REGEX: "regular expression",
    schema.DATE: "date",
    schema.TABLES: "list of tables",
}


def key_type(spec: tuple, key_words: dict[str, str]) -> str:
    """The type column: the choices, or the kind's word (a list of tables names its fields)."""
    kind = spec[0]
    if kind == schema.CHOICE:
        return " | ".join(spec[3])
    words = TYPE_WORDS.get(kind) or re.sub(r"^an? ", "", key_words.get(kind, kind))
    if kind == schema.TABLES:
        words += " (" + ", ".join(spec[3]) + ")"
    return words


def policy_table(keys: dict[str, tuple], key_words: dict[str, str]) -> str:
    rows = []
    for key, spec in keys.items():
        rows.append(
            (
                code(key),
                cell(key_type(spec, key_words)),
                code(toml_value(spec[1])),
                cell(spec[2]),
            )
        )
    return table(("key", "type", "default", "meaning"), rows)


def render_policy(
    shared: dict[str, tuple],
    gates: dict[str, dict[str, tuple]],
    key_words: dict[str, str],
) -> str:
    """Every key of `[tool.trunkgate]`: the shared ones, then one table per gate's table."""
    parts = ["**Shared** (`[tool.trunkgate]`)", policy_table(shared, key_words)]
    for name, keys in gates.items():
        parts += [f"**{name}** (`[tool.trunkgate.{name}]`)", policy_table(keys, key_words)]
    return "\n\n".join(parts)


# -- The actions and workflows reference ----------------------------------------------------


def default_cell(spec: dict[str, Any]) -> str:
    if spec.get("required") is True and "default" not in spec:
        return "(required)"
    value = spec.get("default")
    if value is None or value == "":
        return "(empty)"
    return code(toml_value(value) if isinstance(value, bool) else str(value))


def inputs_table(inputs: dict[str, dict[str, Any]]) -> str:
    rows = [
        (code(name), default_cell(spec or {}), cell((spec or {}).get("description", "")))
        for name, spec in inputs.items()
    ]
    return table(("input", "default", "what it does"), rows)


def described_table(heading: str, column: str, items: dict[str, dict[str, Any]]) -> str:
    rows = [(code(name), cell((spec or {}).get("description", ""))) for name, spec in items.items()]
    return table((heading, column), rows)


def render_action(folder: str, action: dict[str, Any]) -> str:
    """One composite action: its heading, name and description, inputs and outputs."""
    parts = [
        f"### `{REPOSITORY}/actions/{folder}`",
        plain(paragraph(f"{action['name']}: {action.get('description', '')}")),
    ]
    if action.get("inputs"):
        parts.append(inputs_table(action["inputs"]))
    if action.get("outputs"):
        parts.append(described_table("output", "what it holds", action["outputs"]))
    return "\n\n".join(parts)


def action_order(folders: list[str], gate_actions: list[str]) -> list[str]:
    """`gates` first, then the gates' actions in the registry's order, then the others."""
    first = ["gates", *gate_actions]
    ordered = [f for f in dict.fromkeys(first) if f in folders]
    return ordered + sorted(f for f in folders if f not in ordered)


def render_actions(actions: dict[str, dict[str, Any]]) -> str:
    """Every action, in the order given ({folder: parsed action.yml})."""
    return "\n\n".join(render_action(folder, action) for folder, action in actions.items())


def workflow_call(workflow: dict[str, Any]) -> dict[str, Any] | None:
    """The `on: workflow_call` trigger of a workflow ({} when it has no keys), else None."""
    # YAML 1.1 (PyYAML) reads a bare `on` key as True.
    triggers = workflow.get("on", workflow.get(True))
    if isinstance(triggers, dict) and "workflow_call" in triggers:
        return triggers["workflow_call"] or {}
    if triggers == "workflow_call" or (isinstance(triggers, list) and "workflow_call" in triggers):
        return {}
    return None


def render_workflow(filename: str, workflow: dict[str, Any]) -> str:
    """One reusable workflow: its heading and name, inputs, outputs and secrets."""
    call = workflow_call(workflow) or {}
    parts = [
        f"### `{REPOSITORY}/.github/workflows/{filename}`",
        plain(
            paragraph(f"{workflow.get('name', filename)} (reusable workflow, `on: workflow_call`).")
        ),
    ]
    if call.get("inputs"):
        parts.append(inputs_table(call["inputs"]))
    if call.get("outputs"):
        parts.append(described_table("output", "what it holds", call["outputs"]))
    if call.get("secrets"):
        parts.append(described_table("secret", "what it is for", call["secrets"]))
    return "\n\n".join(parts)


def render_workflows(workflows: dict[str, dict[str, Any]]) -> str:
    """Every reusable workflow, in the order given ({file name: parsed workflow}); the
    others (no `workflow_call`) are left out."""
    return "\n\n".join(
        render_workflow(name, workflow)
        for name, workflow in workflows.items()
        if workflow_call(workflow) is not None
    )


def load_yaml(path: Path) -> dict[str, Any]:
    return yaml.safe_load(path.read_text(encoding="utf-8"))


def load_actions(root: Path) -> dict[str, dict[str, Any]]:
    folders = [p.parent.name for p in (root / "actions").glob("*/action.yml")]
    gate_actions = [gate.action for gate in registry.GATES if gate.action]
    return {
        folder: load_yaml(root / "actions" / folder / "action.yml")
        for folder in action_order(folders, gate_actions)
    }


def load_workflows(root: Path) -> dict[str, dict[str, Any]]:
    names = [p.name for p in (root / ".github" / "workflows").glob("*.yml")]
    ordered = [n for n in WORKFLOW_ORDER if n in names] + sorted(
        n for n in names if n not in WORKFLOW_ORDER
    )
    return {name: load_yaml(root / ".github" / "workflows" / name) for name in ordered}


def render(root: Path = ROOT) -> dict[str, str]:
    """{section name: its Markdown} for this repository."""
    return {
        "policy-reference": render_policy(schema.SHARED, schema.GATES, schema.KEY_WORDS),
        "actions-reference": render_actions(load_actions(root)),
        "workflows-reference": render_workflows(load_workflows(root)),
    }


# -- The README's marked sections -----------------------------------------------------------


class MarkerError(ValueError):
    """A section's markers are missing, repeated or out of order."""


def markers(name: str) -> tuple[str, str]:
    return f"<!-- begin: {name} -->", f"<!-- end: {name} -->"


def span(text: str, name: str) -> tuple[int, int]:
    """Where the section's content (between its two marker lines) starts and ends."""
    begin, end = markers(name)
    found = []
    for marker in (begin, end):
        lines = list(re.finditer(f"^{re.escape(marker)}$\n?", text, flags=re.M))
        if len(lines) != 1:
            raise MarkerError(f"README.md: {marker} appears {len(lines)} times, not once")
        found.append(lines[0])
    start, stop = found[0].end(), found[1].start()
    if stop < start:
        raise MarkerError(f"README.md: {end} comes before {begin}")
    return start, stop


def wrap(body: str) -> str:
    """A section's content as it stands between its markers: a blank line either side."""
    return "\n" + body.strip("\n") + "\n\n"


def between(text: str, name: str) -> str:
    start, stop = span(text, name)
    return text[start:stop]


def replace(text: str, name: str, body: str) -> str:
    start, stop = span(text, name)
    return text[:start] + wrap(body) + text[stop:]


def drift(text: str, rendered: dict[str, str]) -> list[str]:
    """The sections whose text in the README is not what they render to."""
    return [name for name, body in rendered.items() if between(text, name) != wrap(body)]


def update(text: str, rendered: dict[str, str]) -> str:
    for name, body in rendered.items():
        text = replace(text, name, body)
    return text


def main(argv: list[str] | None = None) -> int:
    """Rewrite README.md's generated sections; write the file only when one changed."""
    del argv
    text = README.read_text(encoding="utf-8")
    rendered = render()
    changed = drift(text, rendered)
    if changed:
        README.write_text(update(text, rendered), encoding="utf-8")
        print(f"README.md: regenerated {', '.join(changed)}")
    else:
        print("README.md: up to date")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))

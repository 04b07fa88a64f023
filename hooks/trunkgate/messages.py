"""The policy's rules for one commit message: Conventional Commits, types, scopes, length.

Shared by the commit-msg gate (one message file) and the commits gate (every commit of a
range, a pull-request title): a message is checked the same way wherever it comes from.
"""

from __future__ import annotations

from trunkgate import conventional, git, report

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Sequence

    from trunkgate.policies import CommitsPolicy

ERROR, WARNING = report.ERROR, report.WARNING
_SEVERITY = {conventional.ERROR: ERROR, conventional.WARNING: WARNING}
# When git opens an editor it writes its comment template with the configured comment char,
# so a message in which no line starts with a char that could be another comment char was
# written under "#" (or, from `git commit -m`, is not stripped of comments at all): no need
# to spawn git. "#" itself, and "-", "*" and "+" of bullet lists, do not count; nobody makes
# a bullet the comment char.
_OTHER_COMMENT_CHARS = frozenset("!\"$%&'(),./:;<=>?@[\\]^_`{|}~")
PLACEHOLDER = "describe the change"

# The first word of a free-form subject, and the type it most likely means.
_TYPE_WORDS = {
    "add": "feat",
    "added": "feat",
    "adds": "feat",
    "adding": "feat",
    "create": "feat",
    "created": "feat",
    "feature": "feat",
    "implement": "feat",
    "implemented": "feat",
    "introduce": "feat",
    "new": "feat",
    "support": "feat",
    "bug": "fix",
    "bugfix": "fix",
    "correct": "fix",
    "fixed": "fix",
    "fixes": "fix",
    "fixing": "fix",
    "hotfix": "fix",
    "repair": "fix",
    "resolve": "fix",
    "doc": "docs",
    "document": "docs",
    "documentation": "docs",
    "readme": "docs",
    "tests": "test",
    "testing": "test",
    "clean": "refactor",
    "cleanup": "refactor",
    "move": "refactor",
    "moved": "refactor",
    "refactored": "refactor",
    "refactoring": "refactor",
    "rename": "refactor",
    "renamed": "refactor",
    "simplify": "refactor",
    "optimise": "perf",
    "optimize": "perf",
    "performance": "perf",
    "speed": "perf",
    "format": "style",
    "formatted": "style",
    "lint": "style",
    "bump": "build",
    "deps": "build",
    "update": "chore",
    "updated": "chore",
    "reverted": "revert",
}

_STRICT = {
    conventional.MERGE: (
        'merge commit "{header}" (policy strict: no merge commits)',
        "rebase onto the trunk instead of merging it in: git rebase origin/{trunk}",
    ),
    conventional.REVERT: (
        'git\'s default revert subject "{header}" (policy strict: every commit is '
        'conventional); expected "revert: <the reverted header>" and a "Refs: <sha>" footer',
        None,
    ),
    conventional.FIXUP: (
        '"{header}" is a fixup!/squash!/amend! commit (policy strict: squash them before '
        "they are shared)",
        "squash it into the commit it fixes: git rebase -i --autosquash origin/{trunk}",
    ),
}


# --------------------------------------------------------------------------- checks


def _types(policy: CommitsPolicy) -> list[str]:
    types: list[str] = policy.types
    return [t.lower() for t in types]


def _scope_allowed(scope: str, scopes: Sequence[str]) -> bool:
    """A scope, or each of a comma-separated list of scopes, from the policy (any case)."""
    allowed = {s.lower() for s in scopes}
    parts = [p.strip().lower() for p in scope.split(",")]
    return scope.strip().lower() in allowed or all(p in allowed for p in parts)


def _pick_type(word: str, types: Sequence[str]) -> str | None:
    """The allowed type a word most likely means ("Feature" -> "feat"), or None."""
    word = word.lower()
    if word in types:
        return word
    mapped = _TYPE_WORDS.get(word)
    if mapped and (not types or mapped in types):
        return mapped
    if not types:
        return word if conventional.is_type(word) else None
    if len(word) >= 3:
        for name in types:
            if word.startswith(name) or name.startswith(word):
                return name
    return None


def _tidy(description: str) -> str:
    """A description as the spec's examples write it: no final period, lower-case start."""
    text = description.strip().rstrip(".").strip()
    if not text:
        return PLACEHOLDER
    if not (len(text) > 1 and text[1].isupper()):  # keep acronyms: "API", "CLI"
        text = text[0].lower() + text[1:]
    return text


def _loose(header: str, types: Sequence[str]) -> tuple[str | None, str | None, bool, str]:
    """Best guess at (type, scope, bang, description) of a header that is not conventional."""
    text = header.strip()
    colon = text.find(":")
    if colon > 0:
        prefix = text[:colon]
        word = prefix.split("(", 1)[0].strip().rstrip("!").strip()
        chosen = _pick_type(word, types) if " " not in word else None
        if chosen:
            scope = None
            if "(" in prefix:
                scope = prefix.split("(", 1)[1].split(")", 1)[0].strip() or None
            return chosen, scope, prefix.rstrip().endswith("!"), text[colon + 1 :]
    first, _, rest = text.partition(" ")
    shaped = _typed_word(first, types)
    if shaped is not None and rest.strip():  # "feat(cli) add x": only the colon is missing
        return shaped[0], shaped[1], shaped[2], rest
    word = first.strip(".,;:!?[]()").lower()
    if word in types and rest.strip():  # "Fix crash in parser" -> "fix: crash in parser"
        return word, None, False, rest
    return _pick_type(word, types) if word in _TYPE_WORDS else None, None, False, text


def _typed_word(word: str, types: Sequence[str]) -> tuple[str, str | None, bool] | None:
    """(type, scope, bang) when a word is `type(scope)`, `type(scope)!` or `type!` with an
    allowed type (a header missing only its colon), else None."""
    bang = word.endswith("!")
    body = word[:-1] if bang else word
    name, paren, scope = body.partition("(")
    if paren and not (scope.endswith(")") and scope[:-1].strip() and "(" not in scope):
        return None
    if not paren and not bang:
        return None
    chosen = name.lower() if name.lower() in types or not types else None
    if chosen is None or not conventional.is_type(name):
        return None
    return chosen, scope[:-1].strip() if paren else None, bang


def missing_colon(header: str, policy: CommitsPolicy) -> str | None:
    """The head (`feat(cli)`) of a header that has everything but the colon after it."""
    first, _, rest = header.strip().partition(" ")
    rest = rest.strip()
    if ":" in first or not rest or rest.startswith(":") or not _typed_word(first, _types(policy)):
        return None
    return first


def suggest(message: conventional.Message, policy: CommitsPolicy) -> str | None:
    """One corrected header for a failing message, built from what it says (None: no header
    would help, e.g. a merge commit under strict)."""
    types = _types(policy)
    default = "feat" if not types or "feat" in types else types[0]
    scope: str | None = None
    bang = False
    kind = message.kind
    if kind in (conventional.MERGE, conventional.FIXUP):
        return None
    if kind == conventional.EMPTY:
        chosen: str | None = default
        description = PLACEHOLDER
    elif kind == conventional.REVERT:
        chosen = "revert" if not types or "revert" in types else default
        description = message.header[message.header.index('"') + 1 : -1]
    elif kind == conventional.CONVENTIONAL:
        chosen = _pick_type(message.type or "", types)
        scope, bang = message.scope, message.bang
        description = message.description or ""
    else:
        chosen, scope, bang, description = _loose(message.header, types)
    chosen = chosen or default
    if kind != conventional.REVERT:
        description = _tidy(description)
    scopes: list[str] = policy.scopes
    scope = scope.strip() if scope and scope.strip() else None
    if scope and scopes and not _scope_allowed(scope, scopes):
        low = scope.lower()
        scope = next((s for s in scopes if s.lower().startswith(low[:3])), scopes[0])
    if scope is None and policy.require_scope:
        scope = scopes[0] if scopes else "<scope>"
    limit: int = policy.max_subject_length
    if limit and scope and len(chosen) + len(scope) + 6 > limit:
        scope = scopes[0] if policy.require_scope and scopes else None
    head = f"{chosen}{f'({scope})' if scope else ''}{'!' if bang else ''}: "
    if limit and len(head) + len(description) > limit and limit > len(head):
        room = limit - len(head)
        cut = description[:room]
        if " " in cut and description[room : room + 1] != " ":
            cut = cut[: cut.rfind(" ")]
        description = cut.rstrip(" ,;:-") or description[:room]
    return head + description


def _locate(
    rule: str,
    line: int,
    text: str,
    where: str | None,
    lines: Sequence[int] | None,
    severity: str = ERROR,
) -> report.Finding:
    """A finding on line `line` of the cleaned message: a file line, or "line N" in the text."""
    if lines is not None:
        at = lines[line - 1] if 0 < line <= len(lines) else None
        return report.Finding(rule, text, file=where, line=at, severity=severity)
    if line > 1:
        text = f"line {line}: {text}"
    return report.Finding(rule, text, where=where, severity=severity)


def check_message(
    message: conventional.Message,
    policy: CommitsPolicy,
    *,
    where: str | None = None,
    lines: Sequence[int] | None = None,
) -> list[report.Finding]:
    """Findings for one parsed message under the policy.

    `where` names it (a file, a short sha, "pull request title"); `lines` maps the lines of
    the cleaned message to lines of that file (None: say "line N" in the message instead).
    """
    kind = message.kind
    found: list[report.Finding] = []
    hint = None
    if kind == conventional.EMPTY:
        found.append(
            _locate(
                "empty",
                1,
                f'the message is empty; expected a header "{conventional.HEADER_SHAPE}"',
                where,
                lines,
            )
        )
    elif kind in _STRICT:
        if policy.strict:
            text, how = _STRICT[kind]
            found.append(_locate(kind, 1, text.format(header=message.header), where, lines))
            hint = how.format(trunk=policy.trunk) if how else None
    else:
        for issue in message.issues:
            text = f"{issue.what}; expected {issue.expected}"
            found.append(
                _locate(issue.rule, issue.line, text, where, lines, _SEVERITY[issue.severity])
            )
        found.extend(_check_policy(message, policy, where, lines))
    errors = [f for f in found if f.severity == ERROR]
    if not errors:
        return found
    example = suggest(message, policy)
    if example and example != message.header:  # else the header is fine; the body is not
        hint = f"for example: {example}"
        head = missing_colon(message.header, policy) if kind == conventional.INVALID else None
        if head:
            hint = f'add a colon after "{head}": {example}'
    if hint:
        errors[0].hint = f"{where}: {hint}" if where and lines is None else hint
    return found


def _check_policy(
    message: conventional.Message,
    policy: CommitsPolicy,
    where: str | None,
    lines: Sequence[int] | None,
) -> list[report.Finding]:
    """Allowed types and scopes, a required scope, the header's length."""
    found = []
    types = _types(policy)
    scopes: list[str] = policy.scopes
    if message.kind == conventional.CONVENTIONAL:
        if types and message.type not in types:
            found.append(
                _locate(
                    "type",
                    1,
                    f'type "{message.type}" is not allowed; expected one of: {", ".join(types)}',
                    where,
                    lines,
                )
            )
        scope = message.scope
        if scope and scope.strip() and scopes and not _scope_allowed(scope, scopes):
            found.append(
                _locate(
                    "scope",
                    1,
                    f'scope "{scope}" is not allowed; expected one of: {", ".join(scopes)}',
                    where,
                    lines,
                )
            )
        if scope is None and policy.require_scope:
            allowed = f" (one of: {', '.join(scopes)})" if scopes else ""
            found.append(
                _locate(
                    "scope-required",
                    1,
                    f'the header names no scope; expected "<type>(<scope>): <description>"'
                    f"{allowed}",
                    where,
                    lines,
                )
            )
    limit: int = policy.max_subject_length
    length = header_length(message.header, policy)
    if limit and length > limit:
        counted = "" if length == len(message.header) else " without its pull request number"
        found.append(
            _locate(
                "subject-length",
                1,
                f"the header is {length} characters long{counted}; expected at most "
                f"{limit} (max-subject-length)",
                where,
                lines,
            )
        )
    return found


def pr_suffix(header: str) -> int:
    """The length of a trailing ` (#123)` (GitHub's pull request number), else 0."""
    if not header.endswith(")"):
        return 0
    start = header.rfind(" (#")
    digits = header[start + 3 : -1]
    return len(header) - start if start >= 0 and digits.isdigit() and digits.isascii() else 0


def header_length(header: str, policy: CommitsPolicy) -> int:
    """The length max-subject-length measures: without a trailing ` (#N)` when
    ignore-pr-number is on."""
    if policy.ignore_pr_number:
        return len(header) - pr_suffix(header)
    return len(header)


def _bot_login(email: str) -> str:
    """The login of a GitHub noreply email: 49699333+dependabot[bot]@users.noreply.github.com
    gives dependabot[bot]; any other email gives ""."""
    local, at, domain = email.partition("@")
    if not at or not domain.lower().endswith("users.noreply.github.com"):
        return ""
    return local.partition("+")[2] or local


def _literal_brackets(pattern: str) -> str:
    """A shell pattern whose `[` matches itself: bots are named `name[bot]` and bots'
    subjects start `[pre-commit.ci]`, so a bracket is never a character class here."""
    return pattern.replace("[", "[[]")


def exempt_author(
    patterns: Sequence[str], commit: git.Commit | None, *logins: str
) -> tuple[str, str] | None:
    """(name, pattern) of the first of a commit's author name, email and noreply login, and
    the other `logins` (a pull request's author), that an `exempt-authors` pattern matches:
    shell patterns, case-insensitive, a bracket matching itself (`*[bot]`); else None."""
    from fnmatch import fnmatchcase

    who = [*logins]
    if commit is not None:
        who[:0] = [commit.author_name, commit.author_email, _bot_login(commit.author_email)]
    for pattern in patterns:
        for value in who:
            if value and fnmatchcase(value.lower(), _literal_brackets(pattern.lower())):
                return value, pattern
    return None


def exemption(commit: git.Commit, policy: CommitsPolicy) -> str | None:
    """Why a commit is not checked (its author or its subject is exempt), or None."""
    from fnmatch import fnmatchcase

    found = exempt_author(policy.exempt_authors, commit)
    if found is not None:
        return f'its author "{found[0]}" is exempt (exempt-authors "{found[1]}")'
    subjects: list[str] = policy.exempt_subjects
    subject = commit.subject.strip()
    for pattern in subjects:
        if fnmatchcase(subject, _literal_brackets(pattern)):
            return f'its subject matches "{pattern}" (exempt-subjects)'
    return None


def _nbytes(text: str) -> int:
    """Length in the original bytes of text decoded with surrogateescape."""
    return sum(
        1 if 0xDC80 <= ord(c) <= 0xDCFF else len(c.encode("utf-8", "surrogatepass")) for c in text
    )


def check_encoding(
    text: str, cleaned: Sequence[tuple[int, str]], where: str | None, *, is_file: bool = True
) -> report.Finding | None:
    """A finding for the first byte that is not UTF-8 in the lines git would commit.

    `text` was decoded with "surrogateescape"; `cleaned` is `conventional.clean_lines(text)`,
    so bytes in comments or after the scissors line (a diff of a Latin-1 file) do not count.
    """
    for number, line in cleaned:
        if line.isascii():
            continue
        try:
            line.encode("utf-8")
        except UnicodeEncodeError as exc:
            column = exc.start
        else:
            continue
        before = text.split("\n")[: number - 1]
        offset = sum(_nbytes(part) + 1 for part in before) + _nbytes(line[:column])
        if number == 1 and text.startswith("\ufeff"):
            offset += 3
        code = ord(line[column])
        what = f"byte 0x{code - 0xDC00:02x}" if 0xDC80 <= code <= 0xDCFF else f"U+{code:04X}"
        return report.Finding(
            "encoding",
            f"the message is not UTF-8: {what} at byte offset {offset} (line {number}, "
            f"column {column + 1}) cannot be decoded",
            file=where if is_file else None,
            where=None if is_file else where,
            line=number if is_file else None,
            hint="save the message as UTF-8 (your editor's encoding setting, or "
            "iconv -f latin1 -t utf-8); Conventional Commits tools and GitHub read UTF-8",
        )
    return None


# --------------------------------------------------------------------------- commit-msg


def comment_char(text: str) -> str:
    if not any(line[:1] in _OTHER_COMMENT_CHARS for line in text.split("\n")):
        return "#"
    value = git.comment_string()
    if value is None:
        return "#"
    if value == "auto":
        return conventional.auto_comment_char(text)
    return value


def fix_block(policy: CommitsPolicy, how: str) -> str:
    types = ", ".join(_types(policy)) or "any"
    scopes: list[str] = policy.scopes
    lines = [
        f'A Conventional Commits header is "{conventional.HEADER_SHAPE}" '
        f"({conventional.SPEC_URL}).",
        f"Allowed types: {types}.",
    ]
    if scopes:
        lines.append(f"Allowed scopes: {', '.join(scopes)}.")
    if policy.require_scope:
        lines.append("Every header names a scope.")
    lines.append(how)
    return "\n".join(lines)


def check_commit(commit: git.Commit, policy: CommitsPolicy) -> list[report.Finding]:
    """Findings for one commit, located by its short sha."""
    where = commit.sha[:7]
    cleaned = conventional.clean_lines(commit.message, None)
    bad = check_encoding(commit.message, cleaned, where, is_file=False)
    if bad is not None:
        bad.line = None
        return [bad]
    message = conventional.parse("\n".join(line for _, line in cleaned))
    return check_message(message, policy, where=where)


def check_header(text: str, policy: CommitsPolicy, where: str) -> list[report.Finding]:
    """Findings for a one-line header such as a pull-request title."""
    return check_message(conventional.parse(text), policy, where=where)

"""The gate for Cypher written by a model (text-to-Cypher): only safe, filtered, bounded reads pass.

A generated query is accepted only if all of these hold (each refusal names its rule):
1. read-only (`kg.readonly.check_read_only`), one statement, no CALL / UNION / USE / SHOW;
2. only labels and relationship types of `kg.schema` (not QuarantinedRow: raw, maybe confidential,
   rows), only properties the catalog and news jobs write, no namespaced functions;
3. values only as `$parameters`: no string literals anywhere, numbers only after LIMIT/SKIP and in
   a variable-length bound (`*1..3`, at most 4 hops); every parameter used is given;
4. every node pattern carries a label (or reuses a bound variable), so nothing reaches content
   through an unlabelled node;
5. every Article or Chunk is named and matched in a MATCH whose WHERE has
   `<var>.classification IN $classifications` as a top-level conjunct (no OR/XOR beside it, no NOT);
   `$classifications` is set from the caller's AccessFilter, whatever the generator passed;
6. a LIMIT of at most `max_limit` (100) after the last RETURN, and no larger LIMIT anywhere.

The remote text-to-Cypher model itself is not part of this module.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from core.access import CLASSIFICATIONS, AccessFilter
from core.errors import InvalidInput
from kg.errors import ReadOnlyViolation
from kg.readonly import check_read_only
from kg.schema import NODE_PROPERTIES, RELATIONSHIP_PROPERTIES, Label, Rel

MAX_LIMIT = 100
MAX_HOPS = 4
CONTENT_LABELS = frozenset({Label.ARTICLE.value, Label.CHUNK.value})
LABELS = frozenset(label.value for label in Label) - {Label.QUARANTINED.value}
RELATIONSHIPS = frozenset(rel.value for rel in Rel)

PROPERTIES = NODE_PROPERTIES
ALL_PROPERTIES = frozenset().union(*PROPERTIES.values(), RELATIONSHIP_PROPERTIES)

_TOKEN = re.compile(
    r"""(?P<ws>\s+)|(?P<comment>//[^\n]*|/\*.*?\*/)
    |(?P<string>'(?:[^'\\]|\\.)*'|"(?:[^"\\]|\\.)*")|(?P<backtick>`[^`]*`)
    |(?P<param>\$[A-Za-z_]\w*)|(?P<number>\d+(?:\.\d+)?(?:[eE][-+]?\d+)?)|(?P<ident>[A-Za-z_]\w*)
    |(?P<op>\.\.|<>|<=|>=|=~|->|<-|[-+*/%^=<>(){}\[\],.:;|])""",
    re.X | re.S,
)
_CLAUSES = {"MATCH", "OPTIONAL", "WHERE", "WITH", "RETURN", "UNWIND", "ORDER", "SKIP", "LIMIT"}
_REFUSED_WORDS = {"CALL", "UNION", "USE", "SHOW", "LOAD", "FOREACH"}


class CypherValidationError(InvalidInput):
    """A generated query was refused; the message names the rule it broke."""


@dataclass(frozen=True)
class ValidatedQuery:
    cypher: str
    params: dict[str, Any]
    labels: frozenset[str]
    relationships: frozenset[str]
    limit: int


@dataclass
class _Tok:
    kind: str
    text: str
    depth: int = 0  # bracket depth
    clause: int = -1  # index of the top-level clause the token belongs to

    @property
    def upper(self) -> str:
        return self.text.upper() if self.kind == "ident" else self.text


def _tokens(cypher: str) -> list[_Tok]:
    out: list[_Tok] = []
    pos = 0
    while pos < len(cypher):
        m = _TOKEN.match(cypher, pos)
        if m is None:
            raise CypherValidationError(f"Refused: unexpected character {cypher[pos]!r} at offset {pos}.")
        kind = m.lastgroup or "op"
        if kind == "string":
            raise CypherValidationError(
                "Refused: string literals are not allowed; pass values as $parameters."
            )
        if kind == "backtick":
            raise CypherValidationError("Refused: quoted (`backtick`) names are not allowed.")
        if kind not in ("ws", "comment"):
            out.append(_Tok(kind, m.group()))
        pos = m.end()
    depth, clause = 0, -1
    for i, t in enumerate(out):
        if t.text in ")]}":
            depth -= 1
        t.depth = depth
        if (
            depth == 0
            and t.upper in _CLAUSES
            and not (t.upper == "MATCH" and i and out[i - 1].upper == "OPTIONAL")
        ):
            clause += 1
        t.clause = clause
        if t.text in "([{":
            depth += 1
    return out


def _clause_name(toks: list[_Tok], index: int) -> str:
    first = next(t for t in toks if t.clause == index)
    return "MATCH" if first.upper == "OPTIONAL" else first.upper


def validate_generated_cypher(
    cypher: str,
    params: Mapping[str, Any],
    *,
    access: AccessFilter | None = None,
    max_limit: int = MAX_LIMIT,
) -> ValidatedQuery:
    """Check a generated query against the rules of the module docstring; raise CypherValidationError."""
    try:
        check_read_only(cypher)
    except ReadOnlyViolation as error:
        raise CypherValidationError(str(error)) from error
    toks = _tokens(cypher)
    params = dict(params)
    if access is not None:
        params["classifications"] = sorted(access.classifications)
    labels: set[str] = set()
    rels: set[str] = set()
    bound: dict[str, str | None] = {}  # variable -> label (None: bound, label unknown)
    content: list[tuple[str, int]] = []  # (variable, clause) of every Article/Chunk node pattern
    limits: list[tuple[int, int]] = []  # (clause, value)
    for i, t in enumerate(toks):
        prev = toks[i - 1] if i else None
        nxt = toks[i + 1] if i + 1 < len(toks) else None
        if t.upper in _REFUSED_WORDS:
            raise CypherValidationError(f"Refused: {t.upper} is not allowed in a generated query.")
        if t.text == ";" and nxt is not None:
            raise CypherValidationError("Refused: one statement only.")
        if t.kind == "number":
            _check_number(toks, i)
        if t.kind == "param" and t.text[1:] not in params:
            raise CypherValidationError(f"Refused: parameter {t.text} is used but not given.")
        if t.text == "(" and (
            prev is None or prev.kind != "ident" or prev.upper in _CLAUSES | {"AND", "OR", "NOT"}
        ):
            node = _node_pattern(toks, i)
            if node is not None:
                var, label = node
                clause = _clause_name(toks, t.clause)
                if label is None and (var is None or var not in bound):
                    raise CypherValidationError(
                        f"Refused: node ({var or ''}) has no label; every node pattern needs a label from the schema."
                    )
                if label is not None:
                    labels.add(label)
                    if var is not None:
                        bound[var] = label
                if label in CONTENT_LABELS:
                    if var is None or clause != "MATCH" or t.depth != 0:
                        raise CypherValidationError(
                            f"Refused: {label} nodes must be named and matched at the top of a MATCH clause, "
                            "so that the classification filter applies to them."
                        )
                    content.append((var, t.clause))
        if t.text == "[" and prev is not None and prev.text in ("-", "<-"):
            rels |= _rel_pattern(toks, i, bound)
        if t.text == "." and nxt is not None and nxt.kind == "ident" and prev is not None:
            _check_property(toks, i, bound)
        if (
            t.text == ":"
            and prev is not None
            and prev.kind == "ident"
            and nxt is not None
            and _label_predicate(toks, i)
        ):
            _check_label(nxt.text)
            labels.add(nxt.text)
            bound.setdefault(prev.text, nxt.text)
        if t.upper == "AS" and nxt is not None and nxt.kind == "ident":
            bound.setdefault(nxt.text, None)
        if (
            t.text == "="
            and prev is not None
            and prev.kind == "ident"
            and t.depth == 0
            and _clause_name(toks, t.clause) == "MATCH"
        ):
            bound.setdefault(prev.text, None)  # a path variable
        if t.upper == "LIMIT" and t.depth == 0:
            limits.append((t.clause, _limit_value(nxt, params, max_limit)))
    for name, index in content:
        _check_content_filter(toks, name, index)
    if "classifications" in params:
        given = params["classifications"]
        if not isinstance(given, list | tuple) or not set(given) <= set(CLASSIFICATIONS):
            raise CypherValidationError("Refused: $classifications must be a list of known classifications.")
    last_return = max((t.clause for t in toks if t.depth == 0 and t.upper == "RETURN"), default=None)
    if last_return is None:
        raise CypherValidationError("Refused: the query returns nothing (no RETURN).")
    final = [value for clause, value in limits if clause > last_return]
    if not final:
        raise CypherValidationError(
            f"Refused: the query needs a LIMIT of at most {max_limit} after its RETURN."
        )
    for value in params.values():
        _check_value(value)
    return ValidatedQuery(cypher, params, frozenset(labels), frozenset(rels), final[-1])


def _check_number(toks: list[_Tok], i: int) -> None:
    before = toks[i - 1] if i else None
    if before is not None and before.upper in ("LIMIT", "SKIP"):
        return
    # a hop bound inside a relationship pattern: -[:R*1..3]-
    window = [t.text for t in toks[max(0, i - 3) : i]]
    if "*" in window and all(w in ("*", "..") or w.isdigit() for w in window[window.index("*") :]):
        return
    raise CypherValidationError(
        f"Refused: the literal {toks[i].text} must be a $parameter (numbers only after LIMIT/SKIP or as hop bounds)."
    )


def _node_pattern(toks: list[_Tok], i: int) -> tuple[str | None, str | None] | None:
    """(variable, label) if toks[i] opens a node pattern, else None (a grouping or a call)."""
    j = i + 1
    var = None
    if j < len(toks) and toks[j].kind == "ident" and toks[j].upper not in ("NOT", "EXISTS", "COUNT"):
        var, j = toks[j].text, j + 1
    if j >= len(toks) or toks[j].text not in (":", "{", ")"):
        return None
    label = None
    while j + 1 < len(toks) and toks[j].text in (":", "|"):
        _check_label(toks[j + 1].text)
        label = label or toks[j + 1].text
        j += 2
    if j < len(toks) and toks[j].text == "{":
        _check_map_keys(toks, j, label)
    return var, label


def _rel_pattern(toks: list[_Tok], i: int, bound: dict[str, str | None]) -> set[str]:
    """Relationship types of `-[r:A|B*1..3 {k: $v}]-`, checked; hop counts bounded."""
    types: set[str] = set()
    j = i + 1
    if toks[j].kind == "ident":
        bound.setdefault(toks[j].text, None)
        j += 1
    while toks[j].text in (":", "|"):
        j += 1
        if toks[j].text == ":":
            continue
        if toks[j].text not in RELATIONSHIPS:
            raise CypherValidationError(f"Refused: unknown relationship type {toks[j].text!r}.")
        types.add(toks[j].text)
        j += 1
    if toks[j].text == "*":
        bounds = []
        j += 1
        while toks[j].text not in ("]", "{"):
            bounds.append(toks[j])
            j += 1
        ok = (
            bool(bounds)
            and bounds[-1].kind == "number"
            and all(b.kind == "number" or b.text == ".." for b in bounds)
        )
        if not ok or int(float(bounds[-1].text)) > MAX_HOPS:
            raise CypherValidationError(
                f"Refused: variable-length patterns need an upper bound of at most {MAX_HOPS}."
            )
    if toks[j].text == "{":
        _check_map_keys(toks, j, None)
    return types


def _check_label(name: str) -> None:
    if name not in LABELS:
        raise CypherValidationError(f"Refused: unknown or forbidden label {name!r}.")


def _check_map_keys(toks: list[_Tok], j: int, label: str | None) -> None:
    depth = toks[j].depth
    k = j + 1
    while k < len(toks) and not (toks[k].text == "}" and toks[k].depth == depth):
        if toks[k].kind == "ident" and toks[k + 1].text == ":" and toks[k].depth == depth + 1:
            _check_name(toks[k].text, label)
        k += 1


def _check_name(prop: str, label: str | None) -> None:
    allowed = PROPERTIES.get(label, ALL_PROPERTIES) if label else ALL_PROPERTIES
    if prop not in allowed:
        raise CypherValidationError(
            f"Refused: unknown property {prop!r}" + (f" on {label}." if label else ".")
        )


def _check_property(toks: list[_Tok], i: int, bound: dict[str, str | None]) -> None:
    prev, name = toks[i - 1], toks[i + 1]
    if i + 2 < len(toks) and toks[i + 2].text == "(":
        raise CypherValidationError(
            f"Refused: namespaced functions or procedures ({prev.text}.{name.text}) are not allowed."
        )
    if prev.kind == "ident" or prev.text in (")", "]", "{", ","):
        _check_name(name.text, bound.get(prev.text) if prev.kind == "ident" else None)


def _label_predicate(toks: list[_Tok], i: int) -> bool:
    """`x:Label` in a WHERE (not a map key `{k: v}`, not inside a node or relationship pattern)."""
    opener = next((t for t in reversed(toks[:i]) if t.text in "([{" and t.depth < toks[i].depth), None)
    return opener is None or opener.text == "(" and _clause_name(toks, toks[i].clause) != "MATCH"


def _limit_value(tok: _Tok | None, params: Mapping[str, Any], max_limit: int) -> int:
    value: Any = None
    if tok is not None and tok.kind == "number" and tok.text.isdigit():
        value = int(tok.text)
    elif tok is not None and tok.kind == "param":
        value = params.get(tok.text[1:])
    if not isinstance(value, int) or isinstance(value, bool) or not 0 < value <= max_limit:
        raise CypherValidationError(f"Refused: LIMIT must be an integer from 1 to {max_limit}.")
    return value


def _check_content_filter(toks: list[_Tok], var: str, clause: int) -> None:
    where = [t for t in toks if t.clause == clause + 1]
    if not where or where[0].upper != "WHERE":
        raise CypherValidationError(
            f"Refused: the MATCH of {var} needs WHERE {var}.classification IN $classifications."
        )
    texts = [t.text if t.kind != "ident" else t.upper for t in where]
    want = [var.upper(), ".", "CLASSIFICATION", "IN", "$classifications"]
    hits = [k for k in range(len(where)) if texts[k : k + 5] == want and where[k].depth == 0]
    if (
        not hits
        or any(t.upper in ("OR", "XOR") and t.depth == 0 for t in where)
        or texts[hits[0] - 1] == "NOT"
    ):
        raise CypherValidationError(
            f"Refused: {var} must be filtered with `{var}.classification IN $classifications` as a top-level AND."
        )


def _check_value(value: Any) -> None:
    if isinstance(value, list | tuple):
        for item in value:
            _check_value(item)
    elif not isinstance(value, str | int | float | bool | date | datetime | None):
        raise CypherValidationError(
            f"Refused: parameter values must be scalars or lists, not {type(value).__name__}."
        )

"""Guarding user-supplied Cypher so that a "read-only" query can never change the graph.

Two layers, because ArcadeDB executes writes even inside a driver READ transaction:
1. a lexical check that refuses write clauses with a clear message before anything runs;
2. the store runs the query in an explicit transaction that is always rolled back and
   refuses the result if the server reports any update (see GraphStore.read_only_query).
"""

from __future__ import annotations

import re

from .errors import ReadOnlyViolation

_STRINGS = re.compile(r"'(?:[^'\\]|\\.)*'|\"(?:[^\"\\]|\\.)*\"|`[^`]*`")
_COMMENTS = re.compile(r"//[^\n]*|/\*.*?\*/", re.S)
_WRITE_WORDS = re.compile(
    r"\b(CREATE|MERGE|SET|DELETE|DETACH|REMOVE|DROP|LOAD\s+CSV|FOREACH|ALTER|RENAME|GRANT|REVOKE|DENY"
    r"|TERMINATE|START\s+DATABASE|STOP\s+DATABASE|IN\s+TRANSACTIONS)\b",
    re.I,
)
_CALL = re.compile(r"\bCALL\s+([A-Za-z_][\w.]*)", re.I)
# Procedures that only read; anything else called by name is refused.
_READ_PROCEDURES = {"db.labels", "db.relationshiptypes", "db.propertykeys", "db.schema.visualization"}


def check_read_only(cypher: str) -> None:
    """Raise ReadOnlyViolation if the query contains a write clause or an unknown procedure."""
    if not cypher or not cypher.strip():
        raise ReadOnlyViolation("The query is empty.")
    code = _COMMENTS.sub(" ", _STRINGS.sub("''", cypher))
    match = _WRITE_WORDS.search(code)
    if match:
        clause = " ".join(match.group(1).upper().split())
        raise ReadOnlyViolation(
            f"Refused: the query contains the write clause {clause}; only reads are allowed."
        )
    for call in _CALL.finditer(code):
        if call.group(1).lower() not in _READ_PROCEDURES:
            raise ReadOnlyViolation(
                f"Refused: procedure {call.group(1)} is not on the list of read-only procedures "
                f"({', '.join(sorted(_READ_PROCEDURES))})."
            )

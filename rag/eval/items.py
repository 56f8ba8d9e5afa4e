"""One evaluation question with its gold answer and gold evidence, and the JSONL it is kept in.

Gold evidence ids are the ids the retrievers emit: graph facts as `rag.graph_retriever` names them,
chunks as the indexes name them (`<doc id>#<n>`, a model card is `<model id>#0`), articles by id.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from rag.contracts import FactId


def fact_id(model_id: str, attribute: str, qualifier: str | None = None) -> str:
    """The graph retriever's id of one fact (`rag.graph_retriever`): `fact:<model id>:<attribute>`."""
    return str(FactId.model_fact(model_id, attribute, qualifier))


def count_ids(org_id: str, kind: str, extra: dict[str, Any]) -> list[str]:
    """The graph retriever's count facts: `fact:count:models:<filters>` (filters sorted, lower case)
    or, grouped per organisation, `fact:count:org:<org id>[:<other filters>]`."""
    filters = {"org": org_id}
    if kind == "open_weights":
        filters["open_weights"] = "true"
    if kind == "year":
        filters |= {"released_after": f"{extra['year']}-01-01", "released_before": f"{extra['year']}-12-31"}
    signature = ",".join(f"{k}={v}" for k, v in sorted(filters.items()))
    rest = ",".join(f"{k}={v}" for k, v in sorted(filters.items()) if k != "org")
    return [str(FactId.count(None, signature)), str(FactId.count(org_id, rest))]


def card_id(model_id: str) -> str:
    """The chunk id of a model's card in the indexes (catalog.news.job: `<model id>#0`)."""
    return f"{model_id}#0"


@dataclass
class QAItem:
    """One question; `group` is its report row."""

    id: str
    family: str
    question: str
    answerable: bool
    answers: list[list[Any]]  # gold items, each a list of interchangeable forms
    match: str  # 'all' gold items, 'any' one of them, or 'cite': correct when a gold article is cited
    gold_evidence: list[list[str]]  # each group lists ids that would each do
    model_ids: list[str]  # every model the question or its gold names: the split key
    slots: dict[str, Any] = field(default_factory=dict)
    template: str = ""
    split: str = ""

    @property
    def group(self) -> str:
        """The report row: the family, or 'unanswerable'."""
        return self.family if self.answerable else "unanswerable"


def save_items(items: Sequence[QAItem], path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("".join(json.dumps(asdict(i), sort_keys=True, default=str) + "\n" for i in items))


def load_items(path: Path) -> list[QAItem]:
    return [QAItem(**json.loads(line)) for line in path.read_text().splitlines() if line.strip()]

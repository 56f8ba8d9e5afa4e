"""Verdicts for "which ... A or B" questions, computed from the facts, conclusion first:
"Claude 3.5 Sonnet supports the longer context: 200,000 tokens [2] against 128,000 tokens [1]."

The analysis names the compared attribute and which end wins (`Slots.comparison`); the values are
the key facts' exact graph values (`Evidence.value`), one per model, so the verdict cites exactly the
facts it compares. A model without a value is said to lack it; no verdict is given on one value.
Prices compare the lowest positive input price per million tokens over each model's providers, and
cite the provider's listing that holds it.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from typing import Any

from core import attributes as registry
from rag.qa import Evidence, RetrievalResult


def _comparable(value: Any) -> bool:
    return (isinstance(value, int | float) and not isinstance(value, bool)) or (
        isinstance(value, str) and len(value) >= 4 and value[:4].isdigit()  # ISO dates compare as text
    )


def _price(value: Any) -> float | None:
    """A price fact's input price per million tokens; a $0 listing is a free tier, not a price."""
    price = value.get("input_usd_per_1m") if isinstance(value, dict) else None
    return float(price) if isinstance(price, int | float) and price > 0 else None


def _name(e: Evidence, names: dict[str, str]) -> str:
    fact = e.fact_id
    return names.get(fact.subject or "", fact.subject or e.id) if fact else e.id


def verdict(result: RetrievalResult, key: Sequence[tuple[int, Evidence]]) -> tuple[str, list[int]] | None:
    """The verdict sentence and its citations, or None when the question asks none or the facts
    cannot settle it (fewer than two models with a value)."""
    slots = result.analysis.slots
    comparison = slots.comparison
    if result.analysis.family != "compare" or comparison is None:
        return None
    attribute = registry.get(comparison.attribute)
    names = {e.id: e.name for e in slots.entities if e.kind == "Model"}
    best: dict[str, tuple[int, Evidence]] = {}  # one value per model: the first (best-ranked) fact
    for n, e in key:
        fact = e.fact_id
        if fact is None or fact.scope != "model" or fact.attribute != attribute.fact_part:
            continue
        if (
            attribute.name == "benchmark_score"
            and slots.benchmark_id
            and fact.qualifier != slots.benchmark_id
        ):
            continue
        if attribute.name == "price":  # the lowest input price over the model's providers
            price = _price(e.value)
            held = best.get(str(fact.subject))
            if price is not None and (held is None or price < held[1].value):
                best[str(fact.subject)] = (n, replace(e, value=price))
        elif _comparable(e.value) and fact.subject not in best:
            best[str(fact.subject)] = (n, e)
    if len(best) < 2:
        return None
    ranked = sorted(best.values(), key=lambda f: f[1].value, reverse=comparison.order == "max")
    (n_win, winner), rest = ranked[0], ranked[1:]
    if all(e.value == winner.value for _, e in rest):
        who = " and ".join(_name(e, names) for _, e in ranked)
        text = (
            f"{who} are level: {attribute.show(winner.value)} each ["
            + "], [".join(str(n) for n, _ in ranked)
            + "]."
        )
        return text, [n for n, _ in ranked]
    against = ", ".join(f"{attribute.show(e.value)} for {_name(e, names)} [{n}]" for n, e in rest)
    text = f"{attribute.verdict(_name(winner, names), comparison.order)}: {attribute.show(winner.value)} [{n_win}] against {against}."
    return text, [n_win, *(n for n, _ in rest)]

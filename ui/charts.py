"""Altair charts and the graph view, built from the client's typed results (no streamlit here)."""

from __future__ import annotations

import altair as alt
import pandas as pd

from .client import ModelDetail, ModelSummary, Neighbourhood


def release_timeline(models: list[ModelSummary]) -> alt.Chart | None:
    rows = [
        {"model": m.name or m.id, "organisation": m.organization or m.org_id or "?", "released": m.release_date,
         "context": m.context_length}
        for m in models if m.release_date
    ]  # fmt: skip
    if not rows:
        return None
    frame = pd.DataFrame(rows)
    frame["released"] = pd.to_datetime(frame["released"], errors="coerce")
    return (
        alt.Chart(frame.dropna(subset=["released"]), title="Release timeline")
        .mark_circle(size=90)
        .encode(
            x=alt.X("released:T", title="Release date", axis=alt.Axis(format="%b %Y")),
            y=alt.Y("organisation:N", title=None, sort="-x"),
            color=alt.Color("organisation:N", legend=None),
            tooltip=["model", "organisation", alt.Tooltip("released:T"), "context"],
        )
    )


def context_vs_price(models: list[ModelDetail]) -> alt.Chart | None:
    rows = [
        {"model": m.title, "context": m.facts.get("context_length"), "price": m.cheapest_input_price()}
        for m in models
    ]
    rows = [r for r in rows if isinstance(r["context"], int | float) and r["price"] is not None]
    if not rows:
        return None
    return (
        alt.Chart(pd.DataFrame(rows), title="Context length vs cheapest input price")
        .mark_circle(size=160)
        .encode(
            x=alt.X("price:Q", title="USD per 1M input tokens"),
            y=alt.Y("context:Q", title="Context length (tokens)"),
            color=alt.Color("model:N"),
            tooltip=["model", "context", "price"],
        )
    )


def benchmark_bars(models: list[ModelDetail], limit: int = 12) -> alt.Chart | None:
    rows = [
        {"model": m.title, "benchmark": s.benchmark or s.benchmark_id, "score": s.score}
        for m in models for s in m.benchmarks if s.score is not None
    ]  # fmt: skip
    if not rows:
        return None
    frame = pd.DataFrame(rows).drop_duplicates(["model", "benchmark"])
    if len(models) > 1:  # only the benchmarks more than one model has: those compare
        shared = frame.groupby("benchmark")["model"].nunique()
        keep = shared[shared > 1].index
        frame = frame[frame["benchmark"].isin(keep)] if len(keep) else frame
    top = frame.groupby("benchmark")["score"].count().sort_values(ascending=False).index[:limit]
    frame = frame[frame["benchmark"].isin(top)]
    return (
        alt.Chart(frame, title="Benchmark scores")
        .mark_bar()
        .encode(
            y=alt.Y("benchmark:N", title=None),
            x=alt.X("score:Q", title="Score"),
            color=alt.Color("model:N"),
            yOffset="model:N",
            tooltip=["model", "benchmark", "score"],
        )
    )


def _dot_id(kind: str, node_id: str) -> str:
    return '"' + f"{kind}:{node_id}".replace('"', "'") + '"'


def _label(text: str | None, node_id: str) -> str:
    value = (text or node_id).replace('"', "'")
    return value if len(value) <= 40 else value[:37] + "…"


COLOURS = {"model": "#4C78A8", "organization": "#F58518", "article": "#54A24B", "topic": "#B279A2",
           "license": "#E45756", "benchmark": "#72B7B2", "provider": "#EECA3B", "document": "#9D755D"}  # fmt: skip


def neighbourhood_dot(hood: Neighbourhood) -> str:
    """The node and its neighbours as Graphviz DOT (drawn by the browser; zoom with the page)."""
    centre = _dot_id(hood.kind, hood.id)
    lines = [
        "digraph G {", "rankdir=LR; bgcolor=transparent; ranksep=0.6; nodesep=0.08;",
        'node [shape=box, style="rounded,filled", fontname="Helvetica", fontsize=9, fontcolor=white, height=0.3, margin="0.08,0.03"];',
        'edge [fontname="Helvetica", fontsize=8, color="#888888", fontcolor="#666666"];',
        f'{centre} [label="{_label(hood.label, hood.id)}", fillcolor="{COLOURS.get(hood.kind.lower(), "#555")}", penwidth=3];',
    ]  # fmt: skip
    for n in hood.neighbours:
        other = _dot_id(n.kind, n.id)
        lines.append(
            f'{other} [label="{_label(n.label, n.id)}", fillcolor="{COLOURS.get(n.kind.lower(), "#777")}"];'
        )
        a, b = (centre, other) if n.outgoing is not False else (other, centre)
        lines.append(f'{a} -> {b} [label="{n.relation}"];')
    lines.append("}")
    return "\n".join(lines)

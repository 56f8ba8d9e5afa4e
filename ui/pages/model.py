"""One model: facts with their sources, provenance, benchmarks, providers and prices, lineage, the
news that mentions it with its topics, and its graph neighbourhood."""

from __future__ import annotations

from typing import Any

import pandas as pd
import streamlit as st

from ui import charts, state
from ui.client import NodeKind

client, me = state.require("catalog", "read")
model_id = str(st.query_params.get("id") or st.session_state.get("model.id") or "")
if not model_id:
    st.title("Model")
    st.info("Open a model from the explorer, or type its id.")
    typed = st.text_input("Model id", key="model.typed")
    if not typed:
        st.stop()
    model_id = typed.strip()
st.session_state["model.id"] = model_id
detail = state.call(lambda: client.model(model_id))
if detail is None:
    st.stop()

st.title(detail.title)
st.caption(" · ".join(x for x in (f"`{detail.id}`", detail.organization, detail.license) if x))
facts: dict[str, Any] = detail.facts
m1, m2, m3, m4 = st.columns(4)
m1.metric("Context length", state.fmt_int(facts.get("context_length")))
m2.metric("Released", str(facts.get("release_date") or "—"))
m3.metric("Parameters", state.fmt_int(facts.get("parameters")))
m4.metric("Cheapest input", state.fmt_usd(detail.cheapest_input_price()), help="USD per 1M input tokens")
if detail.input_modalities or detail.output_modalities:
    st.markdown(
        f"**Input:** {', '.join(detail.input_modalities) or '—'} · **Output:** {', '.join(detail.output_modalities) or '—'}"
    )

tabs = st.tabs(
    ["Facts & provenance", "Benchmarks", "Providers & prices", "Lineage", "News & topics", "Graph"]
)
with tabs[0]:
    rows = [
        {"fact": k, "value": str(v), "source": facts.get(f"{k}_source")}
        for k, v in facts.items() if not k.endswith("_source") and k != "sources"
    ]  # fmt: skip
    st.dataframe(pd.DataFrame(rows, columns=["fact", "value", "source"]), hide_index=True)
    st.markdown("**Source records** (highest precedence first)")
    st.dataframe(
        pd.DataFrame([p.model_dump() for p in detail.provenance], columns=["source", "url", "rank"]),
        hide_index=True, column_config={"url": st.column_config.LinkColumn("url")},
    )  # fmt: skip
with tabs[1]:
    bars = charts.benchmark_bars([detail], limit=20)
    if bars is None:
        st.info("No benchmark scores for this model.")
    else:
        st.altair_chart(bars, width="stretch")
        st.dataframe(pd.DataFrame([b.model_dump() for b in detail.benchmarks]), hide_index=True)
with tabs[2]:
    if detail.providers:
        st.dataframe(pd.DataFrame([p.model_dump() for p in detail.providers]), hide_index=True)
    else:
        st.info("No provider offers this model in the catalog.")
with tabs[3]:
    if not detail.lineage:
        st.info("No known parent or derived model.")
    for rel in detail.lineage:
        arrow = "built on" if rel.direction == "parent" else "is the base of"
        st.page_link("pages/model.py", label=f"{arrow} {rel.name or rel.id} ({rel.relation})",
                     query_params={"id": rel.id}, icon=":material/account_tree:")  # fmt: skip
with tabs[4]:
    if detail.topics:
        st.markdown("**What the news mentioning this model discusses** (articles per topic)")
        st.dataframe(
            pd.DataFrame([{"topic": t.name or t.id, "kind": t.kind, "articles": t.articles} for t in detail.topics]),
            hide_index=True, key="model.topics",
            column_config={"articles": st.column_config.ProgressColumn(
                "articles", format="%d", min_value=0, max_value=max(t.articles for t in detail.topics))},
        )  # fmt: skip
    elif detail.news:
        st.caption("No topic was recognised in the news that mentions this model.")
    if not detail.news:
        st.info("No news article mentions this model.")
    for n in detail.news:
        st.markdown(f"- [{n.title or n.id}]({n.url}) · {n.source or ''} · {(n.published or '')[:10]}")
with tabs[5]:
    centre: tuple[str, str] = st.session_state.get("model.centre", ("model", detail.id))
    if centre[0] == "model" and centre[1] != detail.id:
        centre = ("model", detail.id)
    kind: NodeKind = centre[0]  # type: ignore[assignment]
    hood = state.call(lambda: client.graph(kind, centre[1], limit=40))
    if hood is not None:
        st.graphviz_chart(charts.neighbourhood_dot(hood), width="stretch")
        options = {(n.kind, n.id): f"{n.kind}: {n.label or n.id} ({n.relation})" for n in hood.neighbours}
        options[("model", detail.id)] = f"model: {detail.title} (back to this model)"
        picked = st.selectbox("Walk to a neighbour", list(options), format_func=options.__getitem__,
                              index=None, key="model.walk")  # fmt: skip
        if picked and picked != centre:
            st.session_state["model.centre"] = picked
            st.rerun()

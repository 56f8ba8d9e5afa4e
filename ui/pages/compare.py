"""Side-by-side comparison of two to four models: facts in columns, benchmark bars, context vs price."""

from __future__ import annotations

from typing import Any

import pandas as pd
import streamlit as st

from ui import charts, state

client, me = state.require("catalog", "read")
st.title("Compare models")
MAX = 4
given = [i for i in (st.query_params.get("ids") or "").split(",") if i]
known: list[str] = st.session_state.get("compare.ids") or given
raw = st.text_input("Model ids, comma-separated (two to four)", value=",".join(known), key="compare.input")
ids = list(dict.fromkeys(i.strip() for i in raw.split(",") if i.strip()))
if len(ids) > MAX:
    st.warning(f"Compare up to {MAX} models at a time; showing the first {MAX}.")
    ids = ids[:MAX]
if len(ids) < 2:
    st.info("Pick two to four models in the explorer, or type their ids above.")
    st.stop()
st.session_state["compare.ids"] = ids
models = state.call(lambda: client.compare(ids))
if not models:
    st.stop()

ROWS = (
    "organization",
    "license",
    "release_date",
    "context_length",
    "max_output",
    "parameters",
    "open_weights",
)
cols = st.columns(len(models))
for col, m in zip(cols, models, strict=True):
    with col:
        st.subheader(m.title)
        st.page_link(
            "pages/model.py", label="Model page", query_params={"id": m.id}, icon=":material/open_in_new:"
        )
        st.metric("Context", state.fmt_int(m.facts.get("context_length")))
        st.metric("Cheapest input", state.fmt_usd(m.cheapest_input_price()))


def value(m: Any, row: str) -> str:
    if row == "organization":
        return str(m.organization or "—")
    if row == "license":
        return str(m.license or "—")
    v = m.facts.get(row)
    return "—" if v is None else str(v)


table = pd.DataFrame(
    {m.title: [value(m, r) for r in ROWS] for m in models}, index=[r.replace("_", " ") for r in ROWS]
)
table.loc["input modalities"] = [", ".join(m.input_modalities) or "—" for m in models]
table.loc["providers"] = [str(len(m.providers)) for m in models]
table.loc["benchmarks"] = [str(len(m.benchmarks)) for m in models]
st.dataframe(table)
left, right = st.columns(2)
bars = charts.benchmark_bars(models)
scatter = charts.context_vs_price(models)
with left:
    if bars is not None:
        st.altair_chart(bars, width="stretch")
    else:
        st.info("No benchmark scores the models share.")
with right:
    if scatter is not None:
        st.altair_chart(scatter, width="stretch")
    else:
        st.info("No prices to plot against context length.")

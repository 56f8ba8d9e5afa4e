"""Model explorer: the catalog as a searchable, filterable, sortable table, a release timeline, and
the way to a model's page or a comparison."""

from __future__ import annotations

from datetime import date

import pandas as pd
import streamlit as st

from ui import charts, state
from ui.client import MODALITIES, SORTS, ModelQuery

client, me = state.require("catalog", "read")
st.title("Model explorer")

SORT_LABELS = {"name": "name", "release_date": "newest", "context_length": "longest context",
               "parameters": "most parameters", "input_price": "cheapest input",
               "benchmark_score": "best benchmark score"}  # fmt: skip


with st.form("explorer.filters"):
    c1, c2, c3, c4 = st.columns([2, 1, 1, 1])
    q = c1.text_input("Search names and ids", key="explorer.q", placeholder="e.g. llama, gpt-4o, qwen")
    org = c2.text_input("Organisation id", key="explorer.org", placeholder="e.g. meta, openai")
    licence = c3.text_input("Licence id", key="explorer.license", placeholder="e.g. apache-2.0, mit")
    weights = c4.selectbox("Weights", ["Any", "Open", "Closed"], key="explorer.weights")
    c5, c6, c7, c8 = st.columns(4)
    inputs = c5.multiselect("Accepts (input)", MODALITIES, key="explorer.inputs")
    outputs = c6.multiselect("Produces (output)", MODALITIES, key="explorer.outputs")
    price = c7.number_input("Max input price (USD / 1M tokens)", min_value=0.0, value=None, step=0.5,
                            key="explorer.max_price")  # fmt: skip
    sort = c8.selectbox("Sort by", SORTS, key="explorer.sort", format_func=SORT_LABELS.__getitem__)
    c9, c10, c11, c12 = st.columns(4)
    benchmark = c9.text_input(
        "Has a score on benchmark", key="explorer.benchmark", placeholder="e.g. gpqa, mmlu"
    )
    min_score = c10.number_input("…with score at least", min_value=0.0, max_value=100.0, value=None, step=0.05,
                                 key="explorer.min_score", help="Scores are fractions (0.85) in this catalog.")  # fmt: skip
    min_params = c11.number_input("Parameters from (billions)", min_value=0.0, value=None, step=1.0,
                                  key="explorer.min_params")  # fmt: skip
    max_params = c12.number_input("Parameters up to (billions)", min_value=0.0, value=None, step=1.0,
                                  key="explorer.max_params")  # fmt: skip
    c13, c14, c15, c16 = st.columns(4)
    min_context = c13.number_input("Context from (tokens)", min_value=0, value=None, step=8192,
                                   key="explorer.min_context")  # fmt: skip
    max_context = c14.number_input("Context up to (tokens)", min_value=0, value=None, step=8192,
                                   key="explorer.max_context")  # fmt: skip
    after = c15.date_input("Released from", value=None, min_value=date(2015, 1, 1), key="explorer.after")
    before = c16.date_input("Released until", value=None, min_value=date(2015, 1, 1), key="explorer.before")
    st.form_submit_button("Apply filters", type="primary")

page_size = 50
page_no = int(st.session_state.get("explorer.page", 1))
billions = 1e9
query = ModelQuery(
    q=q or None, org_id=org.strip() or None, license_id=licence.strip() or None,
    open_weights={"Open": True, "Closed": False}.get(weights), input_modalities=inputs, output_modalities=outputs,
    max_input_price=price, benchmark_id=benchmark.strip() or None,
    min_score=min_score if benchmark.strip() else None,
    min_parameters=min_params * billions if min_params else None,
    max_parameters=max_params * billions if max_params else None,
    min_context=int(min_context) if min_context else None, max_context=int(max_context) if max_context else None,
    released_after=after if isinstance(after, date) else None,
    released_before=before if isinstance(before, date) else None, sort=sort,
    offset=(page_no - 1) * page_size, limit=page_size,
)  # fmt: skip
if sort == "benchmark_score" and not query.benchmark_id:
    st.info("Name a benchmark to sort by its score; sorted by name meanwhile.")
    query.sort = "name"
result = state.call(lambda: client.models(query))
if result is None:
    st.stop()

pages = max(1, -(-result.total // page_size))
st.caption(f"{result.total} models match · page {min(page_no, pages)} of {pages}")
frame = pd.DataFrame(
    [
        {"id": m.id, "model": m.name or m.id, "organisation": m.organization or m.org_id,
         "released": m.release_date, "context": m.context_length, "parameters": m.parameters,
         "open weights": m.open_weights, "licence": m.license_id, "input $/1M": m.input_usd_per_1m,
         "inputs": ", ".join(m.input_modalities), "score": m.benchmark_score}
        for m in result.items
    ],
    columns=["id", "model", "organisation", "released", "context", "parameters", "open weights", "licence",
             "input $/1M", "inputs", "score"],
)  # fmt: skip
if not query.benchmark_id:
    frame = frame.drop(columns=["score"])
st.dataframe(
    frame, hide_index=True, key="explorer.table",
    column_config={
        "id": st.column_config.TextColumn("id", width="medium"),
        "context": st.column_config.NumberColumn("context", format="compact"),
        "parameters": st.column_config.NumberColumn("parameters", format="compact"),
        "open weights": st.column_config.CheckboxColumn("open weights"),
        "input $/1M": st.column_config.NumberColumn("input $/1M", format="$%.3g",
                                                    help="Cheapest provider, USD per 1M input tokens"),
        "score": st.column_config.NumberColumn(f"{query.benchmark_id} score", format="%.3f"),
    },
)  # fmt: skip
if pages > 1:
    st.number_input("Page", min_value=1, max_value=pages, key="explorer.page")

names = {m.id: m.name or m.id for m in result.items}
if names:
    left, right = st.columns(2)
    with left:
        chosen = st.selectbox("Open a model", list(names), format_func=names.__getitem__, key="explorer.open")
        if chosen:
            st.page_link("pages/model.py", label=f"Open {names[chosen]}", query_params={"id": chosen},
                         icon=":material/open_in_new:")  # fmt: skip
    with right:
        picked = st.multiselect("Compare (up to four)", list(names), format_func=names.__getitem__,
                                max_selections=4, key="explorer.compare")  # fmt: skip
        if len(picked) >= 2:
            st.page_link("pages/compare.py", label=f"Compare {len(picked)} models",
                         query_params={"ids": ",".join(picked)}, icon=":material/compare_arrows:")  # fmt: skip
        else:
            st.caption("Pick two to four models to compare them side by side.")
    timeline = charts.release_timeline(result.items)
    if timeline is not None:
        st.altair_chart(timeline, width="stretch")

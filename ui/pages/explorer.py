"""Model explorer: the catalog as a searchable, filterable, sortable table, a release timeline, and
the way to a model's page or a comparison."""

from __future__ import annotations

from datetime import date

import pandas as pd
import streamlit as st

from ui import charts, state
from ui.client import ModelQuery

client, me = state.require("catalog", "read")
st.title("Model explorer")

with st.form("explorer.filters"):
    c1, c2, c3 = st.columns([2, 1, 1])
    q = c1.text_input("Search names and ids", key="explorer.q", placeholder="e.g. llama, gpt-4o, qwen")
    org = c2.text_input("Organisation id", key="explorer.org", placeholder="e.g. meta, openai")
    weights = c3.selectbox("Weights", ["Any", "Open", "Closed"], key="explorer.weights")
    c4, c5, c6, c7 = st.columns(4)
    min_context = c4.number_input(
        "Context at least (tokens)", min_value=0, step=8192, key="explorer.min_context"
    )
    after = c5.date_input("Released from", value=None, min_value=date(2015, 1, 1), key="explorer.after")
    before = c6.date_input("Released until", value=None, min_value=date(2015, 1, 1), key="explorer.before")
    sort = c7.selectbox("Sort by", ["name", "release_date", "context_length"], key="explorer.sort",
                        format_func=lambda s: s.replace("_", " "))  # fmt: skip
    st.form_submit_button("Apply filters", type="primary")

page_size = 50
page_no = int(st.session_state.get("explorer.page", 1))
query = ModelQuery(
    q=q or None, org_id=org.strip() or None, open_weights={"Open": True, "Closed": False}.get(weights),
    min_context=int(min_context) or None, released_after=after if isinstance(after, date) else None,
    released_before=before if isinstance(before, date) else None, sort=sort,  # type: ignore[arg-type]
    offset=(page_no - 1) * page_size, limit=page_size,
)  # fmt: skip
result = state.call(lambda: client.models(query))
if result is None:
    st.stop()

pages = max(1, -(-result.total // page_size))
st.caption(f"{result.total} models match · page {min(page_no, pages)} of {pages}")
frame = pd.DataFrame(
    [
        {"id": m.id, "model": m.name or m.id, "organisation": m.organization or m.org_id,
         "released": m.release_date, "context": m.context_length, "parameters": m.parameters,
         "open weights": m.open_weights}
        for m in result.items
    ],
    columns=["id", "model", "organisation", "released", "context", "parameters", "open weights"],
)  # fmt: skip
st.dataframe(
    frame, hide_index=True, key="explorer.table",
    column_config={
        "id": st.column_config.TextColumn("id", width="medium"),
        "context": st.column_config.NumberColumn("context", format="compact"),
        "parameters": st.column_config.NumberColumn("parameters", format="compact"),
        "open weights": st.column_config.CheckboxColumn("open weights"),
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

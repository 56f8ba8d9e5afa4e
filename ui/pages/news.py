"""News by model, organisation, topic and date range, with each article's sentiment."""

from __future__ import annotations

from datetime import date

import altair as alt
import pandas as pd
import streamlit as st

from ui import state
from ui.client import NewsQuery

client, me = state.require("news", "read")
st.title("AI news")
with st.form("news.filters"):
    c1, c2, c3, c4, c5 = st.columns(5)
    model_id = c1.text_input("Model id", key="news.model")
    org_id = c2.text_input("Organisation id", key="news.org")
    topic_id = c3.text_input("Topic id", key="news.topic", placeholder="e.g. safety, regulation")
    since = c4.date_input("From", value=None, key="news.since")
    until = c5.date_input("Until", value=None, key="news.until")
    st.form_submit_button("Apply filters", type="primary")
query = NewsQuery(
    model_id=model_id.strip() or None, org_id=org_id.strip() or None, topic_id=topic_id.strip() or None,
    since=since if isinstance(since, date) else None, until=until if isinstance(until, date) else None, limit=100,
)  # fmt: skip
items = state.call(lambda: client.news(query))
if items is None:
    st.stop()
st.caption(f"{len(items)} articles (newest first, at most 100)")
if not items:
    st.info("No article matches these filters.")
    st.stop()


def mood(score: float | None) -> str:
    if score is None:
        return "—"
    return "positive" if score >= 0.05 else "negative" if score <= -0.05 else "neutral"


frame = pd.DataFrame(
    [
        {"published": (n.published or "")[:10], "title": n.title or n.id, "source": n.source,
         "sentiment": n.sentiment, "mood": mood(n.sentiment), "topics": ", ".join(n.topics), "link": n.url}
        for n in items
    ]
)  # fmt: skip
scored = frame.dropna(subset=["sentiment"])
if scored.empty:  # say so once rather than show two empty columns
    frame = frame.drop(columns=["sentiment", "mood"])
st.dataframe(
    frame, hide_index=True,
    column_config={
        "link": st.column_config.LinkColumn("link", display_text="open"),
        "sentiment": st.column_config.ProgressColumn("sentiment", min_value=-1.0, max_value=1.0, format="%.2f"),
    },
)  # fmt: skip
if not scored.empty:
    scored = scored.assign(published=pd.to_datetime(scored["published"], errors="coerce"))
    st.altair_chart(
        alt.Chart(scored, title="Sentiment over time").mark_circle(size=70).encode(
            x="published:T", y=alt.Y("sentiment:Q", scale=alt.Scale(domain=[-1, 1])),
            color=alt.Color("mood:N", scale=alt.Scale(domain=["negative", "neutral", "positive"],
                                                      range=["#E45756", "#BAB0AC", "#54A24B"])),
            tooltip=["title", "source", "sentiment"],
        ),
        width="stretch",
    )  # fmt: skip
else:
    st.caption("The API does not report sentiment for these articles.")

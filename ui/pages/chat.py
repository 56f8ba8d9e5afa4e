"""Chat: questions answered with [n] citations, streamed; each citation opens to its evidence; the
question family, Cypher template and query plan on demand (an expander); thumbs up/down sent to the
API; the user's past conversations listed in the sidebar, each one reopened with its turns."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from itertools import chain
from typing import Any

import streamlit as st

from ui import state
from ui.client import ApiError, Citation, StreamEvent

client, me = state.require("chat", "ask")
TURNS, CONV, SENT = "chat.turns", "chat.conversation", "chat.feedback_sent"
turns: list[dict[str, Any]] = st.session_state.setdefault(TURNS, [])
sent: dict[int, int] = st.session_state.setdefault(SENT, {})

st.title("Chat")
with st.sidebar:
    if st.button("New conversation", key="chat.new", icon=":material/add_comment:"):
        st.session_state[TURNS], st.session_state[CONV] = [], None
        st.rerun()
    history = state.call(lambda: client.conversations(limit=20)) or []
    if history:
        st.markdown("**Your conversations**")
    for conv in history:
        current = conv.id == st.session_state.get(CONV)
        label = f"{conv.title or conv.id} · {conv.turns} turn{'s' if conv.turns != 1 else ''}"
        if st.button(label, key=f"chat.open.{conv.id}", disabled=current, width="stretch",
                     help=f"Last answer {(conv.last_at or '')[:16].replace('T', ' ')} UTC"):  # fmt: skip
            reopened = state.call(lambda cid=conv.id: client.conversation(cid))  # type: ignore[misc]
            if reopened is not None:
                st.session_state[CONV] = conv.id
                st.session_state[TURNS] = [
                    {"question": t.question, "answer": t.answer, "citations": t.citations,
                     "message_id": t.message_id, "conversation_id": conv.id, "family": t.family,
                     "template": t.template, "plan": t.plan}
                    for t in reopened
                ]  # fmt: skip
                st.rerun()


def render_citation(c: Citation) -> None:
    if c.kind == "fact" and c.fact is not None:
        what = " · ".join(p for p in (c.fact.subject, c.fact.attribute, c.fact.qualifier) if p)
        label = f"[{c.n}] Graph fact · {what}"
    else:
        label = f"[{c.n}] {c.title or c.id}" + (f" · {c.date[:10]}" if c.date else "")
    with st.expander(label):
        if c.kind == "fact" and c.fact is not None:
            parts = [p for p in (c.fact.attribute, c.fact.qualifier) if p]
            st.markdown(
                f"**Graph fact** · {c.fact.scope} `{c.fact.subject}`"
                + (f" · {' · '.join(parts)}" if parts else "")
            )
            if c.fact.scope == "model" and c.fact.subject:
                st.page_link("pages/model.py", label="Open the model page (facts with provenance)",
                             query_params={"id": c.fact.subject}, icon=":material/open_in_new:")  # fmt: skip
        else:
            st.markdown(f"**{c.kind.capitalize()}** · `{c.id}`")
        if c.date:
            st.caption(f"Date: {c.date}")
        if c.url:
            st.markdown(f"Source: [{c.url}]({c.url})")


def render_turn(turn: dict[str, Any]) -> None:
    with st.chat_message("user"):
        st.markdown(turn["question"])
    with st.chat_message("assistant"):
        st.markdown(turn["answer"])
        for c in turn["citations"]:
            render_citation(c)
        with st.expander("How the question was understood", icon=":material/account_tree:"):
            family, template, plan = turn.get("family"), turn.get("template"), turn.get("plan")
            if family is None:
                st.caption("Not recorded for this answer (given before the API kept it).")
            else:
                st.markdown(f"Question family: **{family}**")
                st.markdown(
                    f"Cypher template: `{template}`" if template else "No vetted Cypher template answered."
                )
                if plan:
                    st.markdown("Query plan (compiled to parameterised Cypher):")
                    st.json(plan, expanded=False)
        message_id = turn.get("message_id")
        if message_id and me.can("feedback", "write"):
            rating = st.feedback("thumbs", key=f"chat.rating.{message_id}")
            if rating is not None and sent.get(message_id) != rating:
                score = 1 if rating == 1 else -1
                if state.call(lambda: client.feedback(message_id, score)) is not None:
                    sent[message_id] = rating
                    st.toast("Thanks: your feedback was recorded.")


for past in turns:
    render_turn(past)

question = st.chat_input("Ask about models, organisations, benchmarks or AI news", key="chat.input")
if question:
    with st.chat_message("user"):
        st.markdown(question)
    turn: dict[str, Any] = {"question": question, "citations": [], "answer": ""}

    def pieces(events: Iterable[StreamEvent]) -> Iterator[str]:
        for event in events:
            data = event.data if isinstance(event.data, dict) else {}
            if event.event == "delta":
                yield str(data.get("text", ""))
            elif event.event == "citations":
                turn["citations"] = [Citation.model_validate(c) for c in event.data or []]
            elif event.event in ("meta", "done"):
                turn.update({k: data[k] for k in ("conversation_id", "message_id", "family", "template",
                                                    "plan", "refused") if k in data})  # fmt: skip
            elif event.event == "error":
                raise ApiError(int(data.get("status", 500)), str(data.get("message", "The answer failed.")))

    with st.chat_message("assistant"):
        try:
            stream = client.chat_stream(question, st.session_state.get(CONV))
            with st.spinner("Retrieving evidence and composing the answer…"):
                first = next(stream, None)  # the API checks the whole answer before the first piece
            answer = st.write_stream(pieces(chain([first] if first else [], stream)))
            turn["answer"] = answer if isinstance(answer, str) else "".join(map(str, answer))
        except ApiError as exc:
            state.show_error(exc)
            st.stop()
    st.session_state[CONV] = turn.get("conversation_id", st.session_state.get(CONV))
    turns.append(turn)
    st.rerun()

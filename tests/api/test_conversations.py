"""Conversations kept per user: GET /v1/conversations lists only the caller's own, most recently
active first; GET /v1/conversations/{id} gives its turns to its owner and a 404 to anyone else.
The streamed answer's first event says what the analysis understood (family, template, plan)."""

from __future__ import annotations

import json
from typing import Any

from .conftest import World

A = ("acme", "viewer")
B = ("acme", "analyst")  # same tenant, higher role: still never sees A's conversations
C = ("globex", "viewer")
QUESTION = "What is the context length of Claude 3.5 Haiku?"


def ask(w: World, who: tuple[str, str], question: str, conversation_id: str | None = None) -> dict[str, Any]:
    body = {"question": question, "conversation_id": conversation_id}
    response = w.client.post("/v1/chat", headers=w.headers(*who), json=body)
    assert response.status_code == 200, response.text
    return dict(response.json())


def listing(w: World, who: tuple[str, str]) -> list[dict[str, Any]]:
    response = w.client.get("/v1/conversations", headers=w.headers(*who))
    assert response.status_code == 200, response.text
    return list(response.json())


def stream_events(
    w: World, who: tuple[str, str], question: str, conversation_id: str
) -> list[tuple[str, Any]]:
    response = w.client.post(
        "/v1/chat/stream",
        headers=w.headers(*who),
        json={"question": question, "conversation_id": conversation_id},
    )
    assert response.status_code == 200, response.text
    events, name = [], "message"
    for line in response.text.splitlines():
        if line.startswith("event:"):
            name = line.removeprefix("event:").strip()
        elif line.startswith("data:"):
            events.append((name, json.loads(line.removeprefix("data:"))))
    return events


def test_each_user_lists_and_reads_only_their_own_conversations(world: World) -> None:
    before = {who: {c["id"] for c in listing(world, who)} for who in (A, B, C)}
    first = ask(world, A, QUESTION)
    older = first["conversation_id"]
    events = stream_events(world, A, "And who develops it?", older)
    newer = ask(world, A, "Which organisation made Llama 3.1 405B?")["conversation_id"]
    theirs = ask(world, B, "What licence does Claude 3.5 Haiku have?")["conversation_id"]

    mine = [c for c in listing(world, A) if c["id"] not in before[A]]
    assert [c["id"] for c in mine] == [newer, older], "the caller's own, most recently active first"
    assert mine[1]["turns"] == 2 and mine[1]["title"] == QUESTION
    assert mine[0]["last_at"] >= mine[1]["last_at"]
    assert theirs not in {c["id"] for c in listing(world, A)}
    assert {c["id"] for c in listing(world, B)} - before[B] == {theirs}
    assert not ({older, newer} & {c["id"] for c in listing(world, B)})
    assert {c["id"] for c in listing(world, C)} == before[C]

    turns = world.client.get(f"/v1/conversations/{older}", headers=world.headers(*A)).json()
    assert [t["question"] for t in turns] == [QUESTION, "And who develops it?"]
    assert turns[0]["answer"] == first["answer"] and turns[0]["message_id"] == first["message_id"]
    assert [c["n"] for c in turns[0]["citations"]] == [c["n"] for c in first["citations"]]
    # a reopened turn still says how its question was understood, as the live answer did
    assert {k: turns[0][k] for k in ("family", "template", "plan")} == {
        k: first[k] for k in ("family", "template", "plan")
    }
    assert turns[0]["family"]
    for who, conv in ((B, older), (C, newer), (A, theirs)):
        response = world.client.get(f"/v1/conversations/{conv}", headers=world.headers(*who))
        assert response.status_code == 404, (who, response.text)
        assert conv not in response.text or "No conversation" in response.text

    # The streamed answer opens with what the analysis understood, the same fields as /v1/chat.
    meta = dict(events[0][1])
    assert events[0][0] == "meta"
    assert meta["conversation_id"] == older and meta["message_id"] == turns[1]["message_id"]
    assert meta["family"] and "template" in meta and "plan" in meta
    assert first["family"] and "template" in first and "plan" in first


def test_quality_counts_answers_and_thumbs_per_day(world: World) -> None:
    reply = ask(world, B, "What is the context length of Claude 3.5 Haiku?")
    day = ""
    before = world.client.get("/v1/quality", headers=world.headers("acme", "admin")).json()["days"]
    thumbs = world.client.post(
        "/v1/feedback", headers=world.headers(*B), json={"message_id": reply["message_id"], "rating": -1}
    )
    assert thumbs.status_code == 201
    after = world.client.get("/v1/quality", headers=world.headers("acme", "admin")).json()["days"]
    day = after[-1]["day"]
    assert after[-1]["answers"] >= 1 and after[-1]["citation_rate"] is not None
    assert after[-1]["thumbs_down"] == (before[-1]["thumbs_down"] if before[-1]["day"] == day else 0) + 1
    for role in ("viewer", "analyst", "editor"):
        assert world.client.get("/v1/quality", headers=world.headers("acme", role)).status_code == 403


def test_listing_rejects_bad_paging(world: World) -> None:
    for params in ({"limit": 0}, {"limit": 201}, {"offset": -1}):
        response = world.client.get("/v1/conversations", headers=world.headers(*A), params=params)
        assert response.status_code == 422, params
    assert world.client.get("/v1/conversations").status_code == 401

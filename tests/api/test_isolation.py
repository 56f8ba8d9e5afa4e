"""Data isolation across tenants and classifications through every reading route: catalog, graph,
news, search, documents, chat (plain and streamed), conversations and feedback.

Each isolation check has a positive control beside it (the owner, or a role that may read it, does
get the item), so a check cannot pass because the item is simply missing.
"""

from __future__ import annotations

import json

from tests.api.conftest import (
    CONFIDENTIAL_MARKER,
    DOC_MARKERS,
    INTERNAL_MARKER,
    ROLES,
    TENANTS,
    World,
    assert_no_leak,
)


def get(world: World, url: str, tenant: str, role: str):  # type: ignore[no-untyped-def]
    return world.client.get(url, headers=world.headers(tenant, role))


def test_a_licensed_model_is_hidden_below_analyst(world: World) -> None:
    mid = world.internal_model
    for role in ROLES:
        visible = ROLES.index(role) >= ROLES.index("analyst")
        detail = get(world, f"/v1/models/{mid}", "acme", role)
        assert detail.status_code == (200 if visible else 404), role
        compare = get(world, f"/v1/compare?ids={mid},{mid}x", "acme", role)
        assert compare.status_code == 404
        page = get(world, f"/v1/models?q={mid}&limit=5", "globex", role).json()
        assert (mid in [m["id"] for m in page["items"]]) == visible, role
        graph = get(world, f"/v1/graph/model/{mid}", "acme", role)
        assert graph.status_code == (200 if visible else 404), role
    viewer_total = get(world, "/v1/models?limit=1", "acme", "viewer").json()["total"]
    analyst_total = get(world, "/v1/models?limit=1", "acme", "analyst").json()["total"]
    assert analyst_total == viewer_total + 1


def test_organisation_neighbourhood_hides_what_the_caller_may_not_read(world: World) -> None:
    detail = get(world, f"/v1/models/{world.internal_model}", "acme", "analyst").json()
    org = detail["org_id"]
    assert org
    viewer = get(world, f"/v1/graph/organization/{org}", "acme", "viewer").json()
    analyst = get(world, f"/v1/graph/organization/{org}", "acme", "analyst").json()
    assert world.internal_model not in {n["id"] for n in viewer["neighbours"]}
    assert world.internal_model in {n["id"] for n in analyst["neighbours"]}


def test_news_by_classification(world: World) -> None:
    url = "/v1/news?since=2024-04-01&until=2024-04-05&limit=200"
    for role in ROLES:
        response = get(world, url, "globex", role)
        assert response.status_code == 200
        ids = {a["id"] for a in response.json()}
        assert (world.internal_article in ids) == (ROLES.index(role) >= ROLES.index("analyst")), role
        assert (world.confidential_article in ids) == (ROLES.index(role) >= ROLES.index("editor")), role
        assert_no_leak(world, "globex", role, response.text)
    assert get(world, f"/v1/graph/article/{world.confidential_article}", "acme", "analyst").status_code == 404
    assert get(world, f"/v1/graph/article/{world.confidential_article}", "acme", "editor").status_code == 200


def search(world: World, tenant: str, role: str, query: str):  # type: ignore[no-untyped-def]
    return world.client.post(
        "/v1/search", headers=world.headers(tenant, role), json={"query": query, "k": 20}
    )


def test_search_by_classification_and_tenant(world: World) -> None:
    for tenant in TENANTS:
        for role in ("analyst", "editor", "admin"):
            for query in (f"{INTERNAL_MARKER} review memo", f"{CONFIDENTIAL_MARKER} contracts",
                          *(f"{m} budget launch date" for m in DOC_MARKERS.values())):  # fmt: skip
                response = search(world, tenant, role, query)
                assert response.status_code == 200
                assert_no_leak(world, tenant, role, response.text, query)
    # Positive controls: each secret is found by those who may read it.
    hits = search(world, "acme", "analyst", f"{INTERNAL_MARKER} review memo").json()["hits"]
    assert any(h["id"].startswith(world.internal_article) for h in hits)
    hits = search(world, "globex", "editor", f"{CONFIDENTIAL_MARKER} contracts").json()["hits"]
    assert any(h["id"].startswith(world.confidential_article) for h in hits)
    for tenant, marker in DOC_MARKERS.items():
        hits = search(world, tenant, "editor", f"{marker} budget").json()["hits"]
        assert hits and hits[0]["id"].startswith(world.documents[tenant]), (tenant, hits[:2])


def test_documents_stay_in_their_tenant(world: World) -> None:
    for tenant in TENANTS:
        other = next(t for t in TENANTS if t != tenant)
        listed = get(world, "/v1/documents", tenant, "editor").json()
        assert world.documents[tenant] in [d["id"] for d in listed]
        assert {d["tenant"] for d in listed} == {tenant} and world.documents[other] not in str(listed)
        below = get(world, "/v1/documents", tenant, "analyst").json()  # confidential: editor and up
        assert world.documents[tenant] not in str(below) and all(
            d["classification"] != "confidential" for d in below
        )
        own = get(world, f"/v1/documents/{world.documents[tenant]}", tenant, "admin")
        assert own.status_code == 200 and own.json()["chunks"] >= 1
        for role in ("analyst", "editor", "admin"):
            theirs = get(world, f"/v1/documents/{world.documents[other]}", tenant, role)
            assert theirs.status_code == 404
            deleted = world.client.delete(
                f"/v1/documents/{world.documents[other]}", headers=world.headers(tenant, role)
            )
            assert deleted.status_code in (403, 404)
            graph = get(world, f"/v1/graph/document/{world.documents[other]}", tenant, role)
            assert graph.status_code == 404
        assert get(world, f"/v1/documents/{world.documents[other]}", other, "editor").status_code == 200


def test_an_upload_below_the_callers_clearance_is_refused_and_delete_unindexes(world: World) -> None:
    editor = world.headers("acme", "editor")
    marker = "Wombatgrist"
    made = world.client.post("/v1/documents", headers=editor, json={
        "title": f"{marker} note", "text": f"The {marker} supplier ships on Fridays. " * 5, "classification": "internal"})  # fmt: skip
    assert made.status_code == 201
    doc = made.json()["id"]
    assert search(world, "acme", "analyst", f"{marker} supplier").json()["hits"][0]["id"].startswith(doc)
    assert doc not in search(world, "globex", "analyst", f"{marker} supplier").text
    assert world.client.delete(f"/v1/documents/{doc}", headers=editor).status_code == 204
    assert doc not in search(world, "acme", "analyst", f"{marker} supplier").text
    indexes = world.ctx.indexes
    assert not any(i.startswith(doc) for i in indexes.vectors.ids() | indexes.keywords.ids())


def chat(world: World, tenant: str, role: str, question: str, **extra: object):  # type: ignore[no-untyped-def]
    return world.client.post(
        "/v1/chat", headers=world.headers(tenant, role), json={"question": question, **extra}
    )


def test_chat_cites_a_tenants_document_only_inside_that_tenant(world: World) -> None:
    question = f"What is the {DOC_MARKERS['acme']} budget?"
    own = chat(world, "acme", "editor", question)
    assert own.status_code == 200, own.text
    body = own.json()
    assert any(c["id"].startswith(world.documents["acme"]) for c in body["citations"]), body
    for tenant, role in (("globex", "editor"), ("globex", "admin"), ("acme", "viewer"), ("acme", "analyst")):
        response = chat(world, tenant, role, question)
        assert response.status_code == 200
        assert_no_leak(world, tenant, role, response.text, question)


def test_streamed_chat_keeps_the_same_filter(world: World) -> None:
    question = f"Summarise the {DOC_MARKERS['globex']} plan and the {INTERNAL_MARKER} memo."
    for tenant, role in (("acme", "editor"), ("globex", "viewer")):
        response = world.client.post("/v1/chat/stream", headers=world.headers(tenant, role),
                                     json={"question": question})  # fmt: skip
        assert response.status_code == 200 and response.headers["content-type"].startswith(
            "text/event-stream"
        )
        events = [line for line in response.text.splitlines() if line.startswith("event: ")]
        assert events[0] == "event: meta" and events[-1] == "event: done"
        assert_no_leak(world, tenant, role, response.text, question)
    own = world.client.post(
        "/v1/chat/stream", headers=world.headers("globex", "editor"), json={"question": question}
    )
    citations = next(
        json.loads(line.removeprefix("data: "))
        for prev, line in zip(own.text.splitlines(), own.text.splitlines()[1:], strict=False)
        if prev == "event: citations"
    )
    assert any(c["id"].startswith(world.documents["globex"]) for c in citations)


def test_conversations_and_feedback_belong_to_their_user(world: World) -> None:
    first = chat(world, "acme", "editor", f"When is the {DOC_MARKERS['acme']} launch date?").json()
    conv = first["conversation_id"]
    follow = chat(world, "acme", "editor", "And what is its budget?", conversation_id=conv)
    assert follow.status_code == 200 and follow.json()["conversation_id"] == conv
    turns = get(world, f"/v1/conversations/{conv}", "acme", "editor").json()
    assert [t["question"] for t in turns][1] == "And what is its budget?"
    for tenant, role in (("acme", "admin"), ("acme", "viewer"), ("globex", "editor")):
        assert get(world, f"/v1/conversations/{conv}", tenant, role).status_code == 404
        stolen = chat(world, tenant, role, "And the launch date?", conversation_id=conv)
        assert stolen.status_code == 404
        feedback = world.client.post("/v1/feedback", headers=world.headers(tenant, role),
                                     json={"message_id": first["message_id"], "rating": 1})  # fmt: skip
        assert feedback.status_code in (403, 404)
    mine = world.client.post("/v1/feedback", headers=world.headers("acme", "editor"),
                             json={"message_id": first["message_id"], "rating": -1, "comment": "too short"})  # fmt: skip
    assert mine.status_code == 201

"""Every page under Streamlit's `AppTest`, against the running API (tests/ui/conftest.py)."""

from __future__ import annotations

import json
import shutil
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select
from streamlit.testing.v1 import AppTest

from api.app import create_app
from services.state import Feedback

from .conftest import APP_FILE, UiWorld

REPO = Path(__file__).resolve().parents[2]
TIMEOUT = 300  # the first answer loads nothing new, but 2 shared cores are slow


def open_page(world: UiWorld, role: str, page: str | None = None, **session: Any) -> AppTest:
    """The app signed in as `role` (as the sign-in page leaves it), on `page`."""
    at = AppTest.from_file(APP_FILE, default_timeout=TIMEOUT)
    client = world.client(role)
    at.session_state["auth.client"] = client
    at.session_state["auth.me"] = client.me()
    for key, value in session.items():
        at.session_state[key] = value
    at.run()
    if page:
        at.switch_page(page).run()
    assert not at.exception, at.exception
    assert not at.get("help"), "a bare expression in a page was shown by Streamlit's magic"
    return at


def texts(at: AppTest) -> str:
    parts = [e.value for kind in ("markdown", "caption", "title", "subheader", "error", "warning", "info",
                                  "success") for e in getattr(at, kind)]  # fmt: skip
    parts += [e.value for e in at.sidebar.markdown]
    return "\n".join(str(p) for p in parts)


def first_model(world: UiWorld, q: str) -> dict[str, Any]:
    page = world.client("viewer").models()
    rows = world.ctx.store.read(
        "MATCH (m:Model) WHERE toLower(m.name) CONTAINS $q AND m.context_length IS NOT NULL "
        "RETURN m.id AS id, m.name AS name, m.context_length AS context ORDER BY m.id LIMIT 1",
        q=q,
    )
    assert rows and page.total > 0
    return dict(rows[0])


# -- sign-in -------------------------------------------------------------------------------------
def test_sign_in_rejects_a_bad_key_and_accepts_a_good_one(ui_world: UiWorld) -> None:
    at = AppTest.from_file(APP_FILE, default_timeout=TIMEOUT).run()
    at.text_input(key="auth.key_input").input("llmx_not-a-real-key")
    at.button[0].click().run()
    assert "unknown, expired or revoked" in texts(at)
    assert "auth.me" not in at.session_state

    at.text_input(key="auth.key_input").input(ui_world.keys["analyst"])
    at.button[0].click().run()
    assert not at.exception
    me = at.session_state["auth.me"]
    assert (me.name, me.role, me.tenant) == ("analyst@acme", "analyst", "acme")
    assert at.title[0].value == "Chat"  # on to the first page the role may use


def test_the_sidebar_names_the_user(ui_world: UiWorld) -> None:
    # AppTest drops the sidebar after a page switch, and puts back the session state a test set on every
    # run: the sidebar is read on the first page here, and signing out is checked in the browser test.
    at = open_page(ui_world, "editor")
    assert "**editor@acme** · editor · tenant `acme`" in texts(at)
    assert at.sidebar.button(key="auth.sign_out").label == "Sign out"


# -- chat ----------------------------------------------------------------------------------------
def test_chat_streams_a_cited_answer_shows_its_family_and_takes_feedback(ui_world: UiWorld) -> None:
    model = first_model(ui_world, "llama")
    at = open_page(ui_world, "analyst", "pages/chat.py")
    at.chat_input(key="chat.input").set_value(f"What is the context length of {model['name']}?").run()
    assert not at.exception, at.exception
    [turn] = at.session_state["chat.turns"]
    assert turn["message_id"] and turn["conversation_id"].startswith("conv-")
    assert turn["citations"], turn
    shown = texts(at)
    assert turn["answer"] and turn["answer"] in shown
    assert any(e.label.startswith("[1]") for e in at.expander)
    assert f"{model['context']:,}".replace(",", "") in turn["answer"].replace(",", "")

    at.chat_input(key="chat.input").set_value(f"When was {model['name']} released?").run()
    assert not at.exception, at.exception
    second = at.session_state["chat.turns"][1]
    assert second["conversation_id"] == turn["conversation_id"] and second["family"] == "attribute"
    # The streamed answer's analysis sits in an expander under each answer, shown on demand.
    understood = [e for e in at.expander if e.label == "How the question was understood"]
    assert len(understood) == 2
    assert "Question family: **attribute**" in texts(at)
    assert "template" in second and "plan" in second

    db = ui_world.app.state.services.db
    with db.session() as s:
        before = s.scalar(select(func.count()).select_from(Feedback))
    at.get("feedback")[0].set_value(1).run()  # thumbs up
    with db.session() as s:
        assert s.scalar(select(func.count()).select_from(Feedback)) == before + 1


def test_chat_lists_past_conversations_and_reopens_one(ui_world: UiWorld) -> None:
    client = ui_world.client("viewer")
    model = first_model(ui_world, "llama")
    question = f"What is the context length of {model['name']}?"
    reply = client.chat(question)
    other = ui_world.client("analyst").chat(question).conversation_id  # someone else's
    at = open_page(ui_world, "viewer")  # the chat is a viewer's first page: its sidebar is there
    assert at.title[0].value == "Chat"
    keys = [b.key for b in at.sidebar.button if b.key and b.key.startswith("chat.open.")]
    assert f"chat.open.{reply.conversation_id}" == keys[0], "the newest conversation comes first"
    assert f"chat.open.{other}" not in keys
    at.sidebar.button(key=f"chat.open.{reply.conversation_id}").click().run()
    assert not at.exception, at.exception
    assert at.session_state["chat.conversation"] == reply.conversation_id
    [turn] = at.session_state["chat.turns"]
    assert turn["question"] == question and turn["answer"] == reply.answer
    assert reply.answer in texts(at)
    assert turn["family"] == reply.family, "a reopened answer still says how it was understood"
    assert f"Question family: **{reply.family}**" in texts(at)


def test_chat_for_a_viewer_has_no_feedback_buttons(ui_world: UiWorld) -> None:
    turn = {"question": "q", "answer": "a [1]", "citations": [], "message_id": 1, "conversation_id": "conv-x"}
    at = open_page(ui_world, "viewer", "pages/chat.py", **{"chat.turns": [turn]})
    assert "a [1]" in texts(at)
    assert not at.get("feedback")


# -- explorer ------------------------------------------------------------------------------------
def test_explorer_filters_and_sorts_the_catalog(ui_world: UiWorld) -> None:
    at = open_page(ui_world, "viewer", "pages/explorer.py")
    everything = at.dataframe[0].value
    assert len(everything) > 10
    at.text_input(key="explorer.q").input("llama")
    at.selectbox(key="explorer.sort").select("release_date")
    at.button[0].click().run()  # the form's "Apply filters"
    frame = at.dataframe[0].value
    assert 0 < len(frame) < len(everything)
    assert all("llama" in (f"{m} {i}").lower() for m, i in zip(frame["model"], frame["id"], strict=True))
    dates = [d for d in frame["released"] if d]
    assert dates == sorted(dates, reverse=True) or dates == sorted(dates)
    assert at.selectbox(key="explorer.open").options


def test_explorer_applies_the_new_filters_server_side(ui_world: UiWorld) -> None:
    """Licence, input modality and price together: the rows are exactly the graph's matches."""
    [want] = ui_world.ctx.store.read(
        "MATCH (m:Model)-[:HAS_LICENSE]->(:License {id: 'apache-2.0'}) "
        "WHERE EXISTS { MATCH (m)-[:SUPPORTS_INPUT]->(:Modality {id: 'text'}) } "
        "AND EXISTS { MATCH (:Provider)-[s:SERVES]->(m) WHERE s.input_usd_per_1m <= 1.0 } "
        "RETURN collect(m.id) AS ids"
    )
    assert want["ids"], "the seeded catalog has no model for this filter"
    at = open_page(ui_world, "viewer", "pages/explorer.py")
    total = len(at.dataframe[0].value)
    at.text_input(key="explorer.license").input("apache-2.0")
    at.multiselect(key="explorer.inputs").select("text")
    at.number_input(key="explorer.max_price").set_value(1.0)
    at.selectbox(key="explorer.sort").select("input_price")
    at.button[0].click().run()
    assert not at.exception, at.exception
    frame = at.dataframe[0].value
    assert set(frame["id"]) == set(want["ids"]) and len(frame) < total
    assert set(frame["licence"]) == {"apache-2.0"} and all(p <= 1.0 for p in frame["input $/1M"])
    assert list(frame["input $/1M"]) == sorted(frame["input $/1M"])
    assert f"{len(want['ids'])} models match" in texts(at)


# -- model page ----------------------------------------------------------------------------------
def test_model_page_shows_facts_provenance_benchmarks_and_graph(ui_world: UiWorld) -> None:
    model = first_model(ui_world, "llama")
    at = open_page(ui_world, "viewer", "pages/model.py", **{"model.id": model["id"]})
    assert at.title[0].value == model["name"]
    assert [t.label for t in at.tabs][:6] == [
        "Facts & provenance", "Benchmarks", "Providers & prices", "Lineage", "News & topics", "Graph",
    ]  # fmt: skip
    facts = at.dataframe[0].value
    assert "context_length" in set(facts["fact"])
    row = facts[facts["fact"] == "context_length"].iloc[0]
    assert row["value"] == str(model["context"]) and row["source"]
    assert at.selectbox(key="model.walk").options  # the neighbourhood was drawn and can be walked


def test_model_page_counts_the_topics_of_its_news(ui_world: UiWorld) -> None:
    [top] = ui_world.ctx.store.read(
        "MATCH (a:Article)-[:MENTIONS]->(m:Model), (a)-[:ABOUT]->(t:Topic) "
        "WITH m, t, count(DISTINCT a) AS n ORDER BY n DESC, m.id, t.id LIMIT 1 "
        "RETURN m.id AS model, t.name AS topic, n"
    )
    at = open_page(ui_world, "viewer", "pages/model.py", **{"model.id": top["model"]})
    topics = next(d.value for d in at.dataframe if "articles" in d.value.columns)
    row = topics[topics["topic"] == top["topic"]].iloc[0]
    assert row["articles"] == top["n"]


def test_model_page_says_when_a_model_does_not_exist(ui_world: UiWorld) -> None:
    at = open_page(ui_world, "viewer", "pages/model.py", **{"model.id": "no-such-model-xyz"})
    assert "Not found" in texts(at)


# -- comparison ----------------------------------------------------------------------------------
def test_compare_puts_two_models_side_by_side(ui_world: UiWorld) -> None:
    ids = [m.id for m in ui_world.client("viewer").models().items[:2]]
    at = open_page(ui_world, "viewer", "pages/compare.py", **{"compare.ids": ids})
    table = at.dataframe[0].value
    names = [s.value for s in at.subheader]
    assert len(names) == 2 and list(table.columns) == names
    assert "context length" in table.index
    assert len(at.get("vega_lite_chart")) == 2  # benchmark bars, context vs price


def test_compare_takes_at_most_four(ui_world: UiWorld) -> None:
    ids = [m.id for m in ui_world.client("viewer").models().items[:5]]
    at = open_page(ui_world, "viewer", "pages/compare.py", **{"compare.ids": ids})
    assert "up to 4" in texts(at)
    assert len(at.subheader) == 4


# -- news ----------------------------------------------------------------------------------------
def test_news_lists_articles_with_sentiment_and_filters_by_model(ui_world: UiWorld) -> None:
    at = open_page(ui_world, "viewer", "pages/news.py")
    frame = at.dataframe[0].value
    assert len(frame) > 0 and {"title", "published", "source", "link"} <= set(frame.columns)
    scored = "sentiment" in frame.columns
    assert scored == ("does not report sentiment" not in texts(at))
    [top] = ui_world.ctx.store.read(
        "MATCH (a:Article)-[:MENTIONS]->(m:Model) RETURN m.id AS id, count(a) AS n ORDER BY n DESC, id LIMIT 1"
    )
    at.text_input(key="news.model").input(top["id"])
    at.button[0].click().run()
    narrowed = at.dataframe[0].value
    assert len(narrowed) == min(top["n"], 100) and len(narrowed) < len(frame)


def test_news_filters_by_date(ui_world: UiWorld) -> None:
    at = open_page(ui_world, "viewer", "pages/news.py")
    newest = max(at.dataframe[0].value["published"])
    at.date_input(key="news.since").set_value(date.fromisoformat(newest))
    at.button[0].click().run()
    narrowed = at.dataframe[0].value
    assert len(narrowed) > 0 and min(narrowed["published"]) >= newest


# -- admin and access ----------------------------------------------------------------------------
def test_admin_sees_every_tab_and_can_create_a_user(ui_world: UiWorld) -> None:
    at = open_page(ui_world, "admin", "pages/admin.py")
    assert [t.label for t in at.tabs][:5] == [
        "Jobs",
        "Documents",
        "Users, keys & roles",
        "Adapters",
        "Monitoring",
    ]
    at.text_input(key="admin.user_name").input("newcomer@acme")
    at.selectbox(key="admin.user_role").select("analyst")
    at.button(key="FormSubmitter:admin.user_form-Create user").click().run()
    assert "Created newcomer@acme (analyst)" in texts(at)
    assert "newcomer@acme" in {u.name for u in ui_world.client("admin").users()}


def test_admin_reads_adapter_reports_and_answer_quality(ui_world: UiWorld) -> None:
    """The shipped candidate adapter's evaluation report through GET /v1/adapters/{name}/report, and
    the answer-quality indicators per day (the answer log of this API and its thumbs)."""
    target = ui_world.settings.adapters_dir / "ui-candidate"
    if not target.exists():
        shutil.copytree(REPO / "adapters" / "candidate", target)
    heading = (target / "report.md").read_text().splitlines()[0].lstrip("# ").strip()
    client = ui_world.client("admin")
    client.chat("What is the context length of Claude 3.5 Haiku?")  # one logged answer at least
    at = open_page(ui_world, "admin", "pages/admin.py")
    shown = texts(at)
    assert heading in shown, "the adapter's report.md is shown"
    assert "Answer quality over time" in shown
    today = client.quality().days[-1]
    assert today.answers >= 1
    quality = next(d.value for d in at.dataframe if "grounding_pass" in d.value.columns)
    assert int(quality["answers"].iloc[-1]) == today.answers


def test_admin_sees_a_jobs_quarantined_rows(ui_world: UiWorld, shared_data: Path, tmp_path: Path) -> None:
    """A real news job (started through a second app over the same state database, with an ingest
    root) quarantines two rows; the admin page's job shows each with its key and reason."""
    (tmp_path / "news").mkdir()
    with (shared_data / "news" / "ai_news_direct_items.jsonl").open() as source:
        base = json.loads(next(source))  # already in the graph: re-reading it changes nothing
    bad = dict(base, id="ui-quarantine-probe", published_date="not a date at all")
    (tmp_path / "news" / "probe.jsonl").write_text(
        "\n".join(json.dumps(x) for x in (base, bad, [1, 2])) + "\n"
    )
    app = create_app(ui_world.settings.model_copy(update={"api_ingest_root": tmp_path}), ui_world.ctx)
    with TestClient(app) as api:
        headers = {"Authorization": f"Bearer {ui_world.keys['admin']}"}
        started = api.post("/v1/jobs", headers=headers, json={"kind": "news", "sources": ["probe.jsonl"]})
        assert started.status_code == 202, started.text
        app.state.services.jobs.wait(300)
        job = api.get(f"/v1/jobs/{started.json()['id']}", headers=headers).json()
    assert job["status"] == "succeeded" and job["summary"]["quarantined"] == 2, job
    at = open_page(ui_world, "admin", "pages/admin.py")
    rows = next(d.value for d in at.dataframe if "key" in d.value.columns and "reason" in d.value.columns)
    by_key = dict(zip(rows["key"], rows["reason"], strict=True))
    assert set(by_key) == {"ui-quarantine-probe", "line 3"}
    assert "date" in by_key["ui-quarantine-probe"]


@pytest.mark.parametrize("role", ["viewer", "analyst", "editor"])
def test_admin_page_is_not_in_the_menu_of_other_roles(ui_world: UiWorld, role: str) -> None:
    at = open_page(ui_world, role)
    with pytest.raises(ValueError, match="Could not find a navigation page"):
        at.switch_page("pages/admin.py")
    at.switch_page("pages/explorer.py").run()  # the pages they may use are there
    assert not at.exception


def test_a_403_from_the_api_is_a_clear_message(ui_world: UiWorld) -> None:
    """Signed in as an admin, then demoted: the page still shows, and the API's refusal is explained."""
    admin = ui_world.client("admin")
    user = admin.create_user("demoted@acme", "admin")
    token = admin.create_key(user.id).token
    at = AppTest.from_file(APP_FILE, default_timeout=TIMEOUT).run()
    at.text_input(key="auth.key_input").input(token)
    at.button[0].click().run()
    admin.update_user(user.id, role="viewer")
    at.switch_page("pages/admin.py").run()
    shown = texts(at)
    assert "Not allowed" in shown and "may not read users" in shown and "Your role is admin" in shown

"""News ingestion end to end: real news files, real catalog graph over Bolt, real MiniLM, real indexes."""

from __future__ import annotations

import http.server
import json
import re
import shutil
import threading
from collections.abc import Iterator, Sequence
from itertools import islice, pairwise
from pathlib import Path
from typing import Any

import pytest

from catalog.job import CatalogIngestJob
from catalog.news.inputs import NewsInput, inputs_from_specs
from catalog.news.job import NewsIngestJob
from catalog.readers.llm_stats import LlmStatsReader
from core.access import AccessFilter
from core.chunks import Chunk
from core.progress import LogProgress
from core.settings import Settings
from kg import news_queries as nq
from kg import queries
from kg.store import GraphStore
from rag.embedder import SentenceTransformerEmbedder
from rag.indexes import ChunkIndexes
from services.context import AppContext
from services.indexing import BufferedIndexSink
from services.ingest import NewsIngestResult, ingest_news
from tests.catalog.test_ingest import cli

SUBSET = {"ainews_issues.jsonl": 16, "ainews_stories.jsonl": 120, "ai_news_direct_items.jsonl": 120}


@pytest.fixture(scope="module")
def news_files(shared_data: Path, tmp_path_factory: pytest.TempPathFactory) -> list[Path]:
    """A slice of each real news layout (the full corpus is the benchmark's job)."""
    folder = tmp_path_factory.mktemp("news")
    files = []
    for name, count in SUBSET.items():
        with (shared_data / "news" / name).open() as source:
            lines = list(islice(source, count))
        (folder / name).write_text("".join(lines))
        files.append(folder / name)
    return files


def run_news(
    store: GraphStore, inputs: list[NewsInput], index_dir: Path, embedder, **kw: Any
) -> NewsIngestResult:
    """The news ingestion as the CLI and API run it: the job, then the model cards in both indexes."""
    ctx = AppContext(Settings(_env_file=None), store=store, indexes=ChunkIndexes(index_dir, embedder))  # type: ignore[call-arg]
    return ingest_news(ctx, inputs, **kw)


def file_inputs(
    files: list[Path], classification: str = "public", tmp: Path | None = None
) -> list[NewsInput]:
    return inputs_from_specs([str(f) for f in files], mapping=None, classification=classification,
                             state_dir=tmp or files[0].parent)  # fmt: skip


def snapshot(store: GraphStore) -> dict[str, Any]:
    return {
        "nodes": {r["label"]: r["count"] for r in store.read(queries.NODE_COUNTS)},
        "rels": {r["type"]: r["count"] for r in store.read(queries.RELATIONSHIP_COUNTS)},
        "chunks": sorted((r["id"], r["content_hash"]) for r in store.read(nq.CHUNK_HASHES)),
    }


@pytest.fixture(scope="module")
def catalog_graph(session_store: GraphStore, shared_data: Path) -> GraphStore:
    session_store.write(queries.DELETE_ALL)
    CatalogIngestJob(session_store, [LlmStatsReader(shared_data / "catalog" / "llm_stats")]).run()
    return session_store


@pytest.fixture(scope="module")
def clean_run(
    catalog_graph: GraphStore, news_files: list[Path], tmp_path_factory, embedder: SentenceTransformerEmbedder
) -> dict[str, Any]:
    index_dir = tmp_path_factory.mktemp("indexes")
    summary = run_news(catalog_graph, file_inputs(news_files), index_dir, embedder)
    return {"summary": summary, "snapshot": snapshot(catalog_graph), "index_dir": index_dir}


def test_articles_are_linked_tagged_and_indexed(clean_run: dict[str, Any], catalog_graph: GraphStore) -> None:
    s: NewsIngestResult = clean_run["summary"]
    assert s.read == sum(SUBSET.values())
    assert s.new + s.duplicates == s.read and s.new > 200
    store = catalog_graph
    counts = store.read(
        "MATCH (a:Article) RETURN count(a) AS articles, "
        "count { (a)-[:PUBLISHED_BY]->(:Source) } AS published, "
        "sum(CASE WHEN a.complete_hash = a.content_hash THEN 1 ELSE 0 END) AS complete, "
        "sum(CASE WHEN a.sentiment IS NULL THEN 1 ELSE 0 END) AS no_sentiment"
    )[0]
    assert counts["articles"] == s.new and counts["complete"] == s.new and counts["no_sentiment"] == 0
    mentioned = store.read(
        "MATCH (a:Article)-[r:MENTIONS]->(x) RETURN labels(x)[0] AS label, count(*) AS n, min(r.confidence) AS c"
    )
    by_label = {r["label"]: r["n"] for r in mentioned}
    assert by_label.get("Model", 0) > 25 and by_label.get("Organization", 0) > 50
    # every mention points at text that is really there
    edges = store.read(
        "MATCH (a:Article)-[r:MENTIONS]->(x) RETURN a.title + ' ' + a.body AS text, r.surface_forms AS forms"
    )
    assert all(any(f.lower() in e["text"].lower() for f in e["forms"]) for e in edges)
    topics = store.read(
        "MATCH (:Article)-[:ABOUT]->(t:Topic) RETURN t.id AS id, count(*) AS n ORDER BY n DESC"
    )
    assert len(topics) >= 5
    # the graph's chunks and both indexes agree
    expected = {r["id"]: r["content_hash"] for r in store.read(nq.CHUNK_HASHES)}
    report = ChunkIndexes(clean_run["index_dir"], SentenceTransformerEmbedder()).verify(expected)
    assert report.ok, report
    models = store.read("MATCH (:Model)-[:HAS_CHUNK]->(c:Chunk {kind: 'model'}) RETURN count(c) AS n")[0]["n"]
    assert models == store.read("MATCH (m:Model) RETURN count(m) AS n")[0]["n"]


def test_vector_and_keyword_search_find_the_story(clean_run: dict[str, Any], embedder) -> None:
    indexes = ChunkIndexes(clean_run["index_dir"], embedder)
    hits = indexes.search_vector("Which model has the largest context window?", 5, AccessFilter.public())
    assert len(hits) == 5
    keyword = indexes.search_keyword("Claude 3.5 Sonnet", 5, AccessFilter.public())
    assert keyword and all(h.score > 0 for h in keyword)


def test_rerun_adds_nothing(
    clean_run: dict[str, Any], catalog_graph: GraphStore, news_files: list[Path], embedder
) -> None:
    again = run_news(catalog_graph, file_inputs(news_files), clean_run["index_dir"], embedder)
    assert (again.new, again.updated, again.chunks_embedded, again.model_cards_embedded) == (0, 0, 0, 0)
    assert again.unchanged == clean_run["summary"].new
    assert snapshot(catalog_graph) == clean_run["snapshot"]


def test_model_cards_are_synced_beside_the_job_and_cards_of_gone_models_dropped(
    clean_run: dict[str, Any], catalog_graph: GraphStore, news_files: list[Path], embedder, tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:  # fmt: skip
    """News does not change the cards, so they are embedded from the start, while the job reads."""
    models = catalog_graph.read("MATCH (m:Model) RETURN count(m) AS n")[0]["n"]
    stale = ChunkIndexes(tmp_path, embedder)
    stale.upsert(
        [Chunk(id="gone-model#0", doc_id="gone-model", kind="model", text="A model no longer listed.")]
    )
    stale.save()
    seen_while_reading: list[int] = []
    real_read = NewsIngestJob._read

    indexes = ChunkIndexes(tmp_path, embedder)  # reads what is saved; the run's own object is busy

    def read_once_the_cards_are_in(job: NewsIngestJob) -> Any:
        for _ in range(600):  # up to 60 s: a card sync that waits for the job never gets here
            try:
                indexes.vectors.load()
            except FileNotFoundError:  # read the map just before a save replaced its index file
                continue
            if len(indexes.vectors.ids() - {"gone-model#0"}) >= models:
                break
            threading.Event().wait(0.1)
        seen_while_reading.append(len(indexes.vectors.ids() - {"gone-model#0"}))
        return real_read(job)

    monkeypatch.setattr(NewsIngestJob, "_read", read_once_the_cards_are_in)
    summary = run_news(catalog_graph, file_inputs(news_files), tmp_path, embedder)
    assert seen_while_reading == [models] and summary.model_cards_embedded == models
    assert summary.new == 0 and summary.unchanged == clean_run["summary"].new
    cards = {f"{r['id']}#0" for r in catalog_graph.read("MATCH (m:Model) RETURN m.id AS id")}
    assert ChunkIndexes(tmp_path, embedder).ids_of_kind("model") == cards  # gone-model#0 dropped


def test_crash_half_way_then_rerun_ends_like_a_clean_run(
    clean_run: dict[str, Any], catalog_graph: GraphStore, news_files: list[Path], embedder, tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:  # fmt: skip
    store = catalog_graph
    store.write("MATCH (n) WHERE n:Article OR n:Chunk OR n:Source OR n:Topic DETACH DELETE n")
    monkeypatch.setattr(embedder, "concurrent_calls", 2)  # two batches embed at once, as with ONNX
    calls = {"n": 0}
    real_save = ChunkIndexes.save

    def crash_on_second_batch(self: ChunkIndexes) -> None:
        if threading.current_thread() is threading.main_thread():  # the job's flush, not the cards'
            calls["n"] += 1
        if calls["n"] == 2:
            raise KeyboardInterrupt("simulated kill between the graph writes and the index save")
        real_save(self)

    monkeypatch.setattr(ChunkIndexes, "save", crash_on_second_batch)
    with pytest.raises(KeyboardInterrupt):
        run_news(store, file_inputs(news_files), tmp_path, embedder, batch_size=100, flush_every_s=0)
    monkeypatch.setattr(ChunkIndexes, "save", real_save)
    half = store.read("MATCH (a:Article) WHERE a.complete_hash IS NOT NULL RETURN count(a) AS n")[0]["n"]
    assert 0 < half < clean_run["summary"].new
    resumed = run_news(store, file_inputs(news_files), tmp_path, embedder, batch_size=100, flush_every_s=0)
    assert resumed.unchanged == half
    assert snapshot(store) == clean_run["snapshot"]
    expected = {r["id"]: r["content_hash"] for r in store.read(nq.CHUNK_HASHES)}
    assert ChunkIndexes(tmp_path, embedder).verify(expected).ok


def test_near_duplicates_are_linked_and_confidential_items_stay_out_of_public_search(
    catalog_graph: GraphStore, shared_data: Path, tmp_path: Path, embedder
) -> None:
    item = next(
        row
        for row in map(json.loads, (shared_data / "news" / "ai_news_direct_items.jsonl").open())
        if len(row["title"].split()) >= 6 and len(row.get("description") or "") > 300
    )
    # the same story re-published elsewhere: new URL, prefixed title, one sentence added
    twin = dict(item, id=item["id"] + "-mirror", source="mirror/blog", url=item["url"].rstrip("/") + "-mirror",
                title="OpenAI: " + item["title"], description=item["description"] + " Reported by a mirror.")  # fmt: skip
    secret = dict(item, id="memo-1", source="acme/internal", url="https://intranet.example/memo-1",
                  title="Quarterly zebra-unicorn acquisition memo", description="Zebra unicorn acquisition plan.")  # fmt: skip
    (tmp_path / "a.jsonl").write_text(json.dumps(item) + "\n" + json.dumps(twin) + "\n")
    (tmp_path / "secret.jsonl").write_text(json.dumps(secret) + "\n")
    inputs = file_inputs([tmp_path / "a.jsonl"], tmp=tmp_path)
    inputs += file_inputs([tmp_path / "secret.jsonl"], classification="confidential", tmp=tmp_path)
    summary = run_news(catalog_graph, inputs, tmp_path / "idx", embedder)
    assert summary.near_duplicates == 1
    linked = catalog_graph.read(
        "MATCH (a:Article)-[r:NEAR_DUPLICATE_OF]->(b:Article) RETURN a.title AS a, b.title AS b"
    )
    assert linked == [{"a": twin["title"], "b": item["title"]}]
    indexes = ChunkIndexes(tmp_path / "idx", embedder)
    public = indexes.search_keyword("zebra unicorn acquisition", 5, AccessFilter.public())
    assert all(not h.chunk_id.startswith(_article_id(catalog_graph, secret["title"])) for h in public)
    everything = indexes.search_keyword("zebra unicorn acquisition", 5, AccessFilter.everything())
    assert everything and everything[0].chunk_id.startswith(_article_id(catalog_graph, secret["title"]))


def _article_id(store: GraphStore, title: str) -> str:
    return store.read("MATCH (a:Article {title: $t}) RETURN a.id AS id", t=title)[0]["id"]


def test_same_url_twice_with_other_content_is_stable_across_runs(
    catalog_graph: GraphStore, shared_data: Path, tmp_path: Path, embedder
) -> None:
    rows = [
        json.loads(line)
        for line in islice((shared_data / "news" / "ai_news_direct_items.jsonl").open(), 3000, 3002)
    ]
    edited = dict(rows[0], description=(rows[0].get("description") or "") + " Updated later with more text.")
    path = tmp_path / "feed.jsonl"
    path.write_text("".join(json.dumps(r) + "\n" for r in (rows[0], rows[1], edited)))
    first = run_news(catalog_graph, file_inputs([path], tmp=tmp_path), tmp_path / "idx", embedder)
    assert (first.new, first.duplicates) == (2, 1)
    again = run_news(catalog_graph, file_inputs([path], tmp=tmp_path), tmp_path / "idx", embedder)
    assert (again.new, again.updated, again.unchanged, again.duplicates, again.chunks_embedded) == (
        0,
        0,
        2,
        1,
        0,
    )


def test_malformed_items_are_quarantined(
    catalog_graph: GraphStore, shared_data: Path, tmp_path: Path, embedder
) -> None:
    good = json.loads(next(iter((shared_data / "news" / "ai_news_direct_items.jsonl").open())))
    bad_date = dict(good, id="x1", url="https://example.org/x1", published_date="yesterday-ish")
    no_text = dict(good, id="x2", url="https://example.org/x2", title="", description="")
    path = tmp_path / "items.jsonl"
    path.write_text("\n".join(json.dumps(x) for x in (good, bad_date, no_text)) + "\n")
    summary = run_news(catalog_graph, file_inputs([path], tmp=tmp_path), tmp_path / "idx", embedder)
    assert summary.quarantined == 2
    rows = catalog_graph.read(
        "MATCH (q:QuarantinedRow) WHERE q.source STARTS WITH 'news:' RETURN q.reason AS r"
    )
    assert len(rows) == 2 and all(r["r"] for r in rows)


class _FeedHandler(http.server.BaseHTTPRequestHandler):
    body = b""
    etag = '"v1"'
    requests: list[dict[str, str]] = []

    def do_GET(self) -> None:  # noqa: N802 (http.server's naming)
        type(self).requests.append(dict(self.headers))
        if self.headers.get("If-None-Match") == self.etag:
            self.send_response(304)
            self.end_headers()
            return
        self.send_response(200)
        self.send_header("Content-Type", "application/rss+xml")
        self.send_header("ETag", self.etag)
        self.end_headers()
        self.wfile.write(self.body)

    def log_message(self, *args: Any) -> None:
        pass


@pytest.fixture
def feed_server(shared_data: Path) -> Iterator[str]:
    # five real lab posts that the module's subset does not contain
    lines = islice((shared_data / "news" / "ai_news_direct_items.jsonl").open(), 1000, 1005)
    rows = [json.loads(line) for line in lines]
    items = "".join(
        f"<item><title>{r['title']}</title><link>{r['url']}</link><description>{r.get('description') or ''}"
        "</description><pubDate>Mon, 06 Oct 2025 12:00:00 GMT</pubDate></item>"
        for r in rows
    ).replace("&", "&amp;")
    _FeedHandler.body = f'<?xml version="1.0"?><rss version="2.0"><channel><title>Lab feed</title>{items}</channel></rss>'.encode()
    _FeedHandler.requests = []
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _FeedHandler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}/feed.xml"
    server.shutdown()


def _reset_news(store: GraphStore, settings: Settings) -> None:
    """Other tests index into their own folders; the CLI's checks need the graph and its folder to agree."""
    store.write("MATCH (n) WHERE n:Article OR n:Chunk OR n:Source OR n:Topic DETACH DELETE n")
    shutil.rmtree(settings.index_dir, ignore_errors=True)
    shutil.rmtree(settings.feed_state_dir, ignore_errors=True)


def test_local_http_feed_honours_etag(
    catalog_graph: GraphStore, graph_settings: Settings, feed_server: str
) -> None:
    _reset_news(catalog_graph, graph_settings)
    first = cli(graph_settings, "ingest", "news", feed_server, "--json")
    assert first.returncode == 0, first.stderr
    assert json.loads(first.stdout)["new"] == 5
    second = cli(graph_settings, "ingest", "news", feed_server, "--json")
    summary = json.loads(second.stdout)
    assert summary["not_modified_feeds"] == 1 and summary["read"] == 0
    assert _FeedHandler.requests[-1].get("If-None-Match") == '"v1"'
    assert "LLMXplorer" in _FeedHandler.requests[0].get("User-Agent", "")
    # the CLI's indexes agree with the graph
    verify = cli(graph_settings, "index", "verify", "--json")
    assert verify.returncode == 0, verify.stdout + verify.stderr
    assert json.loads(verify.stdout)["ok"] is True


def test_index_verify_detects_damage_and_rebuild_repairs(
    catalog_graph: GraphStore, graph_settings: Settings, news_files: list[Path]
) -> None:
    _reset_news(catalog_graph, graph_settings)
    assert cli(graph_settings, "ingest", "news", str(news_files[0])).returncode == 0
    assert cli(graph_settings, "index", "verify").returncode == 0
    indexes = ChunkIndexes(graph_settings.index_dir, SentenceTransformerEmbedder())
    victim = sorted(indexes.vectors.ids())[:3]
    indexes.remove(victim)
    indexes.save()
    damaged = cli(graph_settings, "index", "verify", "--json")
    assert damaged.returncode == 1 and json.loads(damaged.stdout)["missing"] == 3
    repaired = cli(graph_settings, "index", "rebuild")
    assert repaired.returncode == 0, repaired.stderr
    assert cli(graph_settings, "index", "verify").returncode == 0


def test_unknown_source_is_a_clear_error(graph_settings: Settings, tmp_path: Path) -> None:
    result = cli(graph_settings, "ingest", "news", str(tmp_path / "nope.xml"))
    assert result.returncode == 2 and "does not exist" in result.stderr
    odd = tmp_path / "odd.jsonl"
    odd.write_text('{"foo": 1}\n')
    result = cli(graph_settings, "ingest", "news", str(odd))
    assert result.returncode != 0 and "odd.jsonl" in result.stderr


def test_other_jsonl_needs_and_takes_a_field_mapping(
    catalog_graph: GraphStore, graph_settings: Settings, shared_data: Path, tmp_path: Path
) -> None:
    rows = [
        json.loads(line)
        for line in islice((shared_data / "news" / "ainews_stories.jsonl").open(), 2000, 2003)
    ]
    own = [
        {"headline": r["headline"], "body": r["text"], "when": r["date"], "link": r["url"], "key": r["id"]}
        for r in rows
    ]
    path = tmp_path / "mine.jsonl"
    path.write_text("".join(json.dumps(r) + "\n" for r in own))
    unmapped = cli(graph_settings, "ingest", "news", str(path))
    assert unmapped.returncode != 0 and "mapping" in unmapped.stderr.lower()
    mapping = {"name": "mine", "source": "acme", "id": "key", "title": "headline", "text": "body",
               "published": "when", "url": "link", "url_is_permalink": False}  # fmt: skip
    mapped = cli(graph_settings, "ingest", "news", str(path), "--mapping", json.dumps(mapping), "--json")
    assert mapped.returncode == 0, mapped.stderr
    assert json.loads(mapped.stdout)["new"] == 3
    # stderr is a pipe here, not a terminal: progress comes as plain lines, not as (invisible) bars
    assert "articles: started, 3 to do" in mapped.stderr and "articles: done, 3 in" in mapped.stderr
    titles = catalog_graph.read("MATCH (a:Article {source: 'acme'}) RETURN a.title AS t ORDER BY t")
    assert [r["t"] for r in titles] == sorted(r["headline"] for r in rows)


class RecordingSink(BufferedIndexSink):
    """The real buffered index sink, noting the dates of the chunks in the order they arrive."""

    def __init__(self, indexes: ChunkIndexes) -> None:
        super().__init__(indexes)
        self.dates: list[str] = []
        self.flushes = 0

    def add(self, chunks: Sequence[Chunk]) -> int:
        self.dates += [c.date or "" for c in chunks]
        return super().add(chunks)

    def flush(self) -> None:
        self.flushes += 1
        super().flush()


def test_newest_news_is_indexed_first_with_progress_in_a_plain_log(
    catalog_graph: GraphStore, news_files: list[Path], embedder, tmp_path: Path
) -> None:
    store = catalog_graph
    store.write("MATCH (n) WHERE n:Article OR n:Chunk OR n:Source OR n:Topic DETACH DELETE n")
    lines: list[str] = []
    sink = RecordingSink(ChunkIndexes(tmp_path, embedder))
    clock = iter(range(0, 10_000, 3))  # every call 3 s later: each advance may print a line
    progress = LogProgress(lines.append, interval_s=5, clock=lambda: float(next(clock)))
    summary = NewsIngestJob(store, file_inputs(news_files), sink, progress=progress, batch_size=40).run()
    dated = [d for d in sink.dates if d]
    inversions = sum(a < b for a, b in pairwise(dated))  # only where a near-duplicate follows its story
    assert len(dated) > 200 and inversions <= summary.near_duplicates, "newest articles first"
    assert dated[0] == max(dated)
    assert sink.flushes == 1  # one durable save at the end of this short run, not one per batch
    done = store.read("MATCH (a:Article) WHERE a.complete_hash = a.content_hash RETURN count(a) AS n")[0]["n"]
    assert done == summary.new
    running = [line for line in lines if line.startswith("articles: ") and "/s" in line and "left" in line]
    assert running, lines
    assert re.fullmatch(r"articles: \d+/\d+ \(\d+\.\d%\), \d+\.\d/s, \S+ left", running[0]), running[0]
    assert lines[-1].startswith(f"articles: done, {summary.new} in")


def test_new_and_updated_articles_are_written_alike(
    catalog_graph: GraphStore, shared_data: Path, tmp_path: Path, embedder
) -> None:
    """A new article is CREATEd (properties in the pattern), a stored one MERGEd: both paths must
    leave the same properties, one PUBLISHED_BY, and links without doubles."""
    items = (json.loads(line) for line in (shared_data / "news" / "ai_news_direct_items.jsonl").open())
    rows = list(islice((r for r in items if r.get("description")), 1000, 1002))
    path = tmp_path / "feed.jsonl"
    path.write_text("".join(json.dumps(r) + "\n" for r in rows))
    first = run_news(catalog_graph, file_inputs([path], tmp=tmp_path), tmp_path / "idx", embedder)
    assert first.new == 2
    extra = " OpenAI compares GPT-4o with Claude 3.5 Sonnet by Anthropic on a new benchmark leaderboard."
    edited = dict(rows[0], description=(rows[0].get("description") or "") + extra)
    path.write_text("".join(json.dumps(r) + "\n" for r in (edited, rows[1])))
    again = run_news(catalog_graph, file_inputs([path], tmp=tmp_path), tmp_path / "idx", embedder)
    assert (again.new, again.updated, again.unchanged) == (0, 1, 1)

    articles = catalog_graph.read(
        "MATCH (a:Article) WHERE a.source_key IN $keys RETURN a.source_key AS key, a.id AS id, "
        "properties(a) AS props, count { (a)-[:PUBLISHED_BY]->() } AS published",
        keys=[r["id"] for r in rows],
    )
    by_key = {r["key"]: r for r in articles}
    updated, created = by_key[rows[0]["id"]], by_key[rows[1]["id"]]
    assert extra.strip() in " ".join(updated["props"]["body"].split())
    keys = [{k for k, v in a["props"].items() if v is not None} - {"near_of", "near_reason"}
            for a in (updated, created)]  # fmt: skip
    assert keys[0] == keys[1] and "complete_hash" in keys[0]
    assert updated["published"] == created["published"] == 1
    links = catalog_graph.read(
        "MATCH (a:Article {id: $id})-[r:MENTIONS|ABOUT]->(x) RETURN x.id AS id, count(r) AS n",
        id=updated["id"],
    )
    ids = {r["id"] for r in links}
    assert {"openai", "anthropic", "benchmark"} <= ids
    assert all(r["n"] == 1 for r in links)


def test_create_queries_write_every_property_the_job_makes() -> None:
    """CREATE_ARTICLES and CREATE_ARTICLE_CHUNKS spell out their properties: a property added to the
    job's rows but not to the query would be silently dropped for new articles."""
    from datetime import UTC, datetime

    from catalog.chunking import _chunk_row, chunk_text
    from catalog.news.job import _article_props, _Work
    from catalog.news.records import ArticleRecord
    from catalog.news.sentiment import analyze

    def spelled(query: str) -> set[str]:
        return set(re.findall(r"row\.props\.(\w+)", query.split("WITH", 1)[0]))

    record = ArticleRecord.model_validate(
        {
            "id": "a1",
            "title": "A title",
            "url": "https://example.org/a",
            "source": "s",
            "source_key": "k",
            "summary": "Some text.",
            "published": datetime(2025, 1, 1, tzinfo=UTC),
            "content_hash": "0" * 64,
        }  # fmt: skip
    )
    article = _article_props(_Work(record, "public"), analyze("Some text."))
    assert spelled(nq.CREATE_ARTICLES) == set(article)
    chunk = chunk_text("a1", "Some text.", kind="article", chunk_size=100, chunk_overlap=10)[0]
    assert spelled(nq.CREATE_ARTICLE_CHUNKS) == set(_chunk_row(chunk)["props"])


def test_batches_start_small_and_double_up_to_the_batch_size() -> None:
    from catalog.news.job import _spans

    assert list(_spans(1000, 300, first=50)) == [
        (0, 50),
        (50, 150),
        (150, 350),
        (350, 650),
        (650, 950),
        (950, 1000),
    ]
    assert list(_spans(30, 1000, first=50)) == [(0, 30)]
    assert list(_spans(0, 100)) == []
    spans = list(_spans(24090, 1000))
    assert spans[0] == (0, 50) and spans[-1][1] == 24090
    assert all(a[1] == b[0] for a, b in pairwise(spans))

"""Feed fetching against a local HTTP server started by the test (127.0.0.1, free port), never the web."""

from __future__ import annotations

import json
import socket
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import ClassVar
from xml.sax.saxutils import escape

import httpx
import pytest

from catalog.news.fetch import USER_AGENT, FetchError, FetchState, fetch_feed
from catalog.news.readers import read_feed_content
from catalog.news.records import ArticleRecord

NEWS = Path(__file__).resolve().parents[2].parent / "shared" / "data" / "news"
ETAG = '"openai-news-v1"'
LAST_MODIFIED = "Wed, 16 Apr 2025 10:00:00 GMT"


def real_rss() -> bytes:
    """A small RSS 2.0 feed of the first real OpenAI news items in the corpus."""
    rows = []
    with (NEWS / "ai_news_direct_items.jsonl").open(encoding="utf-8") as handle:
        for line in handle:
            row = json.loads(line)
            if row["source"] == "openai" and row["type"] == "news":
                rows.append(row)
            if len(rows) == 3:
                break
    items = "".join(
        f"<item><title>{escape(r['title'])}</title><link>{escape(r['url'])}</link>"
        f"<description>{escape(r['description'])}</description></item>"
        for r in rows
    )
    return f'<rss version="2.0"><channel><title>OpenAI News</title>{items}</channel></rss>'.encode()


class Handler(BaseHTTPRequestHandler):
    feed: ClassVar[bytes] = b""
    requests: ClassVar[list[tuple[str, dict[str, str]]]] = []
    plans: ClassVar[dict[str, list[int]]] = {}  # path -> statuses still to answer before a 200

    def do_GET(self) -> None:  # noqa: N802 (http.server's naming)
        self.requests.append((self.path, dict(self.headers.items())))
        plan = self.plans.get(self.path)
        if plan:
            status = plan.pop(0)
            self.send_response(status)
            if status == 429:
                self.send_header("Retry-After", "7")
            self.send_header("Content-Length", "0")
            self.end_headers()
            return
        if self.path == "/missing":
            self.send_response(404)
            self.send_header("Content-Length", "0")
            self.end_headers()
            return
        if self.headers.get("If-None-Match") == ETAG:
            self.send_response(304)
            self.send_header("ETag", ETAG)
            self.end_headers()
            return
        self.send_response(200)
        self.send_header("Content-Type", "application/rss+xml; charset=utf-8")
        self.send_header("ETag", ETAG)
        self.send_header("Last-Modified", LAST_MODIFIED)
        self.send_header("Content-Length", str(len(self.feed)))
        self.end_headers()
        self.wfile.write(self.feed)

    def log_message(self, format: str, *args: object) -> None:  # quiet test output
        pass


@pytest.fixture(scope="module")
def server() -> Iterator[str]:
    Handler.feed = real_rss()
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}"
    httpd.shutdown()
    httpd.server_close()


@pytest.fixture
def client() -> Iterator[httpx.Client]:
    """A client that ignores proxy settings of the environment: these tests only talk to 127.0.0.1."""
    with httpx.Client(timeout=5.0, follow_redirects=True, trust_env=False) as http:
        yield http


@pytest.fixture(autouse=True)
def fresh_log() -> None:
    Handler.requests.clear()
    Handler.plans.clear()


def test_conditional_get_returns_not_modified_on_the_second_fetch(
    server: str, client: httpx.Client, tmp_path: Path
) -> None:
    url = f"{server}/openai.xml"
    first = fetch_feed(url, FetchState(tmp_path), client=client)
    assert (first.status, first.not_modified, first.etag) == (200, False, ETAG)
    assert first.content == Handler.feed and first.attempts == 1
    saved = json.loads((tmp_path / FetchState.FILENAME).read_text(encoding="utf-8"))
    assert saved["feeds"][url]["etag"] == ETAG and saved["feeds"][url]["last_modified"] == LAST_MODIFIED

    second = fetch_feed(url, FetchState(tmp_path), client=client)  # a new run reads the state file
    assert (second.status, second.not_modified, second.content) == (304, True, None)
    _, headers = Handler.requests[-1]
    assert headers["If-None-Match"] == ETAG and headers["If-Modified-Since"] == LAST_MODIFIED
    assert headers["User-Agent"] == USER_AGENT == "LLMXplorer/0.1 (+https://github.com/llmxplorer)"
    assert "If-None-Match" not in Handler.requests[0][1]

    records = [
        r
        for r in read_feed_content(first.content or b"", source="openai/news")
        if isinstance(r, ArticleRecord)
    ]
    assert [r.title for r in records][:1] == ["Introducing OpenAI"]


def test_without_state_nothing_is_conditional(server: str, client: httpx.Client) -> None:
    result = fetch_feed(f"{server}/openai.xml", None, client=client)
    assert result.status == 200 and result.content == Handler.feed
    assert "If-None-Match" not in Handler.requests[-1][1]


def test_uncommitted_fetch_leaves_the_state_alone(server: str, client: httpx.Client, tmp_path: Path) -> None:
    state = FetchState(tmp_path)
    result = fetch_feed(f"{server}/openai.xml", state, client=client, commit=False)
    assert not (tmp_path / FetchState.FILENAME).exists()
    state.commit(result)
    assert FetchState(tmp_path).validators(f"{server}/openai.xml")["If-None-Match"] == ETAG


def test_503_then_200_is_retried_with_backoff(server: str, client: httpx.Client) -> None:
    Handler.plans["/flaky"] = [503]
    waits: list[float] = []
    result = fetch_feed(f"{server}/flaky", client=client, backoff=0.5, sleep=waits.append)
    assert (result.status, result.attempts) == (200, 2)
    assert waits == [0.5]


def test_429_honours_retry_after_and_backoff_doubles(server: str, client: httpx.Client) -> None:
    Handler.plans["/busy"] = [429, 502, 500]
    waits: list[float] = []
    result = fetch_feed(f"{server}/busy", client=client, backoff=1.0, retries=3, sleep=waits.append)
    assert (result.status, result.attempts) == (200, 4)
    assert waits == [7.0, 2.0, 4.0]


def test_persistent_5xx_gives_up_with_a_clear_error(server: str, client: httpx.Client) -> None:
    Handler.plans["/down"] = [503] * 10
    waits: list[float] = []
    with pytest.raises(FetchError, match=r"failed after 3 attempts: HTTP 503"):
        fetch_feed(f"{server}/down", client=client, retries=2, sleep=waits.append)
    assert len(waits) == 2 and len(Handler.requests) == 3


def test_client_errors_are_not_retried(server: str, client: httpx.Client) -> None:
    with pytest.raises(FetchError, match="HTTP 404"):
        fetch_feed(f"{server}/missing", client=client, sleep=lambda _: None)
    assert len(Handler.requests) == 1


def test_connect_errors_are_retried_then_reported(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY", "http_proxy", "https_proxy", "all_proxy"):
        monkeypatch.delenv(name, raising=False)  # the default client must go straight to 127.0.0.1
    with socket.socket() as sock:  # a port nobody listens on
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    waits: list[float] = []
    with pytest.raises(FetchError, match=r"failed after 3 attempts: ConnectError"):
        fetch_feed(f"http://127.0.0.1:{port}/feed.xml", retries=2, timeout=2.0, sleep=waits.append)
    assert waits == [1.0, 2.0]


def test_unreadable_state_file_means_a_full_fetch(tmp_path: Path) -> None:
    (tmp_path / FetchState.FILENAME).write_text("{broken", encoding="utf-8")
    assert FetchState(tmp_path).validators("https://openai.com/news/rss.xml") == {}

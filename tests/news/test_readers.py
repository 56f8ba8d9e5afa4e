"""News readers on the real corpus in ../shared/data/news, plus feeds and broken files built from it."""

from __future__ import annotations

import json
from collections import Counter
from datetime import UTC, datetime
from email.utils import format_datetime
from pathlib import Path
from typing import Any
from xml.sax.saxutils import escape

import pytest

from catalog.news.canonical import canonical_url, content_hash, parse_published
from catalog.news.config import FeedConfigError, load_feeds, parse_feeds, read_local_feed
from catalog.news.readers import (
    FeedReader,
    FieldMapping,
    JsonFeedReader,
    JsonLinesReader,
    detect_format,
    read_feed_content,
    read_news,
)
from catalog.news.records import ArticleRecord, NewsSourceError, QuarantinedItem

ROOT = Path(__file__).resolve().parents[2]
NEWS = ROOT.parent / "shared" / "data" / "news"
ISSUES = NEWS / "ainews_issues.jsonl"
STORIES = NEWS / "ainews_stories.jsonl"
DIRECT = NEWS / "ai_news_direct_items.jsonl"


def split(items: Any) -> tuple[list[ArticleRecord], list[QuarantinedItem]]:
    items = list(items)
    records = [i for i in items if isinstance(i, ArticleRecord)]
    return records, [i for i in items if isinstance(i, QuarantinedItem)]


def raw_rows(path: Path) -> list[dict[str, Any]]:
    with path.open(encoding="utf-8") as handle:
        return [json.loads(line) for line in handle]


@pytest.fixture(scope="module")
def issues() -> tuple[list[ArticleRecord], list[QuarantinedItem]]:
    return split(read_news(ISSUES))


@pytest.fixture(scope="module")
def stories() -> tuple[list[ArticleRecord], list[QuarantinedItem]]:
    return split(read_news(STORIES))


@pytest.fixture(scope="module")
def direct() -> tuple[list[ArticleRecord], list[QuarantinedItem]]:
    return split(read_news(DIRECT))


@pytest.fixture(scope="module")
def direct_rows() -> list[dict[str, Any]]:
    return raw_rows(DIRECT)


@pytest.mark.parametrize(
    ("path", "expected"),
    [(ISSUES, "ainews_issues"), (STORIES, "ainews_stories"), (DIRECT, "ai_news_direct")],
)
def test_each_layout_is_detected_without_options(path: Path, expected: str) -> None:
    assert detect_format(path) == expected


def test_issues_read_with_gold_tags(issues: tuple[list[ArticleRecord], list[QuarantinedItem]]) -> None:
    records, quarantined = issues
    assert (len(records), len(quarantined)) == (701, 0)
    assert len({r.id for r in records}) == 701  # the file's own ids repeat; ids come from the issue URLs
    assert sum(1 for r in records if r.gold_models) == 693
    assert min(r.published for r in records if r.published) == datetime(2023, 12, 6, tzinfo=UTC)
    assert max(r.published for r in records if r.published) == datetime(2026, 8, 21, tzinfo=UTC)
    first = records[0]
    assert first.title == "Is Google's Gemini... legit?"
    assert first.url == "https://news.smol.ai/issues/23-12-06-ainews-is-googles-gemini-legit"
    assert (first.source, first.source_name) == ("ainews", "AINews (news.smol.ai)")
    assert first.gold_models == [
        "gemini",
        "gemini-pro",
        "gemini-ultra",
        "gpt-4",
        "gpt-3.5",
        "claude-2.1",
        "palm2",
    ]
    assert first.gold_companies == ["google", "openai"]
    assert first.gold_topics[:3] == ["chain-of-thought", "context-windows", "prompt-engineering"]
    assert first.gold_people == ["swyx"]
    assert first.summary and first.summary.startswith("**Google's Gemini** AI model")
    assert first.text and first.text.startswith("Hi alpha testers!")
    # 336 issues carry a lead copied from another issue, so the hash covers summary + text (no false dupes)
    assert len({r.content_hash for r in records}) == 701


def test_stories_read_with_issue_url_as_citation(
    stories: tuple[list[ArticleRecord], list[QuarantinedItem]],
) -> None:
    records, quarantined = stories
    assert (len(records), len(quarantined)) == (14495, 0)
    assert len({r.id for r in records}) == 14495
    assert not any(r.permalink for r in records)  # the URL is the issue's, shared by its stories
    assert len({r.url for r in records}) == 592
    first = records[0]
    assert first.source_key == "5d80b84e-df0d-4bfe-bed2-f0c8c83b98ea-0"
    assert first.title == "Claude 3 vs GPT-4 Discussions"
    assert (
        first.url
        == "https://news.smol.ai/issues/24-03-05-ainews-stable-diffusion-3-rombach-and-esser-did-it-again"
    )
    assert first.published == datetime(2024, 3, 5, tzinfo=UTC)
    assert first.categories == ["PART X: AI Twitter Recap", "Memes & Humor"]
    assert first.text and "79.88%" in first.text
    assert sum(1 for r in records if r.text is None) == 4  # headline only: kept, a title is enough


def test_direct_items_read_and_the_empty_one_quarantined(
    direct: tuple[list[ArticleRecord], list[QuarantinedItem]],
) -> None:
    records, quarantined = direct
    assert (len(records), len(quarantined)) == (9114, 1)
    assert quarantined[0].key == "60417cc6b9f628796b3d492b1b475f4d"
    assert quarantined[0].reason == "no title and no text"
    sources = Counter(r.source for r in records)
    assert sources["hackernews/story"] == 6447
    assert sources["openai/news"] == 599
    assert sources["huggingface/paper"] == 142
    intro = records[0]
    assert (intro.title, intro.source, intro.source_name) == ("Introducing OpenAI", "openai/news", "OpenAI")
    assert intro.url == "https://openai.com/index/introducing-openai"
    assert intro.published == datetime(2015, 12, 11, 8, 0, tzinfo=UTC)
    assert intro.categories == ["Company"]
    paper = next(r for r in records if r.source == "huggingface/paper")
    assert paper.title == "AgentScope 1.0: A Developer-Centric Framework for Building Agentic Applications"
    assert paper.url == "https://arxiv.org/abs/2508.16279"
    assert paper.summary and "<br/>" not in paper.summary and "Upvotes: 49" in paper.summary
    assert paper.text and paper.text.startswith("Driven by rapid advancements of Large Language Models")
    # the trailing-slash copy of an OpenAI post gets the same id as the original
    o3 = [r for r in records if r.title == "Introducing OpenAI o3 and o4-mini"]
    assert {r.source for r in o3} == {"openai/release", "openai/news"} and len({r.id for r in o3}) == 1


def test_malformed_items_are_quarantined_and_the_rest_comes_through(
    tmp_path: Path, direct_rows: list[dict[str, Any]]
) -> None:
    good = direct_rows[:3]
    broken = [dict(direct_rows[3], title=123), dict(direct_rows[4], published_date="next tuesday")]
    broken += [
        dict(direct_rows[5], url="ftp://openai.com/x"),
        dict(direct_rows[6], title=" ", description=""),
    ]
    broken += [dict(direct_rows[7], categories={"a": 1})]
    lines = [json.dumps(r) for r in good[:1] + broken + good[1:]]
    lines[2:2] = ["{not json", "[1, 2]"]
    path = tmp_path / "direct_broken.jsonl"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")

    assert detect_format(path) == "ai_news_direct"
    records, quarantined = split(read_news(path))
    assert [r.title for r in records] == [row["title"] for row in good]
    reasons = {q.key: q.reason for q in quarantined}
    assert reasons[direct_rows[3]["id"]] == "title is int, expected text"
    assert reasons[direct_rows[4]["id"]] == "unparseable date 'next tuesday'"
    assert reasons[direct_rows[5]["id"]] == "not an http(s) URL: 'ftp://openai.com/x'"
    assert reasons[direct_rows[6]["id"]] == "no title and no text"
    assert reasons[direct_rows[7]["id"]] == "categories is dict, expected a list of text"
    assert reasons["line 3"].startswith("line 3 is not JSON")
    assert next(q.raw for q in quarantined if q.key == "line 3") == "{not json\n"
    assert reasons["line 4"] == "line 4 is a JSON list, expected an object"
    assert all("\n" not in q.reason for q in quarantined)


def test_unreadable_files_raise_a_clear_error(tmp_path: Path) -> None:
    with pytest.raises(NewsSourceError, match="does not exist"):
        list(read_news(tmp_path / "missing.jsonl"))
    garbage = tmp_path / "garbage.bin"
    garbage.write_bytes(b"\x00\x01PK\x03\x04 not news")
    with pytest.raises(NewsSourceError, match="neither a feed"):
        detect_format(garbage)
    not_json = tmp_path / "notjson.jsonl"
    not_json.write_text("{this is not json}\n", encoding="utf-8")
    with pytest.raises(NewsSourceError, match="not JSON Lines"):
        detect_format(not_json)
    with pytest.raises(NewsSourceError, match="line 1 is not JSON"):
        list(JsonLinesReader(not_json, "ai_news_direct"))
    html = tmp_path / "page.xml"
    html.write_text("<html><body>hello</body></html>", encoding="utf-8")
    with pytest.raises(NewsSourceError, match="neither RSS nor Atom"):
        detect_format(html)
    with pytest.raises(NewsSourceError, match="not an RSS or Atom feed"):
        FeedReader(b"just some text")


def test_unknown_jsonl_layout_needs_an_explicit_mapping(tmp_path: Path) -> None:
    path = tmp_path / "custom.jsonl"
    rows = [
        {
            "headline_en": "Gemma 4 released",
            "link": "https://blog.google/gemma-4/?utm_source=x",
            "day": "2026-04-02",
        }
    ]
    path.write_text("\n".join(json.dumps(r) for r in rows), encoding="utf-8")
    with pytest.raises(NewsSourceError, match=r"custom\.jsonl.*explicit FieldMapping"):
        detect_format(path)
    mapping = FieldMapping(name="custom", source="blog", title="headline_en", url="link", published="day")
    records, quarantined = split(read_news(path, mapping=mapping))
    assert not quarantined
    assert records[0].url == "https://blog.google/gemma-4"
    assert records[0].published == datetime(2026, 4, 2, tzinfo=UTC)


def _rss(rows: list[dict[str, Any]], bad_date_title: str) -> str:
    items = []
    for row in rows:
        stamp = format_datetime(datetime.fromisoformat(row["published_date"]).astimezone(UTC))
        items.append(
            f"<item><title>{escape(row['title'])}</title>"
            f"<link>{escape(row['url'])}?utm_source=rss&amp;utm_medium=feed</link>"
            f"<guid isPermaLink='false'>{row['id']}</guid>"
            f"<description>&lt;p&gt;{escape(escape(row['description']))}&lt;/p&gt;</description>"
            f"<pubDate>{stamp}</pubDate>"
            + "".join(f"<category>{escape(c)}</category>" for c in row["categories"])
            + "</item>"
        )
    items.append(
        f"<item><title>{bad_date_title}</title><link>https://openai.com/x</link><pubDate>soon</pubDate></item>"
    )
    return (
        '<?xml version="1.0" encoding="UTF-8"?><rss version="2.0"><channel><title>OpenAI News</title>'
        f"<link>https://openai.com/news</link><language>en-us</language>{''.join(items)}</channel></rss>"
    )


def test_rss_sample_built_from_real_items(
    tmp_path: Path,
    direct_rows: list[dict[str, Any]],
    direct: tuple[list[ArticleRecord], list[QuarantinedItem]],
) -> None:
    rows = [r for r in direct_rows if r["source"] == "openai" and r["type"] == "news" and r["description"]][
        :3
    ]
    path = tmp_path / "openai.xml"
    path.write_text(_rss(rows, "Broken date"), encoding="utf-8")
    assert detect_format(path) == "rss"
    reader = FeedReader(path, source="openai/news")
    assert reader.format == "rss"
    records, quarantined = split(reader)
    assert [r.title for r in records] == [r["title"] for r in rows]
    assert [q.reason for q in quarantined] == ["unparseable date 'soon'"]
    from_jsonl = {r.id: r for r in direct[0]}
    for record, row in zip(records, rows, strict=True):
        assert record.url == row["url"]  # tracking parameters gone
        assert record.id in from_jsonl  # same page, same id, whichever way it came in
        assert record.published == parse_published(row["published_date"])
        assert record.summary == from_jsonl[record.id].summary  # HTML stripped, same text as the JSONL
        assert record.language == "en-us" and record.source_name == "OpenAI News"
        assert record.categories == row["categories"]
    # the same feed as a string and as fetched bytes
    assert [r.id for r in split(FeedReader(path.read_text(encoding="utf-8")))[0]] == [r.id for r in records]
    fetched = split(read_feed_content(path.read_bytes(), source="openai/news"))[0]
    assert [r.id for r in fetched] == [r.id for r in records]


def test_atom_sample_built_from_real_items(tmp_path: Path, direct_rows: list[dict[str, Any]]) -> None:
    rows = [r for r in direct_rows if r["source"] == "google_deepmind" and len(r["description"]) > 100][:3]
    entries = "".join(
        f"<entry><id>{escape(r['url'])}</id><title>{escape(r['title'])}</title>"
        f'<link rel="alternate" href="{escape(r["url"])}"/><updated>{r["published_date"]}</updated>'
        f"<summary>{escape(r['description'][:80])}</summary>"
        f'<content type="html">{escape("<p>" + escape(r["description"]) + "</p>")}</content></entry>'
        for r in rows
    )
    atom = (
        '<?xml version="1.0" encoding="utf-8"?><feed xmlns="http://www.w3.org/2005/Atom" xml:lang="en">'
        '<title>Google DeepMind</title><link href="https://deepmind.google/discover/blog/"/>'
        f"<id>urn:gdm</id><updated>2024-01-01T00:00:00Z</updated>{entries}</feed>"
    )
    path = tmp_path / "gdm.atom"
    path.write_text(atom, encoding="utf-8")
    assert detect_format(path) == "atom"
    reader = FeedReader(path)
    assert (reader.format, reader.source) == ("atom", "deepmind.google")
    records, quarantined = split(reader)
    assert not quarantined
    for record, row in zip(records, rows, strict=True):
        assert record.title == row["title"]
        assert record.url == canonical_url(row["url"])
        assert record.published == parse_published(row["published_date"])
        assert record.text == row["description"]
        assert record.summary == row["description"][:80].strip()


def test_json_feed_sample_built_from_real_issues(
    tmp_path: Path, issues: tuple[list[ArticleRecord], list[QuarantinedItem]]
) -> None:
    rows = raw_rows(ISSUES)[:3]
    feed = {
        "version": "https://jsonfeed.org/version/1.1",
        "title": "AINews",
        "home_page_url": "https://news.smol.ai/",
        "language": "en",
        "items": [
            {
                "id": r["url"],
                "url": r["url"],
                "title": r["title"],
                "summary": r["summary"],
                "content_text": r["lead_text"],
                "date_published": r["date"] + "T00:00:00Z",
                "tags": r["topics"],
            }
            for r in rows
        ]
        + [{"id": "broken", "title": ["not", "text"]}, "not an object"],
    }
    path = tmp_path / "ainews.json"
    path.write_text(json.dumps(feed, indent=2), encoding="utf-8")
    assert detect_format(path) == "jsonfeed"
    records, quarantined = split(JsonFeedReader(path, source="ainews"))
    from_jsonl = issues[0][:3]
    assert [r.id for r in records] == [r.id for r in from_jsonl]
    assert [r.content_hash for r in records] == [r.content_hash for r in from_jsonl]
    assert records[0].categories == rows[0]["topics"] and records[0].language == "en"
    assert {q.key: q.reason for q in quarantined} == {
        "broken": "title is list, expected text",
        "item 5": "item 5 is a JSON str, expected an object",
    }
    with pytest.raises(NewsSourceError, match="not a JSON Feed"):
        JsonFeedReader(b'{"version": "1", "items": []}')


@pytest.mark.parametrize(
    ("raw", "canonical"),
    [
        (
            "HTTPS://WWW.OpenAI.com:443/index/gpt-5/?utm_source=x&utm_medium=y#top",
            "https://openai.com/index/gpt-5",
        ),
        ("http://example.com:80/a//b/?b=2&a=1&fbclid=z&ref=hn", "http://example.com/a/b?a=1&b=2"),
        ("https://news.ycombinator.com/item?id=45306539", "https://news.ycombinator.com/item?id=45306539"),
        ("https://example.com", "https://example.com/"),
        ("https://example.com:8443/x/", "https://example.com:8443/x"),
    ],
)
def test_canonical_url(raw: str, canonical: str) -> None:
    assert canonical_url(raw) == canonical


def test_canonical_url_rejects_non_http() -> None:
    for bad in ("ftp://example.com/x", "mailto:a@b.c", "javascript:alert(1)", "/relative/path"):
        with pytest.raises(ValueError, match="not an http"):
            canonical_url(bad)


def test_content_hash_ignores_case_spacing_and_punctuation() -> None:
    assert content_hash("Introducing GPT-5", "It's  here!") == content_hash("introducing gpt 5", "it s here")
    assert content_hash("Introducing GPT-5", "It's here") != content_hash("Introducing GPT-4", "It's here")


def test_example_feed_list_loads_and_its_local_files_read() -> None:
    feeds = load_feeds(ROOT / "examples" / "feeds.yaml")
    urls = {f.name: f.url for f in feeds if f.url}
    assert urls["openai/news"] == "https://openai.com/news/rss.xml"
    assert set(urls) == {"openai/news", "google_deepmind/blog", "huggingface/blog", "arxiv/cs.CL"}
    local = [f for f in feeds if f.path]
    assert all(f.local_path(ROOT / "examples").is_file() for f in local)  # type: ignore[union-attr]
    assert {f.classification for f in feeds} == {"public"}
    issues_feed = next(f for f in local if f.name == "ainews")
    records, quarantined = split(read_local_feed(issues_feed, ROOT / "examples"))
    assert (len(records), len(quarantined)) == (701, 0)


def test_feed_list_errors_are_clear(tmp_path: Path) -> None:
    bad = [
        {"name": "a", "url": "ftp://x"},
        {"name": "b"},
        {"name": "c", "path": "x.jsonl", "mapping": "nope"},
        {"name": "a", "url": "https://x.org/feed", "classification": "secret"},
    ]
    with pytest.raises(FeedConfigError) as info:
        parse_feeds(bad)
    message = str(info.value)
    assert "feeds[0] (a).url: must be an http(s) URL" in message
    assert "feeds[1] (b): give exactly one of 'url' or 'path'" in message
    assert "feeds[2] (c).mapping: unknown mapping 'nope'" in message
    assert "feeds[3] (a).classification" in message
    with pytest.raises(FeedConfigError, match="repeated: a"):
        parse_feeds([{"name": "a", "url": "https://x.org/1"}, {"name": "a", "url": "https://x.org/2"}])
    broken = tmp_path / "feeds.yaml"
    broken.write_text("feeds: [name: a\n", encoding="utf-8")
    with pytest.raises(FeedConfigError, match="not valid YAML"):
        load_feeds(broken)
    with pytest.raises(FeedConfigError, match="does not exist"):
        load_feeds(tmp_path / "missing.yaml")

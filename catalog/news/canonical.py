"""Canonical forms for news items: one URL per page, one hash per text, one UTC datetime per date.

Feeds link the same page in many spellings (tracking parameters, `www.`, trailing slashes), so both
ids and duplicate detection work on the canonical form, never on the raw string.
"""

from __future__ import annotations

import hashlib
import html
import re
import unicodedata
from datetime import UTC, date, datetime
from email.utils import parsedate_to_datetime
from functools import lru_cache
from html.parser import HTMLParser
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

# Query parameters that only track the click, never select the content.
TRACKING_PARAMS = frozenset(
    {
        "ref",
        "ref_src",
        "ref_url",
        "referrer",
        "fbclid",
        "gclid",
        "dclid",
        "gclsrc",
        "msclkid",
        "yclid",
        "twclid",
        "igshid",
        "mc_cid",
        "mc_eid",
        "mkt_tok",
        "_hsenc",
        "_hsmi",
        "hsctatracking",
        "oly_anon_id",
        "oly_enc_id",
        "vero_id",
        "wt.mc_id",
        "cmpid",
    }
)
TRACKING_PREFIXES = ("utm_", "pk_", "mtm_")
DEFAULT_PORTS = {"http": 80, "https": 443}
_SLASHES = re.compile(r"/{2,}")
_WORD = re.compile(r"\w+")
_SPACES = re.compile(r"[ \t]+")
_BLANK_LINES = re.compile(r"\n\s*\n\s*(\n\s*)+")


@lru_cache(maxsize=8192)
def canonical_url(url: str) -> str:
    """The one spelling of `url` used for ids and dedupe. Raises ValueError unless it is http(s)."""
    parts = urlsplit(url.strip())
    scheme = parts.scheme.lower()
    if scheme not in DEFAULT_PORTS:
        raise ValueError(f"not an http(s) URL: {url.strip()[:200]!r}")
    host = (parts.hostname or "").rstrip(".")
    if not host:
        raise ValueError(f"URL has no host: {url.strip()[:200]!r}")
    host = host.removeprefix("www.")
    try:
        port = parts.port
    except ValueError as exc:
        raise ValueError(f"URL has a bad port: {url.strip()[:200]!r}") from exc
    netloc = host if port in (None, DEFAULT_PORTS[scheme]) else f"{host}:{port}"
    path = _SLASHES.sub("/", parts.path) or "/"
    if path != "/":
        path = path.rstrip("/")
    query = [
        (key, value)
        for key, value in parse_qsl(parts.query, keep_blank_values=True)
        if key.lower() not in TRACKING_PARAMS and not key.lower().startswith(TRACKING_PREFIXES)
    ]
    return urlunsplit((scheme, netloc, path, urlencode(sorted(query)), ""))


def url_key(url: str) -> str:
    """Canonical URL without the scheme: http and https spellings of one page are one page."""
    return canonical_url(url).split("://", 1)[1]


def normalize_text(text: str) -> str:
    """Case-, accent- and punctuation-insensitive form of `text` (for hashing and title matching)."""
    text = unicodedata.normalize("NFKC", text).casefold()
    return " ".join(_WORD.findall(text))


def content_hash(title: str, text: str | None) -> str:
    """sha256 of the normalised title and text: the same article under another URL hashes the same."""
    payload = normalize_text(title) + "\n" + normalize_text(text or "")
    return hashlib.sha256(payload.encode("utf-8")).hexdigest()


def stable_id(*parts: str) -> str:
    """A short, stable id (32 hex chars) from the given parts."""
    return hashlib.sha256("\x1f".join(parts).encode("utf-8")).hexdigest()[:32]


def clean_whitespace(text: str) -> str:
    """Collapse runs of spaces and blank lines; titles also lose their line breaks (see callers)."""
    text = text.replace("\r\n", "\n").replace("\xa0", " ")
    text = _SPACES.sub(" ", text)
    text = _BLANK_LINES.sub("\n\n", text)
    return text.strip()


class _TextExtractor(HTMLParser):
    BLOCK = frozenset({"p", "div", "br", "li", "ul", "ol", "h1", "h2", "h3", "h4", "h5", "h6", "tr", "pre"})
    SKIP = frozenset({"script", "style"})

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self._skipping = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in self.SKIP:
            self._skipping += 1
        elif tag in self.BLOCK:
            self.parts.append("\n")

    def handle_endtag(self, tag: str) -> None:
        if tag in self.SKIP:
            self._skipping = max(0, self._skipping - 1)
        elif tag in self.BLOCK:
            self.parts.append("\n")

    def handle_data(self, data: str) -> None:
        if not self._skipping:
            self.parts.append(data)


def html_to_text(value: str) -> str:
    """Plain text of an HTML fragment (feed summaries and content are HTML)."""
    if "<" not in value:
        return clean_whitespace(html.unescape(value))
    parser = _TextExtractor()
    parser.feed(value)
    parser.close()
    return clean_whitespace("".join(parser.parts))


_DATE_ONLY = re.compile(r"^\d{4}-\d{2}-\d{2}$")


def parse_published(value: object) -> datetime | None:
    """A tz-aware UTC datetime from ISO 8601, RFC 822 or a bare date; naive times are taken as UTC.

    Raises ValueError for a value that is present but not a date, so the caller can quarantine the item.
    """
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    if isinstance(value, datetime):
        parsed = value
    elif isinstance(value, date):
        parsed = datetime(value.year, value.month, value.day)
    elif isinstance(value, str):
        text = value.strip()
        try:
            parsed = datetime.fromisoformat(text)
        except ValueError:
            try:
                parsed = parsedate_to_datetime(text)
            except (TypeError, ValueError, IndexError):
                raise ValueError(f"unparseable date {text[:60]!r}") from None
        if _DATE_ONLY.match(text):
            parsed = parsed.replace(tzinfo=UTC)
    else:
        raise ValueError(f"date is {type(value).__name__}, expected text")
    if parsed.tzinfo is None:
        return parsed.replace(tzinfo=UTC)
    return parsed.astimezone(UTC)

"""Article text as the model reads it and answers quote it: plain sentences, not the stored markup.

News bodies keep their markdown links, bold markers and forum score lines in the graph (the UI shows
them); a 135M model shown that markup copies it into answers, links and all. Some feeds also arrive
double-encoded (UTF-8 read as Latin-1: "â\x80\x94" for "—"), which is repaired here.
"""

from __future__ import annotations

import re

_LINK = re.compile(r"!?\[([^\]]*)\]\([^)]*\)")  # [text](url) and ![alt](src) -> text
_URL = re.compile(r"<?https?://\S+>?")
_EMPHASIS = re.compile(r"\*\*|(?<!\w)__|__(?!\w)|(?<!\w)\*(?=\S)|(?<=\S)\*(?!\w)|`")
_SCORE = re.compile(r"^\s*\(Score: \d+, Comments: \d+\):\s*", re.IGNORECASE)
_MOJIBAKE = re.compile(r"[\u00c2-\u00f4][\u0080-\u00bf]+")


def _repair(match: re.Match[str]) -> str:
    try:
        return match.group(0).encode("latin-1").decode("utf-8")
    except UnicodeDecodeError:  # a real accented letter followed by a symbol: leave it
        return match.group(0)


def plain(text: str) -> str:
    """`text` without markdown links, bare URLs, emphasis markers or a leading score line, with
    double-encoded characters repaired and whitespace collapsed."""
    text = _MOJIBAKE.sub(_repair, text)
    text = _LINK.sub(r"\1", text)
    text = _URL.sub("", text)
    text = _EMPHASIS.sub("", text)
    return _SCORE.sub("", " ".join(text.split()))

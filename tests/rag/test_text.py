"""Article text as the model reads it: plain sentences, never the stored markup."""

from __future__ import annotations

import pytest

from rag.prompts import describe
from rag.qa import Evidence
from rag.text import plain


@pytest.mark.parametrize(
    ("stored", "read"),
    [
        (
            "[@_akhaliq](https://twitter.com/_akhaliq/status/1801437583039156503) OpenVLA 7B "
            "open-source model. **Outperforms RT-2-X and Octo.**",
            "@_akhaliq OpenVLA 7B open-source model. Outperforms RT-2-X and Octo.",
        ),
        ("(Score: 295, Comments: 114): **Llama4** is anticipated", "Llama4 is anticipated"),
        ("Circuits Updates \u00e2\u0080\u0093 June 2024", "Circuits Updates \u2013 June 2024"),
        ("see https://example.com/a?b=1 for __details__", "see for details"),
    ],
)
def test_markup_links_and_double_encoding_are_removed(stored: str, read: str) -> None:
    assert plain(stored) == read


@pytest.mark.parametrize(
    "kept", ["caf\u00e9 \u00e9t\u00e9 \u00c2 1", "x_y__z and 2*3 and a * b", "GPT-4o [1]"]
)
def test_plain_text_and_identifiers_are_kept(kept: str) -> None:
    assert plain(kept) == kept


def test_an_article_prompt_line_is_plain_and_a_title_only_chunk_has_no_empty_body() -> None:
    body = Evidence(kind="article", id="a#0", title="**Llama 4** ships", source="AINews", date="2025-04-08",
                    text="**Llama 4** ships. [Meta](https://ai.meta.com) released **Scout**.")  # fmt: skip
    assert describe(body) == "Article (Llama 4 ships; AINews; 2025-04-08): Meta released Scout."
    bare = Evidence(kind="article", id="b#0", title="Llama 4's weekend release", source="AINews",
                    date="2025-04-08", text="Llama 4's weekend release")  # fmt: skip
    assert describe(bare) == "Article (Llama 4's weekend release; AINews; 2025-04-08)"

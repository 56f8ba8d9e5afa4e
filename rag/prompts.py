"""Prompt templates as small objects that declare their inputs, and the evidence list they render.

A template checks at definition time that its text uses exactly the inputs it declares, and at
render time that it was given exactly those inputs: a renamed field fails loudly, never silently
producing a prompt with a hole in it.
"""

from __future__ import annotations

import string
from collections.abc import Sequence
from dataclasses import dataclass

from rag.qa import Evidence
from rag.text import plain

CHUNK_CHARS = 360  # article text shown per item: the 135M model reads short prompts best


class PromptError(ValueError):
    """A template was defined or rendered with the wrong inputs."""


def _placeholders(text: str) -> set[str]:
    return {field for _, field, _, _ in string.Formatter().parse(text) if field}


@dataclass(frozen=True)
class PromptTemplate:
    """A system and a user message with `{name}` placeholders; `inputs` lists every placeholder."""

    name: str
    system: str
    user: str
    inputs: tuple[str, ...]

    def __post_init__(self) -> None:
        used = _placeholders(self.system) | _placeholders(self.user)
        if used != set(self.inputs):
            raise PromptError(
                f"Template {self.name!r} declares {sorted(self.inputs)} but uses {sorted(used)}."
            )

    def render(self, **values: str) -> list[dict[str, str]]:
        """Chat messages for a `Generator`; refuses missing or unexpected inputs."""
        missing = [k for k in self.inputs if k not in values]
        extra = sorted(set(values) - set(self.inputs))
        if missing or extra:
            raise PromptError(f"Template {self.name!r}: missing inputs {missing}, unexpected inputs {extra}.")
        return [
            {"role": "system", "content": self.system.format(**values)},
            {"role": "user", "content": self.user.format(**values)},
        ]


GROUNDED_ANSWER = PromptTemplate(
    name="grounded_answer",
    system=(
        "You answer questions about large language models using only the numbered evidence. "
        "Copy names, numbers and dates exactly as the evidence writes them. "
        "After each claim, cite the evidence number in brackets, like [1]. "
        "If the evidence does not answer the question, say so."
    ),
    user="Evidence:\n{evidence}\n\nQuestion: {question}\nAnswer in one or two sentences with citations.",
    inputs=("question", "evidence"),
)


def format_evidence(items: Sequence[Evidence], numbers: Sequence[int] | None = None) -> str:
    """One numbered line per item, `[1]` first (or the given numbers: a prompt showing only some of
    the evidence keeps each item's number): facts with their provenance, articles with title,
    source and date, so the model can cite by number and a reader can check each claim."""
    numbers = numbers or range(1, len(items) + 1)
    return "\n".join(f"[{n}] {describe(item)}" for n, item in zip(numbers, items, strict=True))


def describe(item: Evidence) -> str:
    """Facts as stored; articles and model cards as plain text (`rag.text.plain`), and an article
    whose chunk is only its title shown without an empty body."""
    if item.kind == "fact":
        text = " ".join(item.text.split())
        return f"{text} (source: {item.source})" if item.source and item.source not in text else text
    text, title = plain(item.text), plain(item.title or "")
    if title and text.startswith(title):  # article chunks often open with their title
        text = text[len(title) :].lstrip(" .:-")
    if len(text) > CHUNK_CHARS:
        text = text[:CHUNK_CHARS].rsplit(" ", 1)[0] + " ..."
    label = "Article" if item.kind == "article" else "Model card"
    about = "; ".join(x for x in (title, item.source, item.date) if x)
    head = f"{label} ({about})" if about else label
    return f"{head}: {text}" if text else head

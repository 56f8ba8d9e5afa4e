"""`llmx ask`: answer one question, or a JSON Lines file of them, with the chat model loaded once.

The command is built by `make_ask_command` so that the service context comes from a factory: the
default one reads the settings (the chat options on the command line override the `LLMX_CHAT_*`
settings for one run), tests pass one holding their own real retriever and chat model.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from enum import StrEnum
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.markup import escape

from core.access import CLASSIFICATIONS, AccessFilter
from core.errors import LlmxError
from core.settings import Settings, get_settings
from rag.contracts import AnswerRecord
from rag.qa import Answer
from services.answering import ask as ask_service
from services.context import AppContext

from .console import fail


class BackendName(StrEnum):
    transformers = "transformers"
    llamacpp = "llamacpp"
    openai = "openai"


ContextFactory = Callable[[Settings], AppContext]


def default_context(settings: Settings) -> AppContext:
    return AppContext(settings)


def read_questions(question: str | None, file: Path | None) -> list[str]:
    """The questions to answer; any bad input is an exit with code 2 before a model is loaded."""
    if (question is None) == (file is None):
        raise _fail("Give one QUESTION or --file questions.jsonl (exactly one of them).", code=2)
    if question is not None:
        if not question.strip():
            raise _fail("The question is empty.", code=2)
        return [question.strip()]
    assert file is not None
    try:
        lines = file.read_text(encoding="utf-8").splitlines()
    except (OSError, UnicodeDecodeError) as exc:
        raise _fail(f"Cannot read {file}: {getattr(exc, 'strerror', None) or exc}", code=2) from exc
    questions = []
    for number, line in enumerate(lines, start=1):
        if not line.strip():
            continue
        try:
            record: Any = json.loads(line)
        except ValueError as exc:
            raise _fail(f"{file}:{number}: not valid JSON ({exc}).", code=2) from exc
        text = record.get("question") if isinstance(record, dict) else None
        if not isinstance(text, str) or not text.strip():
            raise _fail(f'{file}:{number}: expected an object with a non-empty "question" string.', code=2)
        questions.append(text.strip())
    if not questions:
        raise _fail(f"{file} holds no questions.", code=2)
    return questions


def answer_record(answer: Answer) -> dict[str, Any]:
    """The JSON line printed per answer: the `AnswerRecord` contract (docs/answer.schema.json)."""
    return AnswerRecord.of(answer).model_dump(mode="json")


def print_answer(answer: Answer) -> None:
    print(answer.answer)
    for c in answer.citations:
        where = " - ".join(x for x in (c.url, c.date) if x)
        print(f"  [{c.n}] {c.title or c.id}" + (f" ({where})" if where else ""))


def make_ask_command(context_factory: ContextFactory = default_context) -> Callable[..., None]:
    def ask(
        question: Annotated[str | None, typer.Argument(help="The question to answer.")] = None,
        file: Annotated[
            Path | None,
            typer.Option(
                "--file", "-f", help='JSON Lines, one {"question": ...} per line; prints JSON lines.'
            ),
        ] = None,
        as_json: Annotated[bool, typer.Option("--json", help="Print the answer as one JSON line.")] = False,
        k: Annotated[int, typer.Option(min=1, max=50, help="Evidence items to retrieve.")] = 8,
        max_new_tokens: Annotated[
            int | None, typer.Option(min=1, max=1024, help="Tokens the model may write.")
        ] = None,
        phrase_facts: Annotated[
            bool, typer.Option(help="Let the model phrase answers that graph facts already hold.")
        ] = True,
        classification: Annotated[
            list[str] | None, typer.Option(help="Access labels you may read (repeat); default: public.")
        ] = None,
        tenant: Annotated[list[str] | None, typer.Option(help="Tenants you belong to (repeat).")] = None,
        backend: Annotated[
            BackendName | None, typer.Option(help="Where the chat model runs; default: LLMX_CHAT_BACKEND.")
        ] = None,
        model: Annotated[Path | None, typer.Option(help="Local model directory or .gguf file.")] = None,
        adapter: Annotated[Path | None, typer.Option(help="A LoRA adapter directory (transformers).")] = None,
        device: Annotated[str | None, typer.Option(help="cpu or cuda (transformers).")] = None,
        base_url: Annotated[str | None, typer.Option(help="OpenAI-compatible server URL (openai).")] = None,
        api_model: Annotated[str | None, typer.Option(help="Model name sent to the server (openai).")] = None,
    ) -> None:
        """Answer from the knowledge graph and the news, citing the evidence; refuse when it is silent."""
        questions = read_questions(question, file)
        access = _access(classification, tenant)
        overrides = {"chat_backend": backend, "chat_model": model, "chat_adapter": adapter, "chat_device": device,
                     "chat_base_url": base_url, "chat_api_model": api_model, "chat_max_new_tokens": max_new_tokens}  # fmt: skip
        settings = get_settings().model_copy(update={k: v for k, v in overrides.items() if v is not None})
        try:
            with context_factory(settings) as ctx:
                for text in questions:
                    answer = ask_service(ctx, text, access=access, k=k, phrase_facts=phrase_facts)
                    if file is not None or as_json:
                        print(json.dumps(answer_record(answer), ensure_ascii=False), flush=True)
                    else:
                        print_answer(answer)
        except LlmxError as exc:
            raise _fail(str(exc)) from exc

    return ask


def _fail(message: str, code: int = 1) -> typer.Exit:
    """`fail` with the message escaped: paths and `[extra]` names are not rich markup."""
    return fail(escape(message), code)


def _access(classifications: list[str] | None, tenants: list[str] | None) -> AccessFilter:
    labels = set(classifications or ["public"])
    unknown = labels - set(CLASSIFICATIONS)
    if unknown:
        raise _fail(f"Unknown classification {sorted(unknown)}; use {', '.join(CLASSIFICATIONS)}.", code=2)
    return AccessFilter(frozenset(labels), frozenset(tenants) if tenants else frozenset())


ask = make_ask_command()

"""`llmx ask`: answer one question, or a JSON Lines file of them, with the chat model loaded once.

The command is built by `make_ask_command` so that the retriever and the generator come from
factories: the default ones read the settings, tests pass their own real ones.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from contextlib import AbstractContextManager, ExitStack
from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.markup import escape

from rag.answer import Answerer
from rag.base import CLASSIFICATIONS, AccessFilter
from rag.generation import GenerationError, make_generator
from rag.qa import Answer, Generator, Retriever

from .console import fail
from .settings import Settings, get_settings


class BackendName(StrEnum):
    transformers = "transformers"
    llamacpp = "llamacpp"
    openai = "openai"


@dataclass(frozen=True)
class ChatOptions:
    """The chat model chosen on the command line (until the settings carry these fields)."""

    backend: BackendName = BackendName.transformers
    model: Path | None = None  # transformers: model dir or .gguf; llamacpp: .gguf
    adapter: Path | None = None
    device: str | None = None
    base_url: str | None = None
    api_model: str = "default"
    api_key: str | None = None
    timeout_s: float = 60.0


RetrieverFactory = Callable[[Settings], Retriever]
GeneratorFactory = Callable[[Settings, ChatOptions], Generator]


def default_generator(settings: Settings, options: ChatOptions) -> Generator:
    if options.backend is BackendName.openai:
        if not options.base_url:
            raise GenerationError(
                "The openai backend needs --base-url (for example http://localhost:8000/v1)."
            )
        return make_generator(
            "openai", base_url=options.base_url, api_key=options.api_key, model=options.api_model,
            timeout=options.timeout_s,
        )  # fmt: skip
    if options.backend is BackendName.llamacpp:
        return make_generator("llamacpp", gguf_path=options.model)
    return make_generator(
        "transformers", model_dir=options.model, cache_dir=settings.data_dir / "models",
        adapter_dir=options.adapter, device=options.device,
    )  # fmt: skip


def default_retriever(settings: Settings) -> Retriever:
    """The project's hybrid retriever, imported only when a question is asked."""
    try:
        from rag.pipeline import build_retriever
    except ImportError as exc:
        if exc.name not in (None, "rag.pipeline"):
            raise  # a dependency of the pipeline is missing: that message is the useful one
        raise _fail("Retrieval is not available: rag.pipeline.build_retriever is missing.") from exc
    return build_retriever(settings)  # type: ignore[no-any-return]


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
    """The JSON line printed per answer."""
    return {
        "question": answer.question,
        "answer": answer.answer,
        "citations": [
            {"n": c.n, "kind": c.kind, "id": c.id, "title": c.title, "url": c.url} for c in answer.citations
        ],
        "family": answer.family,
        "slots": answer.slots,
        "template": answer.template,
        "refused": answer.refused,
        "timings_ms": answer.timings_ms,
    }


def print_answer(answer: Answer) -> None:
    print(answer.answer)
    for c in answer.citations:
        where = " - ".join(x for x in (c.url, c.date) if x)
        print(f"  [{c.n}] {c.title or c.id}" + (f" ({where})" if where else ""))


def make_ask_command(
    retriever_factory: RetrieverFactory = default_retriever,
    generator_factory: GeneratorFactory = default_generator,
) -> Callable[..., None]:
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
            int, typer.Option(min=1, max=1024, help="Tokens the model may write.")
        ] = 96,
        phrase_facts: Annotated[
            bool, typer.Option(help="Let the model phrase answers that graph facts already hold.")
        ] = True,
        classification: Annotated[
            list[str] | None, typer.Option(help="Access labels you may read (repeat); default: public.")
        ] = None,
        tenant: Annotated[list[str] | None, typer.Option(help="Tenants you belong to (repeat).")] = None,
        backend: Annotated[
            BackendName, typer.Option(help="Where the chat model runs.")
        ] = BackendName.transformers,
        model: Annotated[Path | None, typer.Option(help="Local model directory or .gguf file.")] = None,
        adapter: Annotated[Path | None, typer.Option(help="A LoRA adapter directory (transformers).")] = None,
        device: Annotated[str | None, typer.Option(help="cpu or cuda (transformers).")] = None,
        base_url: Annotated[str | None, typer.Option(help="OpenAI-compatible server URL (openai).")] = None,
        api_model: Annotated[str, typer.Option(help="Model name sent to the server (openai).")] = "default",
        api_key: Annotated[
            str | None, typer.Option(envvar="LLMX_CHAT_API_KEY", help="API key (openai).", show_default=False)
        ] = None,
    ) -> None:
        """Answer from the knowledge graph and the news, citing the evidence; refuse when it is silent."""
        questions = read_questions(question, file)
        access = _access(classification, tenant)
        options = ChatOptions(backend, model, adapter, device, base_url, api_model, api_key)
        settings = get_settings()
        with ExitStack() as stack:
            try:
                generator = generator_factory(settings, options)
            except GenerationError as exc:
                raise _fail(str(exc)) from exc
            retriever = retriever_factory(settings)
            if isinstance(retriever, AbstractContextManager):
                stack.enter_context(retriever)
            answerer = Answerer(generator, max_new_tokens=max_new_tokens, phrase_facts=phrase_facts)
            for text in questions:
                try:
                    answer = answerer.answer(retriever.search(text, k=k, access=access))
                except GenerationError as exc:
                    raise _fail(str(exc)) from exc
                if file is not None or as_json:
                    print(json.dumps(answer_record(answer), ensure_ascii=False, default=str), flush=True)
                else:
                    print_answer(answer)

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

"""`llmx ask` in process: a real retriever over catalog facts and the session's real chat model."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import typer
from typer.testing import CliRunner

from core.settings import Settings
from llmx.ask_cli import make_ask_command
from rag.contracts import AnswerRecord
from rag.generation.transformers_backend import TransformersGenerator
from rag.qa import Generator
from services.context import AppContext
from tests.generation_fixtures import CatalogFactRetriever, catalog_rows, chat_model  # noqa: F401

MODELS = ["gpt-4o-2024-05-13", "llama-3.1-405b-instruct", "deepseek-v3"]
SCHEMA = Path(__file__).resolve().parents[2] / "docs" / "answer.schema.json"


class Factories:
    """Counts how often the command builds its service context (the retriever and the model)."""

    def __init__(self, generator: Generator) -> None:
        self.generator, self.retriever = generator, CatalogFactRetriever(MODELS)
        self.contexts = 0

    def make_context(self, settings: Settings) -> AppContext:
        self.contexts += 1
        return AppContext(settings, retriever=self.retriever, generator=self.generator)

    def app(self) -> typer.Typer:
        app = typer.Typer()
        app.command()(make_ask_command(self.make_context))
        return app


@pytest.fixture
def factories(chat_model: TransformersGenerator) -> Factories:  # noqa: F811
    return Factories(chat_model)


def invoke(factories: Factories, *args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(factories.app(), list(args))
    return result.exit_code, result.stdout, result.stderr


def test_file_of_questions_in_one_process(factories: Factories, tmp_path: Path) -> None:
    questions = tmp_path / "questions.jsonl"
    questions.write_text(
        json.dumps({"question": "What is the context length of GPT-4o?"}) + "\n\n"
        + json.dumps({"question": "How many parameters does GPT-4o have?", "id": "q2"}) + "\n"
        + json.dumps({"question": "Is there life on Mars?"}) + "\n"
    )  # fmt: skip
    code, out, err = invoke(factories, "--file", str(questions), "--max-new-tokens", "32")
    assert code == 0, err
    records = [json.loads(line) for line in out.splitlines()]
    schema = json.loads(SCHEMA.read_text())
    for line, record in zip(out.splitlines(), records, strict=True):
        # every printed line is an AnswerRecord, field for field, and has the schema's fields
        assert AnswerRecord.model_validate_json(line).model_dump(mode="json") == record
        assert set(record) == set(schema["properties"]) and set(schema["required"]) <= set(record)
    assert [r["question"] for r in records] == [
        "What is the context length of GPT-4o?", "How many parameters does GPT-4o have?",
        "Is there life on Mars?",
    ]  # fmt: skip
    assert factories.contexts == 1 and factories.retriever.calls == 3
    for record in records:
        assert all(set(c) == {"n", "kind", "id", "fact", "title", "url", "date"} for c in record["citations"])
    context, unknown, unlinked = records
    assert "128,000" in context["answer"] and not context["refused"]
    assert context["citations"][0]["id"] == "fact:gpt-4o-2024-05-13:context_length"
    assert context["citations"][0]["fact"] == {
        "scope": "model", "subject": "gpt-4o-2024-05-13", "attribute": "context_length", "qualifier": None
    }  # fmt: skip
    assert context["timings_ms"]["generate"] > 0  # the real model answered it
    assert catalog_rows()["gpt-4o-2024-05-13"]["param_count"] is None
    assert unknown["refused"] and unknown["answer"].startswith("The knowledge graph does not say")
    assert unlinked["refused"] and unlinked["citations"] == [] and unlinked["family"] == "open"


def test_one_question_as_json_and_as_text(factories: Factories) -> None:
    code, out, err = invoke(
        factories, "Who developed Llama 3.1 405B Instruct?", "--json", "--no-phrase-facts"
    )
    assert code == 0, err
    record = json.loads(out)
    assert record["answer"] == "Llama 3.1 405B Instruct was developed by Meta [1]."
    assert record["slots"]["attribute"] == "developer" and record["family"] == "attribute"

    code, out, err = invoke(factories, "When was Llama 3.1 405B Instruct released?", "--no-phrase-facts")
    assert code == 0, err
    assert out.splitlines() == [
        "Llama 3.1 405B Instruct was released on 2024-07-23 [1].",
        "  [1] Llama 3.1 405B Instruct",
    ]


@pytest.mark.parametrize(
    ("args", "lines", "message"),
    [
        ([], None, "exactly one of them"),
        (["   "], None, "The question is empty"),
        (["a question", "--file", "{file}"], "", "exactly one of them"),
        (["--file", "{file}"], '{"question": "ok"}\n{"q": "no"}\n', ':2: expected an object with a non-empty "question"'),
        (["--file", "{file}"], '{"question": ""}\n', ':1: expected an object with a non-empty "question"'),
        (["--file", "{file}"], "not json\n", ":1: not valid JSON"),
        (["--file", "{file}"], "\n\n", "holds no questions"),
        (["--file", "{file}"], None, "Cannot read"),
        (["a question", "--classification", "secret"], None, "Unknown classification"),
    ],
)  # fmt: skip
def test_bad_input_exits_with_code_2(
    factories: Factories, tmp_path: Path, args: list[str], lines: str | None, message: str
) -> None:
    path = tmp_path / "questions.jsonl"
    if lines is not None:
        path.write_text(lines)
    code, out, err = invoke(factories, *(a.replace("{file}", str(path)) for a in args))
    assert code == 2 and out == ""
    assert message in " ".join(err.split())
    assert factories.contexts == 0  # refused before any model loads

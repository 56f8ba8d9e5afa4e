"""Generation backends: the real SmolLM2 (with a real LoRA adapter), an OpenAI-compatible server
on 127.0.0.1, and the llama.cpp backend's missing-extra error."""

from __future__ import annotations

import importlib.util
import json
import socket
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest

from rag.generation import GenerationError, make_generator
from rag.generation.openai_backend import OpenAICompatibleGenerator
from rag.generation.transformers_backend import TransformersGenerator
from tests.generation_fixtures import chat_model  # noqa: F401  (the session's one model)

PROMPT = [
    {"role": "system", "content": "Answer in one short sentence."},
    {"role": "user", "content": "What is the capital of France?"},
]


@pytest.fixture(scope="module")
def base_reply(chat_model: TransformersGenerator) -> str:  # noqa: F811
    return chat_model.generate(PROMPT, max_new_tokens=16)


def test_real_model_generates_deterministic_text(chat_model: TransformersGenerator, base_reply: str) -> None:  # noqa: F811
    assert "Paris" in base_reply
    assert chat_model.generate(PROMPT, max_new_tokens=16) == base_reply  # greedy: same prompt, same text
    stats = chat_model.last_stats
    assert stats is not None and 0 < stats.new_tokens <= 16 and stats.prompt_tokens > 10
    assert (chat_model.model_path / "model.safetensors").is_file()  # the dequantized copy was cached


def test_a_batch_gives_each_conversations_own_text(
    chat_model: TransformersGenerator,  # noqa: F811
) -> None:
    longer = [
        PROMPT[0],
        {"role": "user", "content": "Name the largest planet of the solar system, and say why."},
    ]
    single = [chat_model.generate(m, max_new_tokens=16, stop=("\n",)) for m in (PROMPT, longer, PROMPT)]
    assert chat_model._tokenizer is not None
    side = chat_model._tokenizer.padding_side
    batched = chat_model.generate_batch([PROMPT, longer, PROMPT], max_new_tokens=16, stop=("\n",))
    assert batched == single and batched[0] != batched[1]  # left padding: each prompt's own answer
    assert chat_model._tokenizer.padding_side == side  # serving one at a time is left as it was


def test_a_lora_adapter_changes_the_output_and_leaves_the_base_model_alone(
    chat_model: TransformersGenerator,  # noqa: F811
    base_reply: str,
    tmp_path: Path,
) -> None:
    """A LoRA with non-zero B weights changes what the model says (an untrained LoRA, B = 0, is a
    no-op and would pass any test of the output); the base model is unchanged afterwards."""
    import torch
    from peft import LoraConfig, get_peft_model
    from transformers import AutoModelForCausalLM

    torch.manual_seed(0)
    base = AutoModelForCausalLM.from_pretrained(chat_model.model_path, local_files_only=True)
    config = LoraConfig(
        r=4, lora_alpha=8, target_modules=["q_proj", "v_proj"], task_type="CAUSAL_LM",
        init_lora_weights=False,  # A and B both random: the adapter moves the weights
    )  # fmt: skip
    adapted = get_peft_model(base, config)
    b_weights = [p for name, p in adapted.named_parameters() if "lora_B" in name]
    assert b_weights and all(bool(p.abs().sum() > 0) for p in b_weights)
    adapted.save_pretrained(str(tmp_path / "adapter"))
    weights = chat_model.model_path / "model.safetensors"
    written = weights.stat().st_mtime_ns

    tuned = TransformersGenerator(
        cache_dir=chat_model.cache_dir, adapter_dir=tmp_path / "adapter", device="cpu"
    )
    tuned_reply = tuned.generate(PROMPT, max_new_tokens=16)
    assert tuned.name.endswith("+adapter")
    assert tuned_reply != base_reply  # the adapter is applied
    assert tuned.generate(PROMPT, max_new_tokens=16) == tuned_reply  # and deterministic

    # Without the adapter the same cached weights give the base reply again: the merge happened in
    # the tuned copy only, never in the shared safetensors or in the loaded base model.
    assert chat_model.generate(PROMPT, max_new_tokens=16) == base_reply
    plain = TransformersGenerator(cache_dir=chat_model.cache_dir, device="cpu")
    assert plain.generate(PROMPT, max_new_tokens=16) == base_reply
    assert weights.stat().st_mtime_ns == written  # the cached copy was reused, not converted again


def test_missing_model_or_adapter_is_a_clear_error(tmp_path: Path) -> None:
    with pytest.raises(GenerationError, match="No chat model"):
        TransformersGenerator(tmp_path / "nowhere", cache_dir=tmp_path)
    with pytest.raises(GenerationError, match="adapter_config.json is missing"):
        TransformersGenerator(cache_dir=tmp_path, adapter_dir=tmp_path)
    with pytest.raises(GenerationError, match="config.json is missing"):
        TransformersGenerator(tmp_path, cache_dir=tmp_path).load()


class ChatServer(ThreadingHTTPServer):
    """A local OpenAI-compatible endpoint: records each request, answers with `reply`."""

    def __init__(self) -> None:
        super().__init__(("127.0.0.1", 0), ChatHandler)
        self.requests: list[dict[str, Any]] = []
        self.reply: tuple[int, Any] = (200, completion("It is Paris."))
        self.delay_s = 0.0

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server_address[1]}"


class ChatHandler(BaseHTTPRequestHandler):
    server: ChatServer

    def do_POST(self) -> None:
        body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
        self.server.requests.append(
            {"path": self.path, "auth": self.headers.get("Authorization"), "body": body}
        )
        time.sleep(self.server.delay_s)
        status, payload = self.server.reply
        data = payload.encode() if isinstance(payload, str) else json.dumps(payload).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def log_message(self, *args: Any) -> None:
        pass


def completion(text: str) -> dict[str, Any]:
    return {"id": "c1", "object": "chat.completion", "choices": [{"index": 0, "message": {"role": "assistant", "content": text}}]}  # fmt: skip


@pytest.fixture
def chat_server() -> Iterator[ChatServer]:
    server = ChatServer()
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield server
    server.shutdown()
    server.server_close()


@pytest.mark.parametrize("suffix", ["", "/v1", "/v1/"])
def test_openai_compatible_posts_chat_completions(chat_server: ChatServer, suffix: str) -> None:
    generator = make_generator(
        "openai", base_url=chat_server.url + suffix, api_key="sk-test", model="smollm2"
    )
    assert isinstance(generator, OpenAICompatibleGenerator)
    assert generator.generate(PROMPT, max_new_tokens=12) == "It is Paris."
    [request] = chat_server.requests
    assert request["path"] == "/v1/chat/completions"
    assert request["auth"] == "Bearer sk-test"
    assert request["body"] == {"model": "smollm2", "messages": PROMPT, "max_tokens": 12, "temperature": 0, "stream": False}  # fmt: skip


def test_openai_compatible_without_key_sends_no_auth(chat_server: ChatServer) -> None:
    OpenAICompatibleGenerator(chat_server.url).generate(PROMPT)
    assert chat_server.requests[0]["auth"] is None


def test_openai_compatible_http_errors_are_clear(chat_server: ChatServer) -> None:
    generator = OpenAICompatibleGenerator(chat_server.url, api_key="wrong", timeout=0.5)
    chat_server.reply = (401, {"error": {"message": "Invalid API key", "type": "auth"}})
    with pytest.raises(GenerationError, match="HTTP 401: Invalid API key"):
        generator.generate(PROMPT)
    chat_server.reply = (500, "upstream crashed")
    with pytest.raises(GenerationError, match="HTTP 500: upstream crashed"):
        generator.generate(PROMPT)
    chat_server.reply = (200, {"choices": []})
    with pytest.raises(GenerationError, match="returned no completion"):
        generator.generate(PROMPT)
    chat_server.reply, chat_server.delay_s = (200, completion("late")), 1.5
    with pytest.raises(GenerationError, match="did not answer in time"):
        generator.generate(PROMPT)


def test_openai_compatible_unreachable_server() -> None:
    with socket.socket() as sock:  # a port that nothing listens on once closed
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    with pytest.raises(GenerationError, match="Could not reach"):
        OpenAICompatibleGenerator(f"http://127.0.0.1:{port}", timeout=2).generate(PROMPT)


@pytest.mark.skipif(
    importlib.util.find_spec("llama_cpp") is not None, reason="the llamacpp extra is installed"
)
def test_llamacpp_without_the_extra_names_it() -> None:
    with pytest.raises(GenerationError, match=r"optional 'llamacpp' extra.*llmxplorer\[llamacpp\]"):
        make_generator("llamacpp")


def test_unknown_backend_is_refused() -> None:
    with pytest.raises(ValueError, match="Unknown generation backend 'gpt'"):
        make_generator("gpt")  # type: ignore[arg-type]

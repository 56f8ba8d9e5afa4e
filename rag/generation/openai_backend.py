"""A chat model behind an OpenAI-compatible HTTP endpoint: vLLM, Ollama, llama.cpp server, hosted APIs."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import httpx

from rag.generation.errors import GenerationError
from rag.qa import Generator


class OpenAICompatibleGenerator(Generator):
    """POSTs `/v1/chat/completions` with greedy settings (temperature 0) and returns the first choice.

    `base_url` may end in `/v1` or not (both conventions are common). Every failure (unreachable
    server, HTTP error, unexpected body) becomes a `GenerationError` that names the endpoint.
    """

    def __init__(
        self, base_url: str, api_key: str | None = None, model: str = "default", timeout: float = 60.0
    ) -> None:
        root = base_url.rstrip("/")
        self.url = f"{root}/chat/completions" if root.endswith("/v1") else f"{root}/v1/chat/completions"
        self.model = model
        self.name = f"openai:{model}"
        headers = {"Authorization": f"Bearer {api_key}"} if api_key else {}
        self._client = httpx.Client(timeout=timeout, headers=headers)

    def generate(
        self, messages: Sequence[dict[str, str]], *, max_new_tokens: int = 96, stop: Sequence[str] = ()
    ) -> str:
        body = {
            "model": self.model,
            "messages": list(messages),
            "max_tokens": max_new_tokens,
            **({"stop": list(stop)} if stop else {}),
            "temperature": 0,
            "stream": False,
        }
        try:
            response = self._client.post(self.url, json=body)
        except httpx.TimeoutException as exc:
            raise GenerationError(f"The chat endpoint {self.url} did not answer in time.") from exc
        except httpx.HTTPError as exc:
            raise GenerationError(f"Could not reach the chat endpoint {self.url}: {exc}") from exc
        if response.status_code >= 400:
            raise GenerationError(
                f"The chat endpoint {self.url} answered HTTP {response.status_code}: {_error_detail(response)}"
            )
        try:
            content = response.json()["choices"][0]["message"]["content"]
        except (ValueError, KeyError, IndexError, TypeError) as exc:
            raise GenerationError(
                f"The chat endpoint {self.url} returned no completion: {response.text[:200]!r}"
            ) from exc
        return str(content or "").strip()

    def close(self) -> None:
        self._client.close()


def _error_detail(response: httpx.Response) -> str:
    """The server's own error message when it sent the usual `{"error": {"message": ...}}` body."""
    try:
        payload: Any = response.json()
    except ValueError:
        return response.text[:200] or response.reason_phrase
    error = payload.get("error") if isinstance(payload, dict) else None
    if isinstance(error, dict) and error.get("message"):
        return str(error["message"])
    if isinstance(error, str):
        return error
    return response.text[:200]

"""The UI's settings, read once: where the API is. `LLMX_UI_*` environment variables (or `.env`)."""

from __future__ import annotations

from functools import lru_cache

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict


class UiSettings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="LLMX_UI_", env_file=".env", extra="ignore")

    api_url: str = Field("http://127.0.0.1:8000", description="Base URL of the LLMXplorer REST API.")
    timeout_s: float = Field(120.0, gt=0, description="Longest wait for one API call (answers included).")


@lru_cache(maxsize=1)
def get_settings() -> UiSettings:
    return UiSettings()

"""The one settings object, split by concern. Every package reads configuration from here, never
from os.environ.

`Settings` reads `LLMX_*` environment variables (or a `.env` file) once. It is built from one
section per concern (`GraphSettings`, `IndexSettings`, `NewsSettings`, `ChatSettings`,
`ApiSettings`), and each package asks only for its section by type: `kg` takes a `GraphSettings`,
the indexes an `IndexSettings`, the chat backends a `ChatSettings`. A `Settings` is each of them, so
the shells pass the one object down; tests build just the section they need.
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, Field, SecretStr, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from .errors import ConfigError


class _DataDir(BaseModel):
    data_dir: Path = Field(
        Path("var"), description="Where graph files, indexes, adapters, logs and the API database live."
    )

    @property
    def log_dir(self) -> Path:
        return self.data_dir / "logs"


class GraphSettings(_DataDir):
    """The graph: an external Neo4j 5 over Bolt, or the project's embedded ArcadeDB server."""

    graph_uri: str | None = Field(
        None,
        description="Bolt URI of an external Neo4j 5 server. Unset: the project runs its embedded ArcadeDB.",
    )
    graph_user: str = Field("neo4j", description="User for an external graph server.")
    graph_password: SecretStr | None = Field(None, description="Password for an external graph server.")
    graph_database: str | None = Field(
        None, description="Database name; default 'neo4j' on an external server, 'llmx' embedded."
    )
    embedded_bolt_port: int = Field(7689, description="Bolt port of the embedded ArcadeDB server.")
    embedded_http_port: int = Field(2489, description="HTTP port of the embedded ArcadeDB server.")
    embedded_start_timeout_s: float = Field(90.0, description="How long to wait for the embedded server.")
    embedded_heap: str = Field("2g", description="JVM heap of the embedded server.")
    embedded_jvm_args: str = Field(
        "-XX:TieredStopAtLevel=1",
        description="Extra JVM options of the embedded server. The default compiles with the JIT's quick "
        "tier only: on a small machine the optimising tier's compile threads took more CPU during an "
        "ingest (31 s of 47 s) than the server's own work, and they compete with the embedder. Set it "
        "empty for the JVM's default on a long-running server with spare cores.",
    )
    min_free_disk_mb: int = Field(200, description="Refuse to start the embedded server below this.")
    write_batch_size: int = Field(1000, ge=1, le=10_000, description="Rows per UNWIND write batch.")

    @property
    def embedded(self) -> bool:
        return not self.graph_uri

    @property
    def database(self) -> str:
        if self.graph_database:
            return self.graph_database
        return "llmx" if self.embedded else "neo4j"

    @property
    def graph_dir(self) -> Path:
        return self.data_dir / "graph"


class IndexSettings(_DataDir):
    """The embedding model, chunking, and the FAISS + BM25 indexes."""

    embedding_model: Path | None = Field(
        None,
        description="Local sentence-transformers model directory; default: the packaged all-MiniLM-L6-v2.",
    )
    embedding_device: str | None = Field(None, description="cpu or cuda; default: cuda when available.")
    embedder: Literal["onnx-int8", "torch"] = Field(
        "onnx-int8",
        description="Embedding path on CPU: the int8 ONNX export of the model (built once, cached in "
        "<data_dir>/models/onnx) or fp32 sentence-transformers. CUDA always uses torch. An index "
        "built with one path is not queried with the other (`llmx index rebuild` re-embeds it).",
    )
    embedding_threads: int | None = Field(
        None,
        ge=1,
        description="Worker threads of the ONNX embedder, each running whole batches; default: all cores.",
    )
    embedding_batch_size: int | None = Field(
        None,
        ge=1,
        description="Texts per embedding batch; default 16 on ONNX (a batch per core), 64 on torch.",
    )
    chunk_size: int = Field(800, ge=100, description="Characters per article chunk.")
    chunk_overlap: int = Field(150, ge=0, description="Characters shared by neighbouring chunks.")
    index_use_gpu: bool | None = Field(None, description="FAISS on the GPU; default: when CUDA is present.")

    @property
    def index_dir(self) -> Path:
        return self.data_dir / "indexes"

    @property
    def embedding_cache_dir(self) -> Path:
        """Where the int8 ONNX export of the embedding model is cached."""
        return self.data_dir / "models" / "onnx"

    @model_validator(mode="after")
    def _overlap_below_size(self) -> IndexSettings:
        if self.chunk_overlap >= self.chunk_size:
            raise ConfigError(
                f"LLMX_CHUNK_OVERLAP ({self.chunk_overlap}) must be smaller than LLMX_CHUNK_SIZE "
                f"({self.chunk_size})."
            )
        return self


class NewsSettings(_DataDir):
    """News feeds: default access label and the conditional-GET state of fetched feeds."""

    news_default_classification: Literal["public", "internal", "confidential"] = Field(
        "public", description="Access label of articles whose feed does not set one."
    )

    @property
    def feed_state_dir(self) -> Path:
        return self.data_dir / "feeds"


class ChatSettings(_DataDir):
    """The chat model that phrases answers, and its optional LoRA adapter."""

    chat_backend: Literal["transformers", "llamacpp", "openai"] = Field(
        "transformers",
        description="Where the chat model runs: local transformers, llama.cpp, or an HTTP API.",
    )
    chat_model: Path | None = Field(
        None, description="Local model directory or .gguf file; default: the packaged SmolLM2-135M-Instruct."
    )
    chat_adapter: Path | None = Field(
        None, description="A LoRA adapter directory for the transformers backend."
    )
    chat_device: str | None = Field(None, description="cpu or cuda for the transformers backend.")
    chat_base_url: str | None = Field(
        None,
        description="OpenAI-compatible server URL for the openai backend, e.g. http://localhost:8000/v1.",
    )
    chat_api_model: str = Field("default", description="Model name sent to the OpenAI-compatible server.")
    chat_api_key: SecretStr | None = Field(None, description="API key for the OpenAI-compatible server.")
    chat_timeout_s: float = Field(60.0, gt=0, description="HTTP timeout of the openai backend.")
    chat_max_new_tokens: int = Field(96, ge=1, le=1024, description="Tokens the chat model may write.")

    @property
    def model_cache_dir(self) -> Path:
        """Where the packaged GGUF chat model's safetensors copy is kept between runs."""
        return self.data_dir / "models"

    @property
    def eval_dir(self) -> Path:
        return self.data_dir / "eval"


class ApiSettings(_DataDir):
    """The REST API: where it listens and where its own state (users, keys, audit) lives."""

    api_host: str = Field("127.0.0.1", description="Interface `llmx serve` binds to.")
    api_port: int = Field(8000, ge=1, le=65535, description="Port `llmx serve` listens on.")
    api_database_url: str | None = Field(
        None,
        description="SQLAlchemy URL of the API's database, e.g. postgresql+psycopg://user:pw@host/db; "
        "default: SQLite in the data directory. Migrated to the newest schema on start-up.",
    )
    api_rate_limit_per_minute: int = Field(
        120, ge=1, description="Requests one API key (or one anonymous client) may make per minute."
    )
    api_max_body_bytes: int = Field(
        1_000_000, ge=1024, description="Largest request body the API reads; larger ones get 413."
    )
    api_generation_timeout_s: float = Field(
        120.0, gt=0, description="How long one answer may take before the API gives up with 504."
    )
    api_key_ttl_days: int = Field(90, ge=1, description="Default lifetime of a new API key.")
    api_ingest_root: Path | None = Field(
        None,
        description="Folder laid out like ../shared/data whose sources ingestion jobs may name; "
        "unset: catalog jobs read the installed models.dev catalog only, news jobs are refused.",
    )

    @property
    def api_dir(self) -> Path:
        return self.data_dir / "api"

    @property
    def api_db_url(self) -> str:
        return self.api_database_url or f"sqlite:///{(self.api_dir / 'llmx-api.sqlite3').resolve()}"

    @property
    def adapters_dir(self) -> Path:
        return self.data_dir / "adapters"


class Settings(BaseSettings, GraphSettings, IndexSettings, NewsSettings, ChatSettings, ApiSettings):
    """Configuration from `LLMX_*` environment variables or a `.env` file in the working directory."""

    model_config = SettingsConfigDict(env_prefix="LLMX_", env_file=".env", extra="ignore")


@lru_cache
def get_settings() -> Settings:
    return Settings()

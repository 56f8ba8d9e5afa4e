"""One validated fine-tuning configuration, parsed once from YAML and saved beside every run.

Every field carries its help text; a bad value raises `FinetuneConfigError` whose message names the
field by its dotted path (`train.learning_rate: ...`), so a typo in a YAML file is found at once and
never half-way through a training run.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from core.errors import ConfigError

FAMILIES = ("attribute", "list", "compare", "count", "rank", "lineage", "organization", "news", "topic",
            "open", "unanswerable")  # fmt: skip


class FinetuneConfigError(ConfigError):
    """A configuration value is invalid; the message names the field."""


class _Section(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class DataConfig(_Section):
    """Stage 1: instruction data from the graph and the news."""

    seed: int = Field(13, description="Seed of question generation, sampling and the splits.")
    per_family: int = Field(
        40, ge=1, le=5000, description="Questions generated per family and split before cleaning."
    )
    family_questions: dict[str, int] = Field(
        default_factory=dict,
        description="Training questions for named families instead of per_family (the hard ones get more).",
    )
    test_share: float = Field(0.3, gt=0, lt=1, description="Share of model lineages held out for test.")
    val_share: float = Field(
        0.1, gt=0, lt=1, description="Share of the training lineages held out for validation."
    )
    paraphrases: int = Field(
        2, ge=1, le=6, description="Phrasings of each question kept (the set's phrasings, rotated)."
    )
    distractor_share: float = Field(
        0.5, ge=0, le=1, description="Share of fact items also shown with every retrieved item (distractors)."
    )
    k: int = Field(8, ge=1, le=50, description="Evidence items the retriever returns, as in `llmx ask`.")
    max_evidence: int = Field(6, ge=1, le=20, description="Numbered evidence items in a prompt.")
    max_prompt_tokens: int = Field(
        600, ge=32, description="Longer prompts are dropped (cleaning), not truncated."
    )
    max_answer_tokens: int = Field(160, ge=8, description="Longer target answers are dropped.")
    max_test: int = Field(60, ge=1, description="Test items kept (balanced across families).")

    @field_validator("family_questions")
    @classmethod
    def _known_families(cls, value: dict[str, int]) -> dict[str, int]:
        for family, n in value.items():
            if family not in FAMILIES:
                raise ValueError(f"{family!r} is no question family (one of {', '.join(FAMILIES)})")
            if not 1 <= n <= 5000:
                raise ValueError(f"{family}: {n} questions is out of range (1 to 5000)")
        return value


class ModelConfig(_Section):
    """Stage 2: the base model."""

    base: Path | None = Field(
        None, description="A local transformers model directory; default: the packaged SmolLM2-135M-Instruct."
    )
    seed: int = Field(42, description="Seed of torch, python and numpy before the adapter is created.")
    device: Literal["auto", "cpu", "cuda"] = Field(
        "auto", description="auto: CUDA when present (bf16 where supported), else CPU fp32."
    )
    threads: int | None = Field(
        None, ge=1, le=256, description="torch CPU threads; 1 is fastest on a shared, oversubscribed CPU."
    )


class LoraConfig(_Section):
    """The adapter: LoRA (peft), DoRA when `use_dora`, QLoRA (4-bit base) when `qlora` and CUDA exists."""

    rank: int = Field(16, ge=1, le=512, description="LoRA rank r.")
    alpha: int = Field(32, gt=0, description="LoRA scaling alpha (the update is scaled by alpha / r).")
    dropout: float = Field(0.05, ge=0, lt=1, description="Dropout on the LoRA input.")
    target_modules: tuple[str, ...] = Field(
        ("q_proj", "k_proj", "v_proj", "o_proj"), min_length=1, description="Linear layers that get adapters."
    )
    use_dora: bool = Field(False, description="Weight-decomposed LoRA (DoRA) instead of plain LoRA.")
    qlora: bool = Field(False, description="Load the base in 4 bits (bitsandbytes); needs CUDA.")


class TrainConfig(_Section):
    """Stages 3-4: supervised fine-tuning on answer tokens only."""

    learning_rate: float = Field(3e-4, gt=0, lt=1, description="Peak learning rate of AdamW.")
    batch_size: int = Field(4, ge=1, le=256, description="Examples per forward pass.")
    grad_accum: int = Field(1, ge=1, le=256, description="Forward passes per optimizer step.")
    epochs: float = Field(1.0, gt=0, description="Passes over the training set (max_steps wins if set).")
    max_steps: int | None = Field(None, ge=1, description="Stop after this many optimizer steps.")
    max_length: int = Field(768, ge=32, le=8192, description="Token limit of prompt + answer.")
    warmup_steps: int = Field(10, ge=0, description="Linear warm-up steps.")
    weight_decay: float = Field(0.0, ge=0, lt=1, description="AdamW weight decay.")
    scheduler: Literal["linear", "cosine", "constant"] = Field(
        "cosine", description="Learning-rate schedule."
    )
    max_grad_norm: float = Field(1.0, gt=0, description="Gradient clipping norm.")
    eval_every: int = Field(25, ge=1, description="Validate every this many optimizer steps.")
    val_batches: int = Field(8, ge=1, description="Validation batches per evaluation (a fixed subset).")
    patience: int = Field(3, ge=1, description="Early stopping: evaluations without improvement.")
    save_every: int = Field(25, ge=1, description="Checkpoint every this many optimizer steps.")
    keep_checkpoints: int = Field(2, ge=1, description="Checkpoints kept on disk (older ones removed).")


class DpoConfig(_Section):
    """Stage 4 option: DPO with TRL on preference pairs, after supervised training."""

    enabled: bool = Field(False, description="Run DPO after SFT.")
    steps: int = Field(10, ge=1, description="DPO optimizer steps.")
    beta: float = Field(0.1, gt=0, description="DPO beta (strength of the KL term).")
    learning_rate: float = Field(5e-5, gt=0, lt=1, description="DPO learning rate.")
    batch_size: int = Field(2, ge=1, description="Preference pairs per step.")
    max_pairs: int = Field(200, ge=1, description="Preference pairs built from the training split.")


class EvalConfig(_Section):
    """Stage 5: base vs tuned on the test split, the model phrasing every answer."""

    max_items: int | None = Field(None, ge=1, description="Test items evaluated (default: all).")
    max_new_tokens: int = Field(96, ge=8, le=1024, description="Tokens the model may write per answer.")
    news_max_new_tokens: int = Field(
        192, ge=8, le=1024, description="Tokens per answer for a news digest (several articles, cited)."
    )
    compare_base: bool = Field(True, description="Also evaluate the base model, side by side.")
    batch_size: int = Field(
        8,
        ge=1,
        le=64,
        description="Answers decoded at once (similar lengths batched; same texts as one by one).",
    )


class FinetuneConfig(_Section):
    """The whole recipe: `name` is the adapter's name in the registry."""

    name: str = Field(pattern=r"^[A-Za-z0-9][A-Za-z0-9._-]{0,99}$", description="Adapter/run name.")
    description: str = Field("", description="One line for the model card.")
    data: DataConfig = Field(default_factory=DataConfig)
    model: ModelConfig = Field(default_factory=ModelConfig)
    lora: LoraConfig = Field(default_factory=LoraConfig)
    train: TrainConfig = Field(default_factory=TrainConfig)
    dpo: DpoConfig = Field(default_factory=DpoConfig)
    eval: EvalConfig = Field(default_factory=EvalConfig)

    @field_validator("name")
    @classmethod
    def _no_dots_only(cls, value: str) -> str:
        if set(value) <= {"."}:
            raise ValueError("a name is not only dots")
        return value

    @model_validator(mode="after")
    def _consistent(self) -> FinetuneConfig:
        if self.data.max_prompt_tokens + self.data.max_answer_tokens > self.train.max_length:
            raise ValueError(
                "train.max_length must hold data.max_prompt_tokens + data.max_answer_tokens "
                f"({self.data.max_prompt_tokens} + {self.data.max_answer_tokens} > {self.train.max_length})"
            )
        return self

    def dump(self) -> dict[str, Any]:
        return self.model_dump(mode="json")

    def save(self, path: Path) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(yaml.safe_dump(self.dump(), sort_keys=False))


def parse_config(raw: dict[str, Any], *, origin: str = "config") -> FinetuneConfig:
    """Validate a mapping; the first error names its field (`lora.rank: ...`)."""
    try:
        return FinetuneConfig.model_validate(raw)
    except ValidationError as exc:
        problems = []
        for err in exc.errors():
            where = ".".join(str(p) for p in err["loc"]) or "config"
            problems.append(f"{where}: {err['msg']} (got {err.get('input')!r})")
        raise FinetuneConfigError(f"{origin}: " + "; ".join(problems)) from None


def load_config(path: Path, **overrides: Any) -> FinetuneConfig:
    """Read and validate a YAML file; `overrides` are `section.field` keys set after reading."""
    try:
        raw = yaml.safe_load(Path(path).read_text()) or {}
    except (OSError, yaml.YAMLError) as exc:
        raise FinetuneConfigError(f"{path}: cannot read the configuration ({exc}).") from None
    if not isinstance(raw, dict):
        raise FinetuneConfigError(f"{path}: the configuration must be a mapping of sections.")
    for dotted, value in overrides.items():
        section, _, key = dotted.rpartition(".")
        target = raw.setdefault(section, {}) if section else raw
        target[key] = value
    return parse_config(raw, origin=str(path))

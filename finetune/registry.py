"""Stage 6: the adapter registry under `<data_dir>/adapters`, the active adapter, merging.

One folder per adapter, laid out so that peft loads it directly and the API's adapter listing
(`services.adapters`) reads it: `adapter_config.json` + `adapter_model.safetensors` (adapter-only
weights), `config.yaml` (the recipe), `dataset_card.{md,json}`, `report.{md,json}` (stage 5),
`losses.jsonl`, `README.md` (a Hugging Face model card) and `llmx-adapter.json` (what was saved:
peft type, base model, library versions, headline metrics), which loading dispatches on.

The active adapter is named in `<data_dir>/adapters/ACTIVE`. The chat model uses, in this order:
`LLMX_CHAT_ADAPTER` when set, the registry's active adapter, else the adapter shipped in the
repository (`adapters/default`) when it exists. A running server picks up a newly activated adapter
on `AppContext.reload_generator()` (the API's admin reload), no restart.
"""

from __future__ import annotations

import json
import re
import shutil
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from core.errors import InvalidInput, NotFound
from core.settings import ChatSettings

MANIFEST = "llmx-adapter.json"
ACTIVE = "ACTIVE"
REPO_DEFAULT = Path(__file__).resolve().parents[1] / "adapters" / "default"
_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,99}$")
_COPIED = ("adapter_config.json", "adapter_model.safetensors")
# The run's record, and its data (so a run can be checked against, and reproduced from, what it saw).
_RUN_FILES = ("config.yaml", "losses.jsonl", "report.md", "report.json", "dataset_card.md", "dataset_card.json",
              "monitor_baseline.json", "train.jsonl", "val.jsonl", "test.jsonl")  # fmt: skip


@dataclass(frozen=True)
class AdapterEntry:
    name: str
    path: Path
    active: bool
    manifest: dict[str, Any]


def _check_name(name: str) -> None:
    if not _NAME.match(name):
        raise InvalidInput(f"Adapter name {name!r}: letters, digits, '.', '_' or '-' (at most 100).")


def library_versions() -> dict[str, str]:
    from importlib.metadata import PackageNotFoundError, version

    out = {}
    for package in ("torch", "transformers", "peft", "trl"):
        try:
            out[package] = version(package)
        except PackageNotFoundError:
            continue
    return out


def register(
    root: Path, name: str, *, adapter_dir: Path, run_files: Path, base_model: str, manifest: dict[str, Any]
) -> Path:
    """Copy a trained adapter and its run's files into `<root>/<name>` (replacing an older one)."""
    _check_name(name)
    if not (adapter_dir / "adapter_config.json").is_file():
        raise NotFound(f"No peft adapter at {adapter_dir}.")
    staging = root / f".{name}.tmp"
    shutil.rmtree(staging, ignore_errors=True)
    staging.mkdir(parents=True)
    for file in _COPIED:
        shutil.copy2(adapter_dir / file, staging / file)
    for file in _RUN_FILES:
        for folder in (run_files, run_files / "dataset"):
            if (folder / file).is_file():
                shutil.copy2(folder / file, staging / file)
    peft_config = json.loads((adapter_dir / "adapter_config.json").read_text())
    full = {"name": name, "peft_type": peft_config.get("peft_type"), "use_dora": peft_config.get("use_dora"),
            "base_model": base_model, "libraries": library_versions(),
            "created": datetime.now(UTC).isoformat(timespec="seconds"), **manifest}  # fmt: skip
    (staging / MANIFEST).write_text(json.dumps(full, indent=2, default=str))
    (staging / "README.md").write_text(model_card(full, staging))
    target = root / name
    shutil.rmtree(target, ignore_errors=True)
    staging.rename(target)
    return target


def list_adapters(root: Path) -> list[AdapterEntry]:
    active = active_name(root)
    out = []
    if root.is_dir():
        for folder in sorted(p for p in root.iterdir() if p.is_dir() and _NAME.match(p.name)):
            if (folder / "adapter_config.json").is_file():
                out.append(AdapterEntry(folder.name, folder, folder.name == active, _manifest(folder)))
    return out


def _manifest(folder: Path) -> dict[str, Any]:
    try:
        return dict(json.loads((folder / MANIFEST).read_text()))
    except (OSError, ValueError):
        return {}


def active_name(root: Path) -> str | None:
    try:
        name = (root / ACTIVE).read_text().strip()
    except OSError:
        return None
    return name if _NAME.match(name) and (root / name / "adapter_config.json").is_file() else None


def activate(root: Path, name: str | None) -> None:
    """Make `name` the active adapter (None: the base model, no adapter)."""
    root.mkdir(parents=True, exist_ok=True)
    if name is None:
        (root / ACTIVE).write_text("none\n")
        return
    _check_name(name)
    if not (root / name / "adapter_config.json").is_file():
        raise NotFound(f"No adapter {name!r} in {root}.")
    (root / ACTIVE).write_text(name + "\n")


def resolve_adapter(settings: ChatSettings, *, adapters_dir: Path | None = None) -> Path | None:
    """The adapter the chat model should use (see the module doc for the order)."""
    if settings.chat_adapter is not None:
        return settings.chat_adapter
    root = adapters_dir or settings.data_dir / "adapters"
    if (root / ACTIVE).is_file():
        name = active_name(root)
        return root / name if name else None  # 'none' or a removed adapter: the base model
    return REPO_DEFAULT if (REPO_DEFAULT / "adapter_config.json").is_file() else None


def with_active_adapter(settings: Any) -> Any:
    """`settings` with `chat_adapter` set to the resolved adapter (a copy; the original is unchanged)."""
    return settings.model_copy(update={"chat_adapter": resolve_adapter(settings)})


def merge(root: Path, name: str, out_dir: Path, *, base_dir: Path) -> Path:
    """A full transformers model with the adapter merged into the weights (for llama.cpp's GGUF
    converter or any serving stack without peft)."""
    from peft import PeftModel
    from transformers import AutoModelForCausalLM, AutoTokenizer

    folder = root / name
    if not (folder / "adapter_config.json").is_file():
        raise NotFound(f"No adapter {name!r} in {root}.")
    model = AutoModelForCausalLM.from_pretrained(base_dir, local_files_only=True, dtype="float32")
    merged = PeftModel.from_pretrained(model, str(folder)).merge_and_unload()
    out_dir.mkdir(parents=True, exist_ok=True)
    merged.save_pretrained(out_dir)
    AutoTokenizer.from_pretrained(base_dir, local_files_only=True).save_pretrained(out_dir)
    (out_dir / "llmx-merged.json").write_text(json.dumps({"adapter": name, "base": str(base_dir)}))
    return out_dir


def model_card(manifest: dict[str, Any], folder: Path) -> str:
    """A Hugging Face model card (YAML front matter + markdown)."""
    metrics = manifest.get("metrics", {})
    tuned, base = metrics.get("tuned", {}), metrics.get("base", {})
    keys = ("accuracy", "exact_value", "citation_precision", "citation_recall", "refusal_correct",
            "grounding_pass", "style_defects")  # fmt: skip
    front = ["---", "library_name: peft", "license: apache-2.0",
             "base_model: HuggingFaceTB/SmolLM2-135M-Instruct", "pipeline_tag: text-generation",
             "tags: [lora, peft, rag, grounded-answers, llmxplorer]", "language: [en]", "---", ""]  # fmt: skip
    lines = [f"# {manifest['name']}: LoRA adapter for grounded, cited answers", "",
             str(manifest.get("description") or ""), "",
             f"- Base model: {manifest.get('base_model')} (SmolLM2-135M-Instruct, Apache-2.0)",
             f"- Method: {manifest.get('peft_type')}{' (DoRA)' if manifest.get('use_dora') else ''}; "
             f"training {manifest.get('training', {})}",
             f"- Libraries: {manifest.get('libraries')}", "",
             "## Intended use", "",
             "Phrasing answers to questions about LLMs from numbered evidence (graph facts, news chunks) in "
             "LLMXplorer's `grounded_answer` prompt, citing [n]. Every served answer still passes the strict "
             "grounding check (`rag/grounding.py`); this adapter is not a general chat model.", "",
             "## Evaluation (test split, model phrasing every answer)", "",
             "| metric | base | tuned |", "|---|---:|---:|"]  # fmt: skip
    lines += [f"| {k} | {base.get(k, '-')} | {tuned.get(k, '-')} |" for k in keys]
    lines += ["", "## Training data", "", "See `dataset_card.md`: generated from the LLMXplorer knowledge graph "
              "(LLM-Stats CC BY 4.0, models.dev MIT, Epoch AI CC BY 4.0, litellm MIT) and AINews stories "
              "(attributed, demo use) through the product's own retriever.", "",
              "## Limitations", "", "A 135M model: it copies the evidence's sentences well and reasons little; "
              "lists and news digests are short. Numbers not in the evidence are rejected by the grounding "
              "check, never served.", ""]  # fmt: skip
    if (folder / "report.md").is_file():
        lines += ["Full report: `report.md`.", ""]
    return "\n".join(front + lines)


def export(
    root: Path, name: str, dest: Path, *, base_model: str = "HuggingFaceTB/SmolLM2-135M-Instruct"
) -> Path:
    """Copy a registered adapter (adapter-only weights and its cards, no checkpoints) to `dest`, e.g.
    `adapters/default` in the repository; the local base path in its peft config becomes the hub id."""
    folder = root / name
    if not (folder / "adapter_config.json").is_file():
        raise NotFound(f"No adapter {name!r} in {root}.")
    dest.mkdir(parents=True, exist_ok=True)
    for file in folder.iterdir():
        if file.is_file():
            shutil.copy2(file, dest / file.name)
    config = json.loads((dest / "adapter_config.json").read_text())
    config["base_model_name_or_path"] = base_model
    (dest / "adapter_config.json").write_text(json.dumps(config, indent=2, sort_keys=True))
    return dest

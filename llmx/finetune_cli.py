"""`llmx finetune run|list|activate|merge|monitor`: the fine-tuning pipeline and its adapter registry."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer

from core.errors import ConfigError, InvalidInput, NotFound
from core.settings import get_settings

from .console import err, fail

finetune_app = typer.Typer(
    help="Fine-tune the chat model: run the pipeline, manage adapters.", no_args_is_help=True
)


@finetune_app.command("run")
def run(
    config: Annotated[Path, typer.Option(help="The YAML recipe, e.g. configs/finetune/default.yaml.")],
    resume: Annotated[bool, typer.Option(help="Continue from the newest checkpoint of this run.")] = False,
    stop_after: Annotated[
        int | None, typer.Option(min=1, help="Stop training after N steps (simulates an interruption).")
    ] = None,
    activate_it: Annotated[
        bool, typer.Option("--activate", help="Make the adapter active when it beats the base model.")
    ] = False,
    as_json: Annotated[bool, typer.Option("--json", help="Print the run summary as JSON.")] = False,
) -> None:
    """Every stage: dataset -> model -> LoRA (+DPO) -> evaluation -> registry -> monitor baseline."""
    from finetune.config import load_config
    from finetune.pipeline import run_pipeline
    from finetune.registry import activate

    settings = get_settings()
    try:
        cfg = load_config(config)
    except ConfigError as exc:
        raise fail(str(exc), code=2) from exc
    result = run_pipeline(cfg, settings, resume=resume, stop_after=stop_after, log=lambda m: err.print(m))
    if activate_it and result.beats_base and result.adapter is not None:
        activate(settings.data_dir / "adapters", cfg.name)
        err.print(f"Adapter {cfg.name!r} is now active.")
    if as_json:
        print(json.dumps(result.to_json(), indent=2, default=str))
    else:
        report = result.run_dir / "report.md"
        print(
            report.read_text() if report.is_file() else f"Stopped after {result.training.get('steps')} steps."
        )


@finetune_app.command("list")
def list_cmd(as_json: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False) -> None:
    """The registered adapters, the active one marked."""
    from finetune.registry import list_adapters

    entries = list_adapters(get_settings().data_dir / "adapters")
    rows = [{"name": e.name, "active": e.active, "peft_type": e.manifest.get("peft_type"),
             "beats_base": e.manifest.get("beats_base"),
             "tuned": (e.manifest.get("metrics") or {}).get("tuned", {}).get("grounding_pass")} for e in entries]  # fmt: skip
    if as_json:
        print(json.dumps(rows, indent=2))
        return
    for r in rows:
        print(f"{'*' if r['active'] else ' '} {r['name']}  {r['peft_type']}  grounding_pass={r['tuned']}")


@finetune_app.command("activate")
def activate_cmd(
    name: Annotated[str, typer.Argument(help="Adapter name, or 'none' for the base model.")],
) -> None:
    """Serve answers with this adapter (a running API picks it up on reload)."""
    from finetune.registry import activate

    try:
        activate(get_settings().data_dir / "adapters", None if name == "none" else name)
    except (InvalidInput, NotFound) as exc:
        raise fail(str(exc), code=2) from exc
    err.print(f"Active adapter: {name}")


@finetune_app.command("merge")
def merge_cmd(
    name: Annotated[str, typer.Argument(help="Adapter name.")],
    out_dir: Annotated[Path | None, typer.Option("--out", help="Folder for the merged model.")] = None,
) -> None:
    """Write a full transformers model with the adapter merged in (input for llama.cpp's GGUF converter)."""
    from finetune.config import FinetuneConfig
    from finetune.registry import merge
    from finetune.train import base_model_dir

    settings = get_settings()
    base = base_model_dir(FinetuneConfig(name=name), settings.model_cache_dir)
    target = out_dir or settings.data_dir / "merged" / name
    try:
        merge(settings.data_dir / "adapters", name, target, base_dir=base)
    except (InvalidInput, NotFound) as exc:
        raise fail(str(exc), code=2) from exc
    print(target)


@finetune_app.command("export")
def export_cmd(
    name: Annotated[str, typer.Argument(help="Adapter name.")],
    dest: Annotated[Path, typer.Argument(help="Folder to write, e.g. adapters/default in the repository.")],
) -> None:
    """Copy a registered adapter with its cards, report and data to a folder (no checkpoints): how
    the repository's default adapter, served when no other is active, is shipped."""
    from finetune.registry import export

    settings = get_settings()
    try:
        export(settings.data_dir / "adapters", name, dest)
    except (InvalidInput, NotFound) as exc:
        raise fail(str(exc), code=2) from exc
    print(dest)


@finetune_app.command("monitor")
def monitor_cmd(
    drift: Annotated[
        bool, typer.Option(help="Embed recent questions to measure drift (loads MiniLM).")
    ] = True,
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False,
) -> None:
    """Quality over time (grounding, citations, refusals, feedback), drift, and whether to retrain."""
    from finetune.monitor import monitor_report
    from finetune.registry import resolve_adapter
    from rag.embedder import SentenceTransformerEmbedder

    settings = get_settings()
    adapter = resolve_adapter(settings)
    embedder = SentenceTransformerEmbedder(settings.embedding_model, device="cpu") if drift else None
    report = monitor_report(settings.log_dir, adapter_dir=adapter, embedder=embedder)
    report["adapter"] = str(adapter) if adapter else None
    if as_json:
        print(json.dumps(report, indent=2))
        return
    o = report["overall"]
    print(f"answers {o['answers']}  grounding pass {o['grounding_pass']}  citation rate {o['citation_rate']}  "
          f"refusal rate {o['refusal_rate']}  thumbs down {o['thumbs_down']}")  # fmt: skip
    for day, r in report["by_day"].items():
        print(
            f"  {day}: {r['answers']} answers, grounding {r['grounding_pass']}, citations {r['citation_rate']}"
        )
    print(f"drift: {report['drift']}")
    print("retrain: " + ("; ".join(report["reasons"]) if report["retrain"] else "no"))

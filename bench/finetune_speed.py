"""Benchmark: the default recipe's LoRA (SFT) and DPO steps on this machine. Prints JSON.

Trains a few steps of each on a dataset written by stage 1 (default: the default run's, else the
tiny one's) into a temporary folder: seconds per step, tokens per second, peak memory (RSS on CPU,
allocated on CUDA), and the torch thread count used.

Usage: python bench/finetune_speed.py [--config configs/finetune/default.yaml] [--dataset DIR] [--steps 4]
           [--dpo-steps 2] [--threads 1]
"""

from __future__ import annotations

import argparse
import json
import tempfile
from pathlib import Path

from core.settings import get_settings
from finetune.config import load_config
from finetune.dataset import load_examples, preference_pairs
from finetune.train import base_model_dir, train_dpo, train_sft

ROOT = Path(__file__).resolve().parents[1]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--config", type=Path, default=ROOT / "configs" / "finetune" / "default.yaml")
    parser.add_argument("--dataset", type=Path, default=None)
    parser.add_argument("--steps", type=int, default=4)
    parser.add_argument("--dpo-steps", type=int, default=2)
    parser.add_argument("--threads", type=int, default=None)
    args = parser.parse_args()

    import torch

    settings = get_settings()
    cfg = load_config(args.config)
    threads = args.threads or cfg.model.threads
    if threads:
        torch.set_num_threads(threads)
    runs = settings.data_dir / "finetune"
    dataset = args.dataset or next(
        (
            runs / n / "dataset"
            for n in (cfg.name, "default", "tiny")
            if (runs / n / "dataset" / "train.jsonl").is_file()
        ),
        None,
    )
    if dataset is None:
        raise SystemExit(
            "No stage-1 dataset found: run `llmx finetune run --config ...` first or pass --dataset."
        )
    train = load_examples(dataset / "train.jsonl")
    val = load_examples(dataset / "val.jsonl")[:2]
    bench_cfg = cfg.model_copy(update={
        "train": cfg.train.model_copy(update={"max_steps": args.steps, "eval_every": 10**6, "save_every": 10**6,
                                              "warmup_steps": 0}),
        "dpo": cfg.dpo.model_copy(update={"steps": args.dpo_steps}),
    })  # fmt: skip
    model_dir = base_model_dir(cfg, settings.model_cache_dir)
    with tempfile.TemporaryDirectory() as tmp:
        sft = train_sft(bench_cfg, train, val, Path(tmp), model_dir=model_dir)
        pairs = preference_pairs(train, max(4, args.dpo_steps * cfg.dpo.batch_size), cfg.data.seed)
        dpo = train_dpo(bench_cfg, pairs, Path(tmp) / "adapter", Path(tmp), model_dir=model_dir)
    print(json.dumps({
        "recipe": str(args.config), "dataset": str(dataset), "device": sft.device, "threads": torch.get_num_threads(),
        "lora": {"steps": sft.steps, "batch_size": cfg.train.batch_size, "seconds_per_step": sft.seconds_per_step,
                 "tokens_per_s": sft.tokens_per_s, "peak_memory_mb": sft.peak_memory_mb,
                 "trainable_params": sft.trainable_params},
        "dpo": {"steps": dpo.steps, "batch_size": cfg.dpo.batch_size, "seconds_per_step": dpo.seconds_per_step,
                "peak_memory_mb": dpo.peak_memory_mb},
    }, indent=2))  # fmt: skip


if __name__ == "__main__":
    main()

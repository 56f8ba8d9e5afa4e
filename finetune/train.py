"""Stages 2-4: the base model offline, the adapter, supervised fine-tuning, and DPO as an option.

* Stage 2: the base is a local transformers directory or the packaged SmolLM2-135M-Instruct (its
  GGUF dequantized once into the safetensors cache `rag.generation` keeps); its tokenizer must
  carry a chat template; python, numpy and torch are seeded.
* Stage 3: the device is detected (CUDA with bf16 where supported, else CPU fp32); the validated
  config is saved beside the outputs; losses go to `losses.jsonl` (one line per step/evaluation).
* Stage 4: LoRA (peft; DoRA with `lora.use_dora`; QLoRA with `lora.qlora` only where CUDA exists).
  Loss on the answer tokens only (prompt tokens are labelled -100), dynamic padding per batch,
  validation every `eval_every` steps with early stopping, a checkpoint every `save_every` steps
  (adapter, optimizer, scheduler, RNG states, step) and `resume=True` continues from the newest.
  The best adapter (lowest validation loss) is written to `<out>/adapter`. DPO (TRL) trains the
  adapter further on preference pairs.
"""

from __future__ import annotations

import contextlib
import json
import math
import random
import shutil
import sys
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from rag.generation.transformers_backend import TransformersGenerator

from .config import FinetuneConfig, LoraConfig
from .dataset import Example

CHECKPOINTS = "checkpoints"
ADAPTER = "adapter"
LOSSES = "losses.jsonl"
IGNORE = -100


class TrainingError(RuntimeError):
    """The base model or the training set-up cannot be used."""


def seed_everything(seed: int) -> None:
    import numpy as np
    import torch

    random.seed(seed)
    np.random.seed(seed)
    torch.manual_seed(seed)


def pick_device(choice: str) -> tuple[str, Any]:
    """(device, dtype): CUDA with bf16 where supported (fp16 otherwise), CPU with fp32."""
    import torch

    if choice == "cuda" or (choice == "auto" and torch.cuda.is_available()):
        if not torch.cuda.is_available():
            raise TrainingError("model.device is 'cuda' but no CUDA device is present.")
        return "cuda", torch.bfloat16 if torch.cuda.is_bf16_supported() else torch.float16
    return "cpu", torch.float32


def base_model_dir(cfg: FinetuneConfig, cache_dir: Path) -> Path:
    """A transformers directory of the base model (the packaged GGUF is dequantized and cached once)."""
    generator = TransformersGenerator(cfg.model.base, cache_dir=cache_dir, device="cpu")
    if generator.source.is_file():
        generator._ensure_cached_copy()  # noqa: SLF001  # the same cache `llmx ask` uses
    return generator.model_path


def load_tokenizer(model_dir: Path) -> Any:
    from transformers import AutoTokenizer

    tokenizer = AutoTokenizer.from_pretrained(model_dir, local_files_only=True)
    if tokenizer.chat_template is None:
        raise TrainingError(f"The tokenizer at {model_dir} has no chat template.")
    if tokenizer.pad_token_id is None:
        tokenizer.pad_token = tokenizer.eos_token
    rendered = tokenizer.apply_chat_template([{"role": "user", "content": "hi"}], tokenize=False,
                                             add_generation_prompt=True)  # fmt: skip
    if "hi" not in rendered:
        raise TrainingError("The chat template drops the user's message.")
    return tokenizer


def load_base(model_dir: Path, lora: LoraConfig, device: str, dtype: Any) -> Any:
    import os

    from transformers import AutoModelForCausalLM

    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    kwargs: dict[str, Any] = {"local_files_only": True, "dtype": dtype}
    if lora.qlora:
        if device != "cuda":
            raise TrainingError("lora.qlora needs CUDA (4-bit bitsandbytes kernels); set it false on a CPU.")
        from transformers import BitsAndBytesConfig

        kwargs["quantization_config"] = BitsAndBytesConfig(load_in_4bit=True, bnb_4bit_compute_dtype=dtype)
    model: Any = AutoModelForCausalLM.from_pretrained(model_dir, **kwargs)
    return model if lora.qlora else model.to(device)


def add_adapter(model: Any, lora: LoraConfig) -> Any:
    from peft import LoraConfig as PeftLoraConfig
    from peft import get_peft_model

    if lora.qlora:
        from peft import prepare_model_for_kbit_training

        model = prepare_model_for_kbit_training(model)
    config = PeftLoraConfig(
        r=lora.rank, lora_alpha=lora.alpha, lora_dropout=lora.dropout, target_modules=list(lora.target_modules),
        use_dora=lora.use_dora, bias="none", task_type="CAUSAL_LM",
    )  # fmt: skip
    return get_peft_model(model, config)


# -- tokenisation and batches -------------------------------------------------------------------------
def encode(tokenizer: Any, messages: list[dict[str, str]], target: str) -> tuple[list[int], list[int]]:
    """Token ids of prompt + answer + end of turn, and labels with the prompt masked (-100)."""
    prompt = list(tokenizer.apply_chat_template(messages, add_generation_prompt=True, tokenize=True,
                                                return_dict=True)["input_ids"])  # fmt: skip
    answer = tokenizer(target + "<|im_end|>", add_special_tokens=False)["input_ids"]
    return prompt + answer, [IGNORE] * len(prompt) + list(answer)


def token_counter(tokenizer: Any) -> Callable[[list[dict[str, str]], str], tuple[int, int]]:
    def count(messages: list[dict[str, str]], target: str) -> tuple[int, int]:
        ids, labels = encode(tokenizer, messages, target)
        answer = sum(1 for x in labels if x != IGNORE)
        return len(ids) - answer, answer

    return count


def collate(rows: Sequence[tuple[list[int], list[int]]], pad_id: int) -> dict[str, Any]:
    """Dynamic padding: each batch padded to its own longest row (right padding)."""
    import torch

    width = max(len(ids) for ids, _ in rows)
    ids = torch.full((len(rows), width), pad_id, dtype=torch.long)
    labels = torch.full((len(rows), width), IGNORE, dtype=torch.long)
    mask = torch.zeros((len(rows), width), dtype=torch.long)
    for i, (x, y) in enumerate(rows):
        ids[i, : len(x)] = torch.tensor(x)
        labels[i, : len(y)] = torch.tensor(y)
        mask[i, : len(x)] = 1
    return {"input_ids": ids, "labels": labels, "attention_mask": mask}


def epoch_steps(lengths: Sequence[int], per_step: int, seed: str, *, pool: int = 8) -> list[list[int]]:
    """One epoch's optimizer steps as row indices, grouped by length: shuffled, cut into pools of
    `pool` steps, each pool sorted by length and cut into steps, and the steps shuffled. A batch
    then pads a 250-token fact prompt to its neighbours, not to a 900-token news prompt (padding
    is compute on a CPU), while every row is still seen once per epoch in a seeded order."""
    rng = random.Random(seed)
    order = list(range(len(lengths)))
    rng.shuffle(order)
    size = pool * per_step
    steps: list[list[int]] = []
    for start in range(0, len(order), size):
        part = sorted(order[start : start + size], key=lambda i: lengths[i])
        steps += [part[i : i + per_step] for i in range(0, len(part), per_step)]
    if len(steps) > 1 and len(steps[-1]) < per_step:  # fill a short last step from the epoch's start
        steps[-1] += order[: per_step - len(steps[-1])]
    rng.shuffle(steps)
    return steps


def _lr_lambda(kind: str, warmup: int, total: int) -> Callable[[int], float]:
    def factor(step: int) -> float:
        if step < warmup:
            return (step + 1) / max(1, warmup)
        if kind == "constant":
            return 1.0
        progress = min(1.0, (step - warmup) / max(1, total - warmup))
        return 0.5 * (1 + math.cos(math.pi * progress)) if kind == "cosine" else 1.0 - progress

    return factor


# -- the SFT loop -------------------------------------------------------------------------------------
@dataclass
class TrainResult:
    steps: int
    best_step: int
    best_val_loss: float | None
    first_loss: float
    last_loss: float
    stopped_early: bool
    resumed_from: int | None
    seconds: float
    seconds_per_step: float
    tokens_per_s: float
    peak_memory_mb: float
    device: str
    trainable_params: int
    history: list[dict[str, Any]] = field(default_factory=list)

    def to_json(self) -> dict[str, Any]:
        return {k: v for k, v in self.__dict__.items() if k != "history"}


def train_sft(
    cfg: FinetuneConfig,
    train: Sequence[Example],
    val: Sequence[Example],
    out_dir: Path,
    *,
    model_dir: Path,
    resume: bool = False,
    stop_after: int | None = None,
    log: Callable[[str], None] = lambda _: None,
) -> TrainResult:
    """Supervised LoRA training; `stop_after` ends the process's work after that many steps (as if
    interrupted), leaving the checkpoints for `resume`."""
    import torch

    t = cfg.train
    seed_everything(cfg.model.seed)
    device, dtype = pick_device(cfg.model.device)
    tokenizer = load_tokenizer(model_dir)
    model = add_adapter(load_base(model_dir, cfg.lora, device, dtype), cfg.lora)
    trainable = sum(p.numel() for p in model.parameters() if p.requires_grad)
    rows = [encode(tokenizer, ex.messages, ex.target) for ex in train]
    rows = [r for r in rows if len(r[0]) <= t.max_length]
    val_rows = [encode(tokenizer, ex.messages, ex.target) for ex in val][: t.val_batches * t.batch_size]
    if not rows:
        raise TrainingError("No training example fits train.max_length.")
    per_epoch = math.ceil(len(rows) / (t.batch_size * t.grad_accum))
    total = t.max_steps or max(1, math.ceil(per_epoch * t.epochs))
    optimizer = torch.optim.AdamW([p for p in model.parameters() if p.requires_grad], lr=t.learning_rate,
                                  weight_decay=t.weight_decay)  # fmt: skip
    scheduler = torch.optim.lr_scheduler.LambdaLR(optimizer, _lr_lambda(t.scheduler, t.warmup_steps, total))
    out_dir.mkdir(parents=True, exist_ok=True)
    cfg.save(out_dir / "config.yaml")
    state: dict[str, Any] = {
        "step": 0,
        "best": None,
        "best_step": 0,
        "bad_evals": 0,
        "order_seed": cfg.model.seed,
    }
    resumed_from = None
    losses_path = out_dir / LOSSES
    if resume and (latest := latest_checkpoint(out_dir)) is not None:
        state = _load_checkpoint(latest, model, optimizer, scheduler)
        resumed_from = int(state["step"])
        log(f"resumed from step {resumed_from} ({latest})")
        _truncate_losses(losses_path, resumed_from)
    elif losses_path.exists():
        losses_path.unlink()

    lengths = [len(ids) for ids, _ in rows]
    per_step = t.batch_size * t.grad_accum

    def batches_from(step: int) -> Any:
        """The batch order is a function of (seed, epoch), so a resumed run sees the same batches."""
        epoch, steps = -1, []
        while True:
            if step // per_epoch != epoch:  # an epoch's order is built once, not at every step
                epoch = step // per_epoch
                steps = epoch_steps(lengths, per_step, f"{state['order_seed']}:{epoch}")
            chunk = [rows[i] for i in steps[step % per_epoch]]
            yield [chunk[i : i + t.batch_size] for i in range(0, len(chunk), t.batch_size)]
            step += 1

    def val_loss() -> float | None:
        if not val_rows:
            return None
        model.eval()
        total_loss, total_tokens = 0.0, 0
        with torch.no_grad():
            for i in range(0, len(val_rows), t.batch_size):
                batch = {
                    k: v.to(device)
                    for k, v in collate(val_rows[i : i + t.batch_size], tokenizer.pad_token_id).items()
                }
                n = int((batch["labels"][:, 1:] != IGNORE).sum())
                total_loss += float(model(**batch).loss) * n
                total_tokens += n
        model.train()
        return total_loss / max(1, total_tokens)

    if torch.cuda.is_available() and device == "cuda":
        torch.cuda.reset_peak_memory_stats()
    started, tokens, first_loss, last_loss = time.perf_counter(), 0, math.nan, math.nan
    stopped_early, done_here = False, 0
    model.train()
    if resumed_from is None and (v := val_loss()) is not None:
        _append(losses_path, {"step": 0, "val_loss": v, "val_ppl": math.exp(min(v, 50))})
        state["best"], state["best_step"] = v, 0
        save_adapter(model, out_dir / ADAPTER)
    feed = batches_from(int(state["step"]))
    while state["step"] < total and not stopped_early:
        if stop_after is not None and done_here >= stop_after:
            break
        micro = next(feed)
        step_loss = 0.0
        for part in micro:
            batch = {k: v.to(device) for k, v in collate(part, tokenizer.pad_token_id).items()}
            loss = model(**batch).loss / len(micro)
            loss.backward()
            step_loss += float(loss.detach())
            tokens += int(batch["attention_mask"].sum())
        torch.nn.utils.clip_grad_norm_(model.parameters(), t.max_grad_norm)
        optimizer.step()
        scheduler.step()
        optimizer.zero_grad(set_to_none=True)
        state["step"] = int(state["step"]) + 1
        done_here += 1
        first_loss = step_loss if math.isnan(first_loss) else first_loss
        last_loss = step_loss
        record: dict[str, Any] = {"step": state["step"], "loss": round(step_loss, 5),
                                  "lr": scheduler.get_last_lr()[0]}  # fmt: skip
        step = int(state["step"])
        if step % t.eval_every == 0 or step == total:
            v = val_loss()
            if v is not None:
                record |= {"val_loss": round(v, 5), "val_ppl": round(math.exp(min(v, 50)), 3)}
                if state["best"] is None or v < float(state["best"]) - 1e-4:
                    state["best"], state["best_step"], state["bad_evals"] = v, step, 0
                    save_adapter(model, out_dir / ADAPTER)
                else:
                    state["bad_evals"] = int(state["bad_evals"]) + 1
                    stopped_early = int(state["bad_evals"]) >= t.patience
            log(f"step {step}/{total} loss {step_loss:.4f} val {v}")
        _append(losses_path, record)
        if step % t.save_every == 0 or step == total or stopped_early:
            _save_checkpoint(out_dir, model, optimizer, scheduler, state, keep=t.keep_checkpoints)
    if state["best"] is None:  # no validation set: the last adapter is the result
        save_adapter(model, out_dir / ADAPTER)
    seconds = time.perf_counter() - started
    peak = (torch.cuda.max_memory_allocated() if device == "cuda" else _rss_peak()) / 2**20
    return TrainResult(
        steps=int(state["step"]), best_step=int(state["best_step"]),
        best_val_loss=float(state["best"]) if state["best"] is not None else None,
        first_loss=first_loss, last_loss=last_loss, stopped_early=stopped_early, resumed_from=resumed_from,
        seconds=round(seconds, 1), seconds_per_step=round(seconds / max(1, done_here), 3),
        tokens_per_s=round(tokens / max(seconds, 1e-9), 1), peak_memory_mb=round(peak, 1), device=device,
        trainable_params=trainable, history=read_losses(losses_path),
    )  # fmt: skip


def _rss_peak() -> float:
    import resource

    return float(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss) * 1024  # KiB on Linux


def save_adapter(model: Any, folder: Path) -> None:
    """Adapter-only weights plus the files a loader dispatches on (peft's adapter_config.json)."""
    staging = folder.with_name(folder.name + ".tmp")
    shutil.rmtree(staging, ignore_errors=True)
    model.save_pretrained(staging)
    shutil.rmtree(folder, ignore_errors=True)
    staging.rename(folder)


def _append(path: Path, record: dict[str, Any]) -> None:
    with path.open("a") as handle:
        handle.write(json.dumps(record) + "\n")


def read_losses(path: Path) -> list[dict[str, Any]]:
    if not path.is_file():
        return []
    return [json.loads(line) for line in path.read_text().splitlines() if line.strip()]


def _truncate_losses(path: Path, step: int) -> None:
    kept = [r for r in read_losses(path) if int(r["step"]) <= step]
    path.write_text("".join(json.dumps(r) + "\n" for r in kept))


def latest_checkpoint(out_dir: Path) -> Path | None:
    found = sorted((out_dir / CHECKPOINTS).glob("step-*"), key=lambda p: int(p.name.split("-")[1]))
    complete = [p for p in found if (p / "state.json").is_file()]
    return complete[-1] if complete else None


def _save_checkpoint(
    out_dir: Path, model: Any, optimizer: Any, scheduler: Any, state: dict[str, Any], *, keep: int
) -> None:
    import numpy as np
    import torch

    folder = out_dir / CHECKPOINTS / f"step-{state['step']}"
    folder.mkdir(parents=True, exist_ok=True)
    model.save_pretrained(folder / "adapter")
    torch.save({"optimizer": optimizer.state_dict(), "scheduler": scheduler.state_dict(),
                "rng": {"python": random.getstate(), "numpy": np.random.get_state(),
                        "torch": torch.get_rng_state()}}, folder / "trainer.pt")  # fmt: skip
    (folder / "state.json").write_text(json.dumps(state))  # written last: marks the checkpoint whole
    older = sorted((out_dir / CHECKPOINTS).glob("step-*"), key=lambda p: int(p.name.split("-")[1]))[:-keep]
    for stale in older:
        shutil.rmtree(stale, ignore_errors=True)


def _load_checkpoint(folder: Path, model: Any, optimizer: Any, scheduler: Any) -> dict[str, Any]:
    import numpy as np
    import torch
    from peft import set_peft_model_state_dict
    from safetensors.torch import load_file

    weights = load_file(str(folder / "adapter" / "adapter_model.safetensors"))
    set_peft_model_state_dict(model, weights)
    saved = torch.load(folder / "trainer.pt", weights_only=False)
    optimizer.load_state_dict(saved["optimizer"])
    scheduler.load_state_dict(saved["scheduler"])
    random.setstate(saved["rng"]["python"])
    np.random.set_state(saved["rng"]["numpy"])
    torch.set_rng_state(saved["rng"]["torch"])
    return dict(json.loads((folder / "state.json").read_text()))


# -- DPO ----------------------------------------------------------------------------------------------
@dataclass
class DpoResult:
    steps: int
    pairs: int
    seconds: float
    seconds_per_step: float
    first_loss: float | None
    last_loss: float | None
    reward_accuracy: float | None
    peak_memory_mb: float


def train_dpo(
    cfg: FinetuneConfig, pairs: Sequence[dict[str, Any]], adapter_dir: Path, out_dir: Path, *, model_dir: Path
) -> DpoResult:
    """DPO (TRL) on preference pairs, starting from the SFT adapter; the reference is the same
    model with the adapter disabled. Writes the improved adapter back to `adapter_dir`."""
    import os

    from datasets import Dataset
    from peft import PeftModel
    from trl import DPOConfig, DPOTrainer

    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    seed_everything(cfg.model.seed)
    device, dtype = pick_device(cfg.model.device)
    tokenizer = load_tokenizer(model_dir)
    base = load_base(model_dir, cfg.lora, device, dtype)
    model = PeftModel.from_pretrained(base, str(adapter_dir), is_trainable=True)
    rows = [{"prompt": p["prompt"], "chosen": [{"role": "assistant", "content": p["chosen"]}],
             "rejected": [{"role": "assistant", "content": p["rejected"]}]} for p in pairs]  # fmt: skip
    d = cfg.dpo
    args = DPOConfig(
        output_dir=str(out_dir / "dpo"), max_steps=d.steps, per_device_train_batch_size=d.batch_size,
        learning_rate=d.learning_rate, beta=d.beta, max_length=cfg.train.max_length, logging_steps=1,
        save_strategy="no", report_to=[], bf16=False, gradient_checkpointing=False, use_cpu=device == "cpu",
        dataloader_num_workers=0, seed=cfg.model.seed, disable_tqdm=True,
    )  # fmt: skip
    trainer = DPOTrainer(
        model=model, args=args, train_dataset=Dataset.from_list(rows), processing_class=tokenizer
    )
    started = time.perf_counter()
    with contextlib.redirect_stdout(sys.stderr):  # the trainer prints its logs; stdout is the CLI's JSON
        trainer.train()
    seconds = time.perf_counter() - started
    logs = [h for h in trainer.state.log_history if "loss" in h]
    trained: Any = trainer.model
    save_adapter(trained, adapter_dir)
    with (out_dir / LOSSES).open("a") as handle:
        for h in logs:
            handle.write(json.dumps({"dpo_step": h.get("step"), "dpo_loss": h.get("loss"),
                                     "reward_accuracy": h.get("rewards/accuracies")}) + "\n")  # fmt: skip
    accuracies = [float(h["rewards/accuracies"]) for h in logs if "rewards/accuracies" in h]
    return DpoResult(
        steps=int(trainer.state.global_step), pairs=len(rows), seconds=round(seconds, 1),
        seconds_per_step=round(seconds / max(1, trainer.state.global_step), 3),
        first_loss=float(logs[0]["loss"]) if logs else None, last_loss=float(logs[-1]["loss"]) if logs else None,
        reward_accuracy=sum(accuracies) / len(accuracies) if accuracies else None,
        peak_memory_mb=round(_rss_peak() / 2**20, 1),
    )  # fmt: skip

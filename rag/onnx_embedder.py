"""The packaged MiniLM as an int8 ONNX Runtime model: about 3x the texts per second of fp32 torch on a
2-core CPU, with the same vectors to within cosine 0.99 (mean pooling and L2 normalisation exactly as
the sentence-transformers pipeline does them).

The ONNX file is built offline from the packaged weights on first use (torch export ~2 s, then
onnxruntime's dynamic int8 quantisation) and cached under `<data_dir>/models/onnx/`, keyed by a hash
of the source weights, the onnxruntime version and this recipe's version. The model and its manifest
(which records the file's own hash) are each written under a temporary name and renamed, so a kill
mid-export leaves no cache; a cache that fails its hash check or does not load is rebuilt.

Parallelism is one batch per core, not one batch split across cores: each core runs whole batches of 16
on its own (a single-threaded session called from a small thread pool). ONNX Runtime splits one batch's
work in equal parts, so when another thread of the process (an ingest writing the graph) or the graph
server takes a core, the other part finishes and waits; independent batches keep every free core busy.
Measured on 1,500 news texts on 2 cores: 97 texts/s against 87 alone, and 83 against 66 beside a
process that takes half a core.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import shutil
import tempfile
import threading
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from rag.base import Embedder, atomic_write

if TYPE_CHECKING:
    import onnxruntime as ort
    from tokenizers import Tokenizer

log = logging.getLogger(__name__)

KIND = "onnx-int8"
RECIPE = 2  # bump when the export or quantisation changes: old caches are then rebuilt
_INPUTS = ("input_ids", "attention_mask", "token_type_ids")


def _file_digest(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def cache_key(model_path: Path) -> str:
    """Hash of the source weights and config, the onnxruntime version and the recipe."""
    import onnxruntime

    digest = hashlib.sha256(f"recipe={RECIPE};ort={onnxruntime.__version__}".encode())
    for name in ("config.json", "model.safetensors", "pytorch_model.bin", "tokenizer.json"):
        if (model_path / name).is_file():
            digest.update(name.encode())
            digest.update(_file_digest(model_path / name).encode())
    return digest.hexdigest()[:16]


def _max_seq_length(model_path: Path) -> int:
    config = model_path / "sentence_bert_config.json"
    if config.is_file():
        return int(json.loads(config.read_text()).get("max_seq_length") or 256)
    return 256


def export_int8(model_path: Path, target: Path) -> None:
    """Export the transformer (last_hidden_state) to ONNX and quantise its weights to int8."""
    import torch
    from onnxruntime.quantization import QuantType, quantize_dynamic
    from transformers import AutoModel

    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    model = AutoModel.from_pretrained(str(model_path), local_files_only=True, attn_implementation="eager")
    model.eval()

    class _LastHiddenState(torch.nn.Module):
        def __init__(self, inner: torch.nn.Module) -> None:
            super().__init__()
            self.inner = inner

        def forward(self, input_ids: Any, attention_mask: Any, token_type_ids: Any) -> Any:
            out = self.inner(
                input_ids=input_ids, attention_mask=attention_mask, token_type_ids=token_type_ids
            )
            return out.last_hidden_state

    ids = torch.ones((2, 8), dtype=torch.long)
    mask = torch.ones((2, 8), dtype=torch.long)
    mask[1, 5:] = 0  # a padded row, so the traced graph handles padding
    sample = (ids, mask, torch.zeros_like(ids))
    with tempfile.TemporaryDirectory(dir=target.parent, prefix=".export-") as tmp:
        fp32 = Path(tmp) / "model.onnx"
        with torch.no_grad():
            torch.onnx.export(
                _LastHiddenState(model), sample, str(fp32), input_names=list(_INPUTS),
                output_names=["last_hidden_state"],
                dynamic_axes={n: {0: "batch", 1: "seq"} for n in [*_INPUTS, "last_hidden_state"]},
                opset_version=17, dynamo=False,
            )  # fmt: skip
        quantized = Path(tmp) / "model.int8.onnx"
        quantize_dynamic(
            str(fp32), str(quantized), weight_type=QuantType.QInt8, per_channel=True,
            nodes_to_exclude=_sensitive_nodes(fp32),
        )  # fmt: skip
        os.replace(quantized, target)  # same folder as the target, so the rename is atomic


def _sensitive_nodes(path: Path) -> list[str]:
    """The feed-forward output projections stay fp32: quantising them costs most of the accuracy.

    Measured on 317 real news chunks against fp32 sentence-transformers: all 36 projections int8
    per-tensor, cosine mean 0.955 (min 0.910); per-channel, 0.993 (min 0.985); per-channel with these
    6 kept fp32, 0.996 (min 0.994)."""
    import onnx

    graph = onnx.load(str(path), load_external_data=False).graph
    return [
        n.name
        for n in graph.node
        if n.op_type == "MatMul" and "/output/dense/" in n.name and "/attention/" not in n.name
    ]


class OnnxEmbedder(Embedder):
    """Embeds with the int8 ONNX export of a local sentence-transformers MiniLM (mean pooling)."""

    kind = KIND
    # a second call's batches queue behind the first's on the same pool and fill its tail (the last
    # batches, when fewer are left than cores); the torch path splits each batch over all cores
    concurrent_calls = 2

    def __init__(
        self,
        model: str | Path | None = None,
        *,
        cache_dir: Path,
        batch_size: int | None = None,
        threads: int | None = None,
    ) -> None:
        from rag.embedder import check_model_dir, default_model_path, model_dim

        self.model_path = Path(model) if model is not None else default_model_path()
        check_model_dir(self.model_path)
        self.cache_dir = Path(cache_dir)
        self.batch_size = batch_size or 16  # a batch per core (see the module docstring)
        # one worker per core, each running whole batches (see the module docstring)
        self.threads = threads or max(1, min(os.cpu_count() or 1, 8))
        dim = model_dim(self.model_path)
        if dim is None:
            raise ValueError(
                f"The model at {self.model_path} is not a plain mean-pooled encoder; use LLMX_EMBEDDER=torch"
            )
        self._dim = dim
        self._max_len = _max_seq_length(self.model_path)
        self._session: ort.InferenceSession | None = None
        self._tokenizer: Tokenizer | None = None
        self._pool: ThreadPoolExecutor | None = None
        self._lock = threading.Lock()
        self.device = "cpu"

    @property
    def dim(self) -> int:
        return self._dim

    # -- the cached model ---------------------------------------------------------------------------
    def model_file(self) -> Path:
        """The cached int8 model, built (or rebuilt, if missing or corrupt) first."""
        key = cache_key(self.model_path)
        target = self.cache_dir / f"minilm-{key}.int8.onnx"
        manifest = target.with_suffix(".json")
        if self._cache_ok(target, manifest, key):
            return target
        self.cache_dir.mkdir(parents=True, exist_ok=True)
        log.info("building the int8 ONNX embedding model in %s (once)", self.cache_dir)
        manifest.unlink(missing_ok=True)
        export_int8(self.model_path, target)
        record = {
            "key": key,
            "recipe": RECIPE,
            "sha256": _file_digest(target),
            "source": str(self.model_path),
        }
        atomic_write(manifest, json.dumps(record).encode())
        for old in self.cache_dir.glob("minilm-*.int8.*"):  # earlier keys: other weights or versions
            if old.name not in (target.name, manifest.name):
                old.unlink(missing_ok=True)
        for stale in self.cache_dir.glob(".export-*"):  # a killed export's leftovers
            shutil.rmtree(stale, ignore_errors=True)
        return target

    @staticmethod
    def _cache_ok(target: Path, manifest: Path, key: str) -> bool:
        if not (target.is_file() and manifest.is_file()):
            return False
        try:
            record = json.loads(manifest.read_text())
        except (OSError, ValueError):
            return False
        return record.get("key") == key and record.get("sha256") == _file_digest(target)

    def _load(self) -> tuple[ort.InferenceSession, Tokenizer]:
        with self._lock:
            if self._session is None or self._tokenizer is None:
                import onnxruntime as ort
                from tokenizers import Tokenizer

                options = ort.SessionOptions()
                options.intra_op_num_threads = 1  # a batch per core: parallel across batches instead
                options.inter_op_num_threads = 1
                options.add_session_config_entry("session.intra_op.allow_spinning", "0")
                options.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
                path = self.model_file()
                try:
                    session = ort.InferenceSession(str(path), options, providers=["CPUExecutionProvider"])
                except Exception:  # noqa: BLE001  # hash matched but it will not load: build it again
                    path.unlink(missing_ok=True)
                    session = ort.InferenceSession(
                        str(self.model_file()), options, providers=["CPUExecutionProvider"]
                    )
                tokenizer = Tokenizer.from_file(str(self.model_path / "tokenizer.json"))
                tokenizer.enable_truncation(max_length=self._max_len)
                tokenizer.no_padding()
                self._session, self._tokenizer = session, tokenizer
                if self.threads > 1:
                    self._pool = ThreadPoolExecutor(self.threads, thread_name_prefix="onnx-embed")
            return self._session, self._tokenizer

    # -- embedding ----------------------------------------------------------------------------------
    def embed(self, texts: Sequence[str]) -> np.ndarray:
        out = np.zeros((len(texts), self.dim), dtype=np.float32)
        if not texts:
            return out
        session, tokenizer = self._load()
        encodings = tokenizer.encode_batch(list(texts))
        order = np.argsort([len(e.ids) for e in encodings], kind="stable")  # similar lengths per batch
        batches = [order[start : start + self.batch_size] for start in range(0, len(order), self.batch_size)]

        def run(rows: np.ndarray) -> None:
            batch = [encodings[i] for i in rows]
            width = max(len(e.ids) for e in batch)
            ids = np.zeros((len(batch), width), dtype=np.int64)
            mask = np.zeros((len(batch), width), dtype=np.int64)
            types = np.zeros((len(batch), width), dtype=np.int64)
            for j, e in enumerate(batch):
                n = len(e.ids)
                ids[j, :n], mask[j, :n], types[j, :n] = e.ids, e.attention_mask, e.type_ids
            (hidden,) = session.run(
                ["last_hidden_state"], {"input_ids": ids, "attention_mask": mask, "token_type_ids": types}
            )
            weights = mask[:, :, None].astype(np.float32)
            pooled = (hidden * weights).sum(axis=1) / np.clip(weights.sum(axis=1), 1e-9, None)
            norms = np.linalg.norm(pooled, axis=1, keepdims=True)
            out[rows] = pooled / np.clip(norms, 1e-12, None)

        if self._pool is None or len(batches) == 1:
            for rows in batches:
                run(rows)
        else:
            for _ in self._pool.map(run, batches):  # rows are disjoint: each batch writes its own
                pass
        return out

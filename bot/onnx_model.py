"""The embedding model run by ONNX Runtime: the same weights, three times faster on a CPU.

The sentence-transformers model (BERT, mean pooling, normalisation) is exported once from the
local weights to an ONNX file under MODELS_DIR (default DATA_DIR/models) and run from there;
nothing is downloaded. A short text costs about 4 ms on this machine; each call sorts its
texts by length, so a batch pads little. The vectors equal the PyTorch ones to about 1e-7,
so an index built with either backend serves the other. Once the file exists, answering
needs neither torch nor transformers, which also makes a fresh `bcft ask` start faster.
"""

from __future__ import annotations

import hashlib
import os
import tempfile
import warnings
from pathlib import Path

import numpy as np

MAX_TOKENS = 256  # the model's max_seq_length: longer texts are truncated, as PyTorch does
_THREADS = os.cpu_count() or 1  # one per core: a batch at ingest uses them all


class OnnxEmbeddingModel:
    """Tokenizer and ONNX session for one exported sentence-transformers model."""

    def __init__(self, model_dir: Path, onnx_file: Path) -> None:
        import onnxruntime
        from tokenizers import Tokenizer

        self.tokenizer = Tokenizer.from_file(str(model_dir / "tokenizer.json"))
        self.tokenizer.enable_truncation(MAX_TOKENS)
        self.tokenizer.enable_padding(pad_id=0, pad_token="[PAD]")
        options = onnxruntime.SessionOptions()
        options.intra_op_num_threads = _THREADS
        options.log_severity_level = 3  # warnings about unused initialisers are noise
        # Idle threads sleep rather than spin: the rest of answering needs the cores.
        options.add_session_config_entry("session.intra_op.allow_spinning", "0")
        self.session = onnxruntime.InferenceSession(
            str(onnx_file), options, providers=["CPUExecutionProvider"]
        )
        self.dimension = int(self.session.get_outputs()[0].shape[-1])

    def encode(self, texts: list[str], batch_size: int) -> np.ndarray:
        """Unit-length float32 vectors in the order of `texts`."""
        order = sorted(range(len(texts)), key=lambda i: len(texts[i]))
        vectors = np.zeros((len(texts), self.dimension), dtype=np.float32)
        for start in range(0, len(order), batch_size):
            batch = order[start : start + batch_size]
            encodings = self.tokenizer.encode_batch([texts[i].strip() for i in batch])
            inputs = {
                "input_ids": np.array([e.ids for e in encodings], dtype=np.int64),
                "attention_mask": np.array([e.attention_mask for e in encodings], dtype=np.int64),
                "token_type_ids": np.array([e.type_ids for e in encodings], dtype=np.int64),
            }
            vectors[batch] = self.session.run(None, inputs)[0]
        return vectors


def exported_model(model_dir: Path, cache_dir: Path) -> Path:
    """The ONNX file for the weights in `model_dir`, exported into `cache_dir` if not there.

    The file is named after a hash of the weights, so changed weights get a new export, and
    written aside then renamed, so a reader never sees half a file.
    """
    weights = model_dir / "model.safetensors"
    digest = hashlib.sha256(weights.read_bytes()).hexdigest()[:16]
    target = cache_dir / f"{model_dir.name}-{digest}.onnx"
    if target.exists():
        return target
    cache_dir.mkdir(parents=True, exist_ok=True)
    handle, temporary = tempfile.mkstemp(dir=cache_dir, suffix=".onnx.part")
    os.close(handle)
    try:
        _export(model_dir, Path(temporary))
        Path(temporary).chmod(0o644)
        os.replace(temporary, target)
    finally:
        Path(temporary).unlink(missing_ok=True)
    return target


def _export(model_dir: Path, target: Path) -> None:
    """Trace BERT + mean pooling + normalisation into one ONNX graph (needs torch and onnx)."""
    import torch
    from sentence_transformers import SentenceTransformer

    model = SentenceTransformer(str(model_dir), device="cpu", local_files_only=True)
    bert = model[0].auto_model.eval().requires_grad_(False)

    class Pooled(torch.nn.Module):
        def forward(
            self,
            input_ids: torch.Tensor,
            attention_mask: torch.Tensor,
            token_type_ids: torch.Tensor,
        ) -> torch.Tensor:
            hidden = bert(
                input_ids=input_ids, attention_mask=attention_mask, token_type_ids=token_type_ids
            ).last_hidden_state
            mask = attention_mask.unsqueeze(-1).to(hidden.dtype)
            mean = (hidden * mask).sum(1) / mask.sum(1).clamp(min=1e-9)
            return torch.nn.functional.normalize(mean, dim=1)

    # Two texts of different lengths, so the traced graph is one that pads and masks.
    sample = model.tokenizer(
        ["an example sentence", "a second, longer example sentence to pad against"],
        padding=True,
        return_tensors="pt",
    )
    names = ["input_ids", "attention_mask", "token_type_ids"]
    axes = {name: {0: "batch", 1: "tokens"} for name in names}
    with warnings.catch_warnings():  # the tracer's notes on BERT's constant branches
        warnings.simplefilter("ignore")
        torch.onnx.export(
            Pooled(),
            tuple(sample[name] for name in names),
            str(target),
            input_names=names,
            output_names=["embedding"],
            dynamic_axes={**axes, "embedding": {0: "batch"}},
            opset_version=17,
            dynamo=False,
        )

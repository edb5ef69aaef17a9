"""all-MiniLM-L6-v2 on ONNX Runtime: the vectors sentence-transformers gives, in less time.

Profiling a question's turn showed the sentence embedding as the largest single cost: in Rasa's
NLU and again in the action server. PyTorch spends most of a one-sentence embedding on per-operator
overhead; ONNX Runtime runs the same graph in 7.6 ms instead of 18.3 ms on the project's 2-core
machine, and the vectors agree to 2e-7.

The ONNX file is exported from the packaged weights (nothing is downloaded) the first time it is
needed, by whichever process needs it first (`make train` or `make index` on a fresh clone),
written to a temporary file and renamed into place, then reused. Only a model made of a
transformer, mean pooling and normalisation (all-MiniLM-L6-v2 is), with a fast tokenizer file
(tokenizer.json), is run this way; for anything else `load_onnx_encoder` returns None and
actions/knowledge_base/embedding.py keeps PyTorch.

Serving imports neither PyTorch nor transformers: the text is tokenised by the `tokenizers`
library from the model's tokenizer.json, as transformers' fast tokenizer does (the same token
ids, tests/test_embedding.py), so Rasa and the action server each hold about 280 MB less and
start about 2 s sooner. Only the one-off export needs PyTorch.
"""

from __future__ import annotations

import hashlib
import json
import os
import tempfile
from pathlib import Path
from typing import Any

import numpy as np

INPUTS = ("input_ids", "attention_mask", "token_type_ids")
ENCODING_FIELDS = ("ids", "attention_mask", "type_ids")  # the same, in a tokenizers Encoding
TRANSFORMER, POOLING, NORMALIZE = (
    f"sentence_transformers.models.{name}" for name in ("Transformer", "Pooling", "Normalize")
)


def mean_pooled_max_length(model_path: Path) -> int | None:
    """The model's max_seq_length if it is transformer -> mean pooling (-> normalise), else None."""
    try:
        modules = json.loads((model_path / "modules.json").read_text("utf-8"))
        types = [module["type"] for module in modules]
        if types[:2] != [TRANSFORMER, POOLING] or set(types[2:]) - {NORMALIZE}:
            return None
        pooling = json.loads((model_path / modules[1]["path"] / "config.json").read_text("utf-8"))
        modes = {key for key, value in pooling.items() if key.startswith("pooling_mode") and value}
        if modes != {"pooling_mode_mean_tokens"}:
            return None
        settings = json.loads((model_path / "sentence_bert_config.json").read_text("utf-8"))
        if settings.get("do_lower_case"):
            return None
        return int(settings["max_seq_length"])
    except (OSError, ValueError, KeyError, IndexError):
        return None


def onnx_file(model_path: Path, onnx_dir: Path) -> Path:
    """Where the export of this model is kept: named by the weights and configuration it is of."""
    digest = hashlib.sha256()
    for name in ("config.json", "modules.json", "sentence_bert_config.json"):
        digest.update((model_path / name).read_bytes())
    for weights in sorted(model_path.glob("*.safetensors")) + sorted(model_path.glob("*.bin")):
        digest.update(f"{weights.name}:{weights.stat().st_size}".encode())
    return onnx_dir / f"{model_path.name}-{digest.hexdigest()[:16]}.onnx"


def export(model_path: Path, target: Path) -> None:
    """Export the model's transformer to ONNX at `target` (atomically: temp file, rename)."""
    import torch
    from sentence_transformers import SentenceTransformer

    transformer = SentenceTransformer(str(model_path), device="cpu")[0]
    model = transformer.auto_model.eval()
    example = transformer.tokenizer(["an example sentence"], return_tensors="pt")
    target.parent.mkdir(parents=True, exist_ok=True)
    handle, scratch = tempfile.mkstemp(suffix=".onnx", dir=target.parent)
    os.close(handle)
    try:
        with torch.inference_mode():
            torch.onnx.export(
                model,
                tuple(example[name] for name in INPUTS),
                scratch,
                input_names=list(INPUTS),
                output_names=["last_hidden_state"],
                dynamic_axes={n: {0: "batch", 1: "tokens"} for n in (*INPUTS, "last_hidden_state")},
                opset_version=17,
                dynamo=False,
            )
        os.chmod(scratch, 0o644)  # mkstemp makes it private to this user
        os.replace(scratch, target)
    finally:
        Path(scratch).unlink(missing_ok=True)


def load_tokenizer(model_path: Path, max_length: int) -> Any:
    """The model's fast tokenizer, cutting at `max_length` tokens and padding to the longest."""
    from tokenizers import Tokenizer

    tokenizer = Tokenizer.from_file(str(model_path / "tokenizer.json"))
    # tokenizer.json pads and cuts every text to 128; sentence-transformers cuts at the model's
    # max_seq_length and pads a batch to its longest text.
    tokenizer.enable_truncation(max_length=max_length, strategy="longest_first")
    pad_token = tokenizer.padding["pad_token"] if tokenizer.padding else "[PAD]"
    tokenizer.enable_padding(pad_id=tokenizer.token_to_id(pad_token), pad_token=pad_token)
    return tokenizer


class OnnxEncoder:
    """Tokenise, run the exported transformer, mean-pool over real tokens, normalise."""

    def __init__(self, session: Any, tokenizer: Any) -> None:
        self.session = session
        self.tokenizer = tokenizer

    def encode(self, texts: list[str], batch_size: int) -> np.ndarray:
        batches = [
            self._encode_batch(texts[start : start + batch_size])
            for start in range(0, len(texts), batch_size)
        ]
        return np.concatenate(batches) if batches else np.zeros((0, 0), dtype=np.float32)

    def _encode_batch(self, texts: list[str]) -> np.ndarray:
        encodings = self.tokenizer.encode_batch([text.strip() for text in texts])
        feeds = {
            name: np.array([getattr(encoding, field) for encoding in encodings], dtype=np.int64)
            for name, field in zip(INPUTS, ENCODING_FIELDS, strict=True)
        }
        hidden = self.session.run(None, feeds)[0]
        mask = feeds["attention_mask"][..., None].astype(np.float32)
        pooled = (hidden * mask).sum(axis=1) / np.clip(mask.sum(axis=1), 1e-9, None)
        norms = np.clip(np.linalg.norm(pooled, axis=1, keepdims=True), 1e-12, None)
        return (pooled / norms).astype(np.float32)


def load_onnx_encoder(model_path: str, onnx_dir: Path, threads: int) -> OnnxEncoder | None:
    """An encoder for the model, exporting it first if needed; None if it cannot run on ONNX."""
    try:
        import onnxruntime
    except ImportError:
        return None
    folder = Path(model_path)
    max_length = mean_pooled_max_length(folder)
    if max_length is None or not (folder / "tokenizer.json").is_file():
        return None
    target = onnx_file(folder, onnx_dir)
    if not target.exists():
        export(folder, target)
    options = onnxruntime.SessionOptions()
    options.intra_op_num_threads = threads
    options.inter_op_num_threads = 1
    session = onnxruntime.InferenceSession(str(target), options, providers=["CPUExecutionProvider"])
    return OnnxEncoder(session, load_tokenizer(folder, max_length))

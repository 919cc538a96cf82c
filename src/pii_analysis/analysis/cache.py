"""Disk memo for expensive shared work (e.g. the all-province projection of a report run).

Keyed by a hash of the inputs (data checksum, parameters, package version), so a
changed input never returns a stale result. The directory is $PII_CACHE_DIR, set by
the report run for its notebooks; with no directory the value is simply computed.
"""
from __future__ import annotations

import hashlib
import json
import os
import pickle
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

T = TypeVar("T")
ENV = "PII_CACHE_DIR"


def file_checksum(path: str | Path) -> str:
    """SHA-256 of a file's bytes."""
    digest = hashlib.sha256()
    with open(path, "rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def key_of(name: str, parts: dict[str, Any]) -> str:
    from pii_analysis import __version__
    blob = json.dumps({"name": name, "version": __version__, **parts}, sort_keys=True, default=str)
    return f"{name}-{hashlib.sha256(blob.encode()).hexdigest()[:20]}"


def memo(name: str, parts: dict[str, Any], compute: Callable[[], T], cache_dir: str | Path | None = None) -> T:
    """compute(), stored under cache_dir (or $PII_CACHE_DIR) by the key of `parts`."""
    directory = cache_dir or os.environ.get(ENV)
    if not directory:
        return compute()
    path = Path(directory) / f"{key_of(name, parts)}.pkl"
    if path.exists():
        try:
            with open(path, "rb") as fh:
                return pickle.load(fh)
        except Exception:  # noqa: BLE001 - a stale or broken entry (older package layout): compute it again
            pass
    value = compute()
    path.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.NamedTemporaryFile(dir=path.parent, delete=False, suffix=".tmp") as fh:
        pickle.dump(value, fh)
    os.replace(fh.name, path)  # atomic: parallel workers never read half a file
    return value

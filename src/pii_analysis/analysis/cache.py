"""Disk memo for expensive shared work (e.g. the all-province projection of a report run).

Keyed by a hash of the inputs (data checksum, parameters, package version), so a
changed input never returns a stale result. The directory is $PII_CACHE_DIR, set by
the report run for its notebooks; with no directory the value is simply computed.

The cache never unpickles a file it did not write: every entry carries an HMAC-SHA256 of its
name and bytes under a secret key that lives only in the environment of the run ($PII_CACHE_KEY,
made at random by the first process that needs it and inherited by the workers and their
kernels). A file planted in the directory, or left by another run, fails the check before any
byte is unpickled and is computed again.
"""
from __future__ import annotations

import errno
import hashlib
import hmac
import json
import os
import pickle
import re
import secrets
import tempfile
import warnings
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

T = TypeVar("T")
ENV = "PII_CACHE_DIR"
KEY_ENV = "PII_CACHE_KEY"
MAGIC = b"PII-CACHE-1\n"
SUFFIX = ".pkl"   # signed pickle: see read_entry


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


def cache_key() -> bytes:
    """The run's secret key (made, and put in the environment for child processes, on first use)."""
    key = os.environ.get(KEY_ENV)
    if not key:
        key = secrets.token_hex(32)
        os.environ[KEY_ENV] = key
    return key.encode("ascii")


def _signature(name: str, payload: bytes) -> bytes:
    return hmac.new(cache_key(), name.encode("utf-8") + b"\0" + payload, hashlib.sha256).digest()


def read_entry(path: Path) -> tuple[bool, Any]:
    """(True, value) if `path` is an entry this run's key signed, else (False, None); nothing unsigned
    is ever unpickled."""
    try:
        blob = path.read_bytes()
    except OSError:
        return False, None
    head = len(MAGIC) + 32
    if not blob.startswith(MAGIC) or len(blob) < head:
        return False, None
    signature, payload = blob[len(MAGIC):head], blob[head:]
    if not hmac.compare_digest(signature, _signature(path.name, payload)):
        return False, None
    return True, pickle.loads(payload)


class CacheWarning(UserWarning):
    """Something in the cache directory that is not an entry of this cache was ignored."""


ENTRY_NAME = re.compile(r"^[A-Za-z0-9_]+-[0-9a-f]{20}" + re.escape(SUFFIX) + "$")


def foreign_entries(directory: str | Path) -> list[Path]:
    """What in the cache `directory` is not an entry this cache could have written (a directory, a link, a
    file of another name, a leftover temporary file): ignored by `memo`, listed for the run's report."""
    root = Path(directory)
    if not root.exists():
        return []
    if not root.is_dir() or root.is_symlink():
        return [root]
    return sorted(p for p in root.iterdir()
                  if p.is_symlink() or not p.is_file() or not ENTRY_NAME.match(p.name))


def _ignored(path: Path, why: str) -> None:
    warnings.warn(f"cache: ignored {path} ({why}); the value is computed instead", CacheWarning, stacklevel=3)


def write_entry(path: Path, value: Any) -> bool:
    """Sign and write an entry atomically (parallel workers never read half a file). A cache that cannot
    hold it (a foreign directory at its name or in its place) is reported and skipped, leaving no temporary
    file; only a full disk is raised. True if the entry was written."""
    payload = pickle.dumps(value, protocol=pickle.HIGHEST_PROTOCOL)
    tmp = None
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        with tempfile.NamedTemporaryFile(dir=path.parent, delete=False, prefix=f".{path.name}.",
                                         suffix=".tmp") as fh:
            tmp = Path(fh.name)
            fh.write(MAGIC + _signature(path.name, payload) + payload)
        os.replace(tmp, path)
        return True
    except OSError as exc:
        if tmp is not None:
            tmp.unlink(missing_ok=True)
        if exc.errno in (errno.ENOSPC, errno.EDQUOT):
            raise
        _ignored(path, exc.strerror or str(exc))
        return False
    except BaseException:
        if tmp is not None:
            tmp.unlink(missing_ok=True)
        raise


def memo(name: str, parts: dict[str, Any], compute: Callable[[], T], cache_dir: str | Path | None = None) -> T:
    """compute(), stored under cache_dir (or $PII_CACHE_DIR) by the key of `parts`."""
    directory = cache_dir or os.environ.get(ENV)
    if not directory:
        return compute()
    path = Path(directory) / f"{key_of(name, parts)}{SUFFIX}"
    if path.is_symlink() or (path.exists() and not path.is_file()):   # planted: never read, never replaced
        _ignored(path, "not a regular file")
        return compute()
    if path.exists():
        try:
            found, value = read_entry(path)
        except Exception:  # noqa: BLE001 - signed by this run but unreadable (older layout): compute again
            found = False
        if found:
            return value
    value = compute()
    write_entry(path, value)
    return value

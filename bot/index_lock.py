"""The embedded store's lock: one process at a time may open a Chroma PersistentClient."""

from __future__ import annotations

import fcntl
import os
import sys
from pathlib import Path
from typing import IO


class IndexBusyError(RuntimeError):
    """Another process holds the embedded store."""


def acquire_lock(data_dir: Path) -> IO[str]:
    """Hold an exclusive lock on the embedded store for as long as this process uses it."""
    data_dir.mkdir(parents=True, exist_ok=True)
    lock_path = data_dir / "index.lock"
    handle = lock_path.open("a+", encoding="utf-8")
    try:
        fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        handle.seek(0)
        holder = handle.read().strip() or "another process"
        handle.close()
        raise IndexBusyError(
            f"The index in {data_dir} is in use by {holder}. Chroma's embedded store is safe "
            "for one process only, so nothing was changed. Stop that process, or reindex "
            "through the running bot (/kb reindex in Slack), or set CHROMA_HOST so that "
            "several processes share a Chroma server."
        ) from None
    handle.seek(0)
    handle.truncate()
    command = " ".join([Path(sys.argv[0]).name, *sys.argv[1:]])
    handle.write(f"`{command}` (pid {os.getpid()})")
    handle.flush()
    return handle

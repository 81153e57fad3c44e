"""Local servers for tests and benchmarks: a free port, readiness, a real `chroma run`, a
throwaway PostgreSQL."""

from __future__ import annotations

import glob
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from dataclasses import dataclass
from pathlib import Path


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_for_http(url: str, timeout: float = 60, process: subprocess.Popen | None = None) -> None:
    """Poll until `url` answers 200 (fail early if `process` exits first)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process is not None and process.poll() is not None:
            raise RuntimeError(f"process exited with {process.returncode} before {url} answered")
        try:
            with urllib.request.urlopen(url, timeout=2) as response:
                if response.status == 200:
                    return
        except OSError:
            time.sleep(0.2)
    raise TimeoutError(f"{url} did not answer within {timeout} s")


def start_chroma_server(path: Path) -> tuple[subprocess.Popen, int]:
    """A real `chroma run` on 127.0.0.1 and a free port."""
    port = free_port()
    chroma = Path(sys.executable).with_name("chroma")
    process = subprocess.Popen(
        [str(chroma), "run", "--path", str(path), "--host", "127.0.0.1", "--port", str(port)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        env={**os.environ, "ANONYMIZED_TELEMETRY": "False"},
    )
    wait_for_http(f"http://127.0.0.1:{port}/api/v2/heartbeat", process=process)
    return process, port


def stop(process: subprocess.Popen) -> None:
    process.terminate()
    try:
        process.wait(timeout=10)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()


class PostgresUnavailable(RuntimeError):
    """PostgreSQL's server programs are not installed here."""


@dataclass
class LocalPostgres:
    """A running throwaway PostgreSQL server: its process, URL and folder."""

    process: subprocess.Popen
    url: str
    folder: Path

    def stop(self) -> None:
        stop(self.process)
        shutil.rmtree(self.folder, ignore_errors=True)


def start_postgres() -> LocalPostgres:
    """A throwaway PostgreSQL server on 127.0.0.1 and a free port, in a new temporary folder.

    Uses Debian's `postgresql` package (the programs sit in /usr/lib/postgresql/N/bin). The
    server refuses to run as root, so as root it runs as the `postgres` user, in a folder of
    its own under /tmp (a pytest temporary folder is closed to other users).
    """
    programs = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"))
    if not programs:
        raise PostgresUnavailable("PostgreSQL is not installed (apt-get install postgresql)")
    bin_dir = Path(programs[-1]).parent
    folder = Path(tempfile.mkdtemp(prefix="bcft-postgres-"))
    as_owner: list[str] = []
    if os.geteuid() == 0:
        as_owner = ["runuser", "-u", "postgres", "--"]
        shutil.chown(folder, "postgres", "postgres")
    data = folder / "data"
    subprocess.run(
        [*as_owner, str(bin_dir / "initdb"), "-D", str(data), "-U", "postgres", "-A", "trust"],
        check=True,
        capture_output=True,
    )
    port = free_port()
    # fsync off: a throwaway server for tests and benches need not survive a power cut.
    server = [str(bin_dir / "postgres"), "-D", str(data), "-p", str(port), "-k", str(folder)]
    process = subprocess.Popen(
        [*as_owner, *server, "-h", "127.0.0.1", "-c", "fsync=off"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    _wait_until_accepting(bin_dir, port, process)
    return LocalPostgres(process, f"postgresql://postgres@127.0.0.1:{port}/postgres", folder)


def _wait_until_accepting(bin_dir: Path, port: int, process: subprocess.Popen) -> None:
    """Poll `pg_isready` until the server accepts connections (fail if it exits first)."""
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"PostgreSQL exited with {process.returncode} before starting")
        ready = [str(bin_dir / "pg_isready"), "-q", "-h", "127.0.0.1", "-p", str(port)]
        if subprocess.run(ready, check=False).returncode == 0:
            return
        time.sleep(0.1)
    raise TimeoutError(f"PostgreSQL did not accept connections on port {port} within 30 s")

"""A real `python app.py` on a free loopback port: started, waited for, stopped.

Plain code (no pytest), shared by the test fixtures in `server_process.py` and `bench/load.py`.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import httpx

__all__ = ["Server", "start_server", "stop_server", "free_port", "ROOT", "STARTUP_TIMEOUT"]

ROOT = Path(__file__).resolve().parent.parent
STARTUP_TIMEOUT = 240  # seconds: a first run loads the model and builds the index


@dataclass
class Server:
    url: str
    process: subprocess.Popen
    log: Path


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def start_server(corpus: Path, index: Path, log: Path, timeout: float = STARTUP_TIMEOUT,
                 args: tuple[str, ...] = (), env: dict[str, str] | None = None) -> Server:
    """Start `python app.py` (with `args` and the variables `env` added) and wait until `/api/health` answers."""
    port = free_port()
    env = {**os.environ, "HF_HUB_OFFLINE": "1", "GRADIO_ANALYTICS_ENABLED": "False", "PYTHONUNBUFFERED": "1",
           **(env or {})}
    command = [sys.executable, str(ROOT / "app.py"), "--host", "127.0.0.1", "--port", str(port),
               "--corpus", str(corpus), "--index", str(index), *args]
    with open(log, "wb") as out:
        process = subprocess.Popen(command, cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT)
    server = Server(f"http://127.0.0.1:{port}", process, log)
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"app.py exited with {process.returncode}:\n{_tail(log)}")
        try:
            if httpx.get(f"{server.url}/api/health", timeout=2).status_code == 200:
                return server
        except httpx.TransportError:
            pass
        time.sleep(0.5)
    stop_server(server)
    raise RuntimeError(f"app.py did not answer /api/health within {timeout} s:\n{_tail(log)}")


def stop_server(server: Server) -> None:
    if server.process.poll() is None:
        server.process.terminate()
        try:
            server.process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            server.process.kill()
            server.process.wait(timeout=10)


def _tail(log: Path, lines: int = 40) -> str:
    return "\n".join(log.read_text(errors="replace").splitlines()[-lines:])

"""Run a program in a pseudo-terminal and read what it writes: shared by the benchmarks."""

from __future__ import annotations

import fcntl
import os
import pty
import select
import struct
import subprocess
import tempfile
import termios
import time
from collections.abc import Mapping, Sequence
from pathlib import Path

TICKS = os.sysconf("SC_CLK_TCK")
BYTECODE_CACHE = str(Path(tempfile.gettempdir()) / "taskwatch-benchmarks-pycache")


def cpu_seconds(pid: int) -> float:
    """User + system CPU time of process ``pid`` so far, all threads."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / TICKS


def rss_mb(pid: int) -> float:
    """Resident memory of process ``pid`` in MB."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return 0.0


def isolated_env(home: str, **extra: str) -> dict[str, str]:
    """The environment for a taskwatch under ``home``: its own config, data and state dirs,
    the simulator's demo credentials, and a capable terminal."""
    from tui.simulator.demo import DEMO_AK, DEMO_PROJECT_ID, DEMO_SK

    return {
        **os.environ,
        "XDG_CONFIG_HOME": f"{home}/config",
        "XDG_DATA_HOME": f"{home}/data",
        "XDG_STATE_HOME": f"{home}/state",
        "HUAWEICLOUD_SDK_AK": DEMO_AK,
        "HUAWEICLOUD_SDK_SK": DEMO_SK,
        "HUAWEICLOUD_SDK_PROJECT_ID": DEMO_PROJECT_ID,
        # Never the real metadata service: a loopback port nothing listens on.
        "TASKWATCH_METADATA_ENDPOINT": "http://127.0.0.1:9",
        "TERM": "xterm-256color",
        **extra,
    }


def benchmark_env(home: str, **extra: str) -> dict[str, str]:
    """:func:`isolated_env`, with Python's bytecode cached as on an installed system.

    With PYTHONDONTWRITEBYTECODE set (some shells and CI images set it), taskwatch would
    recompile its modules from source on every start while the libraries come precompiled
    from site-packages: a benchmark would measure the compiler. The caches go to one folder
    under the temporary directory, shared by all runs, never into the source tree.
    """
    env = isolated_env(home, PYTHONPYCACHEPREFIX=BYTECODE_CACHE, **extra)
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    return env


class PtyProcess:
    """``argv`` running on a pseudo-terminal of ``columns`` x ``rows``."""

    def __init__(
        self,
        argv: Sequence[str],
        env: Mapping[str, str],
        *,
        columns: int = 120,
        rows: int = 40,
        cwd: str | None = None,
    ) -> None:
        self.master, slave = pty.openpty()
        os.set_blocking(self.master, False)
        fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", rows, columns, 0, 0))
        self.started = time.perf_counter()
        self.process = subprocess.Popen(
            list(argv), stdin=slave, stdout=slave, stderr=slave, env=dict(env), cwd=cwd,
            start_new_session=True,
        )  # fmt: skip
        os.close(slave)
        self.output = bytearray()

    def pump(self, seconds: float) -> int:
        """Read everything written for ``seconds``; return the byte count."""
        total = 0
        deadline = time.monotonic() + seconds
        while (remaining := deadline - time.monotonic()) > 0:
            ready, _, _ = select.select([self.master], [], [], remaining)
            if ready:
                try:
                    chunk = os.read(self.master, 65536)
                except OSError:
                    break
                total += len(chunk)
                self.output += chunk
        return total

    def wait_for(self, marker: bytes, timeout: float = 30.0) -> float:
        """Seconds from the start until ``marker`` appeared in the output."""
        deadline = time.monotonic() + timeout
        while marker not in self.output:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise TimeoutError(f"{marker!r} not seen; got {bytes(self.output[-300:])!r}")
            ready, _, _ = select.select([self.master], [], [], remaining)
            if ready:
                try:
                    self.output += os.read(self.master, 65536)
                except OSError:
                    raise TimeoutError("the program closed its terminal") from None
        return time.perf_counter() - self.started

    def elapsed(self) -> float:
        """Seconds since the program started."""
        return time.perf_counter() - self.started

    def send(self, data: bytes) -> None:
        """Type ``data`` into the terminal."""
        os.write(self.master, data)

    def close(self) -> None:
        """Terminate the program and close the terminal."""
        self.process.terminate()
        try:
            self.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
        os.close(self.master)

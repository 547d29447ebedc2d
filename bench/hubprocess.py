"""Start a `fleethub serve` process for a benchmark and read its CPU time from /proc."""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import quote, quote_plus

from fleethub import datadir
from fleethub.hub.auth import sas


@dataclass
class HubProcess:
    process: subprocess.Popen[str]
    data_dir: Path
    https_port: int
    ca_path: Path

    def cpu_seconds(self) -> float:
        """User + system CPU time the hub process has used so far."""
        fields = Path(f"/proc/{self.process.pid}/stat").read_text().rsplit(")", 1)[1].split()
        ticks = os.sysconf("SC_CLK_TCK")
        return (int(fields[11]) + int(fields[12])) / ticks

    def rss_mib(self) -> float:
        for line in Path(f"/proc/{self.process.pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
        return 0.0

    def service_token(self, policy: str = "iothubowner") -> str:
        key = datadir.load(self.data_dir).policy(policy).primary_key
        sr = quote_plus(f"localhost:{self.https_port}")
        expiry = int(time.time()) + 7200
        return (
            f"SharedAccessSignature sr={sr}&sig={quote(sas.sign(key, sr, expiry))}"
            f"&se={expiry}&skn={policy}"
        )

    def stop(self) -> None:
        self.process.send_signal(signal.SIGTERM)
        self.process.wait(timeout=60)


def start_hub(*extra: str, cpu: int | None = None) -> HubProcess:
    data_dir = Path(tempfile.mkdtemp(prefix="fleethub-bench-"))
    command = [sys.executable, "-m", "fleethub", "serve", "--data-dir", str(data_dir)]
    command += ["--https-port", "0", "--mqtt-port", "0", "--log-level", "warning", *extra]
    if cpu is not None:
        command = ["taskset", "-c", str(cpu), *command]
    process = subprocess.Popen(command, stdout=subprocess.PIPE, text=True)
    assert process.stdout is not None
    for line in process.stdout:
        found = re.search(r"HostName=[^;:]+:(\d+);", line)
        if found:
            next(process.stdout)  # "CA certificate devices and clients must trust:"
            ca = Path(next(process.stdout).strip())
            return HubProcess(process, data_dir, int(found.group(1)), ca)
    raise RuntimeError("the hub did not start")

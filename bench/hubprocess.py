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
    mqtt_port: int = 0
    plain_port: int | None = None

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

    def service_token(self, policy: str = "iothubowner", host: str = "localhost") -> str:
        key = datadir.load(self.data_dir).policy(policy).primary_key
        sr = quote_plus(host if self.https_port == 443 else f"{host}:{self.https_port}")
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
    command += ["--https-port", "0", "--mqtt-port", "0", "--amqp-port", "0"]
    command += ["--log-level", "warning", "--device-rate-limit", "0", *extra]
    if cpu is not None:
        command = ["taskset", "-c", str(cpu), *command]
    process = subprocess.Popen(command, stdout=subprocess.PIPE, text=True)
    assert process.stdout is not None
    ports: dict[str, int] = {}
    for line in process.stdout:
        for name, pattern in _BANNER.items():
            found = re.search(pattern, line)
            if found:
                ports[name] = int(found.group(1))
        if "CA certificate" in line:
            ca = Path(next(process.stdout).strip())
            return HubProcess(
                process, data_dir, ports["https"], ca, ports["mqtt"], ports.get("plain")
            )
    raise RuntimeError("the hub did not start")


_BANNER = {
    "https": r"Service REST API\s+https://[^:/]+:(\d+)/",
    "mqtt": r"Device MQTT/TLS\s+mqtts://[^:/]+:(\d+)",
    "plain": r"Plain MQTT \(bench\)\s+mqtt://[^:/]+:(\d+)",
}

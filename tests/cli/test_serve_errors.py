"""`fleethub serve` refuses bad settings and unreachable dependencies with one clear line and
no traceback (#9: `--bus`)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from tests.bus.test_nats import free_port


def serve(data_dir: Path, *extra: str) -> subprocess.CompletedProcess[str]:
    command = [sys.executable, "-m", "fleethub", "serve", "--data-dir", str(data_dir)]
    command += ["--https-port", "0", "--mqtt-port", "0", "--amqp-port", "0", *extra]
    return subprocess.run(command, capture_output=True, text=True, timeout=60, check=False)


def test_an_unknown_bus_is_refused_before_anything_starts(tmp_path: Path) -> None:
    result = serve(tmp_path, "--bus", "redis://127.0.0.1:6379")

    assert result.returncode == 2
    assert "fleethub serve: bus:" in result.stderr
    assert "Traceback" not in result.stderr + result.stdout


def test_an_unreachable_nats_stops_the_node_with_a_clear_error(tmp_path: Path) -> None:
    result = serve(tmp_path, "--bus", f"nats://127.0.0.1:{free_port()}")

    assert result.returncode == 1
    assert "fleethub serve: cannot start: Cannot reach NATS" in result.stderr
    assert "Traceback" not in result.stderr + result.stdout

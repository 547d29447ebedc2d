"""`fleethub serve` as a real subprocess on free ports, for the Microsoft SDKs to talk to."""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.conftest import POSTGRES_URL


@dataclass
class Served:
    process: subprocess.Popen[str]
    data_dir: Path
    https_port: int
    connection_string: str
    ca_path: Path
    output: list[str]


def start_server(data_dir: Path, *extra: str, env: dict[str, str] | None = None) -> Served:
    """Start `fleethub serve` on port 0 and read the ports back from its banner."""
    command = [
        sys.executable, "-m", "fleethub", "serve", "--data-dir", str(data_dir),
        "--https-port", "0", "--mqtt-port", "0", *extra,
    ]  # fmt: skip
    process = subprocess.Popen(
        command,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        env={**os.environ, **(env or {})},
    )
    assert process.stdout is not None
    output: list[str] = []
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        line = process.stdout.readline()
        if not line:
            break
        output.append(line.rstrip())
        if line.strip().startswith("HostName="):
            connection_string = line.strip()
            port = int(re.search(r"HostName=[^;:]+:(\d+);", connection_string).group(1))  # type: ignore[union-attr]
            ca_line = process.stdout.readline()
            ca_line = process.stdout.readline()
            output.append(ca_line.rstrip())
            return Served(process, data_dir, port, connection_string, Path(ca_line.strip()), output)
    process.kill()
    raise RuntimeError("fleethub serve did not start:\n" + "\n".join(output))


def stop_server(served: Served) -> int:
    served.process.send_signal(signal.SIGTERM)
    try:
        assert served.process.stdout is not None
        served.output.extend(line.rstrip() for line in served.process.stdout)
        return served.process.wait(timeout=30)
    except subprocess.TimeoutExpired:
        served.process.kill()
        raise
    finally:
        if served.process.stdout is not None:
            served.process.stdout.close()


@pytest.fixture(
    scope="module", params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)]
)
def served(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Served]:
    data_dir = tmp_path_factory.mktemp("hub")
    extra: list[str] = []
    schema = None
    if request.param == "postgres":
        schema = f"t_{uuid.uuid4().hex[:16]}"
        extra = ["--store", POSTGRES_URL, "--store-schema", schema]
    server = start_server(data_dir, *extra)
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("REQUESTS_CA_BUNDLE", str(server.ca_path))
        yield server
    code = stop_server(server)
    assert code == 0, "\n".join(server.output)
    if schema:
        import asyncio

        from tests.conftest import drop_schema

        asyncio.run(drop_schema(schema))

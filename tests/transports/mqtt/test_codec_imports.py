"""Style §7.1 rule 4: the MQTT codec, packets and topics are pure leaves (no I/O, no hub)."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

PACKAGE = Path(__file__).parents[3] / "fleethub" / "transports" / "mqtt"
PURE = ["codec.py", "codec_decode.py", "codec_encode.py", "packets.py", "topics.py"]


@pytest.mark.parametrize("name", PURE)
def test_pure_modules_import_no_io_and_nothing_above_them(name: str) -> None:
    tree = ast.parse((PACKAGE / name).read_text(encoding="utf-8"))
    imported = [a.name for n in ast.walk(tree) if isinstance(n, ast.Import) for a in n.names]
    imported += [n.module or "" for n in ast.walk(tree) if isinstance(n, ast.ImportFrom)]
    io = [m for m in imported if m.split(".")[0] in {"asyncio", "ssl", "socket"}]
    above = [m for m in imported if m.split(".")[0] == "fleethub"]
    above = [m for m in above if not m.startswith("fleethub.transports.mqtt.")]
    assert not io + above, f"{name} imports {io + above}"

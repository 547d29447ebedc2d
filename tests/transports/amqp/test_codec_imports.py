"""Style §7.1 rule 4: the AMQP codec, framing and connection engine are pure (no I/O, no hub)."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

PACKAGE = Path(__file__).parents[3] / "fleethub" / "transports" / "amqp"
PURE = [
    "types.py",
    "codec.py",
    "codec_encode.py",
    "performatives.py",
    "frames.py",
    "message.py",
    "links.py",
    "events.py",
    "connection.py",
    "connection_links.py",
]


@pytest.mark.parametrize("name", PURE)
def test_pure_modules_import_no_io_and_nothing_above_them(name: str) -> None:
    tree = ast.parse((PACKAGE / name).read_text(encoding="utf-8"))
    imported = [a.name for n in ast.walk(tree) if isinstance(n, ast.Import) for a in n.names]
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.module == "fleethub.transports.amqp":
            imported += [f"{node.module}.{alias.name}" for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            imported.append(node.module or "")
    io = [m for m in imported if m.split(".")[0] in {"asyncio", "ssl", "socket"}]
    above = [m for m in imported if m.split(".")[0] == "fleethub"]
    siblings = {f"fleethub.transports.amqp.{p.removesuffix('.py')}" for p in PURE}
    above = [m for m in above if m not in siblings]
    assert not io + above, f"{name} imports {io + above}"

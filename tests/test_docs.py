"""Docs that cannot drift: every setting and every CLI command is documented (Datasette's habit)."""

from __future__ import annotations

from pathlib import Path

import typer.main

from fleethub.cli import app
from fleethub.settings import Settings

DOCS = Path(__file__).parent.parent / "docs"


def test_every_setting_is_in_configuration_md() -> None:
    text = (DOCS / "configuration.md").read_text()
    missing = [
        name
        for name in Settings.model_fields
        if f"| {name} |" not in text or f"FLEETHUB_{name.upper()}" not in text
    ]
    assert missing == []


def test_every_cli_command_is_in_cli_md() -> None:
    text = (DOCS / "cli.md").read_text()
    group = typer.main.get_group(app)
    names: list[str] = []
    for name, command in group.commands.items():
        sub = getattr(command, "commands", None)
        names += [f"fleethub {name} {s}" for s in sub] if sub else [f"fleethub {name}"]
    assert [n for n in names if f"`{n}" not in text] == []


def test_architecture_twin_keeps_the_shared_map() -> None:
    shared = Path(__file__).parent.parent.parent / "shared" / "ARCHITECTURE.md"
    ours = (DOCS / "architecture.md").read_text()
    if shared.exists():
        for line in shared.read_text().splitlines():
            if line.startswith("## "):
                assert line in ours

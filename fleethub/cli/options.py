"""Options shared by several commands, each with its environment-variable twin."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

DataDir = Annotated[
    Path,
    typer.Option("--data-dir", envvar="FLEETHUB_DATA_DIR", help="The hub's data directory."),
]
HttpsPort = Annotated[
    int,
    typer.Option(
        "--https-port", envvar="FLEETHUB_HTTPS_PORT", help="HTTPS port (REST, portal, WebSocket)."
    ),
]

"""`fleethub init`: the data dir, a local CA, a server certificate and access policies."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from fleethub import datadir, tls
from fleethub.cli.options import DataDir


def init(
    data_dir: DataDir = Path("data"),
    hostname: Annotated[
        list[str] | None,
        typer.Option(
            "--hostname", help="Extra name for the server certificate (repeat for several)."
        ),
    ] = None,
) -> None:
    """Create the data dir with a CA, a server certificate and the shared access policies."""
    existed = datadir.is_initialised(data_dir)
    identity = datadir.init(data_dir, hostname or [])
    files = tls.TlsFiles.in_dir(data_dir)
    if existed:
        typer.echo(f"{data_dir} is already initialised; nothing changed.")
    else:
        typer.echo(f"Created {data_dir}: CA, server certificate and access policies.")
    typer.echo(f"Certificate names: {', '.join(identity.hostnames)}")
    typer.echo(f"Policies: {', '.join(p.name for p in identity.policies)}")
    typer.echo(f"CA certificate: {files.ca_cert.resolve()}")

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
    central_admin_token: Annotated[
        bool,
        typer.Option(
            "--central-admin-token",
            help="Mint a new IoT Central administrator API token (replaces the previous one).",
        ),
    ] = False,
    portal_admin_password: Annotated[
        bool,
        typer.Option(
            "--portal-admin-password",
            help="Set a new password for the web portal's administrator (replaces the old one).",
        ),
    ] = False,
) -> None:
    """Create the data dir with a CA, a server certificate and the shared access policies."""
    existed = datadir.is_initialised(data_dir)
    identity = datadir.init(data_dir, hostname or [])
    mint = central_admin_token or identity.central is None or identity.central.admin is None
    files = tls.TlsFiles.in_dir(data_dir)
    if existed:
        typer.echo(f"{data_dir} is already initialised; nothing changed.")
    else:
        typer.echo(f"Created {data_dir}: CA, server certificate and access policies.")
    typer.echo(f"Certificate names: {', '.join(identity.hostnames)}")
    typer.echo(f"Policies: {', '.join(p.name for p in identity.policies)}")
    typer.echo(f"CA certificate: {files.ca_cert.resolve()}")
    assert identity.portal is not None  # init() always sets it
    if portal_admin_password or identity.portal.admin_hash is None:
        # Shown once: only its argon2 hash is kept in hub.json (the web portal, #7).
        password = datadir.mint_portal_admin(data_dir)
        typer.echo(
            f"Web portal administrator (/ui/): user {identity.portal.admin_user}, "
            f"password {password} (shown once, keep it secret)"
        )
    if mint:
        # Shown once: only its SHA-256 is kept; `fleethub serve` adopts it (issue #4).
        token = datadir.mint_central_admin(data_dir)
        typer.echo("IoT Central API administrator token (shown once, keep it secret):")
        typer.echo(token)

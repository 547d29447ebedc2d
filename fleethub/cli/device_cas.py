"""`fleethub device-ca add|list`: CAs whose signed device certificates the hub accepts.

A device with authentication type `certificateAuthority` connects with a certificate that
chains to one of these and whose common name is its device id. Restart to apply.
"""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Annotated

import typer
from cryptography import x509
from cryptography.hazmat.primitives import hashes

from fleethub import datadir
from fleethub.cli.options import DataDir

app = typer.Typer(help="Register CAs for CA-signed (X.509) device certificates.")


@app.command("add")
def add(
    certificate: Annotated[Path, typer.Argument(help="PEM file of the CA certificate.")],
    data_dir: DataDir = Path("data"),
) -> None:
    """Register a device CA (restart the hub to apply)."""
    try:
        cert = x509.load_pem_x509_certificate(certificate.read_bytes())
        is_ca = cert.extensions.get_extension_for_class(x509.BasicConstraints).value.ca
    except (OSError, ValueError, x509.ExtensionNotFound) as error:
        typer.echo(f"{certificate} is not a PEM CA certificate: {error}", err=True)
        raise typer.Exit(1) from None
    if not is_ca:
        typer.echo(f"{certificate} is not a CA certificate (basicConstraints CA:FALSE).", err=True)
        raise typer.Exit(1)
    folder = data_dir / "device-cas"
    folder.mkdir(parents=True, exist_ok=True)
    target = folder / f"{cert.fingerprint(hashes.SHA256()).hex()[:32]}.pem"
    shutil.copyfile(certificate, target)
    typer.echo(f"Registered {cert.subject.rfc4514_string()}; restart the hub to apply.")
    typer.echo(str(target.resolve()))


@app.command("list")
def list_cas(data_dir: DataDir = Path("data")) -> None:
    """List the registered device CAs."""
    for path in datadir.device_cas(data_dir):
        cert = x509.load_pem_x509_certificate(path.read_bytes())
        typer.echo(f"{cert.subject.rfc4514_string()}  {path.name}")

"""`connection-string`, `sas-token` and `ca-path`: each prints its value on the last line,
for scripts."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Annotated

import typer

from fleethub import datadir, tls
from fleethub.cli.options import DataDir, HttpsPort
from fleethub.hub.auth import sas


def _require_init(data_dir: Path) -> None:
    if not datadir.is_initialised(data_dir):
        typer.echo(f"{data_dir} is not initialised: run `fleethub init` first.", err=True)
        raise typer.Exit(1)


def _no_such_policy(identity: datadir.HubIdentity, policy: str) -> typer.Exit:
    names = ", ".join(p.name for p in identity.policies)
    typer.echo(f"No policy named {policy!r}; the policies are: {names}", err=True)
    return typer.Exit(1)


def connection_string(
    data_dir: DataDir = Path("data"),
    policy: Annotated[str, typer.Option("--policy", help="Shared access policy name.")] = (
        "iothubowner"
    ),
    https_port: HttpsPort = 8443,
    eventhub: Annotated[
        bool,
        typer.Option(
            "--eventhub", help="Print the Event Hub-compatible endpoint's connection string."
        ),
    ] = False,
    eventhub_name: Annotated[
        str,
        typer.Option(
            "--eventhub-name",
            envvar="FLEETHUB_EVENTHUB_NAME",
            help="Entity name of the Event Hub-compatible endpoint.",
        ),
    ] = "fleethub",
    host: Annotated[
        str | None,
        typer.Option(
            "--host",
            envvar="FLEETHUB_HOST",
            help="The hub's address for --eventhub (default: the certificate's first name).",
        ),
    ] = None,
) -> None:
    """Print a service connection string for a shared access policy."""
    _require_init(data_dir)
    identity = datadir.load(data_dir)
    try:
        if eventhub:
            typer.echo(_eventhub_connection_string(identity, policy, eventhub_name, host))
        else:
            typer.echo(datadir.connection_string(identity, policy, https_port))
    except KeyError:
        raise _no_such_policy(identity, policy) from None


def sas_token(
    data_dir: DataDir = Path("data"),
    policy: Annotated[str, typer.Option("--policy", help="Shared access policy name.")] = (
        "registryRead"
    ),
    hours: Annotated[
        float, typer.Option("--hours", min=0.01, help="How long the token stays valid.")
    ] = 1.0,
) -> None:
    """Print a service SAS token (an Authorization header's value) signed with a policy's key,
    scoped to the whole hub: for curl, or Prometheus scraping /metrics."""
    _require_init(data_dir)
    identity = datadir.load(data_dir)
    try:
        key = identity.policy(policy).primary_key
    except KeyError:
        raise _no_such_policy(identity, policy) from None
    expiry = int(time.time() + hours * 3600)
    typer.echo(sas.build(identity.hostnames[0], key, expiry, policy))


def _eventhub_connection_string(
    identity: datadir.HubIdentity, policy: str, entity: str, host: str | None
) -> str:
    """What azure-eventhub's `from_connection_string` takes; it always dials AMQPS port 5671."""
    key = identity.policy(policy).primary_key
    return (
        f"Endpoint=sb://{host or identity.hostnames[0]}/;SharedAccessKeyName={policy};"
        f"SharedAccessKey={key};EntityPath={entity}"
    )


def ca_path(data_dir: DataDir = Path("data")) -> None:
    """Print the path of the CA certificate devices and clients must trust."""
    _require_init(data_dir)
    typer.echo(str(tls.TlsFiles.in_dir(data_dir).ca_cert.resolve()))

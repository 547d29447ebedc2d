"""The way in for operators: the Typer app and its commands."""

from __future__ import annotations

import typer

from fleethub.cli import consumer_groups, credentials, device_cas, init, serve

app = typer.Typer(
    name="fleethub",
    help="A self-hosted IoT hub that speaks Azure IoT Hub.",
    no_args_is_help=True,
    add_completion=False,
)
app.command("init")(init.init)
app.command("serve")(serve.serve)
app.command("connection-string")(credentials.connection_string)
app.command("sas-token")(credentials.sas_token)
app.command("ca-path")(credentials.ca_path)
app.add_typer(device_cas.app, name="device-ca")
app.add_typer(consumer_groups.app, name="consumer-group")


def main() -> None:
    app()

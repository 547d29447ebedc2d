"""`fleethub consumer-group add|list|remove`: consumer groups of the Event Hub-compatible
endpoint, kept in the hub's store (the same as `PUT /eventHubEndpoints/events/ConsumerGroups/
{name}` on the service REST API). A running hub sees a change within five seconds.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Annotated, Any, TypeVar

import typer

from fleethub.app import consumer_groups
from fleethub.cli.options import DataDir
from fleethub.hub.auth.principal import SYSTEM
from fleethub.hub.clock import iso
from fleethub.hub.errors import HubError
from fleethub.hub.messaging.consumer_groups import ConsumerGroups
from fleethub.settings import Settings

app = typer.Typer(help="Consumer groups of the Event Hub-compatible endpoint.")

T = TypeVar("T")

Name = Annotated[str, typer.Argument(help="Consumer group name (1-50 of A-Z a-z 0-9 . - _).")]
Store = Annotated[
    str | None,
    typer.Option(
        "--store", envvar="FLEETHUB_STORE", help="The hub's store URL (default: its SQLite)."
    ),
]
StoreSchema = Annotated[
    str | None,
    typer.Option("--store-schema", envvar="FLEETHUB_STORE_SCHEMA", help="PostgreSQL schema."),
]


def _run(
    data_dir: Path,
    store: str | None,
    schema: str | None,
    action: Callable[[ConsumerGroups], Awaitable[T]],
) -> T:
    values: dict[str, Any] = {"data_dir": data_dir, "store": store, "store_schema": schema}
    settings = Settings(**{k: v for k, v in values.items() if v is not None})

    async def run() -> T:
        async with consumer_groups(settings) as groups:
            return await action(groups)

    try:
        return asyncio.run(run())
    except HubError as error:
        typer.echo(error.message, err=True)
        raise typer.Exit(1) from None


@app.command("add")
def add(
    name: Name,
    data_dir: DataDir = Path("data"),
    store: Store = None,
    store_schema: StoreSchema = None,
) -> None:
    """Create a consumer group (nothing changes if it exists)."""
    group, created = _run(data_dir, store, store_schema, lambda g: g.add(SYSTEM, name))
    typer.echo(f"{'Created' if created else 'Already there:'} consumer group {group.name}")
    typer.echo(group.name)


@app.command("list")
def list_groups(
    data_dir: DataDir = Path("data"),
    store: Store = None,
    store_schema: StoreSchema = None,
) -> None:
    """List the consumer groups, `$Default` and the settings' first."""
    for group in _run(data_dir, store, store_schema, lambda g: g.list(SYSTEM)):
        created = "built in" if group.created_time is None else iso(group.created_time)
        typer.echo(f"{group.name}  {created}")


@app.command("remove")
def remove(
    name: Name,
    data_dir: DataDir = Path("data"),
    store: Store = None,
    store_schema: StoreSchema = None,
) -> None:
    """Delete a consumer group; readers using it keep their links until they detach."""
    _run(data_dir, store, store_schema, lambda g: g.remove(SYSTEM, name))
    typer.echo(f"Deleted consumer group {name}")

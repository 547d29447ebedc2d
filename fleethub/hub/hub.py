"""The Hub: holds the domain services every face receives. No logic lives here."""

from __future__ import annotations

from dataclasses import dataclass

from fleethub.hub.auth.policies import Policy
from fleethub.hub.auth.service import HubNames
from fleethub.hub.clock import Clock
from fleethub.hub.ports import IdentityStore
from fleethub.hub.registry.service import Registry
from fleethub.hub.twins.service import Twins


@dataclass(frozen=True, slots=True)
class HubConfig:
    """Plain values the services need (app.py derives them from Settings)."""

    names: HubNames
    policies: dict[str, Policy]


class Hub:
    def __init__(self, config: HubConfig, identities: IdentityStore, clock: Clock) -> None:
        self.config = config
        self.clock = clock
        self.registry = Registry(identities, clock)
        self.twins = Twins(identities, clock)

"""What a caller set on an identity, read back so it can be PUT again with one change."""

from __future__ import annotations

from fleethub.hub.registry.device import Identity, IdentitySpec


def spec_of(identity: Identity, status: str | None = None) -> IdentitySpec:
    """`spec_of(identity, "disabled")`: the identity as it is, but disabled."""
    return IdentitySpec(
        status=status or identity.status,
        status_reason=identity.status_reason,
        auth=identity.auth,
        iot_edge=identity.iot_edge,
        device_scope=identity.device_scope,
        parent_scopes=tuple(identity.parent_scopes),
        managed_by=identity.managed_by,
    )

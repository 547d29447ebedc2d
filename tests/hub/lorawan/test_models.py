"""LoRaWAN models on the catalogue: the rules the hub holds whatever face calls it."""

from __future__ import annotations

import pytest

from fleethub.hub.auth.principal import SYSTEM
from fleethub.hub.errors import ArgumentInvalid, PreconditionFailed
from fleethub.hub.hub import Hub
from fleethub.hub.lorawan.models import sniff
from fleethub.hub.lorawan.records import LoraModelDraft, ModelCommand
from fleethub.hub.models.catalogue import Catalogue

DRAFT = LoraModelDraft(name="Sensor", app_eui="70B3D57ED0000001")


def test_pictures_are_recognised_by_their_bytes() -> None:
    assert sniff(b"GIF89a....") == "image/gif"
    assert sniff(b"RIFF\x00\x00\x00\x00WEBPVP8 ") == "image/webp"
    assert sniff(b"<svg xmlns='http://www.w3.org/2000/svg'/>") is None


@pytest.mark.parametrize(
    "draft",
    [
        LoraModelDraft(name=" ", app_eui="x"),
        LoraModelDraft(name="x" * 65, app_eui="x"),
        LoraModelDraft(name="ok", app_eui="x", description="d" * 513),
        LoraModelDraft(name="ok", app_eui="x", commands=(ModelCommand("x" * 65, "01", 1),)),
        LoraModelDraft(name="ok", app_eui="x", commands=(ModelCommand("on", "0", 1),)),
    ],
)
async def test_model_rules_hold_in_the_hub(hub: Hub, draft: LoraModelDraft) -> None:
    with pytest.raises(ArgumentInvalid):
        await hub.lora_models.create(SYSTEM, draft)


async def test_a_concurrent_edit_is_retried_then_given_up(
    hub: Hub, monkeypatch: pytest.MonkeyPatch
) -> None:
    model = await hub.lora_models.create(SYSTEM, DRAFT)
    real = Catalogue.put_profile
    losses = 0

    async def racing(self: Catalogue, *args: object, **kwargs: object) -> object:
        nonlocal losses
        if losses < 2:
            losses += 1
            raise PreconditionFailed("The model changed while it was being updated.")
        return await real(self, *args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(Catalogue, "put_profile", racing)
    added = await hub.lora_models.add_command(SYSTEM, model.id, ModelCommand("on", "01", 1))
    assert [c.name for c in added.commands] == ["on"]
    losses = -100
    with pytest.raises(PreconditionFailed, match="kept changing"):
        await hub.lora_models.add_command(SYSTEM, model.id, ModelCommand("off", "00", 1))

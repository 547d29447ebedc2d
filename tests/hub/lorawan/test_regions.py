"""Channel plans per region (LoRaWAN RP002-1.0.3 and the Basics Station router_config)."""

from __future__ import annotations

from typing import Any

import pytest

from fleethub.hub.errors import ArgumentInvalid
from fleethub.hub.lorawan.regions import REGIONS, check_region, router_config

#: (band, uplink channel frequencies in MHz, data-rate count) per region.
PLANS: dict[str, tuple[tuple[int, int], list[float], int]] = {
    "EU863": (
        (863_000_000, 870_000_000),
        [868.1, 868.3, 868.5, 867.1, 867.3, 867.5, 867.7, 867.9],
        8,
    ),
    "US902": ((902_000_000, 928_000_000), [903.9 + 0.2 * i for i in range(8)], 14),
    "AU915": ((915_000_000, 928_000_000), [916.8 + 0.2 * i for i in range(8)], 14),
    "AS923": (
        (915_000_000, 928_000_000),
        [923.2, 923.4, 922.2, 922.4, 922.6, 922.8, 923.0, 922.0],
        8,
    ),
    "CN470": ((470_000_000, 510_000_000), [470.3 + 0.2 * i for i in range(8)], 8),
}


def channels(config: dict[str, Any]) -> list[float]:
    """Each multi-SF channel's frequency in MHz: its radio's centre plus its offset."""
    conf = config["sx1301_conf"][0]
    radios = [conf["radio_0"]["freq"], conf["radio_1"]["freq"]]
    return [
        round(
            (radios[conf[f"chan_multiSF_{i}"]["radio"]] + conf[f"chan_multiSF_{i}"]["if"]) / 1e6, 1
        )
        for i in range(8)
    ]


@pytest.mark.parametrize("region", sorted(PLANS))
def test_channel_plan_matches_the_regional_parameters(region: str) -> None:
    band, uplinks, data_rates = PLANS[region]
    config = router_config(region)
    assert config["region"] == region
    assert config["freq_range"] == list(band)
    assert channels(config) == [round(f, 1) for f in uplinks]
    assert len(config["DRs"]) == data_rates
    assert all(len(dr) == 3 for dr in config["DRs"])
    conf = config["sx1301_conf"][0]
    for name, channel in conf.items():
        if name.startswith("chan_") and channel["enable"]:
            assert abs(channel["if"]) <= 400_000, name  # within an SX1257's reach
    assert (config["nocca"], config["nodc"], config["nodwell"]) == (True, True, True)
    assert config["NetID"] == [1]
    assert config["JoinEui"] == []


def test_eu_data_rates_and_extra_channels() -> None:
    config = router_config("eu863")
    assert config["DRs"][0] == [12, 125, 0]
    assert config["DRs"][6] == [7, 250, 0]
    assert config["DRs"][7] == [0, 0, 0]  # FSK
    conf = config["sx1301_conf"][0]
    assert conf["chan_Lora_std"]["bandwidth"] == 250_000
    assert conf["radio_1"]["freq"] + conf["chan_FSK"]["if"] == 868_800_000


def test_us_downlink_only_rates() -> None:
    drs = router_config("US902")["DRs"]
    assert drs[4] == [8, 500, 0]
    assert drs[5:8] == [[-1, 0, 0]] * 3
    assert drs[8:] == [[sf, 500, 1] for sf in range(12, 6, -1)]


def test_every_call_gives_a_fresh_config() -> None:
    first = router_config("EU863")
    first["DRs"].clear()
    assert router_config("EU863")["DRs"]


def test_unknown_regions_are_refused() -> None:
    assert REGIONS == ("EU863", "US902", "AS923", "AU915", "CN470")
    assert check_region(" au915 ") == "AU915"
    for region in ("string", "EU868", ""):
        with pytest.raises(ArgumentInvalid, match="not supported"):
            check_region(region)

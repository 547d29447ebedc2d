"""LoRa Basics Station `router_config` per LoRaWAN region: the channel plan a concentrator
gets in its desired `routerConfig` (LNS protocol, "router_config" message:
https://doc.sm.tc/station/tcproto.html), in the spelling the LoRaWAN starter kit's network
server reads from the twin (`NetID`, `JoinEui`, `DRs`, ...).

Channel plans follow the LoRaWAN Regional Parameters (RP002-1.0.3): the default and
recommended uplink channels of each region, laid on an SX1301's two radios (each radio
covers ±400 kHz around its centre; a channel's `if` is its offset from that centre).
Data rates are `[SF, bandwidth kHz, downlink only]`; SF 0 is FSK and SF -1 an undefined
data rate (Basics Station's reading). `nocca`, `nodc` and `nodwell` hand the
listen-before-talk, duty-cycle and dwell-time checks to the network server, as the starter
kit's default configurations do.
"""

from __future__ import annotations

from typing import Any

from fleethub.hub.errors import ArgumentInvalid

JSON = dict[str, Any]

_FSK, _UNDEFINED = [0, 0, 0], [-1, 0, 0]


def _lora(sf_from: int, sf_to: int, bandwidth: int, downlink_only: int = 0) -> list[list[int]]:
    """`_lora(12, 7, 125)` → [[12, 125, 0], [11, 125, 0], ..., [7, 125, 0]]."""
    return [[sf, bandwidth, downlink_only] for sf in range(sf_from, sf_to - 1, -1)]


def _radios(
    radio_0: int,
    radio_1: int,
    multi_sf: list[tuple[int, int]],
    lora_std: tuple[int, int, int, int] | None,
    fsk: tuple[int, int] | None,
) -> JSON:
    """One `sx1301_conf` entry: radio centres in Hz, then (radio, if) per multi-SF channel,
    (radio, if, bandwidth, SF) for the single-SF LoRa channel and (radio, if) for FSK."""
    conf: JSON = {
        "radio_0": {"enable": True, "freq": radio_0},
        "radio_1": {"enable": True, "freq": radio_1},
    }
    if fsk is None:
        conf["chan_FSK"] = {"enable": False, "radio": 0, "if": 0}
    else:
        conf["chan_FSK"] = {"enable": True, "radio": fsk[0], "if": fsk[1]}
    if lora_std is None:
        conf["chan_Lora_std"] = {"enable": False, "radio": 0, "if": 0}
    else:
        radio, offset, bandwidth, sf = lora_std
        conf["chan_Lora_std"] = {
            "enable": True,
            "radio": radio,
            "if": offset,
            "bandwidth": bandwidth,
            "spread_factor": sf,
        }
    for index, (radio, offset) in enumerate(multi_sf):
        conf[f"chan_multiSF_{index}"] = {"enable": True, "radio": radio, "if": offset}
    return conf


def _eu863() -> JSON:
    # RP002 §2.4 EU863-870: DR0-5 SF12-7/125 kHz, DR6 SF7/250 kHz, DR7 FSK 50 kbps. Channels
    # 868.1/868.3/868.5 (mandatory) and 867.1-867.9 MHz; SF7/250 kHz at 868.3, FSK at 868.8.
    sx1301 = _radios(
        867_500_000,
        868_500_000,
        [(1, -400_000), (1, -200_000), (1, 0)]
        + [(0, f) for f in range(-400_000, 400_001, 200_000)],
        (1, -200_000, 250_000, 7),
        (1, 300_000),
    )
    return _config(
        "EU863", (863_000_000, 870_000_000), [*_lora(12, 7, 125), [7, 250, 0], _FSK], sx1301
    )


def _us902() -> JSON:
    # RP002 §2.5 US902-928: DR0-3 SF10-7/125, DR4 SF8/500, DR5-7 undefined for an SX1301
    # (LR-FHSS / RFU), DR8-13 SF12-7/500 downlink only. Sub-band 2 (channels 8-15,
    # 903.9-905.3 MHz, and 500 kHz channel 65 at 904.6 MHz), the one most networks use.
    drs = [*_lora(10, 7, 125), [8, 500, 0], _UNDEFINED, _UNDEFINED, _UNDEFINED]
    sx1301 = _radios(
        904_300_000,
        905_000_000,
        [(0, -400_000), (0, -200_000), (0, 0), (0, 200_000)]
        + [(1, f) for f in (-300_000, -100_000, 100_000, 300_000)],
        (0, 300_000, 500_000, 8),
        None,
    )
    return _config("US902", (902_000_000, 928_000_000), drs + _lora(12, 7, 500, 1), sx1301)


def _au915() -> JSON:
    # RP002 §2.8 AU915-928: DR0-5 SF12-7/125, DR6 SF8/500, DR7 undefined here (LR-FHSS),
    # DR8-13 SF12-7/500 downlink only. Sub-band 2: 916.8-918.2 MHz and channel 65 at 917.5.
    drs = [*_lora(12, 7, 125), [8, 500, 0], _UNDEFINED, *_lora(12, 7, 500, 1)]
    sx1301 = _radios(
        917_200_000,
        917_900_000,
        [(0, -400_000), (0, -200_000), (0, 0), (0, 200_000)]
        + [(1, f) for f in (-300_000, -100_000, 100_000, 300_000)],
        (0, 300_000, 500_000, 8),
        None,
    )
    return _config("AU915", (915_000_000, 928_000_000), drs, sx1301)


def _as923() -> JSON:
    # RP002 §2.10 AS923 (group AS923-1, 923.2 and 923.4 MHz default channels): DR0-5
    # SF12-7/125, DR6 SF7/250, DR7 FSK. Eight channels 922.0-923.4 MHz, SF7/250 kHz at 922.1
    # and FSK at 921.8 MHz.
    sx1301 = _radios(
        922_000_000,
        923_000_000,
        [
            *((1, 200_000), (1, 400_000), (0, 200_000), (0, 400_000)),
            *((1, -400_000), (1, -200_000), (1, 0), (0, 0)),
        ],
        (0, 100_000, 250_000, 7),
        (0, -200_000),
    )
    return _config(
        "AS923", (915_000_000, 928_000_000), [*_lora(12, 7, 125), [7, 250, 0], _FSK], sx1301
    )


def _cn470() -> JSON:
    # RP002 §2.9 CN470-510: DR0-5 SF12-7/125, DR6 SF7/500, DR7 FSK. Uplink channels
    # 470.3 + 0.2·n MHz; the first eight (470.3-471.7 MHz) here.
    sx1301 = _radios(
        470_600_000,
        471_400_000,
        [(0, f) for f in (-300_000, -100_000, 100_000, 300_000)]
        + [(1, f) for f in (-300_000, -100_000, 100_000, 300_000)],
        None,
        None,
    )
    return _config(
        "CN470", (470_000_000, 510_000_000), [*_lora(12, 7, 125), [7, 500, 0], _FSK], sx1301
    )


def _config(region: str, band: tuple[int, int], drs: list[list[int]], sx1301: JSON) -> JSON:
    return {
        # The starter kit's network server assigns addresses in NetID 1; no JoinEUI filter.
        "NetID": [1],
        "JoinEui": [],
        "region": region,
        "hwspec": "sx1301/1",
        "freq_range": list(band),
        "DRs": drs,
        "sx1301_conf": [sx1301],
        "nocca": True,
        "nodc": True,
        "nodwell": True,
    }


_PLANS = {"EU863": _eu863, "US902": _us902, "AS923": _as923, "AU915": _au915, "CN470": _cn470}
REGIONS = tuple(_PLANS)


def check_region(region: str) -> str:
    """The region's canonical name (`eu863` → `EU863`); ArgumentInvalid if unsupported."""
    canonical = region.strip().upper()
    if canonical not in _PLANS:
        raise ArgumentInvalid(
            f"LoRa region '{region[:40]}' is not supported; use one of {', '.join(REGIONS)}."
        )
    return canonical


def router_config(region: str) -> JSON:
    """A fresh `routerConfig` for the region (a new dict each call: callers may keep it)."""
    return _PLANS[check_region(region)]()

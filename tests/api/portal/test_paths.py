"""The Portal's case-insensitive paths: fixed words take the seed's spelling, ids do not."""

from __future__ import annotations

import pytest

from fleethub.api.portal.paths import normalize


@pytest.mark.parametrize(
    ("path", "method", "expected"),
    [
        ("/API/devicemodels", "GET", "/api/DeviceModels"),
        ("/api/DEVICEMODELS/Model-A/AVATAR", "POST", "/api/DeviceModels/Model-A/avatar"),
        ("/api/devicemodels/m/Avatar/IMAGE", "GET", "/api/DeviceModels/m/avatar/image"),
        ("/api/devicemodels/Avatar", "GET", "/api/DeviceModels/Avatar"),
        ("/api/gateways/GW/Type/connectionstring", "GET", "/api/Gateways/GW/Type/ConnectionString"),
        ("/api/gateways/GW/Mod/connectionstring", "POST", "/api/Gateways/GW/Mod/connectionstring"),
        ("/api/devices/Dev%2F1/Cmd", "POST", "/api/Devices/Dev%2F1/Cmd"),
        ("/api/Whatever/X", "GET", "/api/Whatever/X"),
        ("/oidcSETTINGS", "GET", "/OIDCSettings"),
        ("/central/api/devices", "GET", "/central/api/devices"),
        ("/devices/Api", "GET", "/devices/Api"),
        ("/api", "GET", "/api"),
    ],
)
def test_normalize(path: str, method: str, expected: str) -> None:
    assert normalize(path, method) == expected

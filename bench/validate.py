"""Telemetry validations per second for seed 004's thermostat model, on one core.

Run: .venv/bin/python -m bench.validate  (target: at least 100,000 per second)
"""

from __future__ import annotations

import json
import time
from pathlib import Path

from fleethub.hub.models.dtdl import Validator, parse

TEMPLATE = Path(__file__).parent.parent / "tests/hub/models/dtdl/thermostat_template.json"
MESSAGES = [
    {"temperature": 21.5},
    {"temperature": 22},
    {"temperature": "hot"},  # invalid: the rejection path costs something too
    {"temperature": 23.25, "humidity": 40},  # one unmodeled field
]


def measure(validator: Validator, seconds: float) -> float:
    """Validations per second over about `seconds` of wall time."""
    done = 0
    check = validator.telemetry
    started = time.perf_counter()
    deadline = started + seconds
    while time.perf_counter() < deadline:
        for _ in range(10_000):
            for message in MESSAGES:
                check(message)
        done += 10_000 * len(MESSAGES)
    return done / (time.perf_counter() - started)


def main() -> None:
    validator = Validator(parse(json.loads(TEMPLATE.read_text())).root)
    measure(validator, 0.2)  # warm up
    rates = sorted(measure(validator, 1.0) for _ in range(3))
    print(f"thermostat telemetry: {rates[1]:,.0f} validations/s (median of 3, one core)")


if __name__ == "__main__":
    main()

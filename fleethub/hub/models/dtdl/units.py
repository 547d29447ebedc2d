"""Semantic types and their units: the DTDL v2 "Semantic types" table and the v3
QuantitativeTypes extension v1 (context "dtmi:dtdl:extension:quantitativeTypes;1").
"""

from __future__ import annotations

_ANGLE = ("degreeOfArc", "minuteOfArc", "radian", "secondOfArc", "turn")
_LENGTH = (
    "astronomicalUnit",
    "centimetre",
    "foot",
    "inch",
    "kilometre",
    "metre",
    "micrometre",
    "mile",
    "millimetre",
    "nanometre",
    "nauticalMile",
)
_FORCE = ("newton", "ounce", "pound", "ton")
_BINARY = ("exbi", "gibi", "kibi", "mebi", "tebi", "yobi", "zebi")
_DATA_SIZE = ("bit", "byte", *(f"{p}{u}" for p in _BINARY for u in ("bit", "byte")))
_DATA_RATE = tuple(f"{unit}PerSecond" for unit in _DATA_SIZE)
_POWER_V2 = (
    "gigawatt",
    "horsepower",
    "kilowatt",
    "kilowattHourPerYear",
    "megawatt",
    "microwatt",
    "milliwatt",
    "watt",
)
_TIME = ("day", "hour", "microsecond", "millisecond", "minute", "nanosecond", "second", "year")
_VELOCITY = (
    "centimetrePerSecond",
    "kilometrePerHour",
    "kilometrePerSecond",
    "knot",
    "metrePerHour",
    "metrePerSecond",
    "milePerHour",
    "milePerSecond",
)
_ACCELERATION = ("centimetrePerSecondSquared", "gForce", "metrePerSecondSquared")
_VOLUME = (
    "cubicCentimetre",
    "cubicFoot",
    "cubicInch",
    "cubicMetre",
    "fluidOunce",
    "gallon",
    "litre",
    "millilitre",
)
_AREA = (
    "acre",
    "hectare",
    "squareCentimetre",
    "squareFoot",
    "squareInch",
    "squareKilometre",
    "squareMetre",
    "squareMillimetre",
)

SEMANTIC_V2: dict[str, tuple[str, ...]] = {
    "Acceleration": _ACCELERATION,
    "Angle": _ANGLE,
    "AngularAcceleration": ("radianPerSecondSquared",),
    "AngularVelocity": (
        "degreePerSecond",
        "radianPerSecond",
        "revolutionPerMinute",
        "revolutionPerSecond",
    ),
    "Area": _AREA,
    "Capacitance": ("farad", "microfarad", "millifarad", "nanofarad", "picofarad"),
    "Current": ("ampere", "microampere", "milliampere"),
    "DataRate": _DATA_RATE,
    "DataSize": _DATA_SIZE,
    "Density": ("gramPerCubicMetre", "kilogramPerCubicMetre"),
    "Distance": _LENGTH,
    "ElectricCharge": ("coulomb",),
    "Energy": (
        "electronvolt",
        "gigajoule",
        "joule",
        "kilojoule",
        "kilowattHour",
        "megaelectronvolt",
        "megajoule",
    ),
    "Force": _FORCE,
    "Frequency": ("gigahertz", "hertz", "kilohertz", "megahertz"),
    # v2 measures Humidity as a density; "percent" belongs to RelativeHumidity.
    "Humidity": ("gramPerCubicMetre", "kilogramPerCubicMetre"),
    "Illuminance": ("footcandle", "lux"),
    "Inductance": ("henry", "microhenry", "millihenry"),
    "Latitude": _ANGLE,
    "Length": _LENGTH,
    "Longitude": _ANGLE,
    "Luminance": ("candelaPerSquareMetre",),
    "Luminosity": _POWER_V2,
    "LuminousFlux": ("lumen",),
    "LuminousIntensity": ("candela",),
    "MagneticFlux": ("maxwell", "weber"),
    "MagneticInduction": ("tesla",),
    "Mass": ("gram", "kilogram", "microgram", "milligram", "slug", "tonne"),
    "MassFlowRate": ("gramPerHour", "gramPerSecond", "kilogramPerHour", "kilogramPerSecond"),
    "Power": _POWER_V2,
    "Pressure": (
        "bar",
        "inchesOfMercury",
        "inchesOfWater",
        "kilopascal",
        "millibar",
        "millimetresOfMercury",
        "pascal",
        "poundPerSquareInch",
    ),
    "RelativeHumidity": ("percent", "unity"),
    "Resistance": ("kiloohm", "megaohm", "milliohm", "ohm"),
    "SoundPressure": ("bel", "decibel"),
    "Temperature": ("degreeCelsius", "degreeFahrenheit", "kelvin"),
    "Thrust": _FORCE,
    "TimeSpan": _TIME,
    "Torque": ("newtonMetre",),
    "Velocity": _VELOCITY,
    "Voltage": ("kilovolt", "megavolt", "microvolt", "millivolt", "volt"),
    "Volume": _VOLUME,
    "VolumeFlowRate": (
        "litrePerHour",
        "litrePerSecond",
        "millilitrePerHour",
        "millilitrePerSecond",
    ),
}

_POWER_V3 = (
    "britishThermalUnitPerHour",
    "gigajoulePerHour",
    "gigawatt",
    "horsepower",
    "joulePerHour",
    "joulePerSecond",
    "kiloBritishThermalUnitPerHour",
    "kilojoulePerHour",
    "kilojoulePerSecond",
    "kilowatt",
    "kilowattHourPerYear",
    "megajoulePerHour",
    "megawatt",
    "microwatt",
    "milliwatt",
    "tonOfRefrigeration",
    "watt",
)
_UNITLESS = (
    "partsPerBillion",
    "partsPerMillion",
    "partsPerQuadrillion",
    "partsPerTrillion",
    "percent",
    "unity",
)
_DENSITY_V3 = (
    "gramPerCubicMetre",
    "kilogramPerCubicMetre",
    "microgramPerCubicMetre",
    "milligramPerCubicMetre",
)

SEMANTIC_V3: dict[str, tuple[str, ...]] = {
    **SEMANTIC_V2,
    "ApparentEnergy": (
        "gigavoltAmpereHour",
        "kilovoltAmpereHour",
        "megavoltAmpereHour",
        "voltAmpereHour",
    ),
    "ApparentPower": (
        "gigavoltAmpere",
        "kilovoltAmpere",
        "megavoltAmpere",
        "millivoltAmpere",
        "voltAmpere",
    ),
    "Concentration": _UNITLESS,
    "Current": ("ampere", "kiloampere", "microampere", "milliampere"),
    "Density": _DENSITY_V3,
    "ElectricCharge": ("ampereHour", "coulomb", "milliampereHour"),
    "Energy": (
        "britishThermalUnit",
        "electronvolt",
        "gigajoule",
        "gigawattHour",
        "joule",
        "kiloBritishThermalUnit",
        "kilojoule",
        "kilowattHour",
        "megaelectronvolt",
        "megajoule",
        "megawattHour",
        "milliwattHour",
        "terawattHour",
        "wattHour",
    ),
    "EnergyRate": _POWER_V3,
    "Frequency": ("gigahertz", "hertz", "kilohertz", "megahertz", "millihertz"),
    "Humidity": _DENSITY_V3,
    "IonizingRadiationDose": (
        "gray",
        "microgray",
        "microsievert",
        "milligray",
        "millisievert",
        "sievert",
    ),
    "Irradiance": ("wattPerSquareMetre",),
    "Luminosity": _POWER_V3,
    "MagneticInduction": ("gauss", "tesla"),
    "Mass": ("gram", "kilogram", "massPound", "microgram", "milligram", "slug", "tonne"),
    "MassFlowRate": (
        "gramPerHour",
        "gramPerSecond",
        "kilogramPerHour",
        "kilogramPerSecond",
        "massPoundPerHour",
    ),
    "Power": _POWER_V3,
    "Pressure": (
        "bar",
        "decapascal",
        "hectopascal",
        "inchesOfMercury",
        "inchesOfWater",
        "kilopascal",
        "millibar",
        "millimetresOfMercury",
        "pascal",
        "poundPerSquareInch",
    ),
    "Radioactivity": ("becquerel", "gigabecquerel", "kilobecquerel", "megabecquerel"),
    "ReactiveEnergy": (
        "gigavoltAmpereReactiveHour",
        "kilovoltAmpereReactiveHour",
        "megavoltAmpereReactiveHour",
        "voltAmpereReactiveHour",
    ),
    "ReactivePower": (
        "gigavoltAmpereReactive",
        "kilovoltAmpereReactive",
        "megavoltAmpereReactive",
        "millivoltAmpereReactive",
        "voltAmpereReactive",
    ),
    "RelativeDensity": _UNITLESS,
    "RelativeHumidity": _UNITLESS,
    "VolumeFlowRate": (
        "cubicFootPerMinute",
        "cubicMetrePerHour",
        "cubicMetrePerMinute",
        "cubicMetrePerSecond",
        "gallonPerHour",
        "gallonPerMinute",
        "litrePerHour",
        "litrePerMinute",
        "litrePerSecond",
        "millilitrePerHour",
        "millilitrePerMinute",
        "millilitrePerSecond",
    ),
}

# IoT Central's VelocityVector and AccelerationVector co-types take these units (optional).
VECTOR_UNITS = {"VelocityVector": _VELOCITY, "AccelerationVector": _ACCELERATION}

UNITS_V2 = frozenset(unit for units in SEMANTIC_V2.values() for unit in units)
UNITS_V3 = frozenset(unit for units in SEMANTIC_V3.values() for unit in units)


def semantic_table(version: int) -> dict[str, tuple[str, ...]]:
    return SEMANTIC_V2 if version == 2 else SEMANTIC_V3


def all_units(version: int) -> frozenset[str]:
    return UNITS_V2 if version == 2 else UNITS_V3

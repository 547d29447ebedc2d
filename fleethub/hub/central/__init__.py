"""The IoT Central application (seeds 001 and 004): devices as IoT Central shows them, their
properties, commands and telemetry, on top of the registry, twins, methods and telemetry."""

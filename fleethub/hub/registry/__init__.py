"""The identity registry: devices and modules, their keys and status."""

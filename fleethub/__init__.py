"""fleethub: a self-hosted IoT hub that speaks Azure IoT Hub."""

__version__ = "0.1.0"

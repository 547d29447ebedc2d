"""Device-to-cloud telemetry and cloud-to-device messages."""

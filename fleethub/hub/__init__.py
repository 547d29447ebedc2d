"""The domain: rules and use cases. No HTTP, MQTT, SQL, NATS or pydantic in here."""

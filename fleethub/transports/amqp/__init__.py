"""AMQP 1.0 for back ends: C2D send with feedback, and the Event Hub-compatible endpoint."""

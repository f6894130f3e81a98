"""NATS: the embedded server and the app's connection."""

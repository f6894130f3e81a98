"""Sync between tenants over NATS JetStream: outbox, relay, consumers, replicas."""

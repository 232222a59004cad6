"""Webhook subscriptions: outside systems told of domain events, through the outbox."""

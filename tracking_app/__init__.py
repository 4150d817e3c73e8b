"""Flask app: REST API, tracking pixel/click/unsubscribe, webhooks (docs/architecture.md)."""

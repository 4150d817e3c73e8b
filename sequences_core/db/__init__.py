"""Persistence adapters: models, engine, unit of work."""

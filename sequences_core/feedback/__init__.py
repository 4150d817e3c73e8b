"""Feedback: what comes back from providers and people, and what it changes."""

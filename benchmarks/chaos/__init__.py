"""`make chaos`: dispatchers under faults, judged from what left them (see `run`, `checker`)."""

"""How a process runs the engine: tuning that belongs to the process, not to a service."""

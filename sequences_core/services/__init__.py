"""Use cases: one function each, taking a unit of work; the API, CLI, DAGs and UI call these."""

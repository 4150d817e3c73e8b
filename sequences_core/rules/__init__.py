"""The rules: pure functions over plain values, tested without a database."""

"""Stand-ins for the services benchmarks and chaos runs drive our engine against."""

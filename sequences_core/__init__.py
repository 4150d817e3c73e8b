"""Sequences core: every rule of the product, free of Airflow and Flask."""

"""Server-rendered pages of the Sequences UI, mounted by Airflow's API server (see app.py)."""

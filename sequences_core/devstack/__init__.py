"""The development stack behind `make run`: embedded PostgreSQL, moto, gunicorn, Airflow."""

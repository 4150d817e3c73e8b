# One image for every service: Airflow 3.3 with Sequences installed beside it.
FROM python:3.11-slim
ENV PIP_NO_CACHE_DIR=1 PYTHONUNBUFFERED=1 AIRFLOW_HOME=/opt/airflow
WORKDIR /opt/sequences
COPY requirements.lock pyproject.toml README.md ./
RUN pip install uv==0.13.9 && uv pip install --system -r requirements.lock
COPY sequences_core ./sequences_core
COPY tracking_app ./tracking_app
RUN uv pip install --system --no-deps .
COPY dags /opt/airflow/dags
COPY plugins /opt/airflow/plugins
RUN useradd --create-home --uid 50000 airflow && mkdir -p /opt/airflow/logs \
    && chown -R airflow /opt/airflow
USER airflow

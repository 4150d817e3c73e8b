"""The compose file is for users (no Docker engine here): it must parse and agree with the code."""

from __future__ import annotations

import shlex
from pathlib import Path

import yaml
from click.testing import CliRunner

from sequences_core.cli import main as sequences_cli
from sequences_core.runtime.config import SEND_SLOTS, Settings

ROOT = Path(__file__).resolve().parent.parent
COMPOSE = yaml.safe_load((ROOT / "docker-compose.airflow.yml").read_text())
AIRFLOW_SERVICES = {"api-server", "scheduler", "dag-processor", "triggerer", "celery worker"}


def commands(service: dict) -> list[list[str]]:
    command = service.get("command", [])
    if command[:2] == ["bash", "-c"]:
        return [shlex.split(part) for part in command[2].split("&&")]
    return [command]


def test_every_service_command_exists(monkeypatch):
    # Airflow's CLI offers executor commands (celery …) only for the configured executor.
    monkeypatch.setenv(
        "AIRFLOW__CORE__EXECUTOR", COMPOSE["x-airflow"]["environment"]["AIRFLOW__CORE__EXECUTOR"]
    )
    from airflow.cli.cli_parser import get_parser

    parser = get_parser()
    seen_airflow = set()
    for name, service in COMPOSE["services"].items():
        for argv in commands(service):
            if not argv:
                assert "image" in service and service["image"].startswith(("postgres", "redis")), (
                    name
                )
            elif argv[0] == "sequences":
                result = CliRunner().invoke(sequences_cli, [*argv[1:], "--help"])
                assert result.exit_code == 0, (name, argv, result.output)
            elif argv[0] == "gunicorn":
                assert argv[1] == "-c" and argv[2].startswith("/opt/sequences/"), (name, argv)
                assert (ROOT / argv[2].removeprefix("/opt/sequences/")).is_file(), argv
            elif argv[0] == "airflow":
                parser.parse_args([*argv[1:]])  # exits on an unknown command
                seen_airflow.add(" ".join(argv[1:]))
            else:
                raise AssertionError(f"{name}: unknown program {argv[0]}")
    assert seen_airflow >= AIRFLOW_SERVICES
    assert "db migrate" in seen_airflow
    # send_batch's pool, as many slots as the DAG shares the SES rate among (SEND_SLOTS)
    slots = {int(c.split()[3]) for c in seen_airflow if c.startswith("pools set ses_send ")}
    assert slots == {SEND_SLOTS}


def test_environment_covers_what_the_code_reads():
    env = COMPOSE["x-airflow"]["environment"]
    for name in (
        "SEQUENCES_DATABASE_URL",
        "SEQUENCES_SECRET_KEY",
        "SEQUENCES_PUBLIC_URL",
        "SEQUENCES_SENDER",
        "AWS_REGION",
        "AIRFLOW_CONN_SEQUENCES_DB",
        "AIRFLOW_CONN_AWS_DEFAULT",
    ):
        assert name in env, name
    resolved = {
        k: str(v).split(":-")[-1].rstrip("}") if "${" in str(v) else str(v) for k, v in env.items()
    }
    settings = Settings.from_env(resolved)  # the defaults the file ships are valid settings
    assert settings.sender == "ses"
    assert env["AIRFLOW__CORE__EXECUTOR"] == "CeleryExecutor"


def test_dags_and_plugins_are_mounted_and_databases_are_separate():
    volumes = COMPOSE["x-airflow"]["volumes"]
    assert "./dags:/opt/airflow/dags" in volumes and "./plugins:/opt/airflow/plugins" in volumes
    env = COMPOSE["x-airflow"]["environment"]
    assert "@airflow-db/" in env["AIRFLOW__DATABASE__SQL_ALCHEMY_CONN"]
    assert "@sequences-db:" in env["SEQUENCES_DATABASE_URL"]
    for name in COMPOSE["services"]:
        if name != "init":  # a one-shot job: others wait for it to complete
            assert "healthcheck" in COMPOSE["services"][name], name
    assert COMPOSE["services"]["airflow-apiserver"]["ports"] == ["8080:8080"]
    dockerfile = (ROOT / "Dockerfile").read_text()
    assert (
        "requirements.lock" in dockerfile
        and "apache-airflow" in (ROOT / "requirements.lock").read_text()
    )


def test_tracking_app_service_agrees_with_the_code_and_readme():
    service = COMPOSE["services"]["tracking-app"]
    env = service["environment"]
    port = env["SEQUENCES_TRACKING_BIND"].rsplit(":", 1)[1]
    assert service["ports"] == [f"{port}:{port}"]
    assert port == "5050" and "127.0.0.1:5050" in (ROOT / "README.md").read_text()
    assert "/healthz" in " ".join(service["healthcheck"]["test"])
    assert (
        env["SEQUENCES_DATABASE_URL"]
        == COMPOSE["x-airflow"]["environment"]["SEQUENCES_DATABASE_URL"]
    )
    from tracking_app import gunicorn_conf

    assert gunicorn_conf.wsgi_app == "tracking_app.wsgi:app"
    assert "COPY tracking_app" in (ROOT / "Dockerfile").read_text()


def test_airflow_healthchecks_are_real_commands(monkeypatch):
    monkeypatch.setenv(
        "AIRFLOW__CORE__EXECUTOR", COMPOSE["x-airflow"]["environment"]["AIRFLOW__CORE__EXECUTOR"]
    )
    from airflow.cli.cli_parser import get_parser

    parser = get_parser()
    for name, service in COMPOSE["services"].items():
        test = service.get("healthcheck", {}).get("test", [])
        if test[:2] == ["CMD", "airflow"]:
            parser.parse_args(test[2:])  # exits on an unknown command or option
            assert test[test.index("--job-type") + 1] in {
                "SchedulerJob",
                "DagProcessorJob",
                "TriggererJob",
            }, name

"""The deployment files agree with the code location: same module, attribute and location name everywhere, the
`toggl_api` pool limited to 1, instance storage in Postgres through psycopg2, and the K8s run launcher."""

from __future__ import annotations

from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[2]


def load(path: str) -> dict:
    return yaml.safe_load((ROOT / path).read_text())


def test_every_deployment_file_names_the_same_code_location():
    (workspace,) = load("workspace.yaml")["load_from"]
    assert workspace["python_module"] | {} == {"module_name": "toggl_warehouse.definitions", "attribute": "defs",
                                                "location_name": "toggl_warehouse", "working_directory": "."}
    (cloud,) = load("dagster_cloud.yaml")["locations"]
    assert (cloud["location_name"], cloud["code_source"]) == ("toggl_warehouse", {"module_name": "toggl_warehouse.definitions", "attribute": "defs"})
    (deployment,) = load("deploy/helm-values.yaml")["dagster-user-deployments"]["deployments"]
    assert deployment["dagsterApiGrpcArgs"] == ["-m", "toggl_warehouse.definitions", "-a", "defs", "--location-name", "toggl_warehouse"]
    dockerfile = (ROOT / "Dockerfile").read_text()
    assert '"-m", "toggl_warehouse.definitions", "-a", "defs", "--location-name", "toggl_warehouse"' in dockerfile
    assert "COPY deploy/dagster.yaml" in dockerfile


def test_production_instance_config_and_helm_values_agree():
    instance = load("deploy/dagster.yaml")
    assert instance["storage"] == {"postgres": {"postgres_url": {"env": "DAGSTER_PG_URL"}}}
    assert "storage" not in load("dagster.yaml")  # Dagster's default SQLite storage under DAGSTER_HOME
    assert instance["run_coordinator"]["class"] == "QueuedRunCoordinator"
    assert instance["concurrency"] == load("dagster.yaml")["concurrency"] == {"runs": {"max_concurrent_runs": 4}, "pools": {"default_limit": 1}}
    values = load("deploy/helm-values.yaml")
    assert values["runLauncher"]["type"] == "K8sRunLauncher"
    assert values["dagsterDaemon"]["runCoordinator"]["type"] == "QueuedRunCoordinator"
    assert values["concurrency"] == {"runs": {"maxConcurrentRuns": 4}, "pools": {"defaultLimit": 1}}
    assert values["dagsterDaemon"]["runMonitoring"]["enabled"] is True

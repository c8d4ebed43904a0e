# The toggl-warehouse code location: one image for the Helm chart's user deployment (a gRPC code server),
# for the runs the K8sRunLauncher starts from it, and for `dagster-daemon` outside K8s. It holds the runtime set
# only (requirements/runtime.txt): no web UI (the chart's webserver runs Dagster's own image), no `dg` CLI,
# no embedded Postgres (DATABASE_URL names the warehouse).
# Not built in this repository's CI (no registry there); build and push it from your own pipeline:
#   docker build -t registry.example.com/toggl-warehouse:0.1.0 . && docker push registry.example.com/toggl-warehouse:0.1.0
# The newest Python the suite runs on (./run's NEWEST, .ci/run).
FROM python:3.13-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    DAGSTER_HOME=/opt/dagster/dagster_home

# Postgres event storage then writes a run's per-partition materializations in one INSERT instead of one
# transaction each (365 for a year's backfill): see the README's "Performance".
ENV DAGSTER_EVENT_BATCH_SIZE=1000

WORKDIR /opt/dagster/app

# Dependencies first (cached while only the code changes), from the lock: pinned, hash-checked, wheels only
# (.ci/run checks that every one has a manylinux wheel for x86-64 and aarch64), so no compiler or libpq is needed.
COPY requirements/runtime.txt requirements/runtime.txt
RUN pip install --require-hashes --only-binary=:all: --no-deps -r requirements/runtime.txt && pip check

COPY pyproject.toml README.md ./
COPY sql ./sql

COPY pipelines ./pipelines
COPY workspace.yaml ./
# The instance config is used by dagster-webserver/dagster-daemon started from this image; under Helm the
# chart mounts its own. The project's sql/ is installed beside the package (share/toggl-warehouse/sql) too.
COPY deploy/dagster.yaml ${DAGSTER_HOME}/dagster.yaml
RUN pip install --no-deps --no-build-isolation . \
    && useradd --system --uid 10001 --home-dir /opt/dagster dagster \
    && chown -R dagster /opt/dagster/dagster_home
USER 10001

# Settings and secrets come only from the environment (TOGGL_*, DATABASE_URL, DAGSTER_PG_URL); nothing is baked in.
EXPOSE 3030
# The code server the webserver and daemon load the code location from (the Helm chart passes the same
# arguments through dagsterApiGrpcArgs).
CMD ["dagster", "code-server", "start", "-h", "0.0.0.0", "-p", "3030", "-m", "toggl_warehouse.definitions", "-a", "defs", "--location-name", "toggl_warehouse"]

"""What the Dagster UI shows, read the way the UI reads it: GraphQL against the code location loaded from
`workspace.yaml` (a code server subprocess, as `dagster dev` starts one) and the test's instance."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import dagster as dg
from dagster._core.workspace.context import WorkspaceProcessContext, WorkspaceRequestContext
from dagster._core.workspace.load_target import WorkspaceFileTarget
from dagster_graphql.test.utils import execute_dagster_graphql

ROOT = Path(__file__).resolve().parents[2]

BACKFILLS = """
query Backfills {
  partitionBackfillsOrError(limit: 100) {
    __typename
    ... on PartitionBackfills {
      results {
        id status title isAssetBackfill numPartitions partitionNames
        assetSelection { path }
        runs { runId status tags { key value } }
        assetBackfillData {
          assetBackfillStatuses {
            ... on AssetPartitionsStatusCounts {
              assetKey { path } numPartitionsTargeted numPartitionsInProgress numPartitionsMaterialized numPartitionsFailed
            }
          }
        }
      }
    }
    ... on PythonError { message }
  }
}
"""

REEXECUTE_FROM_FAILURE = """
mutation Retry($backfillId: String!) {
  reexecutePartitionBackfill(reexecutionParams: {parentRunId: $backfillId, strategy: FROM_FAILURE}) {
    __typename
    ... on LaunchBackfillSuccess { backfillId }
    ... on PythonError { message }
  }
}
"""


@contextmanager
def ui(instance: dg.DagsterInstance) -> Iterator[WorkspaceRequestContext]:
    """A request context like the webserver's, on `instance`, with the code location of workspace.yaml."""
    target = WorkspaceFileTarget(paths=[str(ROOT / "workspace.yaml")])
    with WorkspaceProcessContext(instance, target) as process:
        errors = [entry.load_error for entry in process.create_request_context().get_code_location_entries().values() if entry.load_error]
        assert not errors, errors[0].to_string()
        yield process.create_request_context()


def graphql(context: WorkspaceRequestContext, query: str, variables: dict[str, Any] | None = None) -> dict[str, Any]:
    """The data of a GraphQL query or mutation, as the UI receives it."""
    return execute_dagster_graphql(context, query, variables).data


def backfills(context: WorkspaceRequestContext) -> list[dict[str, Any]]:
    """The Backfills page: every backfill, newest first."""
    page = graphql(context, BACKFILLS)["partitionBackfillsOrError"]
    assert page["__typename"] == "PartitionBackfills", page
    return page["results"]

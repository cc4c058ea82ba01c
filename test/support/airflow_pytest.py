"""pytest set-up shared by the real-Airflow tiers (test/airflow, test/training):
imported by each tier's conftest.py.

One in-process Execution API for the whole session. dag.test() runs each
task through Airflow's InProcessTestSupervisor, which by default builds a new
Execution API application for every task: the FastAPI app, then on its first
request cadwyn generates the versioned routers of every API version, plus an
event-loop thread that is never stopped. That is 0.5 s of CPU per task on an
idle machine and 3-5 s on a loaded 2-core one, about 90 % of the Airflow
tier's time (measured with a sampling profiler: 24 runs, ~1,100 task
executions).

Here the first API built is kept and reused, as a deployed Airflow's single
long-lived API server serves every task. Nothing else changes: each task
still gets its own client and its own DBDagBag override
(InProcessTestSupervisor._api_client), and every request goes through the
same routes, validation and database code.
"""
from __future__ import annotations

import functools
import os

from airflow.sdk.execution_time import supervisor

if not hasattr(supervisor, "in_process_api_server"):
    raise RuntimeError(
        "airflow.sdk.execution_time.supervisor.in_process_api_server is gone:"
        " this Airflow builds its in-process API differently; revisit"
        " test/support/airflow_pytest.py"
    )
supervisor.in_process_api_server = functools.lru_cache(maxsize=1)(
    supervisor.in_process_api_server
)


def pytest_sessionfinish(session, exitstatus):
    """Under CI=true a skipped test fails the tier: every tier runs in full
    in CI, a missing tool never turns into a silent skip."""
    if os.environ.get("CI") != "true":
        return
    reporter = session.config.pluginmanager.get_plugin("terminalreporter")
    skipped = reporter.stats.get("skipped", []) if reporter else []
    if skipped:
        names = ", ".join(report.nodeid for report in skipped)
        reporter.ensure_newline()
        reporter.write_line(
            f"{len(skipped)} test(s) skipped under CI=true: {names}."
            " Fix: install what they need (bash scripts/setup.sh)"
        )
        session.exitstatus = 1

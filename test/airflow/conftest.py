"""pytest set-up of the real-Airflow tier (test/airflow/run.sh): the shared
set-up of test/support/airflow_pytest.py (one in-process Execution API per
session; no skipped test under CI=true)."""
import os
import sys

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "support"))

from airflow_pytest import pytest_sessionfinish  # noqa: E402,F401

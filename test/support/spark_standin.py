"""The Spark Operator's part in the real-Airflow tiers (test/airflow,
test/training), where the operator does not run (issue 15 makes it real): a
thread that watches one namespace's SparkApplications and sets their status
subresource as the operator would. Subclasses decide what happens to each
application (`play`, called in the thread, in creation order).
"""
from __future__ import annotations

import os
import threading

GROUP, VERSION, PLURAL = "sparkoperator.k8s.io", "v1beta2", "sparkapplications"


def kube():
    """The Kubernetes client, as the tier's admin (KUBECONFIG)."""
    from kubernetes import client, config

    config.load_kube_config(os.environ["KUBECONFIG"])
    return client


class SparkOperatorStandIn:
    """Base of the stand-ins: start with `with`, stop at the block's end
    (failing the test when the thread failed)."""

    def __init__(self, namespace, join_seconds=10):
        self.namespace = namespace
        self.errors = []
        self._join_seconds = join_seconds
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)
        self.api = kube().CustomObjectsApi()

    def __enter__(self):
        self._thread.start()
        return self

    def __exit__(self, *exc):
        self._stop.set()
        self._thread.join(timeout=self._join_seconds)
        assert not self.errors, f"the operator stand-in failed: {self.errors}"

    def stopped(self):
        return self._stop.is_set()

    def set_state(self, name, state, message=None):
        """The application's state, as the operator writes it (driverInfo is
        required by the CRD's status schema)."""
        status = {
            "applicationState": {"state": state},
            "driverInfo": {"podName": f"{name}-driver"},
        }
        if message:
            status["applicationState"]["errorMessage"] = message
        self.api.patch_namespaced_custom_object_status(
            GROUP, VERSION, self.namespace, PLURAL, name, {"status": status}
        )

    def applications(self):
        """The namespace's SparkApplications, oldest first."""
        items = self.api.list_namespaced_custom_object(
            GROUP, VERSION, self.namespace, PLURAL
        )["items"]
        return sorted(items, key=lambda a: int(a["metadata"]["resourceVersion"]))

    def _run(self):
        try:
            self.play()
        except Exception as error:  # reported by __exit__
            self.errors.append(repr(error))

    def play(self):
        raise NotImplementedError

"""The demo account: dummy credentials and project that only ever open the local simulator
(``--demo``, tests and benchmarks sign with them)."""

__all__ = ["DEMO_AK", "DEMO_PROJECT_ID", "DEMO_SK", "DEMO_TOKEN"]

DEMO_AK = "TASKWATCHDEMOAK00001"
DEMO_SK = "demo-only-secret-key-for-the-local-simulator"
DEMO_TOKEN = "demo-iam-token-for-the-local-simulator"  # noqa: S105
DEMO_PROJECT_ID = "0123456789abcdef0123456789abcdef"

"""actions/settings.py limit_native_threads: each numerical library gets one thread in a server."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest

from actions.settings import NATIVE_THREAD_VARIABLES, PROJECT_ROOT

REPORT = (
    "import json, threadpoolctl; "
    "print(json.dumps(sorted({i['internal_api']: i['num_threads'] "
    "for i in threadpoolctl.threadpool_info()}.items())))"
)


def thread_counts(script: str, **environment: str) -> dict[str, int]:
    """The thread count of each native pool after `script`, in a fresh interpreter."""
    env = {k: v for k, v in os.environ.items() if k not in NATIVE_THREAD_VARIABLES}
    done = subprocess.run(
        [sys.executable, "-c", f"{script}; {REPORT}"],
        cwd=PROJECT_ROOT,
        env={**env, **environment},
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    )
    return dict(json.loads(done.stdout.strip().splitlines()[-1]))


@pytest.mark.parametrize(
    "script",
    [
        # bot/serve.py: before NumPy and SciPy load.
        "from actions.settings import limit_native_threads as l; l(); import numpy, scipy.linalg",
        # actions/server.py: after NumPy loaded (SciPy's own OpenBLAS loads later).
        "import numpy; from actions.settings import limit_native_threads as l; l(); "
        "import scipy.linalg",
    ],
)
def test_every_pool_has_one_thread(script: str) -> None:
    counts = thread_counts(script)
    assert counts.get("openblas") == 1, counts
    assert set(counts.values()) == {1}


def test_a_deployer_may_give_more() -> None:
    script = "from actions.settings import limit_native_threads as l; l(); import numpy"
    assert thread_counts(script, OPENBLAS_NUM_THREADS="2")["openblas"] == 2

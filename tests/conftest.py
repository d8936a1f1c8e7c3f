"""Shared test configuration.

Hypothesis runs derandomized with a modest number of examples, so the suite is
fast and CI is deterministic. Set HYPOTHESIS_PROFILE=thorough for a longer,
randomized local run.
"""

from __future__ import annotations

import os
import warnings

from hypothesis import HealthCheck, settings

# When a property test fails, Hypothesis lazily imports libcst to suggest a
# patch. On some installs that import emits a DeprecationWarning, which
# filterwarnings=error turns into an INTERNALERROR that hides the real
# failure. Import it once here, with warnings ignored.
with warnings.catch_warnings():
    warnings.simplefilter("ignore")
    try:
        import hypothesis.extra._patching  # noqa: F401
    except Exception:  # not installed, or a private module that moved
        pass

settings.register_profile(
    "ci",
    max_examples=25,
    derandomize=True,
    database=None,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow],
)
settings.register_profile("thorough", max_examples=500, deadline=None)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "ci"))

"""Settings shared by the whole suite.

Hypothesis draws the same examples on every run (``derandomize``): a property test that
fails, fails every time and on every machine, so CI turns red for a change, not for the
luck of the draw. To search new examples: ``HYPOTHESIS_PROFILE=explore python -m pytest``
(a failure found that way becomes an ``@example`` of its test).
"""
import os

from hypothesis import settings

settings.register_profile("repeatable", derandomize=True)
settings.register_profile("explore", derandomize=False)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "repeatable"))

"""Checking learners' answers in tutorial exercises.

An exercise cell holds ``answer = None``; the next cell calls ``check(answer, expected)``,
which prints a friendly verdict instead of raising, so a notebook with unanswered
exercises still runs top to bottom. Solutions call ``check(..., strict=True)``.
"""
from __future__ import annotations

import math


def check(answer, expected, *, rtol=1e-2, atol=0.0, hint="", strict=False) -> None:
    """Compare ``answer`` with ``expected`` (numbers to ``rtol``/``atol``, else ==) and
    print a verdict. With ``strict=True`` a wrong answer raises AssertionError."""
    if answer is None:
        print("not answered yet: replace None with your answer and run the cell again")
        if strict:
            raise AssertionError("no answer given")
        return
    try:
        ok = math.isclose(float(answer), float(expected), rel_tol=rtol, abs_tol=atol)
    except (TypeError, ValueError):
        ok = answer == expected
    print("✓ correct" if ok else f"✗ not yet{': ' + hint if hint else ''}")
    if strict and not ok:
        raise AssertionError(f"expected {expected!r}, got {answer!r}")

"""The exercise checker prints a verdict and never breaks a notebook unless strict."""
import pytest

from saddle_widgets.exercises import check


def test_unanswered_prints_a_prompt(capsys):
    check(None, 3)
    assert "not answered yet" in capsys.readouterr().out


def test_numbers_within_tolerance_are_correct(capsys):
    check(6.7, 6.67, rtol=0.05)
    check(8.0, 6.67, rtol=0.05, hint="try again")
    out = capsys.readouterr().out.splitlines()
    assert out == ["✓ correct", "✗ not yet: try again"]


def test_strict_raises_on_wrong_or_missing_answers():
    check(3, 3, strict=True)
    with pytest.raises(AssertionError):
        check(4, 3, strict=True)
    with pytest.raises(AssertionError):
        check(None, 3, strict=True)
    check("non-strict saddle", "non-strict saddle", strict=True)

"""Whole numbers from URLs: strict, so odd input is refused rather than a crash."""

import pytest

from mlteam.kernel.parsing import BIGINT_MAX, whole_number


@pytest.mark.parametrize(
    ("text", "number"),
    [("0", 0), ("42", 42), (" 7 ", 7), (str(BIGINT_MAX), BIGINT_MAX)],
)
def test_reads_whole_numbers(text, number):
    assert whole_number(text) == number


@pytest.mark.parametrize(
    "text", [None, "", "²", "٣", "-1", "1.5", "1e3", "abc", str(BIGINT_MAX + 1)]
)
def test_refuses_anything_else(text):
    assert whole_number(text) is None


def test_chart_fractions_survive_the_extremes_of_a_float():
    from mlteam.kernel.scales import fraction

    assert fraction(1.7e308, -1.7e308, 1.7e308) == 1.0
    assert fraction(-1.7e308, -1.7e308, 1.7e308) == 0.0
    assert fraction(0.0, -1.7e308, 1.7e308) == 0.5
    assert fraction(3.0, 3.0, 3.0) == 0.0
    assert fraction(5e-324, 0.0, 5e-324) == 1.0

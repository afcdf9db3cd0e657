"""Mapping values onto chart axes without overflowing on extreme (but finite) numbers."""

import math


def fraction(value: float, low: float, high: float) -> float:
    """Where ``value`` lies between ``low`` and ``high``, from 0 to 1 (0 when they are equal).

    ``high - low`` overflows to infinity for values near ±1.8e308, which recorded metrics may
    legitimately hold; then the halves are compared instead.
    """
    span = high - low
    if math.isinf(span):
        return (value / 2 - low / 2) / (high / 2 - low / 2)
    return (value - low) / span if span > 0 else 0.0

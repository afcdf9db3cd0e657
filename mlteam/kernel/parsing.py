"""Numbers typed into URLs: read them strictly, so odd input is "not found", never a 500."""

BIGINT_MAX = 2**63 - 1


def whole_number(text: str | None) -> int | None:
    """``text`` as a non-negative whole number that fits a database integer, else None.

    ``str.isdigit`` alone is not enough: it accepts "²" (which ``int`` refuses) and numbers too
    large for the database.
    """
    text = (text or "").strip()
    if not (text.isascii() and text.isdigit()):
        return None
    number = int(text)
    return number if number <= BIGINT_MAX else None

"""Reading action inputs, which may arrive as YAML text.

A workflow can pass ``timeout: "30"`` or ``incremental: "false"``; these
turn such values into numbers and booleans, or fail naming the input.
"""

from mistral_actions.cloud import outcomes


def positive_number(name: str, value: object) -> float:
    """``value`` as a float, or InvalidInput naming ``name``."""
    try:
        number = float(value)
    except (TypeError, ValueError):
        number = None
    if number is None or not number > 0 or number == float('inf'):
        raise outcomes.InvalidInput(
            '%s must be a positive number, got %r' % (name, value))
    return number


def flag(name: str, value: object) -> bool:
    """``value`` as a bool; also takes "true"/"false" text from YAML."""
    if isinstance(value, bool):
        return value
    text = str(value).strip().lower()
    if text in ('true', 'yes', '1'):
        return True
    if text in ('false', 'no', '0'):
        return False
    raise outcomes.InvalidInput(
        '%s must be true or false, got %r' % (name, value))

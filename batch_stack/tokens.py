"""Token checks that do not cross into the CDK runtime for plain Python values."""

from __future__ import annotations

from aws_cdk import Token


def is_unresolved(value: object) -> bool:
    """``Token.is_unresolved``, answered in Python where the value makes it certain.

    Validation calls this for almost every prop, and each call to the CDK runtime
    is a round trip to its Node process. A Python ``int`` is never a token (CDK
    encodes number tokens as floats), and a string token always contains
    ``${Token[``; anything else is asked of the runtime.
    """
    if value is None or isinstance(value, bool | int):
        return False
    if isinstance(value, str):
        return "${Token[" in value
    return Token.is_unresolved(value)

"""is_unresolved answers like Token.is_unresolved, without a runtime call for plain values."""

from __future__ import annotations

import pytest
from aws_cdk import App, Aws, Duration, Stack, Token

from batch_stack.tokens import is_unresolved


@pytest.mark.parametrize(
    "value",
    [
        "plain",
        "",
        0,
        256,
        -1,
        True,
        None,
        1.5,
        Aws.REGION,
        f"arn:aws:batch:{Aws.REGION}:1:job-queue/x",
        Token.as_number(Aws.ACCOUNT_ID),
        Token.as_string(Aws.NO_VALUE),
        Stack(App(), "S").stack_name,
    ],
)
def test_agrees_with_token_is_unresolved(value):
    assert is_unresolved(value) == Token.is_unresolved(value)


def test_string_and_number_tokens_are_unresolved():
    assert is_unresolved(Aws.ACCOUNT_ID)
    assert is_unresolved(Token.as_number(Aws.ACCOUNT_ID))
    assert not is_unresolved(Duration.minutes(5).to_seconds())

"""Credential-shaped values for the tests, assembled at import so that no tracked line holds one.

A secret scanner reading the repository finds nothing here, while the checks under test see the
whole shape. The shapes are the ones AWS and Slack document: AWS's example access key id
(``IOSFODNN7EXAMPLE`` after the four-letter prefix), Slack's incoming-webhook URL
(``hooks.slack.com/services/T.../B.../...``), its token prefixes, and PEM/PGP armour headers.
None of them is or was a real credential.
"""

from __future__ import annotations

_AWS_EXAMPLE = "IOSFODNN7EXAMPLE"
#: AWS's documented example access key id, and its temporary (STS) form.
AWS_ACCESS_KEY_ID = "AK" + "IA" + _AWS_EXAMPLE
AWS_TEMPORARY_KEY_ID = "AS" + "IA" + _AWS_EXAMPLE

_SLACK_HOOKS = "https://hooks.slack" + ".com/"
#: Slack incoming-webhook and workflow URLs, with placeholder ids.
SLACK_WEBHOOK_URL = _SLACK_HOOKS + "services/T0000/B0000/XXXXXXXX"
SLACK_WORKFLOW_URL = _SLACK_HOOKS + "workflows/T0/A0/1/x"


def slack_webhook_url(path: str = "T0/B0/X", host: str = "hooks.slack.com") -> str:
    """A webhook URL of another length or host spelling (``HOOKS.SLACK.COM``)."""
    return f"https://{host}/services/{path}"


#: Slack tokens by their documented prefixes: bot, user, app-level, refresh.
SLACK_BOT_TOKEN = "xo" + "xb-0000-0000-FAKE"
SLACK_USER_TOKEN = "xo" + "xp-1"
SLACK_APP_TOKEN = "xa" + "pp-1-A0-1-FAKE"
SLACK_REFRESH_TOKEN = "xo" + "xe-1-FAKE"


def pem_private_key(kind: str = "RSA ", body: str = "MIIEow==") -> str:
    """A PEM private key's armour around a placeholder body (``kind``: ``"RSA "``, ``"EC "`` or ``""``)."""
    key = "PRIVATE" + " KEY"
    return f"-----BEGIN {kind}{key}-----\n{body}\n-----END {kind}{key}-----"


#: An ASCII-armoured PGP private key's first line.
PGP_PRIVATE_KEY = "-----BEGIN PGP PRIVATE" + " KEY BLOCK-----"


#: The placeholder password of the connection URLs.
PLACEHOLDER_PASSWORD = "hunter" + "2"


def url_with_password(scheme: str, user: str, rest: str) -> str:
    """``scheme://user:<placeholder>@rest``: a connection URL carrying its password."""
    return f"{scheme}://{user}" + ":" + PLACEHOLDER_PASSWORD + "@" + rest

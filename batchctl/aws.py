"""The boto3 session and clients of one batchctl run.

Region and credentials follow the usual AWS environment (``AWS_PROFILE``,
``AWS_REGION`` then ``AWS_DEFAULT_REGION``, ``~/.aws/config``); ``--profile``
and ``--region`` override them. Every client retries in botocore's standard mode, which backs off on
throttling. boto3 is imported on the first client, never at module import.
"""

from __future__ import annotations

import os
from typing import Any

from batchctl import __version__
from batchctl.errors import UsageError, foreign_response

# Calls per request, the first included; standard mode waits with jittered exponential backoff between them.
TOTAL_MAX_ATTEMPTS = 6
#: The statuses botocore's standard mode retries (besides throttling codes in a 400).
RETRIED_STATUSES = frozenset({429, 500, 502, 503, 504})


class Aws:
    """Makes clients on demand and keeps one per service.

    :param profile: A named profile. Default: ``AWS_PROFILE``, else the default chain.
    :param region: A region. Default: the environment's (``AWS_REGION``, ``AWS_DEFAULT_REGION``, the profile's),
        else ``fallback_region``.
    :param fallback_region: Used only when neither ``region`` nor the environment name one
        (batchctl passes the config file's ``app.region``).
    :param clients: Ready-made clients by service name (tests pass stubbed ones).
    :param session: A boto3 session to make clients from (tests share one: loading a
        service's model costs tens of milliseconds per session).
    """

    def __init__(
        self,
        *,
        profile: str | None = None,
        region: str | None = None,
        fallback_region: str | None = None,
        clients: dict[str, Any] | None = None,
        session: Any = None,
    ) -> None:
        self.profile = profile
        self.region = region
        self.fallback_region = fallback_region
        self._clients: dict[str, Any] = dict(clients or {})
        self._session: Any = session

    @property
    def session(self) -> Any:
        if self._session is None:
            import boto3

            # botocore itself reads only AWS_DEFAULT_REGION; AWS_REGION wins over it, as in the AWS CLI v2.
            region = self.region or os.environ.get("AWS_REGION") or None
            self._session = boto3.session.Session(profile_name=self.profile, region_name=region)
        return self._session

    @property
    def region_name(self) -> str:
        """The region commands talk to; a usage error when none is known."""
        if "batch" in self._clients:
            return self._clients["batch"].meta.region_name
        region = self.session.region_name or self.fallback_region
        if not region:
            raise UsageError("no AWS region: pass --region, set AWS_REGION, or set app.region in the config file")
        return region

    def client(self, service: str) -> Any:
        if service not in self._clients:
            from botocore.config import Config

            config = Config(
                retries={"mode": "standard", "total_max_attempts": TOTAL_MAX_ATTEMPTS},
                user_agent_appid=f"batchctl-{__version__}",
            )
            client = self.session.client(service, region_name=self.region_name, config=config)
            refuse_foreign_responses(client)
            self._clients[service] = client
        return self._clients[service]


def refuse_foreign_responses(client: Any) -> None:
    """Make ``client`` raise :class:`~batchctl.errors.AwsError` on an answer that is not AWS's (an HTML page).

    Two hooks, so that botocore still retries what it would retry: before parsing, a
    foreign answer with a status botocore does not retry is refused at once (parsing it
    would raise, or yield an empty result); after the call, the last answer is checked
    again, which catches a proxy's 502 page once the retries are spent.
    """
    endpoint = client.meta.endpoint_url
    protocol = client.meta.service_model.protocol

    def before_parse(operation_model: Any, response_dict: dict[str, Any], **_: Any) -> None:
        status = response_dict.get("status_code", 0)
        if status in RETRIED_STATUSES:
            return
        _raise_if_foreign(operation_model.name, status, response_dict.get("headers") or {}, response_dict.get("body"), 1)

    def after_call(http_response: Any, parsed: dict[str, Any], model: Any, **_: Any) -> None:
        if getattr(http_response, "raw", None) is None:  # a stubbed answer: nothing was sent
            return
        attempts = (parsed.get("ResponseMetadata") or {}).get("RetryAttempts", 0) + 1
        _raise_if_foreign(model.name, http_response.status_code, http_response.headers, http_response.content, attempts)

    def _raise_if_foreign(operation: str, status: int, headers: Any, body: Any, attempts: int) -> None:
        if not isinstance(body, bytes):  # a streamed body (none of batchctl's calls has one)
            return
        error = foreign_response(
            endpoint=endpoint,
            operation=operation,
            protocol=protocol,
            status=status,
            headers=headers,
            body=body,
            attempts=attempts,
        )
        if error is not None:
            raise error

    client.meta.events.register("before-parse", before_parse)
    client.meta.events.register("after-call", after_call)

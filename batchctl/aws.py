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
from batchctl.errors import UsageError

# Calls per request, the first included; standard mode waits with jittered exponential backoff between them.
TOTAL_MAX_ATTEMPTS = 6


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
            self._clients[service] = self.session.client(service, region_name=self.region_name, config=config)
        return self._clients[service]

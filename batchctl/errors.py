"""Exit codes, and the one-line errors batchctl prints instead of a traceback."""

from __future__ import annotations

EXIT_OK = 0
EXIT_JOB_FAILED = 1  # run --wait: the job did not succeed (or the policy skipped it)
EXIT_USAGE = 2  # bad arguments, unknown job id / queue / configured job, unreadable config, missing stack
EXIT_AWS = 3  # AWS said no: missing or expired credentials, access denied, throttled after retries
EXIT_INTERRUPTED = 130

THROTTLING_CODES = frozenset(
    {
        "Throttling",
        "ThrottlingException",
        "ThrottledException",
        "TooManyRequestsException",
        "RequestLimitExceeded",
        "RequestThrottled",
        "RequestThrottledException",
        "SlowDown",
        "ProvisionedThroughputExceededException",
        "LimitExceededException",
    }
)
CREDENTIAL_CODES = frozenset(
    {
        "UnrecognizedClientException",
        "InvalidClientTokenId",
        "ExpiredToken",
        "ExpiredTokenException",
        "InvalidSignatureException",
        "SignatureDoesNotMatch",
    }
)


class BatchctlError(Exception):
    """An error the user can act on: printed as ``batchctl: <message>``, then exit with ``exit_code``."""

    exit_code = EXIT_USAGE

    def __init__(self, message: str, exit_code: int | None = None) -> None:
        super().__init__(message)
        if exit_code is not None:
            self.exit_code = exit_code


class UsageError(BatchctlError):
    """The command cannot be run as given (exit 2)."""

    exit_code = EXIT_USAGE


class AwsError(BatchctlError):
    """AWS refused or could not answer (exit 3)."""

    exit_code = EXIT_AWS


def from_exception(error: BaseException) -> BatchctlError | None:
    """The one-line error for a botocore exception, or None when it is not one we explain.

    botocore is imported here, on the error path only.
    """
    if isinstance(error, BatchctlError):
        return error
    from botocore import exceptions as bx

    if isinstance(error, bx.NoCredentialsError):
        return AwsError(
            "no AWS credentials found: set AWS_PROFILE (or pass --profile), or AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY"
        )
    if isinstance(error, bx.PartialCredentialsError):
        return AwsError(f"incomplete AWS credentials: {error}")
    if isinstance(error, bx.TokenRetrievalError | bx.SSOTokenLoadError | bx.UnauthorizedSSOTokenError):
        return AwsError(f"AWS SSO login needed: {error}")
    if isinstance(error, bx.ProfileNotFound):
        return UsageError(f"{error} (check --profile / AWS_PROFILE)")
    if isinstance(error, bx.NoRegionError):
        return UsageError("no AWS region: pass --region, set AWS_REGION, or set app.region in the config file")
    if isinstance(error, bx.EndpointConnectionError | bx.ConnectTimeoutError | bx.ReadTimeoutError):
        return AwsError(f"cannot reach AWS: {error}")
    if isinstance(error, bx.ClientError):
        return _from_client_error(error)
    return None


def _from_client_error(error) -> BatchctlError:
    body = error.response.get("Error", {})
    code = body.get("Code", "Unknown")
    message = body.get("Message") or str(error)
    operation = getattr(error, "operation_name", "the request")
    attempts = error.response.get("ResponseMetadata", {}).get("RetryAttempts")
    if code in THROTTLING_CODES:
        tried = f" after {attempts + 1} attempts" if isinstance(attempts, int) else ""
        return AwsError(f"AWS throttled {operation}{tried}; wait a minute and try again ({code})")
    if code in CREDENTIAL_CODES:
        return AwsError(f"AWS rejected the credentials ({code}): {message}")
    if code in ("AccessDenied", "AccessDeniedException"):
        return AwsError(f"access denied to {operation}: {message}")
    return AwsError(f"{operation} failed ({code}): {message}")

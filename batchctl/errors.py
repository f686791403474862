"""Exit codes, and the one-line errors batchctl prints instead of a traceback."""

from __future__ import annotations

import json
import re
from collections.abc import Mapping

EXIT_OK = 0
EXIT_JOB_FAILED = 1  # run --wait: the job did not succeed (or the policy skipped it)
EXIT_USAGE = 2  # bad arguments, unknown job id / queue / configured job, unreadable config, missing stack
EXIT_AWS = 3  # AWS said no (missing or expired credentials, access denied, throttled after retries), or something else answered
EXIT_INTERRUPTED = 130

#: How much of a response that is not AWS's the error line repeats.
BODY_EXCERPT = 80
#: The protocols whose answers are JSON (Batch, CloudWatch Logs), and those whose answers are XML (CloudFormation).
JSON_PROTOCOLS = frozenset({"json", "rest-json"})
XML_PROTOCOLS = frozenset({"query", "rest-xml", "ec2"})

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
    from botocore.parsers import ResponseParserError

    if isinstance(error, ResponseParserError):
        # Clients batchctl makes report such an answer by foreign_response first; this is the fallback.
        first_line = (str(error).splitlines() or ["unreadable"])[0].rstrip(": ")
        return AwsError(f"a response that is not AWS's: {first_line}")
    return None


def foreign_response(
    *,
    endpoint: str,
    operation: str,
    protocol: str,
    status: int,
    headers: Mapping[str, str],
    body: bytes,
    attempts: int = 1,
) -> AwsError | None:
    """The error for an answer that AWS would not give, or None when it may be AWS's.

    A proxy, a captive portal or a local emulator in front of the endpoint answers with
    its own page (HTML, or text) where AWS answers JSON or XML. botocore then raises a
    parse error (XML), a ClientError named after the HTTP status (an error status), or
    nothing at all for a 200 whose page parses as an empty result, so batchctl would fail
    later on a missing field. The line names the endpoint and what came back instead.
    """
    content_type = next((value for key, value in headers.items() if key.lower() == "content-type"), "")
    media_type = content_type.split(";")[0].strip().lower()
    text = body.decode("utf-8", errors="replace").strip()
    if not _is_foreign(protocol, media_type, text):
        return None
    tried = f", {attempts} attempts" if attempts > 1 else ""
    # A web page at 5xx may be AWS's own front end failing (botocore takes one as a generic error); else a proxy or an emulator.
    what = "a web page" if _is_page(media_type, text) else "a body in neither JSON nor XML"
    return AwsError(
        f"the endpoint {endpoint} answered {operation} with {what} instead of an AWS API response "
        f"(HTTP {status}, {media_type or 'no content type'}{tried}): {_excerpt(text) or '(empty body)'}"
    )


def _is_page(media_type: str, text: str) -> bool:
    return "html" in media_type or _HTML_START.search(text[:512]) is not None


#: How an AWS XML answer starts: an optional declaration, then a root element such as <DescribeStacksResponse> or <ErrorResponse>.
_AWS_XML_ROOT = re.compile(r"(<\?xml[^>]*\?>\s*)?<\w*(Response|Result|Error)[\s/>]")
#: An (X)HTML document, whatever comes before its doctype or root element.
_HTML_START = re.compile(r"<!doctype html|<html[\s>]", re.IGNORECASE)


def _is_foreign(protocol: str, media_type: str, text: str) -> bool:
    """True for a web page, and for a body that is not what the protocol speaks (JSON or XML).

    A body in the protocol's language is AWS's answer whatever its content type says: moto's
    server, a local AWS, labels its JSON and XML ``text/html``.
    """
    if _HTML_START.search(text[:512]):
        return True
    if not text:
        return False  # AWS answers some calls with an empty body
    if protocol in JSON_PROTOCOLS:
        try:
            json.loads(text)
        except ValueError:
            return True
        return False
    if protocol in XML_PROTOCOLS:
        if "html" in media_type:  # then only an AWS response document is AWS's, not any markup
            return _AWS_XML_ROOT.match(text) is None
        return not text.startswith("<")
    return "html" in media_type  # else a binary protocol: botocore's parser is the judge


def _excerpt(text: str) -> str:
    """The start of a body on one line, without the control characters a terminal would obey."""
    flat = " ".join("".join(c if c.isprintable() else " " for c in text).split())
    return flat if len(flat) <= BODY_EXCERPT else flat[: BODY_EXCERPT - 1] + "…"


def _from_client_error(error) -> BatchctlError:
    body = error.response.get("Error", {})
    code = body.get("Code", "Unknown")
    message = " ".join((body.get("Message") or str(error)).split())  # one line, whatever the body was
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

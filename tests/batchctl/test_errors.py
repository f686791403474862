"""batchctl.errors: one-line errors and exit codes for credentials, profiles, throttling after retries, access,
and answers that are not AWS's (a proxy's or an emulator's web page)."""

from __future__ import annotations

import http.server
import io
import json
import threading

import pytest
from botocore.awsrequest import AWSResponse
from botocore.stub import Stubber

from batchctl import errors
from batchctl.aws import TOTAL_MAX_ATTEMPTS, Aws
from batchctl.cli import main
from tests.batchctl.conftest import QUEUE, SESSION, Run, run_cli


def test_missing_credentials_is_one_line_and_exit_3(no_aws_setup):
    result = run_cli("jobs", "--queue", QUEUE, "--region", "us-east-1", own_aws=True)
    assert result.code == 3
    assert result.err == (
        "batchctl: no AWS credentials found: set AWS_PROFILE (or pass --profile), "
        "or AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY\n"
    )


def test_unknown_profile_is_a_usage_error(no_aws_setup):
    result = run_cli("show", "job-1", "--profile", "nosuch", own_aws=True)
    assert result.code == 2
    assert result.err == "batchctl: The config profile (nosuch) could not be found (check --profile / AWS_PROFILE)\n"


class _Raw:
    def __init__(self, body: bytes) -> None:
        self.body = body

    def stream(self, **_):
        yield self.body


def test_throttling_is_retried_with_backoff_then_reported_in_one_line(monkeypatch):
    waits: list[float] = []
    monkeypatch.setattr("botocore.endpoint.time.sleep", waits.append)  # the standard mode's backoff
    aws = Aws(session=SESSION)
    batch = aws.client("batch")
    sent: list[str] = []

    def throttle(request, **_):
        sent.append(request.url)
        body = json.dumps({"__type": "ThrottlingException", "message": "Rate exceeded"}).encode()
        return AWSResponse(request.url, 429, {"x-amzn-ErrorType": "ThrottlingException"}, _Raw(body))

    batch.meta.events.register("before-send.batch", throttle)
    result = run_cli("jobs", "--queue", QUEUE, aws=aws)
    assert result.code == 3
    expected = f"AWS throttled DescribeJobQueues after {TOTAL_MAX_ATTEMPTS} attempts; wait a minute and try again"
    assert result.err == f"batchctl: {expected} (ThrottlingException)\n"
    assert len(sent) == TOTAL_MAX_ATTEMPTS
    assert len(waits) == TOTAL_MAX_ATTEMPTS - 1 and all(w > 0 for w in waits)


def test_access_denied_names_the_call():
    batch = SESSION.client("batch")
    with Stubber(batch) as stub:
        stub.add_client_error(
            "describe_jobs",
            service_error_code="AccessDeniedException",
            service_message="User is not authorized to perform: batch:DescribeJobs",
            http_status_code=403,
        )
        result = run_cli("show", "job-1", aws=Aws(clients={"batch": batch}))
    assert result.code == 3
    assert result.err == "batchctl: access denied to DescribeJobs: User is not authorized to perform: batch:DescribeJobs\n"


def test_an_unexpected_error_is_not_hidden():
    class Broken:
        def client(self, _name):
            raise RuntimeError("a bug")

    with pytest.raises(RuntimeError, match="a bug"):
        run_cli("show", "job-1", aws=Broken())


# --------------------------------------------------------------------------- answers that are not AWS's

PAGE = (
    b"<!DOCTYPE html>\n<html>\n<head><title>502 Bad Gateway</title></head>\n"
    b"<body>\n<center><h1>502 Bad Gateway</h1></center>\n<hr><center>nginx/1.25.3</center>\n</body>\n</html>\n"
)
#: The page on one line, cut to 80 characters.
PAGE_EXCERPT = "<!DOCTYPE html> <html> <head><title>502 Bad Gateway</title></head> <body> <cent…"


class Page:
    """What the fake endpoint answers every request with, and how many requests it got."""

    def __init__(self) -> None:
        self.status = 200
        self.content_type = "text/html"
        self.body = PAGE
        self.requests = 0


@pytest.fixture
def html_endpoint(monkeypatch):
    """A real HTTP server on 127.0.0.1, in a thread, that answers every request with a web page (a proxy's, say).

    botocore is pointed at it with AWS_ENDPOINT_URL, as a user would point it at a local emulator.
    """
    page = Page()

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_POST(self):  # noqa: N802 -- http.server's name
            self.rfile.read(int(self.headers.get("Content-Length") or 0))
            page.requests += 1
            self.send_response(page.status)
            self.send_header("Content-Type", page.content_type)
            self.send_header("Content-Length", str(len(page.body)))
            self.end_headers()
            self.wfile.write(page.body)

        do_GET = do_POST

        def log_message(self, *_args):
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    page.url = f"http://127.0.0.1:{server.server_address[1]}"
    monkeypatch.setenv("AWS_ENDPOINT_URL", page.url)
    monkeypatch.setenv("NO_PROXY", "127.0.0.1")  # never through a proxy the environment names
    monkeypatch.setattr("botocore.endpoint.time.sleep", lambda _seconds: None)  # the retries' backoff
    for variable in ("BATCHCTL_STACK", "BATCHCTL_CONFIG"):
        monkeypatch.delenv(variable, raising=False)
    yield page
    server.shutdown()
    server.server_close()
    thread.join()


def run_main(*argv: str) -> Run:
    """batchctl's own entry point, with its own session from the environment (the credentials and region the tests set)."""
    out, err = io.StringIO(), io.StringIO()
    code = main(list(argv), out=out, err=err)
    return Run(code, out.getvalue(), err.getvalue())


def test_an_html_page_with_200_is_one_line_and_exit_3(html_endpoint):
    result = run_main("jobs", "--queue", QUEUE)
    assert (result.code, result.out) == (3, "")
    assert result.err.count("\n") == 1 and "Traceback" not in result.err
    assert result.err == (
        f"batchctl: the endpoint {html_endpoint.url} answered DescribeJobQueues with a web page instead of an AWS API response "
        f"(HTTP 200, text/html): {PAGE_EXCERPT}\n"
    )
    assert html_endpoint.requests == 1  # nothing to retry


def test_an_html_page_with_502_is_retried_then_one_line_and_exit_3(html_endpoint):
    html_endpoint.status = 502
    result = run_main("show", "e1bd2f8c-9a3b-4c5d-8e7f-0123456789ab")
    assert (result.code, result.out) == (3, "")
    assert result.err.count("\n") == 1 and "Traceback" not in result.err
    assert result.err == (
        f"batchctl: the endpoint {html_endpoint.url} answered DescribeJobs with a web page instead of an AWS API response "
        f"(HTTP 502, text/html, {TOTAL_MAX_ATTEMPTS} attempts): {PAGE_EXCERPT}\n"
    )
    assert html_endpoint.requests == TOTAL_MAX_ATTEMPTS


def test_an_html_page_where_cloudformation_answers_xml_is_one_line_too(html_endpoint):
    """botocore's XML parser raises on a page (ResponseParserError); the line is the same."""
    result = run_main("jobs", "--stack", "GoActiveLearningBatch")
    assert result.code == 3
    assert result.err.startswith(
        f"batchctl: the endpoint {html_endpoint.url} answered DescribeStacks with a web page instead of an AWS API response"
    )
    assert result.err.count("\n") == 1 and "Traceback" not in result.err


def test_a_text_answer_where_json_is_due_is_not_awss(html_endpoint):
    html_endpoint.content_type, html_endpoint.body = "text/plain", b"upstream connect error or disconnect/reset before headers"
    result = run_main("jobs", "--queue", QUEUE)
    assert result.code == 3
    assert "with a body in neither JSON nor XML instead of an AWS API response (HTTP 200, text/plain): " in result.err
    assert result.err.endswith("(HTTP 200, text/plain): upstream connect error or disconnect/reset before headers\n")


def test_a_404_page_is_not_retried_and_not_read_as_an_aws_error_code(html_endpoint):
    html_endpoint.status = 404
    result = run_main("jobs", "--queue", QUEUE)
    assert result.code == 3
    assert "(HTTP 404, text/html): <!DOCTYPE html>" in result.err
    assert html_endpoint.requests == 1


@pytest.mark.parametrize(
    ("protocol", "content_type", "body"),
    [
        ("rest-json", "application/json", b'{"jobQueues": []}'),
        ("json", "application/x-amz-json-1.1", b""),  # CloudWatch Logs answers some calls with nothing
        ("query", "text/xml", b"<DescribeStacksResponse/>"),
        ("rest-json", "", b'{"__type": "ThrottlingException"}'),
        # moto's server (make demo, the e2e tests) labels its JSON and XML text/html: the body is what counts.
        ("rest-json", "text/html; charset=utf-8", b'{"jobQueues": []}'),
        (
            "query",
            "text/html; charset=utf-8",
            b'<DescribeStacksResponse xmlns="http://cloudformation.amazonaws.com/doc/2010-05-15/">',
        ),
        ("query", "text/html", b'<?xml version="1.0" encoding="UTF-8"?><ErrorResponse/>'),
        ("query", "text/html", b"<DescribeStacksResponse/>"),
    ],
)
def test_what_aws_answers_passes(protocol, content_type, body):
    headers = {"Content-Type": content_type} if content_type else {}
    found = errors.foreign_response(
        endpoint="https://batch.us-east-1.amazonaws.com",
        operation="ListJobs",
        protocol=protocol,
        status=200,
        headers=headers,
        body=body,
    )
    assert found is None


@pytest.mark.parametrize(
    ("protocol", "body"),
    [
        ("rest-json", b"<html><body>502 Bad Gateway</body></html>"),
        ("query", b"<p>Bad gateway</p>"),  # markup, but no AWS response document
        # An XHTML captive portal: an XML declaration, then a web page.
        (
            "query",
            b'<?xml version="1.0" encoding="UTF-8"?>\n'
            b'<!DOCTYPE html PUBLIC "-//W3C//DTD XHTML 1.0 Strict//EN">\n<html><body>Log in</body></html>',
        ),
        ("query", b'<?xml version="1.0"?><html xmlns="http://www.w3.org/1999/xhtml"><body>Log in</body></html>'),
        ("rest-json", b"Bad gateway"),
        ("smithy-rpc-v2-cbor", b"Bad gateway"),  # a binary protocol labelled html
    ],
)
def test_a_page_labelled_html_is_still_refused_when_its_body_is_not_awss(protocol, body):
    found = errors.foreign_response(
        endpoint="https://proxy.example",
        operation="ListJobs",
        protocol=protocol,
        status=200,
        headers={"Content-Type": "text/html"},
        body=body,
    )
    assert found is not None and "instead of an AWS API response" in str(found)


def test_a_web_page_labelled_xml_is_refused():
    found = errors.foreign_response(
        endpoint="https://proxy.example",
        operation="DescribeStacks",
        protocol="query",
        status=200,
        headers={"Content-Type": "text/xml"},
        body=b"<!DOCTYPE html><html><body>Log in</body></html>",
    )
    assert found is not None and "with a web page instead of an AWS API response" in str(found)


def test_the_excerpt_is_one_line_without_control_characters():
    body = b"<html>\x1b[2J\x1b]0;owned\x07" + b"x" * 200 + b"\n</html>"
    found = errors.foreign_response(
        endpoint="https://proxy.example", operation="ListJobs", protocol="rest-json", status=503, headers={}, body=body
    )
    message = str(found)
    assert "\n" not in message and "\x1b" not in message and "\x07" not in message
    assert message.endswith("…") and len(message.split("): ", 1)[1]) == errors.BODY_EXCERPT
    assert "(HTTP 503, no content type)" in message
    assert found.exit_code == 3


def test_a_parse_error_from_a_client_batchctl_did_not_make_is_one_line():
    from botocore.parsers import ResponseParserError

    reason = "Unable to parse response (syntax error), invalid XML received"
    error = ResponseParserError(f"{reason}. Further retries may succeed:\nb'<html>'")
    found = errors.from_exception(error)
    assert str(found) == f"a response that is not AWS's: {reason}. Further retries may succeed"
    assert found.exit_code == 3


def test_an_aws_error_message_on_several_lines_is_printed_on_one():
    from botocore.exceptions import ClientError

    error = ClientError({"Error": {"Code": "ServerException", "Message": "line one\n  line two"}}, "ListJobs")
    assert str(errors.from_exception(error)) == "ListJobs failed (ServerException): line one line two"

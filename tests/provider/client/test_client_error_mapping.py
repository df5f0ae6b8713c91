"""Every way a call can fail becomes a typed DepotError that says what happened, whether it was ambiguous,
and never shows the token."""

from __future__ import annotations

import json

import httpx
import pytest
from client_fakes import TOKEN, ScriptedServer, connect_error, make_client
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from pulumi_depot_provider.client.errors import (
    AMBIGUOUS_CODES,
    ERROR_FOR_CODE,
    Code,
    DepotError,
    TransportError,
    UnknownError,
)
from pulumi_depot_provider.client.wire import MAX_RESPONSE_BYTES
from pulumi_depot_provider.proto import pb

URL = "https://depot.test/depot.core.v1.ProjectService/GetProject"
NO_RETRY_CODES = [code for code in Code if code not in (Code.UNAVAILABLE, Code.RESOURCE_EXHAUSTED)]


def get_project_error(*script: httpx.Response | Exception) -> DepotError:
    server = ScriptedServer(script=list(script))
    with make_client(server) as client, pytest.raises(DepotError) as caught:
        client.get_project("abcdefghij")
    return caught.value


@pytest.mark.parametrize("code", list(Code))
def test_connect_error_body_becomes_its_typed_exception(code: Code) -> None:
    reply = connect_error(code.value, "project 'abcdefghij' not found", status=code.http_status)
    # Retryable codes are answered as often as the policy tries; the last answer is raised.
    error = get_project_error(*[reply] * 5)
    assert type(error) is ERROR_FOR_CODE[code]
    assert error.code is code
    assert error.message == "project 'abcdefghij' not found"
    assert error.method == "GetProject"
    assert error.url == URL
    assert error.http_status == code.http_status
    assert error.ambiguous is (code in AMBIGUOUS_CODES)
    assert str(error) == f"GetProject: {code.value}: project 'abcdefghij' not found"


@pytest.mark.parametrize(
    "code",
    [
        Code.INVALID_ARGUMENT,
        Code.NOT_FOUND,
        Code.PERMISSION_DENIED,
        Code.UNAUTHENTICATED,
        Code.ALREADY_EXISTS,
        Code.FAILED_PRECONDITION,
        Code.RESOURCE_EXHAUSTED,
    ],
)
def test_client_mistakes_are_certain(code: Code) -> None:
    error = get_project_error(*[connect_error(code.value, status=code.http_status)] * 5)
    assert error.ambiguous is False


def test_unknown_code_is_unknown_error_naming_it() -> None:
    error = get_project_error(connect_error("quota_blown", "slow down", status=418))
    assert type(error) is UnknownError
    assert error.code is Code.UNKNOWN
    assert "'quota_blown'" in error.message and "slow down" in error.message and "HTTP 418" in error.message
    assert error.ambiguous is True


def test_connect_error_message_of_another_type_is_shown_not_crashed_on() -> None:
    reply = httpx.Response(404, json={"code": "not_found", "message": {"detail": "x"}})
    error = get_project_error(reply)
    assert error.code is Code.NOT_FOUND
    assert "detail" in error.message


@pytest.mark.parametrize(
    ("reply", "code", "ambiguous", "received"),
    [
        (
            httpx.Response(502, html="<html><body><h1>502 Bad Gateway</h1></body></html>"),
            Code.UNAVAILABLE,
            True,
            "text/html; charset=utf-8 body '<html><body><h1>502 Bad Gateway</h1></body></html>'",
        ),
        (httpx.Response(503), Code.UNAVAILABLE, True, "an empty body (no Content-Type)"),
        (httpx.Response(404, text="page not found"), Code.UNIMPLEMENTED, False, "text/plain; charset=utf-8 body"),
        (httpx.Response(401, html="<h1>Sign in</h1>"), Code.UNAUTHENTICATED, False, "<h1>Sign in</h1>"),
        (httpx.Response(500, text="boom"), Code.UNKNOWN, True, "'boom'"),
        (
            httpx.Response(500, content=b"{not json", headers={"content-type": "application/json"}),
            Code.UNKNOWN,
            True,
            "application/json body '{not json'",
        ),
        (httpx.Response(400, json={"error": "bad"}), Code.INTERNAL, False, "application/json body"),
        (httpx.Response(400, json=["not", "an", "object"]), Code.INTERNAL, False, "application/json body"),
        (httpx.Response(302, headers={"location": "https://login.example"}), Code.UNKNOWN, False, "an empty body"),
    ],
)
def test_non_connect_replies_say_what_and_where(
    reply: httpx.Response, code: Code, ambiguous: bool, received: str
) -> None:
    error = get_project_error(*[reply] * 5)
    assert type(error) is TransportError
    assert error.code is code
    assert error.ambiguous is ambiguous
    assert error.http_status == reply.status_code
    assert error.message.startswith(f"HTTP {reply.status_code} from {URL} is not a Connect reply: received ")
    assert received in error.message


@pytest.mark.parametrize(
    ("reply", "why"),
    [
        (httpx.Response(200, html="<html>captive portal</html>"), "expected Content-Type application/json"),
        (httpx.Response(200), "expected Content-Type application/json"),
        (httpx.Response(200, content=b"{oops", headers={"content-type": "application/json"}), "ParseError"),
        (httpx.Response(200, json={"project": {"name": 5}}), "ParseError"),
    ],
)
def test_http_200_that_cannot_be_decoded_is_an_ambiguous_transport_error(reply: httpx.Response, why: str) -> None:
    error = get_project_error(reply)
    assert type(error) is TransportError
    assert error.code is Code.INTERNAL
    assert error.ambiguous is True
    assert error.message.startswith(f"HTTP 200 from {URL} is not a GetProjectResponse (")
    assert why in error.message


def test_http_200_with_undecodable_protobuf() -> None:
    server = ScriptedServer(
        script=[httpx.Response(200, content=b"\xff\xff\xff", headers={"content-type": "application/proto"})]
    )
    with make_client(server, codec="proto") as client, pytest.raises(TransportError, match="DecodeError") as caught:
        client.get_project("p")
    assert caught.value.ambiguous is True


def test_corrupt_gzip_answer_is_reported() -> None:
    reply = httpx.Response(
        200,
        stream=httpx.ByteStream(b"not gzip at all"),
        headers={"content-type": "application/json", "content-encoding": "gzip"},
    )
    error = get_project_error(reply)
    assert type(error) is TransportError
    assert "could not be decompressed" in error.message
    assert error.ambiguous is True


def test_oversized_answer_is_cut_off() -> None:
    reply = httpx.Response(200, content=b" " * (MAX_RESPONSE_BYTES + 1), headers={"content-type": "application/json"})
    error = get_project_error(reply)
    assert f"exceeds {MAX_RESPONSE_BYTES} bytes" in error.message


def test_long_bodies_are_cut_and_control_characters_escaped() -> None:
    body = "<html>\x1b[31m" + "x" * 1000 + "</html>"
    error = get_project_error(*[httpx.Response(502, html=body)] * 5)
    snippet = error.message.split(" body ", 1)[1]
    assert "\\x1b[31m" in snippet and "\x1b" not in snippet
    assert len(snippet) < 230 and snippet.endswith("…'")


@pytest.mark.parametrize(
    ("failure", "code", "ambiguous", "says"),
    [
        (httpx.ConnectError("[Errno 111] Connection refused"), Code.UNAVAILABLE, False, "could not connect to"),
        (httpx.ConnectTimeout("timed out"), Code.UNAVAILABLE, False, "could not connect to"),
        (httpx.PoolTimeout("pool"), Code.UNAVAILABLE, False, "could not connect to"),
        (httpx.ReadTimeout("timed out"), Code.DEADLINE_EXCEEDED, True, "no answer from"),
        (httpx.WriteTimeout("timed out"), Code.DEADLINE_EXCEEDED, True, "no answer from"),
        (httpx.ReadError("reset by peer"), Code.UNAVAILABLE, True, "the connection to"),
        (httpx.RemoteProtocolError("Server disconnected"), Code.UNAVAILABLE, True, "the connection to"),
        (httpx.UnsupportedProtocol("no"), Code.INTERNAL, False, "could not send to"),
    ],
)
def test_connection_failures_are_transport_errors(failure: Exception, code: Code, ambiguous: bool, says: str) -> None:
    error = get_project_error(*[failure] * 5)
    assert type(error) is TransportError
    assert error.code is code
    assert error.ambiguous is ambiguous
    assert error.message.startswith(f"{says} {URL}")
    assert error.url == URL


# --- the token never shows -------------------------------------------------------------------------------------

printable = st.text(st.characters(codec="utf-8"), max_size=300)


def _with_token(parts: list[str]) -> str:
    return TOKEN.join(parts)


error_bodies = st.one_of(
    # a Connect error whose message (or code) quotes the token, possibly JSON-escaped
    st.builds(
        lambda message, code: json.dumps({"code": code, "message": message}).encode(),
        st.lists(printable, min_size=1, max_size=4).map(_with_token),
        st.sampled_from([c.value for c in Code] + [TOKEN, "made_up"]),
    ),
    st.builds(
        lambda message: json.dumps({"code": "not_found", "message": message}, ensure_ascii=True).encode(),
        st.lists(printable, min_size=2, max_size=3).map(_with_token),
    ),
    # anything else: HTML from a proxy, text, binary
    st.lists(printable, min_size=1, max_size=4).map(lambda parts: _with_token(parts).encode()),
    st.binary(max_size=400).map(lambda junk: junk + TOKEN.encode() + junk),
)


@settings(max_examples=300, suppress_health_check=[HealthCheck.too_slow], deadline=None)
@given(
    status=st.sampled_from([200, 302, 400, 401, 403, 404, 409, 429, 500, 502, 503, 504, 599]),
    body=error_bodies,
    content_type=st.sampled_from(["application/json", "text/html", "application/proto", "", TOKEN]),
    retry_after=st.sampled_from([None, "1", TOKEN]),
)
def test_token_never_appears_in_an_error(status: int, body: bytes, content_type: str, retry_after: str | None) -> None:
    headers = {"content-type": content_type} if content_type else {}
    if retry_after is not None:
        headers["retry-after"] = retry_after
    server = ScriptedServer(default=lambda request: httpx.Response(status, content=body, headers=headers))
    with make_client(server) as client:
        try:
            client.create_project(TOKEN, "us-east-1")
        except DepotError as error:
            assert TOKEN not in str(error)
            assert TOKEN not in repr(error)
            assert TOKEN not in error.message
            assert TOKEN not in repr(vars(error))
        else:
            assert status == 200


@settings(max_examples=100, deadline=None)
@given(detail=st.lists(printable, min_size=1, max_size=3).map(_with_token))
def test_token_never_appears_in_a_connection_error(detail: str) -> None:
    error = get_project_error(*[httpx.ReadError(detail)] * 5)
    assert type(error) is TransportError
    assert TOKEN not in str(error)
    assert TOKEN not in repr(error)


def test_redaction_is_visible() -> None:
    error = get_project_error(connect_error("permission_denied", f"token {TOKEN} may not do that", status=403))
    assert error.message == "token «redacted» may not do that"


def test_successful_answer_is_unaffected_by_redaction() -> None:
    project = pb.Project(project_id="abcdefghij", name=TOKEN)
    server = ScriptedServer(default=lambda request: httpx.Response(200, json={"project": {"name": TOKEN}}))
    with make_client(server) as client:
        assert client.get_project("abcdefghij").name == project.name

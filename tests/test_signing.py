"""The signer reproduces every official SDK vector byte for byte, and signs real httpx requests."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import httpx
import pytest

from tui.cloud.signing import (
    AkSkAuth,
    TokenAuth,
    canonical_query,
    canonical_uri,
    parse_authorization,
    sign,
)

VECTORS: list[dict[str, Any]] = json.loads(
    (Path(__file__).parent / "data" / "signing-vectors.json").read_text("utf-8")
)["vectors"]


def _sign_vector(vector: dict[str, Any]):  # type: ignore[no-untyped-def]
    given = vector["input"]
    return sign(
        method=given["method"],
        host=given["host"],
        path=given["path"],
        query=[tuple(pair) for pair in given["query"]],
        headers=given["headers"],
        body=given["body"],
        ak=given["ak"],
        sk=given["sk"],
        security_token=given["security_token"],
        project_id=given["project_id_header"],
    )


def test_there_are_eight_vectors() -> None:
    assert len(VECTORS) == 8


@pytest.mark.parametrize("vector", VECTORS, ids=[v["name"] for v in VECTORS])
def test_signer_reproduces_sdk_vector(vector: dict[str, Any]) -> None:
    signed = _sign_vector(vector)
    expected = vector["expected"]
    assert signed.canonical_request == expected["canonical_request"]
    assert signed.string_to_sign == expected["string_to_sign"]
    assert signed.payload_hash == expected["payload_hash"]
    assert signed.signed_headers == expected["signed_headers"]
    assert signed.signature == expected["signature"]
    assert signed.authorization == expected["authorization"]
    assert signed.headers == expected["headers"]
    assert signed.request_uri == expected["request_uri"]


@pytest.mark.parametrize("vector", VECTORS, ids=[v["name"] for v in VECTORS])
def test_httpx_auth_sends_the_signed_url_and_headers(vector: dict[str, Any]) -> None:
    """Through httpx, the wire URL is exactly the canonical query and the signature matches."""
    given = vector["input"]
    expected = vector["expected"]
    captured: list[httpx.Request] = []

    def record(request: httpx.Request) -> httpx.Response:
        captured.append(request)
        return httpx.Response(200)

    headers = dict(given["headers"])
    headers.pop("Host", None)
    body = given["body"] or None
    client = httpx.Client(transport=httpx.MockTransport(record), headers={"User-Agent": ""})
    client.headers.pop("User-Agent")
    client.headers.pop("Accept")
    auth = AkSkAuth(
        given["ak"],
        given["sk"],
        security_token=given["security_token"],
        project_id=given["project_id_header"],
    )
    client.request(
        given["method"],
        f"{given['scheme']}://{given['host']}{given['path']}",
        params=[(k, str(v)) for k, v in given["query"]],
        headers=headers,
        content=body,
        auth=auth,
    )
    sent = captured[0]
    assert str(sent.url) == expected["url"]
    assert sent.headers["Authorization"] == expected["authorization"]


def test_canonical_uri_keeps_exactly_one_trailing_slash() -> None:
    assert canonical_uri("/v3/p/jobs") == "/v3/p/jobs/"
    assert canonical_uri("/v3/p/jobs/") == "/v3/p/jobs/"
    assert canonical_uri("/a%20b/c d") == "/a%20b/c%20d/"


def test_canonical_query_drops_none_and_spells_booleans() -> None:
    assert canonical_query([("b", True), ("a", None), ("c", False)]) == "b=true&c=false"


def test_auth_repr_never_shows_secrets() -> None:
    auth = AkSkAuth("AKIDEXAMPLE123", "VERYSECRET", security_token="TOKENSECRET")
    assert "VERYSECRET" not in repr(auth)
    assert "TOKENSECRET" not in repr(auth)
    assert "AKIDEXAMPLE123" not in repr(auth)
    assert "TOKENSECRET" not in repr(TokenAuth("TOKENSECRET"))


def test_parse_authorization_round_trip() -> None:
    parsed = parse_authorization(VECTORS[1]["expected"]["authorization"])
    assert parsed is not None
    assert parsed.access == "HPUAEXAMPLEAK1234567"
    assert parsed.signed_headers == ("content-type", "host", "x-project-id", "x-sdk-date")
    assert parse_authorization("Bearer abc") is None
    assert parse_authorization("SDK-HMAC-SHA256 Access=x") is None


def test_token_auth_sets_header() -> None:
    captured: list[httpx.Request] = []

    def answer(request: httpx.Request) -> httpx.Response:
        captured.append(request)
        return httpx.Response(200)

    client = httpx.Client(transport=httpx.MockTransport(answer))
    client.get("https://example.invalid/v3/p/jobs?id=x", auth=TokenAuth("tok", project_id="p"))
    assert captured[0].headers["X-Auth-Token"] == "tok"
    assert captured[0].headers["X-Project-Id"] == "p"
    assert "Authorization" not in captured[0].headers

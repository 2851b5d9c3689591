from __future__ import annotations

from typing import Any

import pytest
from litestar import Request

from server.config import Settings, load_settings
from server.http.client_ip import client_ip

PROXIES = "10.0.0.0/8, 2001:db8:ffff::/48"


def request_from(peer: str | None, *forwarded: str) -> Request[Any, Any, Any]:
    headers = [(b"x-forwarded-for", value.encode("latin-1")) for value in forwarded]
    scope: dict[str, Any] = {
        "type": "http",
        "method": "POST",
        "path": "/",
        "headers": headers,
        "client": (peer, 51000) if peer is not None else None,
    }
    return Request(scope)  # type: ignore[arg-type]


def settings_with(trusted: str) -> Settings:
    return load_settings({}, trusted_proxies=trusted)


def test_the_peer_is_the_address_when_no_proxy_is_trusted() -> None:
    request = request_from("203.0.113.7", "198.51.100.1")

    assert client_ip(request, settings_with("")) == "203.0.113.7"


def test_a_forged_header_from_an_untrusted_peer_is_ignored() -> None:
    request = request_from("203.0.113.7", "198.51.100.1, 10.0.0.1")

    assert client_ip(request, settings_with(PROXIES)) == "203.0.113.7"


def test_a_trusted_peer_forwards_for_the_right_most_untrusted_address() -> None:
    # The client forged the first item; the proxy appended the address it saw.
    request = request_from("10.0.0.2", "1.1.1.1, 198.51.100.9")

    assert client_ip(request, settings_with(PROXIES)) == "198.51.100.9"


def test_a_chain_of_trusted_proxies_is_skipped() -> None:
    request = request_from("10.0.0.2", "1.1.1.1, 198.51.100.9, 10.0.0.5, 10.9.9.9")

    assert client_ip(request, settings_with(PROXIES)) == "198.51.100.9"


def test_several_header_lines_read_as_one_list_in_order() -> None:
    request = request_from("10.0.0.2", "1.1.1.1", "198.51.100.9, 10.0.0.5")

    assert client_ip(request, settings_with(PROXIES)) == "198.51.100.9"


def test_a_header_of_only_trusted_proxies_gives_the_peer() -> None:
    request = request_from("10.0.0.2", "10.0.0.3, 10.0.0.4")

    assert client_ip(request, settings_with(PROXIES)) == "10.0.0.2"


def test_a_trusted_peer_without_the_header_is_the_address() -> None:
    assert client_ip(request_from("10.0.0.2"), settings_with(PROXIES)) == "10.0.0.2"


@pytest.mark.parametrize(
    "header",
    [
        pytest.param("", id="empty"),
        pytest.param("   ", id="blank"),
        pytest.param("not-an-ip", id="garbage"),
        pytest.param("198.51.100.9,", id="trailing-empty-item"),
        pytest.param("198.51.100.9, , 10.0.0.5", id="empty-item-inside-the-walk"),
        pytest.param("198.51.100.9:99999", id="port-out-of-range"),
        pytest.param("198.51.100.9:http", id="named-port"),
        pytest.param("[2001:db8::1", id="unclosed-bracket"),
        pytest.param("[2001:db8::1]x", id="junk-after-bracket"),
        pytest.param("unknown", id="nginx-unknown"),
        pytest.param("300.1.1.1", id="octet-out-of-range"),
        pytest.param("\u00e9\u00e9", id="non-ascii"),
    ],
)
def test_a_malformed_header_from_a_trusted_peer_gives_the_peer(header: str) -> None:
    request = request_from("10.0.0.2", header)

    assert client_ip(request, settings_with(PROXIES)) == "10.0.0.2"


def test_garbage_left_of_the_client_is_never_read() -> None:
    request = request_from("10.0.0.2", "garbage, , [::1, 198.51.100.9")

    assert client_ip(request, settings_with(PROXIES)) == "198.51.100.9"


@pytest.mark.parametrize(
    ("header", "expected"),
    [
        pytest.param("198.51.100.9:51000", "198.51.100.9", id="ipv4-with-port"),
        pytest.param("2001:db8::1", "2001:db8::1", id="bare-ipv6"),
        pytest.param("[2001:db8::1]", "2001:db8::1", id="bracketed-ipv6"),
        pytest.param("[2001:db8::1]:443", "2001:db8::1", id="bracketed-ipv6-with-port"),
        pytest.param("::ffff:198.51.100.9", "198.51.100.9", id="ipv4-mapped"),
        pytest.param("2001:DB8:0::1", "2001:db8::1", id="ipv6-written-long"),
    ],
)
def test_forwarded_addresses_are_normalised(header: str, expected: str) -> None:
    request = request_from("10.0.0.2", header)

    assert client_ip(request, settings_with(PROXIES)) == expected


def test_a_trusted_ipv6_proxy_is_recognised() -> None:
    request = request_from("2001:db8:ffff::10", "198.51.100.9")

    assert client_ip(request, settings_with(PROXIES)) == "198.51.100.9"


def test_an_ipv4_mapped_peer_matches_an_ipv4_trusted_network() -> None:
    request = request_from("::ffff:10.0.0.2", "198.51.100.9")

    assert client_ip(request, settings_with(PROXIES)) == "198.51.100.9"


def test_a_peer_that_is_not_an_ip_is_returned_as_is_and_never_trusted() -> None:
    request = request_from("testclient", "198.51.100.9")

    assert client_ip(request, settings_with("0.0.0.0/0")) == "testclient"


def test_no_peer_at_all_is_an_empty_address() -> None:
    assert client_ip(request_from(None, "198.51.100.9"), settings_with(PROXIES)) == ""

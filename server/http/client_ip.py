"""The address a request came from, as the audit log records it (SPEC 5).

`source_ip` is the TCP peer. `X-Forwarded-For` is read only when that peer is one of the
configured trusted proxies (`TASKSYNC_TRUSTED_PROXIES`); the header is then walked from the
right, skipping addresses that are themselves trusted proxies, and the first one that is not
is the client. Everything to the left of it was written by the client and can say anything,
so it is never parsed: garbage there is harmless.

What counts as an address in the header (decided here, documented in docs/audit.md):

- a bare IPv4 or IPv6 address (`203.0.113.7`, `2001:db8::1`);
- an IPv6 address in brackets, with or without a port (`[2001:db8::1]`, `[2001:db8::1]:443`)
  and an IPv4 address with a port (`203.0.113.7:51000`), as some proxies write them: the
  port is dropped;
- an IPv4-mapped IPv6 address is reported as the IPv4 address.

Anything else reached by the walk — an empty item, a name, a bad port, `unknown` — means the
chain cannot be trusted past that point, and the header is ignored as a whole: the answer is
the TCP peer. A malformed header is never an error. The RFC 7239 `Forwarded` header is not
read: the proxies our users run (nginx, Caddy, Traefik) all write `X-Forwarded-For`.
"""

from __future__ import annotations

import functools
import ipaddress
from typing import Any

from litestar import Request

from server.config import Network, Settings, parse_networks

Address = ipaddress.IPv4Address | ipaddress.IPv6Address


def client_ip(request: Request[Any, Any, Any], settings: Settings) -> str:
    """The client's address: the TCP peer, or what trusted proxies say it forwarded for."""
    peer_host = request.client.host if request.client is not None else ""
    peer = parse_address(peer_host)
    if peer is None:
        # No IP peer (a Unix socket, an in-process test client): nothing to trust.
        return peer_host
    trusted = _networks(settings.trusted_proxies)
    if not _is_trusted(peer, trusted):
        return str(peer)
    forwarded = ",".join(request.headers.getall("x-forwarded-for", []))
    return str(forwarded_client(forwarded, trusted) or peer)


def forwarded_client(header: str, trusted: tuple[Network, ...]) -> Address | None:
    """The right-most address of `header` that is not a trusted proxy, or None.

    None when the header is empty, when every address in it is a trusted proxy, or when the
    walk reaches an item that is not an address.
    """
    if not header.strip():
        return None
    for item in reversed(header.split(",")):
        address = parse_address(item)
        if address is None:
            return None
        if not _is_trusted(address, trusted):
            return address
    return None


def parse_address(item: str) -> Address | None:
    """An address as a proxy may write it (see the module docstring), or None."""
    text = item.strip()
    if text.startswith("["):
        host, closed, rest = text[1:].partition("]")
        if not closed or (rest and not _is_port_suffix(rest)):
            return None
        text = host
    elif text.count(":") == 1:
        host, _, port = text.partition(":")
        if not _is_port_suffix(":" + port):
            return None
        text = host
    try:
        address = ipaddress.ip_address(text)
    except ValueError:
        return None
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        return address.ipv4_mapped
    return address


def _is_port_suffix(rest: str) -> bool:
    port = rest[1:]
    return rest.startswith(":") and port.isascii() and port.isdigit() and int(port) <= 65535


def _is_trusted(address: Address, trusted: tuple[Network, ...]) -> bool:
    return any(address.version == net.version and address in net for net in trusted)


@functools.lru_cache(maxsize=8)
def _networks(value: str) -> tuple[Network, ...]:
    # Settings parse the list on every access; a request should not.
    return parse_networks(value)

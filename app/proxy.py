"""Behind a reverse proxy: `X-Forwarded-*` believed only from the proxies named in the config,
and the French page that says HTTPS is required when a real instance is reached over plain HTTP."""

from __future__ import annotations

import ipaddress
from collections.abc import Iterable
from typing import Any

from flask import current_app, render_template, request
from flask.typing import ResponseReturnValue
from werkzeug.middleware.proxy_fix import ProxyFix

Network = ipaddress.IPv4Network | ipaddress.IPv6Network


def parse_networks(proxies: Iterable[str]) -> tuple[Network, ...]:
    """Addresses or networks (`127.0.0.1`, `10.0.0.0/8`, `::1`); ValueError names a bad one."""
    networks = []
    for proxy in proxies:
        try:
            networks.append(ipaddress.ip_network(str(proxy).strip(), strict=False))
        except ValueError as error:
            raise ValueError(f"trusted_proxies: {proxy!r} is not an IP address or network") from error
    return tuple(networks)


def is_trusted(address: str | None, networks: tuple[Network, ...]) -> bool:
    if not address or not networks:
        return False
    try:
        ip = ipaddress.ip_address(address)
    except ValueError:
        return False
    return any(ip in network for network in networks)


class TrustedProxies:
    """WSGI middleware: werkzeug's ProxyFix (one hop: client address and scheme; the proxy passes
    Host through) for requests from a trusted peer only; anyone else's `X-Forwarded-*` is ignored."""

    def __init__(self, wsgi_app: Any, networks: tuple[Network, ...]) -> None:
        self.wsgi_app = wsgi_app
        self.networks = networks
        self.fixed = ProxyFix(wsgi_app, x_for=1, x_proto=1)

    def __call__(self, environ: dict[str, Any], start_response: Any) -> Any:
        if is_trusted(environ.get("REMOTE_ADDR"), self.networks):
            return self.fixed(environ, start_response)
        return self.wsgi_app(environ, start_response)


def host_without_port(host: str) -> str:
    """`Host` without its port, as it goes back into a URL: `[2001:db8::1]:8000` gives
    `[2001:db8::1]` (an IPv6 address stays bracketed), `parcours.example.fr:80` gives the name."""
    if host.startswith("["):
        return host[: host.index("]") + 1] if "]" in host else host
    if host.count(":") > 1:  # a bare IPv6 address (no port can be told apart): bracket it
        return f"[{host}]"
    return host.partition(":")[0]


def https_required() -> ResponseReturnValue | None:
    """Before the login page: a real instance (Secure cookies) reached over plain HTTP explains,
    in French, that HTTPS is required and how to set it up, instead of failing at the next step."""
    settings = current_app.config["PARCOURS"]
    if request.endpoint != "auth.login" or settings.demo or not settings.secure_cookies or request.is_secure:
        return None
    untrusted_proxy = "X-Forwarded-Proto" in request.headers or "X-Forwarded-For" in request.headers
    return (
        render_template(
            "https_required.html",
            https_url="https://" + host_without_port(request.host) + request.full_path.rstrip("?"),
            peer=request.remote_addr if untrusted_proxy else None,
        ),
        403,
    )

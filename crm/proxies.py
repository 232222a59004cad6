"""X-Forwarded-For / X-Forwarded-Proto, believed only when they come from a proxy named in the settings.

Anyone can send these headers; taken at face value they let a client pick the address the audit log
records and the rate limits count. So the client is the nearest hop that is not one of our proxies.
"""
from __future__ import annotations

import ipaddress

IPNetwork = ipaddress.IPv4Network | ipaddress.IPv6Network


def parse_networks(entries: list[str]) -> list[IPNetwork]:
    """CRM_TRUSTED_PROXIES entries ("10.0.0.5", "10.0.0.0/24") as networks; a bad entry stops the start."""
    try:
        return [ipaddress.ip_network(entry, strict=False) for entry in entries]
    except ValueError as err:
        raise RuntimeError(f"CRM_TRUSTED_PROXIES: {err}") from err


def _is_proxy(address: str, networks: list[IPNetwork]) -> bool:
    try:
        ip = ipaddress.ip_address(address)
    except ValueError:
        return False
    return any(ip in network for network in networks)


def client_hop(peer: str, forwarded_for: str, networks: list[IPNetwork]) -> str:
    """Walk the chain back from the peer while each hop is one of our proxies; the first other hop is the client."""
    client = peer
    hops = [hop.strip() for hop in forwarded_for.split(",") if hop.strip()]
    while _is_proxy(client, networks) and hops:
        client = hops.pop()
    return client


class TrustedProxies:
    """WSGI middleware applying X-Forwarded-* from trusted peers only (the settings are read per request)."""

    def __init__(self, wsgi_app, flask_app):
        self.wsgi_app = wsgi_app
        self.flask_app = flask_app

    def __call__(self, environ, start_response):
        networks = self.flask_app.config["TRUSTED_PROXY_NETWORKS"]
        peer = environ.get("REMOTE_ADDR", "")
        if networks and _is_proxy(peer, networks):
            environ["REMOTE_ADDR"] = client_hop(peer, environ.get("HTTP_X_FORWARDED_FOR", ""), networks)
            scheme = environ.get("HTTP_X_FORWARDED_PROTO", "").split(",")[-1].strip().lower()
            if scheme in ("http", "https"):
                environ["wsgi.url_scheme"] = scheme
        return self.wsgi_app(environ, start_response)

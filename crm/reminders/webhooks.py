"""Where chat webhooks may post: only to hosts an admin allowed (CRM_WEBHOOK_ALLOWED_HOSTS).

A webhook address is typed in by a user but posted to by the server, from inside the network; left
open it reaches loopback and private services (SSRF). So the host must be on the allow-list, both
when the address is saved and when a message is sent (an address saved earlier, or a name that now
resolves elsewhere). Entries are exact names ("qyapi.weixin.qq.com"), "*.example.com" for its
subdomains, or "*" for any host. A host matched only by a wildcard must resolve to public addresses;
naming a host exactly is how an admin allows an intranet robot.
"""
from __future__ import annotations

import ipaddress
import socket
from urllib.parse import urlsplit

from flask import current_app
from flask_babel import gettext as _


def allowed_hosts() -> list[str]:
    """The allow-list, plus the host of the deployment's own CRM_WEBHOOK_URL (an admin set it)."""
    config = current_app.config
    own = urlsplit(config.get("WEBHOOK_URL") or "").hostname
    return [entry.lower() for entry in config.get("WEBHOOK_ALLOWED_HOSTS", [])] + ([own] if own else [])


def _match(host: str) -> str | None:
    """"exact" or "wildcard" as the allow-list admits the host, else None."""
    for entry in allowed_hosts():
        if host == entry:
            return "exact"
        if entry == "*" or (entry.startswith("*.") and host.endswith(entry[1:])):
            return "wildcard"
    return None


def _host(url: str) -> str | None:
    parts = urlsplit(url)
    return parts.hostname if parts.scheme in ("http", "https") else None


def _non_public_address(host: str) -> str | None:
    """A loopback, private or otherwise non-public address the host resolves to, if any."""
    try:
        infos = socket.getaddrinfo(host, None, proto=socket.IPPROTO_TCP)
    except OSError:
        return None  # unknown for now: a send to it fails and is retried, and is checked again then
    addresses = [info[4][0].split("%")[0] for info in infos]
    return next((address for address in addresses if not ipaddress.ip_address(address).is_global), None)


def address_problem(url: str) -> str | None:
    """Why a user may not save this webhook address (in the user's language), or None."""
    host = _host(url)
    how = _match(host) if host else None
    if how == "wildcard" and _non_public_address(host):
        return _("A webhook may not point at a private or local address.")
    if how:
        return None
    hosts = ", ".join(allowed_hosts())
    if not hosts:
        return _("This server sends to no chat webhook; ask the administrator to allow your robot's host.")
    return _("A webhook may only point at a host the administrator allowed: %(hosts)s.", hosts=hosts)


def delivery_problem(url: str) -> str | None:
    """Why a message must not be posted to this address (for the admin's outbox page), or None."""
    host = _host(url)
    how = _match(host) if host else None
    if how is None:
        return f"webhook host {host!r} is not in CRM_WEBHOOK_ALLOWED_HOSTS"
    private = _non_public_address(host) if how == "wildcard" else None
    if private:
        return f"webhook host {host!r} resolves to non-public {private}; allow it by its exact name"
    return None

"""Ports for servers a test starts in another process."""
from __future__ import annotations

import socket


def listening_socket() -> socket.socket:
    """A loopback socket already listening on a port of its own, for a server process to take over (pass
    it its fileno): a port merely found free could be taken by another test worker before a server binds it."""
    listener = socket.create_server(("127.0.0.1", 0))
    listener.set_inheritable(True)
    return listener

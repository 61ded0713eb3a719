"""The test suite's network guard (tests/conftest.py): loopback works, nothing else does.

Only names that cannot leave this machine are used: if the guard were broken, the blocked
cases would fail on name resolution of a reserved ``.invalid`` domain, never reach a host.
"""

from __future__ import annotations

import socket
import threading
import urllib.error
import urllib.request

import pytest
from conftest import NetworkBlockedError


def test_loopback_connections_are_allowed():
    server = socket.create_server(("127.0.0.1", 0))
    port = server.getsockname()[1]
    accepted = []
    thread = threading.Thread(target=lambda: accepted.append(server.accept()[0]))
    thread.start()
    with socket.create_connection(("127.0.0.1", port), timeout=5):
        pass
    thread.join(timeout=5)
    for conn in accepted:
        conn.close()
    server.close()
    assert accepted, "the loopback connection was not accepted"


@pytest.mark.parametrize("how", ["create_connection", "connect", "connect_ex", "urllib"])
def test_other_hosts_are_refused_with_a_clear_error(how):
    address = ("physionet.invalid", 443)
    with pytest.raises(OSError) as info:  # code that handles being offline sees an OSError
        if how == "create_connection":
            socket.create_connection(address, timeout=1)
        elif how == "urllib":
            urllib.request.urlopen("https://physionet.invalid/", timeout=1)
        else:
            with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
                getattr(s, how)(address)
    error = info.value.reason if isinstance(info.value, urllib.error.URLError) else info.value
    assert isinstance(error, NetworkBlockedError), repr(info.value)
    assert "without network" in str(error) and "physionet.invalid" in str(error)

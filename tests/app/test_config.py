"""The shipped `.streamlit/config.toml` refuses foreign Host headers (issue 15, item 6: DNS rebinding).

Without ``server.allowedHosts`` a WebSocket handshake naming any host was accepted, so a page on
another site whose name resolves to this machine could drive the app. This reads the file the app
runs with and asks Streamlit's own Host check what it lets in (the real-server handshake is in
``tests/e2e/test_load.py``).
"""

from __future__ import annotations

import tomllib

import pytest
from streamlit import config
from streamlit.web.server.starlette.starlette_websocket import is_host_allowed

from tests.conftest import ROOT

CONFIG = ROOT / ".streamlit" / "config.toml"


@pytest.fixture
def allowed_hosts():
    hosts = tomllib.loads(CONFIG.read_text()).get("server", {}).get("allowedHosts", [])
    old = config.get_option("server.allowedHosts")
    config.set_option("server.allowedHosts", hosts)
    try:
        yield hosts
    finally:
        config.set_option("server.allowedHosts", old)


def test_allowed_hosts_is_set_and_not_a_wildcard(allowed_hosts):
    assert allowed_hosts, "server.allowedHosts is empty: every Host header would be accepted"
    assert "*" not in [h.strip() for h in allowed_hosts]


@pytest.mark.parametrize("host", ["localhost:8501", "127.0.0.1:8501", "[::1]:8501", "LOCALHOST", "localhost.",
                                  "audio-video-era.streamlit.app"])
def test_local_and_community_cloud_hosts_are_accepted(allowed_hosts, host):
    assert is_host_allowed(host)


@pytest.mark.parametrize("host", ["rebind.attacker.test:8501", "localhost.attacker.test", "127.0.0.1.nip.io:8501",
                                  "evilstreamlit.app", "192.168.1.20:8501", None, ""])
def test_foreign_hosts_are_refused(allowed_hosts, host):
    assert not is_host_allowed(host)

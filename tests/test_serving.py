"""Production serving: gunicorn, X-Forwarded-* from trusted proxies only, the HTTPS page."""

from __future__ import annotations

import http.client
import json
import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest
from flask import Flask

from app import create_app
from app.config import CONFIG_FILE, ConfigError, write_config
from app.db import db
from app.proxy import TrustedProxies, parse_networks

HTTPS_TITLE = "Connexion sécurisée (HTTPS) requise"


def configure(instance: Path, **values: Any) -> Path:
    config = json.loads((instance / CONFIG_FILE).read_text(encoding="utf-8"))
    config.update(values)
    write_config(instance, config)
    return instance


@pytest.fixture()
def real_app(fresh_instance: Callable[[str], Path]) -> Iterator[Callable[..., Flask]]:
    """`real_app(**config)`: an app on a fresh instance with those settings (Secure cookies by default)."""
    apps: list[Flask] = []

    def make(**values: Any) -> Flask:
        instance = configure(fresh_instance(f"real{len(apps)}"), **{"secure_cookies": True, **values})
        app = create_app(instance)
        apps.append(app)
        return app

    yield make
    for app in apps:
        db.engine_of(app).dispose()


def get_login(app: Flask, peer: str, headers: dict[str, str]) -> tuple[int, str]:
    with app.app_context():
        response = app.test_client().get("/connexion", headers=headers, environ_base={"REMOTE_ADDR": peer})
    return response.status_code, response.get_data(as_text=True)


def test_a_real_instance_over_plain_http_explains_that_https_is_required(real_app: Callable[..., Flask]) -> None:
    status, page = get_login(real_app(), "203.0.113.7", {})
    assert status == 403
    assert HTTPS_TITLE in page
    assert "deploy/Caddyfile" in page and "trusted_proxies" in page
    assert 'name="password"' not in page


def test_the_https_page_suggests_the_same_host_without_its_port_ipv6_bracketed(real_app: Callable[..., Flask]) -> None:
    app = real_app()
    for host, suggested in (
        ("[2001:db8::5]:8000", "https://[2001:db8::5]/connexion?suite=x"),
        ("[::1]", "https://[::1]/connexion?suite=x"),
        ("192.0.2.7:5000", "https://192.0.2.7/connexion?suite=x"),
        ("parcours.example.fr", "https://parcours.example.fr/connexion?suite=x"),
    ):
        with app.app_context():
            response = app.test_client().get("/connexion?suite=x", headers={"Host": host})
        assert response.status_code == 403
        assert f'<a href="{suggested}">{suggested}</a>' in response.get_data(as_text=True), host


def test_the_demo_instance_and_a_loopback_test_instance_log_in_over_http(real_app: Callable[..., Flask]) -> None:
    for values in ({"demo": True}, {"secure_cookies": False}):
        status, page = get_login(real_app(**values), "127.0.0.1", {})
        assert status == 200
        assert 'name="password"' in page


def test_forwarded_proto_is_believed_from_a_trusted_proxy_only(real_app: Callable[..., Flask]) -> None:
    app = real_app(trusted_proxies=["10.0.0.1", "192.168.0.0/24"])
    forwarded = {"X-Forwarded-Proto": "https", "X-Forwarded-For": "198.51.100.4"}
    for proxy in ("10.0.0.1", "192.168.0.20"):
        status, page = get_login(app, proxy, forwarded)
        assert status == 200 and 'name="password"' in page
    status, page = get_login(app, "10.0.0.2", forwarded)
    assert status == 403 and HTTPS_TITLE in page
    assert "10.0.0.2" in page  # the page names the proxy to add to trusted_proxies


def test_by_default_no_proxy_is_trusted_not_even_loopback(real_app: Callable[..., Flask]) -> None:
    status, page = get_login(real_app(), "127.0.0.1", {"X-Forwarded-Proto": "https"})
    assert status == 403 and HTTPS_TITLE in page


def test_client_address_comes_from_x_forwarded_for_only_behind_a_trusted_proxy() -> None:
    def echo(environ: dict[str, Any], start_response: Any) -> list[bytes]:
        start_response("200 OK", [])
        return [f"{environ['REMOTE_ADDR']} {environ['wsgi.url_scheme']}".encode()]

    middleware = TrustedProxies(echo, parse_networks(["::1", "10.0.0.1"]))

    def call(peer: str) -> str:
        environ = {
            "REMOTE_ADDR": peer,
            "wsgi.url_scheme": "http",
            "HTTP_X_FORWARDED_FOR": "198.51.100.4",
            "HTTP_X_FORWARDED_PROTO": "https",
        }
        return b"".join(middleware(environ, lambda *_: None)).decode()

    assert call("10.0.0.1") == "198.51.100.4 https"
    assert call("::1") == "198.51.100.4 https"
    assert call("10.0.0.9") == "10.0.0.9 http"


def test_a_misspelt_trusted_proxy_stops_the_app_with_its_name(fresh_instance: Callable[[str], Path]) -> None:
    instance = configure(fresh_instance("bad"), trusted_proxies=["127.0.0.l"])
    with pytest.raises(ConfigError, match=r"127\.0\.0\.l"):
        create_app(instance)
    configure(instance, trusted_proxies="127.0.0.1")
    with pytest.raises(ConfigError, match="list of IP addresses"):
        create_app(instance)


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


@contextmanager
def running_server(instance: Path, log: Path) -> Iterator[int]:
    """`parcours run` on a free loopback port; stopped (SIGTERM) afterwards."""
    port = free_port()
    env = {**os.environ, "PARCOURS_INSTANCE": str(instance)}
    env.pop("PARCOURS_DATABASE_URL", None)
    command = [sys.executable, "-c", "from app.cli import main; main()", "run", "--port", str(port), "--workers", "2"]
    with log.open("w") as output:
        server = subprocess.Popen(command, stdout=output, stderr=subprocess.STDOUT, env=env)
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                socket.create_connection(("127.0.0.1", port), timeout=1).close()
                break
            except OSError:
                assert server.poll() is None, log.read_text()
                assert time.monotonic() < deadline, "the server did not start: " + log.read_text()
                time.sleep(0.2)
        yield port
    finally:
        server.send_signal(signal.SIGTERM)
        assert server.wait(timeout=30) == 0


def request(port: int, path: str, headers: dict[str, str] | None = None) -> tuple[int, str]:
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    try:
        connection.request("GET", path, headers=headers or {})
        response = connection.getresponse()
        return response.status, response.read().decode()
    finally:
        connection.close()


def test_parcours_run_serves_with_gunicorn_and_logs_paths_without_query(
    fresh_instance: Callable[[str], Path], tmp_path: Path
) -> None:
    instance = configure(fresh_instance("served"), secure_cookies=True)
    log = tmp_path / "server.log"
    with running_server(instance, log) as port:
        status, body = request(port, "/sante?secret-term=Dupont")
        assert status == 200 and json.loads(body) == {"status": "ok"}
        # gunicorn itself trusts loopback's X-Forwarded-Proto by default; Parcours overrides it.
        status, page = request(port, "/connexion", {"X-Forwarded-Proto": "https"})
        assert status == 403 and HTTPS_TITLE in page
    text = log.read_text()
    assert "gunicorn" in text and "Booting worker" in text
    assert '"GET /sante" 200' in text
    assert "secret-term" not in text and "Dupont" not in text
    assert "secure_cookies is false" not in text


def test_parcours_run_warns_when_a_real_instance_sends_cookies_without_secure(
    fresh_instance: Callable[[str], Path], tmp_path: Path
) -> None:
    instance = configure(fresh_instance("insecure"), secure_cookies=False, trusted_proxies=["127.0.0.1"])
    log = tmp_path / "server.log"
    with running_server(instance, log) as port:
        status, page = request(port, "/connexion", {"X-Forwarded-Proto": "https"})
        assert status == 200 and 'name="password"' in page
    assert "WARNING" in log.read_text() and "secure_cookies is false" in log.read_text()

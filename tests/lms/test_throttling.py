"""Throttling: per address (each client its own, behind the proxy) and per account (from any
address), in a store every worker shares (Redis when configured)."""

from __future__ import annotations

import shutil
import subprocess
import time

import pytest

from tests.factories import PASSWORD
from tests.servers import free_port


def _attempt(client, email, address, password="not-the-password", path="/sign-in"):
    headers = {"X-Forwarded-For": address}
    if path == "/sign-in":
        return client.post(path, data={"email": email, "password": password}, headers=headers)
    body = (
        {"email": email}
        if path == "/api/v1/password-reset"
        else {"email": email, "password": password}
    )
    return client.post(path, json=body, headers=headers)  # an unknown field is refused (422)


def test_failed_sign_ins_are_limited_per_account_from_any_address(make_app, make_user):
    # Guesses at one account meet ACCOUNT_RATE_LIMIT however many addresses they come from,
    # on the web and the API together; other accounts, and the right password, are not held.
    app = make_app(
        RATELIMIT_ENABLED=True,
        SIGN_IN_RATE_LIMIT="100 per minute",
        ACCOUNT_RATE_LIMIT="3 per minute",
        PROXIES=1,
    )
    client = app.test_client()
    target, other = make_user(), make_user()
    assert _attempt(client, target.email, "203.0.113.1", password=PASSWORD).status_code == 302
    client.post("/sign-out")
    codes = [
        _attempt(client, target.email, "203.0.113.2").status_code,
        _attempt(client, target.email, "198.51.100.3", path="/api/v1/tokens").status_code,
        _attempt(client, target.email.upper(), "192.0.2.4").status_code,
        _attempt(client, target.email, "192.0.2.5").status_code,
    ]
    assert codes == [401, 401, 401, 429]
    assert _attempt(client, target.email, "192.0.2.6", path="/api/v1/tokens").status_code == 429
    assert _attempt(client, other.email, "203.0.113.2").status_code == 401


def test_the_address_limit_counts_each_client_behind_the_proxy(make_app):
    # Behind the proxy, one client's failures do not lock out another address.
    app = make_app(RATELIMIT_ENABLED=True, SIGN_IN_RATE_LIMIT="2 per minute", PROXIES=1)
    client = app.test_client()
    mine = [_attempt(client, f"a{i}@aula.test", "203.0.113.9").status_code for i in range(3)]
    assert mine == [401, 401, 429]
    assert _attempt(client, "b@aula.test", "198.51.100.1").status_code == 401


def test_reset_requests_are_limited_per_account(make_app, make_user):
    # Nobody can fill an inbox with reset links: each account has its own limit.
    app = make_app(
        RATELIMIT_ENABLED=True,
        SIGN_IN_RATE_LIMIT="100 per minute",
        ACCOUNT_RATE_LIMIT="2 per minute",
        PROXIES=1,
    )
    client = app.test_client()
    user = make_user()
    codes = [
        _attempt(client, user.email, f"192.0.2.{i}", path="/api/v1/password-reset").status_code
        for i in range(3)
    ]
    assert codes == [202, 202, 429]


@pytest.fixture
def redis_url(tmp_path):
    """A Redis server of the test's own, on a free port."""
    server = shutil.which("redis-server")
    if server is None:
        pytest.skip("redis-server is not installed (apt-get install redis-server)")
    port = free_port()
    proc = subprocess.Popen(
        [server, "--port", str(port), "--save", "", "--appendonly", "no", "--dir", str(tmp_path)],
        stdout=subprocess.DEVNULL,
    )
    import redis

    client = redis.Redis(port=port)
    for _ in range(200):
        try:
            client.ping()
            break
        except redis.ConnectionError:
            time.sleep(0.05)
    yield f"redis://127.0.0.1:{port}"
    client.close()
    proc.terminate()
    proc.wait(timeout=10)


def test_workers_share_the_limits_in_redis(make_app, redis_url):
    # Two workers (two apps) with LMS_RATELIMIT_STORAGE_URI on Redis count the same attempts:
    # an attacker gains nothing from landing on another worker.
    config = {
        "RATELIMIT_ENABLED": True,
        "RATELIMIT_STORAGE_URI": redis_url,
        "SIGN_IN_RATE_LIMIT": "3 per minute",
    }
    one, two = make_app(**config).test_client(), make_app(**config).test_client()
    codes = [
        (one if i % 2 else two)
        .post("/api/v1/tokens", json={"email": f"x{i}@aula.test", "password": "wrong-password"})
        .status_code
        for i in range(4)
    ]
    assert codes == [401, 401, 401, 429]
    import redis

    assert redis.Redis.from_url(redis_url).keys("LIMITS*")  # the counts live in Redis

"""Webhook URLs cannot reach inside the hub's network: refused at registration and again at
delivery, for every address family, by name or by literal. No test here sends traffic off
this machine: names are resolved by a stand-in resolver, receivers listen on loopback."""

import http.server
import socket
import threading
import time

import pytest

from ewtp.common import outbound
from ewtp.common.errors import ApplicationError
from ewtp.common.models import WebhookDelivery
from ewtp.common.webhook_endpoints import webhook_endpoint_create
from ewtp.common.webhooks import webhook_deliver, webhook_emit
from tests import factories
from tests.conftest import issue_token

pytestmark = pytest.mark.django_db

INTERNAL = [
    "127.0.0.1",  # loopback
    "127.9.9.9",
    "0.0.0.0",  # unspecified: Linux connects it to loopback
    "10.0.0.1",  # private
    "172.16.5.4",
    "192.168.1.1",
    "100.64.0.1",  # shared address space (carrier NAT)
    "169.254.169.254",  # link-local: the cloud metadata service
    "192.0.0.8",  # IETF protocol assignments
    "192.0.2.10",  # documentation
    "198.18.0.1",  # benchmarking
    "224.0.0.1",  # multicast
    "240.0.0.1",  # reserved
    "255.255.255.255",  # broadcast
    "::1",
    "::",
    "fe80::1",  # link-local
    "fc00::1",  # unique local
    "fd00:ec2::254",  # a cloud metadata service over IPv6
    "ff02::1",  # multicast
    "2001:db8::1",  # documentation
    "::ffff:127.0.0.1",  # IPv4-mapped loopback
    "::ffff:169.254.169.254",
    "2002:7f00:1::1",  # 6to4 around 127.0.0.1
    "2002:a00:1::1",  # 6to4 around 10.0.0.1
    "64:ff9b::a9fe:a9fe",  # NAT64 around 169.254.169.254
    "2001:0:4136:e378:8000:63bf:80ff:fffe",  # Teredo around 127.0.0.1
]
PUBLIC = ["93.184.215.14", "2606:2800:21f:cb07:6820:80da:af6b:8b2c"]


@pytest.fixture
def strict(settings):
    """The production guard: nothing exempt, names resolved by DNS (the stand-in below)."""
    settings.WEBHOOK_ALLOWED_NETWORKS = []
    settings.OUTBOUND_RESOLVE_TO = ""
    settings.WEBHOOK_ALLOW_HTTP = False
    return settings


class StubDns(dict):
    """host name -> addresses; ``calls`` lists every look-up made."""

    def __init__(self):
        super().__init__()
        self.calls: list[str] = []


@pytest.fixture
def dns(monkeypatch):
    """A resolver answering from a table the test fills: no query leaves the machine."""
    table = StubDns()
    calls = table.calls

    def getaddrinfo(host, port):
        calls.append(host)
        if host not in table:
            raise socket.gaierror(socket.EAI_NONAME, "Name or service not known")
        return [
            (socket.AF_INET6 if ":" in a else socket.AF_INET, socket.SOCK_STREAM, 6, "", (a, port))
            for a in table[host]
        ]

    monkeypatch.setattr(outbound, "_getaddrinfo", getaddrinfo)
    return table


@pytest.fixture
def channel():
    return factories.api_client(kind="channel", name="Shop", scopes=["webhooks:manage"])


def _literal_url(address: str, port: int = 443) -> str:
    host = f"[{address}]" if ":" in address else address
    return f"https://{host}:{port}/hook"


def _register(channel, url):
    return webhook_endpoint_create(api_client=channel.client, url=url, events=["refund.issued"])


@pytest.mark.parametrize("address", INTERNAL)
def test_an_internal_address_is_refused_at_registration_as_a_literal(strict, dns, channel, address):
    with pytest.raises(ApplicationError) as refused:
        _register(channel, _literal_url(address))
    assert (refused.value.code, refused.value.extra["field"]) == ("webhook_url_forbidden", "url")


@pytest.mark.parametrize("address", INTERNAL)
def test_a_name_that_resolves_inside_is_refused_at_registration(strict, dns, channel, address):
    dns["hooks.partner.example"] = [address]
    with pytest.raises(ApplicationError, match="private, loopback"):
        _register(channel, "https://hooks.partner.example/in")


def test_localhost_and_a_name_with_one_internal_address_among_public_ones_are_refused(
    strict, dns, channel
):
    dns["localhost"] = ["127.0.0.1", "::1"]
    dns["mixed.partner.example"] = [PUBLIC[0], "10.1.2.3"]
    for url in ("https://localhost:6379/", "https://mixed.partner.example/h"):
        with pytest.raises(ApplicationError, match="private, loopback"):
            _register(channel, url)


@pytest.mark.parametrize("address", PUBLIC)
def test_a_public_address_is_accepted_without_connecting(strict, dns, channel, address):
    dns["hooks.partner.example"] = [address]
    assert _register(channel, "https://hooks.partner.example/in").url.startswith("https://")


@pytest.mark.parametrize(
    "url",
    [
        "http://hooks.partner.example/in",  # plain http
        "ftp://hooks.partner.example/in",
        "https://user:pw@hooks.partner.example/in",  # credentials in the URL
        "https:///nohost",
        "https://hooks.partner.example:99999/",
        "https://unknown.partner.example/",  # does not resolve
    ],
)
def test_urls_that_are_not_plain_public_https_are_refused(strict, dns, channel, url):
    dns["hooks.partner.example"] = [PUBLIC[0]]
    with pytest.raises(ApplicationError) as refused:
        _register(channel, url)
    assert refused.value.extra["field"] == "url"


@pytest.mark.parametrize(
    "url",
    [
        "https://localhost:6379/",
        "https://[::1]:1/x",
        "https://10.0.0.1/",
        "https://169.254.169.254/",
    ],
)
def test_the_api_answers_400_naming_the_field(strict, dns, api, channel, url):
    dns["localhost"] = ["127.0.0.1"]
    token = issue_token(api, channel).json()["access_token"]
    response = api.post(
        "/api/v1/webhooks",
        {"url": url, "events": ["refund.issued"]},
        format="json",
        HTTP_AUTHORIZATION=f"Bearer {token}",
    )
    assert response.status_code == 400, response.content
    assert response.json()["errors"][0]["field"] == "url"
    assert not channel.client.webhook_endpoints.exists()


class Receiver:
    """A loopback HTTP receiver that records what reaches it."""

    def __init__(self, answer=204, headers=(), drip_seconds=None, drip_headers=False):
        received = self.received = []

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_POST(self):
                received.append(self.rfile.read(int(self.headers["Content-Length"])))
                if drip_headers:  # the status line, then a header now and then, never the end
                    self.wfile.write(b"HTTP/1.1 200 OK\r\n")
                    for n in range(200):
                        try:
                            self.wfile.write(f"X-Wait-{n}: 1\r\n".encode())
                            self.wfile.flush()
                        except OSError:
                            return
                        time.sleep(drip_seconds)
                    return
                self.send_response(answer)
                for name, value in headers:
                    self.send_header(name, value)
                if drip_seconds is None:
                    self.send_header("Content-Length", "0")
                    self.end_headers()
                    return
                self.end_headers()
                for _ in range(200):  # a receiver that never finishes its answer
                    try:
                        self.wfile.write(b"x")
                        self.wfile.flush()
                    except OSError:
                        return
                    time.sleep(drip_seconds)

            def log_message(self, *args):
                pass

        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.port = self.server.server_port
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def close(self):
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def receiver():
    receivers = []

    def start(**kwargs):
        receivers.append(Receiver(**kwargs))
        return receivers[-1]

    yield start
    for one in receivers:
        one.close()


def _deliver_once(channel):
    (delivery,) = webhook_emit(api_client=channel.client, event="refund.issued", data={"a": 1})
    return webhook_deliver(delivery_id=delivery.pk)


def test_a_name_rebound_to_loopback_after_registration_is_refused_at_delivery(
    strict, dns, channel, receiver
):
    target = receiver()
    strict.WEBHOOK_ALLOW_HTTP = True  # the loopback receiver speaks plain http
    dns["hooks.partner.example"] = [PUBLIC[0]]
    _register(channel, f"http://hooks.partner.example:{target.port}/in")
    dns["hooks.partner.example"] = ["127.0.0.1"]  # the partner's DNS now points inside

    delivery = _deliver_once(channel)

    assert delivery.status == WebhookDelivery.Status.PENDING and delivery.attempts == 1
    assert "private, loopback" in delivery.last_error
    assert target.received == []


def test_delivery_connects_to_the_address_it_checked_and_resolves_once(
    settings, dns, channel, receiver
):
    """No rebinding window: one look-up per attempt, and the socket goes to its answer."""
    target = receiver()
    settings.OUTBOUND_RESOLVE_TO = ""
    settings.WEBHOOK_ALLOWED_NETWORKS = ["127.0.0.0/8"]
    dns["hooks.partner.example"] = ["127.0.0.1"]
    _register(channel, f"http://hooks.partner.example:{target.port}/in")
    dns.calls.clear()

    delivery = _deliver_once(channel)

    assert (delivery.status, delivery.last_status_code) == ("delivered", 204)
    assert dns.calls == ["hooks.partner.example"]
    assert len(target.received) == 1


def test_redirects_are_not_followed(settings, channel, receiver):
    elsewhere = receiver()
    target = receiver(answer=302, headers=[("Location", f"http://127.0.0.1:{elsewhere.port}/")])
    _register(channel, f"http://127.0.0.1:{target.port}/in")

    delivery = _deliver_once(channel)

    assert (delivery.status, delivery.last_status_code, delivery.last_error) == (
        "pending",
        302,
        "HTTP 302",
    )
    assert len(target.received) == 1 and elsewhere.received == []


def test_a_receiver_that_drips_its_answer_is_cut_off_in_bounded_time(settings, channel, receiver):
    settings.WEBHOOK_TIMEOUT_SECONDS = 1
    target = receiver(answer=200, drip_seconds=0.05)
    _register(channel, f"http://127.0.0.1:{target.port}/in")

    started = time.monotonic()
    delivery = _deliver_once(channel)

    assert time.monotonic() - started < 4
    assert delivery.status == "pending" and "AnswerTooSlow" in delivery.last_error


def test_a_receiver_that_drips_its_headers_is_cut_off_in_bounded_time(settings, channel, receiver):
    settings.WEBHOOK_TIMEOUT_SECONDS = 1
    target = receiver(drip_seconds=0.2, drip_headers=True)
    _register(channel, f"http://127.0.0.1:{target.port}/in")

    started = time.monotonic()
    delivery = _deliver_once(channel)

    assert time.monotonic() - started < 4
    assert delivery.status == "pending" and "AnswerTooSlow" in delivery.last_error

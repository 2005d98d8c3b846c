"""TLS scenarios driven by the official Python client (nats-py).

Usage: tls_scenarios.py SCENARIO URL CERTIFICATE_DIRECTORY

CERTIFICATE_DIRECTORY holds TestCertificates' files (TestCertificates.swift). The server runs
with TLSTests' configuration; each scenario raises AssertionError (exit status 1, with the
reason) when the server does not behave as nats-server does.
"""

import asyncio
import json
import os
import ssl
import sys
from urllib.parse import urlparse

import nats

import natspy_ordering  # noqa: F401  flush() orders after what was queued (see the module)

SCENARIOS = {}


def scenario(function):
    SCENARIOS[function.__name__] = function
    return function


def context(pki, ca="ca.pem", client_certificate=False):
    tls = ssl.create_default_context(ssl.Purpose.SERVER_AUTH, cafile=os.path.join(pki, ca))
    if client_certificate:
        tls.load_cert_chain(os.path.join(pki, "client.pem"), os.path.join(pki, "client-key.pem"))
    return tls


async def connect(url, tls, **options):
    return await nats.connect(
        url.replace("nats://", "tls://"), tls=tls, allow_reconnect=False, max_reconnect_attempts=0, connect_timeout=3, **options
    )


async def refused(url, tls):
    try:
        nc = await connect(url, tls)
    except Exception as error:  # ssl.SSLError, a closed connection, NoServersError
        return repr(error)
    await nc.close()
    raise AssertionError("the TLS connection was accepted")


async def exercise(nc):
    sub = await nc.subscribe("secure.>")

    async def answer(message):
        await nc.publish(message.reply, b"pong:" + message.data)

    await nc.subscribe("secure.service", cb=answer)
    for index in range(100):
        await nc.publish(f"secure.data.{index}", b"x" * 1000)
    for index in range(100):
        message = await sub.next_msg(timeout=3)
        assert message.subject == f"secure.data.{index}" and len(message.data) == 1000, message
    reply = await nc.request("secure.service", b"ping", timeout=3)
    assert reply.data == b"pong:ping", reply
    # The request itself also matched secure.>.
    request = await sub.next_msg(timeout=3)
    assert request.subject == "secure.service", request


@scenario
async def tls_pub_sub(url, pki):
    nc = await connect(url, context(pki))
    assert nc.connected_server_version is not None
    await exercise(nc)
    await nc.close()


@scenario
async def untrusted_server_certificate(url, pki):
    # The server's certificate comes from a CA the client does not trust.
    await refused(url, context(pki, ca="rogue-ca.pem"))
    nc = await connect(url, context(pki))
    await exercise(nc)
    await nc.close()


@scenario
async def client_certificate_required(url, pki):
    await refused(url, context(pki))
    nc = await connect(url, context(pki, client_certificate=True))
    await exercise(nc)
    await nc.close()


@scenario
async def allow_non_tls(url, pki):
    # allow_non_tls: the INFO offers TLS without requiring it; a TLS client and a plain one
    # are both served, and they talk to each other.
    reader, writer = await asyncio.open_connection(urlparse(url).hostname, urlparse(url).port)
    info = json.loads((await reader.readline()).decode()[5:])
    writer.close()
    assert info.get("tls_available") is True and "tls_required" not in info, info
    secure = await connect(url, context(pki))
    plain = await nats.connect(url, allow_reconnect=False, max_reconnect_attempts=0, connect_timeout=3)
    await exercise(secure)
    await exercise(plain)
    sub = await plain.subscribe("mixed")
    await plain.flush()  # the subscription is in place before the other client publishes
    await secure.publish("mixed", b"from tls")
    await secure.flush()
    message = await sub.next_msg(timeout=3)
    assert message.data == b"from tls", message
    await secure.close()
    await plain.close()


@scenario
async def handshake_first(url, pki):
    # The server is configured with handshake_first: TLS before its INFO.
    nc = await connect(url, context(pki), tls_handshake_first=True)
    await exercise(nc)
    await nc.close()


@scenario
async def verify_and_map(url, pki):
    """verify_and_map (TLSTests.mapping's configuration): each certificate names its user, whose
    permissions then apply; a certificate that names no configured user is refused."""

    def with_certificate(name):
        tls = context(pki)
        tls.load_cert_chain(os.path.join(pki, f"{name}.pem"), os.path.join(pki, f"{name}-key.pem"))
        return tls

    errors = []

    async def on_error(error):
        errors.append(str(error))

    # (certificate, the subject its user may publish to): by e-mail address, by DNS name, by
    # the subject as a DN written in another order (bob, carol), by the subject in Go's pkix
    # string form, which leaves the UID out (dave).
    for name, allowed in (("alice", "alice.x"), ("device", "device.x"), ("bob", "bob.x"), ("carol", "carol.x"), ("dave", "dave.x")):
        errors.clear()
        nc = await connect(url, with_certificate(name), error_cb=on_error)
        watcher = await connect(url, with_certificate(name), error_cb=on_error)
        sub = await watcher.subscribe(">")
        await watcher.flush()
        await nc.publish(allowed, b"mine")
        await nc.publish("elsewhere.x", b"not mine")
        await nc.flush()
        message = await sub.next_msg(timeout=3)
        assert message.subject == allowed, (name, message.subject)
        await asyncio.sleep(0.3)
        assert any("permissions violation for publish to" in error.lower() and "elsewhere.x" in error for error in errors), (name, errors)
        try:
            extra = await sub.next_msg(timeout=0.3)
            raise AssertionError(f"{name}: a publish its user may not make was delivered: {extra.subject}")
        except nats.errors.TimeoutError:
            pass
        await nc.close()
        await watcher.close()

    # erin's certificate names a user with a password: without it, refused; with it (whatever
    # user name CONNECT gives), erin.
    errors.clear()
    try:
        nc = await connect(url, with_certificate("erin"), error_cb=on_error)
    except Exception as error:
        assert "authorization violation" in (str(error) + " ".join(errors)).lower(), (repr(error), errors)
    else:
        await nc.close()
        raise AssertionError("a mapped user's password was not asked for")
    nc = await connect(url, with_certificate("erin"), error_cb=on_error, user="somebody", password="erins")
    sub = await nc.subscribe("erin.>")
    await nc.publish("erin.x", b"mine")
    assert (await sub.next_msg(timeout=3)).subject == "erin.x"
    await nc.close()

    # The test CA's own client certificate (CN=localhost) names nobody; the user name and
    # password of a configured user do not help: the certificate decides.
    for options in ({}, {"user": "Alice", "password": "secret"}):
        errors.clear()
        try:
            nc = await connect(url, context(pki, client_certificate=True), error_cb=on_error, **options)
        except Exception as error:
            assert "authorization violation" in (str(error) + " ".join(errors)).lower(), (options, repr(error), errors)
        else:
            await nc.close()
            raise AssertionError(f"a certificate that maps to no user was accepted ({options})")


def handshake(url, pki, maximum=None, ciphers=None, curve=None):
    """A raw TLS upgrade after the server's plain INFO, as clients do it: the negotiated
    (version, cipher), or the handshake's error."""
    import socket

    host, port = url.replace("nats://", "").rsplit(":", 1)
    tls = context(pki)
    if maximum:
        tls.maximum_version = maximum
    if ciphers:
        tls.set_ciphers(ciphers)
    if curve:
        tls.set_ecdh_curve(curve)
    with socket.create_connection((host, int(port)), timeout=3) as raw:
        info = b""
        while not info.endswith(b"\r\n"):
            info += raw.recv(1)
        try:
            with tls.wrap_socket(raw, server_hostname="localhost") as secure:
                return secure.version(), secure.cipher()[0]
        except (ssl.SSLError, OSError) as error:
            return error


@scenario
async def algorithms(url, pki):
    """cipher_suites ["TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384"], curve_preferences
    ["CurveP384"] (TLSTests.algorithms): TLS 1.2 only with that suite and curve; TLS 1.3 as ever."""
    tls12 = ssl.TLSVersion.TLSv1_2
    # (The client's default curves: it offers P-384 and the certificate's P-256, which a TLS 1.2
    # client insists on for an ECDSA certificate.)
    allowed = handshake(url, pki, maximum=tls12, ciphers="ECDHE-ECDSA-AES256-GCM-SHA384")
    assert allowed == ("TLSv1.2", "ECDHE-ECDSA-AES256-GCM-SHA384"), allowed
    other_suite = handshake(url, pki, maximum=tls12, ciphers="ECDHE-ECDSA-AES128-GCM-SHA256")
    assert isinstance(other_suite, Exception), other_suite
    # A client whose only curve is P-256 has no key exchange in common with the server.
    other_curve = handshake(url, pki, maximum=tls12, ciphers="ECDHE-ECDSA-AES256-GCM-SHA384", curve="prime256v1")
    assert isinstance(other_curve, Exception), other_curve
    anything = handshake(url, pki, maximum=tls12)
    assert anything == ("TLSv1.2", "ECDHE-ECDSA-AES256-GCM-SHA384"), anything
    modern = handshake(url, pki)
    assert not isinstance(modern, Exception) and modern[0] == "TLSv1.3", modern
    # And a client gets through, over the one suite.
    nc = await connect(url, context(pki))
    await exercise(nc)
    await nc.close()


@scenario
async def tls13_only(url, pki):
    """min_version "1.3" (nats-server 2.11+): TLS 1.2 clients are refused."""
    old = handshake(url, pki, maximum=ssl.TLSVersion.TLSv1_2)
    assert isinstance(old, Exception), old
    modern = handshake(url, pki)
    assert not isinstance(modern, Exception) and modern[0] == "TLSv1.3", modern


async def main():
    name, url, pki = sys.argv[1:]
    await asyncio.wait_for(SCENARIOS[name](url, pki), 60)


if __name__ == "__main__":
    asyncio.run(main())

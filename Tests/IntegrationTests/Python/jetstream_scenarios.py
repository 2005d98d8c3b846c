"""JetStream scenarios driven by the official Python client (nats-py).

Usage: jetstream_scenarios.py SCENARIO URL
       jetstream_scenarios.py --list

The server at URL runs with JetStream enabled (`-js -sd DIR`). Each scenario exercises one
feature the way nats-py users do and raises AssertionError (exit status 1, with the reason)
when the server does not behave as nats-server 2.9 does. Every scenario names its streams,
consumers and buckets with a random token, so scenarios are independent of each other even on
a shared server. The same scenarios run against Outpost and against the reference nats-server
(see JetStreamClientTests.swift).

Error codes asserted below are the JetStream API `err_code` values nats-server sends (for
example 10059 "stream not found"); where nats-server's answer is an accident of its
implementation (a 500 "stream store EOF" and the like) only the error class is checked.
"""

import asyncio
import base64
import datetime
import hashlib
import json
import os
import sys
import time
import uuid
from urllib.parse import urlparse

import nats
import nats.errors
import nats.js.errors
from nats.js import api
from nats.js.errors import (
    APIError,
    BadRequestError,
    BucketNotFoundError,
    KeyNotFoundError,
    KeyWrongLastSequenceError,
    NoKeysError,
    NoStreamResponseError,
    NotFoundError,
    ObjectNotFoundError,
)

import natspy_ordering  # noqa: F401  flush() orders after what was queued (see the module)

SCENARIOS = {}
SCENARIO_TIMEOUT = 30


def scenario(function):
    SCENARIOS[function.__name__] = function
    return function


# Helpers ------------------------------------------------------------------------------------


def token():
    """A short random token for unique stream, subject, consumer and bucket names."""
    return uuid.uuid4().hex[:8]


async def connect(url, **options):
    nc = await nats.connect(url, **options)
    # A generous API timeout: the tests may run many servers at once on a small machine.
    return nc, nc.jetstream(timeout=10)


async def expect_error(awaitable, error_class, err_code=None, contains=None, what=""):
    """Awaits `awaitable`, which must raise `error_class` (and carry `err_code` if given)."""
    try:
        result = await awaitable
    except error_class as error:
        if err_code is not None:
            got = getattr(error, "err_code", None)
            assert got == err_code, f"{what}: expected err_code {err_code}, got {got} ({error})"
        if contains is not None:
            text = str(getattr(error, "description", "") or error)
            assert contains in text, f"{what}: expected {contains!r} in {text!r}"
        return error
    raise AssertionError(f"{what}: expected {error_class.__name__}, got result {result!r}")


async def eventually(check, timeout=5.0, interval=0.05, what="condition"):
    """Polls the async predicate `check` until it returns a truthy value; returns that value."""
    deadline = time.monotonic() + timeout
    last = None
    while time.monotonic() < deadline:
        last = await check()
        if last:
            return last
        await asyncio.sleep(interval)
    raise AssertionError(f"{what} did not hold within {timeout} s (last: {last!r})")


async def state(js, stream):
    return (await js.stream_info(stream)).state


async def fetch_or_empty(sub, batch, timeout):
    try:
        return await sub.fetch(batch, timeout=timeout)
    except nats.errors.TimeoutError:
        return []


async def expect_no_fetch(sub, timeout, what):
    """A fetch of one message must time out: nothing is available for `timeout` seconds."""
    try:
        [message] = await sub.fetch(1, timeout=timeout)
    except nats.errors.TimeoutError:
        return
    raise AssertionError(f"{what}: unexpected message {message.subject} {message.data!r} {message.metadata}")


def header(headers, name):
    """A header value by name; nats-py keys some headers by `api.Header` members."""
    for key, value in (headers or {}).items():
        if key == name:
            return value
    return None


async def collect(sub, count, timeout=5.0):
    return [await sub.next_msg(timeout=timeout) for _ in range(count)]


def assert_sequence(info, consumer_seq, stream_seq, what):
    assert info is not None, f"{what}: missing"
    assert (info.consumer_seq, info.stream_seq) == (consumer_seq, stream_seq), (
        f"{what}: expected consumer/stream {consumer_seq}/{stream_seq}, got {info.consumer_seq}/{info.stream_seq}"
    )


def server_at_least(nc, major, minor):
    version = nc.connected_server_version
    return (version.major, version.minor) >= (major, minor)


# Streams ------------------------------------------------------------------------------------


@scenario
async def stream_add_info(url):
    nc, js = await connect(url)
    u = token()
    name = f"ORDERS_{u}"
    info = await js.add_stream(name=name, subjects=[f"orders.{u}.*", f"events.{u}.>"])
    config = info.config
    assert config.name == name and config.subjects == [f"orders.{u}.*", f"events.{u}.>"], config
    # Defaults the server fills in.
    assert config.retention == "limits" and config.storage == "file" and config.discard == "old", config
    assert (config.max_msgs, config.max_bytes, config.max_msgs_per_subject, config.max_msg_size) == (-1, -1, -1, -1), config
    assert config.max_consumers == -1 and config.max_age == 0 and config.num_replicas == 1, config
    assert config.duplicate_window == 120.0, f"default duplicate window is 2 minutes, got {config.duplicate_window}"
    assert not config.sealed and not config.deny_delete and not config.deny_purge and not config.allow_rollup_hdrs, config
    assert info.created is not None, "created timestamp missing"
    assert info.cluster is None, f"a create answer names no cluster: {info.cluster}"
    s = info.state
    assert (s.messages, s.bytes, s.first_seq, s.last_seq, s.consumer_count) == (0, 0, 0, 0, 0), s

    subjects = [f"orders.{u}.new", f"events.{u}.eu.created", f"events.{u}.us", f"orders.{u}.new"]
    for index, subject in enumerate(subjects, start=1):
        ack = await js.publish(subject, f"m{index}".encode())
        assert ack.stream == name and ack.seq == index, ack
    # "orders.U.*" matches one token only: two tokens match no stream.
    await expect_error(js.publish(f"orders.{u}.a.b", b"x", timeout=2), NoStreamResponseError, what="publish outside the subjects")

    info = await js.stream_info(name)
    s = info.state
    assert (s.messages, s.first_seq, s.last_seq, s.consumer_count) == (4, 1, 4, 0), s
    assert s.bytes > 0, s
    assert s.subjects is None, f"subjects are listed only on request: {s.subjects}"
    detailed = await js.stream_info(name, subjects_filter=">")
    assert detailed.state.subjects == {
        f"orders.{u}.new": 2, f"events.{u}.eu.created": 1, f"events.{u}.us": 1,
    }, detailed.state.subjects
    filtered = await js.stream_info(name, subjects_filter=f"events.{u}.>")
    assert filtered.state.subjects == {f"events.{u}.eu.created": 1, f"events.{u}.us": 1}, filtered.state.subjects

    # Adding the same configuration again is accepted and changes nothing.
    again = await js.add_stream(name=name, subjects=[f"orders.{u}.*", f"events.{u}.>"])
    assert again.state.messages == 4, again.state
    await expect_error(
        js.add_stream(name=name, subjects=[f"orders.{u}.*"]), BadRequestError, err_code=10058,
        what="same name, different configuration",
    )
    await expect_error(
        js.add_stream(name=f"OTHER_{u}", subjects=[f"orders.{u}.new"]), BadRequestError, err_code=10065,
        what="overlapping subjects",
    )
    await expect_error(js.stream_info(f"MISSING_{u}"), NotFoundError, err_code=10059, what="info of a missing stream")
    await nc.close()


@scenario
async def stream_update_subjects(url):
    nc, js = await connect(url)
    u = token()
    name = f"UPD_{u}"
    await js.add_stream(name=name, subjects=[f"upd.{u}.a"])
    await js.publish(f"upd.{u}.a", b"1")
    await expect_error(js.publish(f"upd.{u}.b.x", b"2", timeout=2), NoStreamResponseError, what="before the update")

    info = await js.stream_info(name)
    config = info.config
    config.subjects = [f"upd.{u}.a", f"upd.{u}.b.*"]
    updated = await js.update_stream(config)
    assert updated.config.subjects == [f"upd.{u}.a", f"upd.{u}.b.*"], updated.config.subjects
    assert updated.state.messages == 1, f"an update keeps the messages: {updated.state}"
    ack = await js.publish(f"upd.{u}.b.x", b"2")
    assert ack.seq == 2 and ack.stream == name, ack

    # Limits can change too.
    config.max_msgs = 10
    updated = await js.update_stream(config)
    assert updated.config.max_msgs == 10, updated.config
    assert (await js.stream_info(name)).config.max_msgs == 10

    config.storage = api.StorageType.MEMORY
    await expect_error(js.update_stream(config), APIError, err_code=10052, what="changing the storage type")
    await expect_error(
        js.update_stream(name=f"NOPE_{u}", subjects=[f"nope.{u}"]), NotFoundError, err_code=10059,
        what="updating a missing stream",
    )
    await nc.close()


@scenario
async def stream_purge(url):
    nc, js = await connect(url)
    u = token()
    name = f"PURGE_{u}"
    await js.add_stream(name=name, subjects=[f"purge.{u}.*"])
    for index in range(1, 11):
        await js.publish(f"purge.{u}.{'a' if index % 2 else 'b'}", str(index).encode())

    assert await js.purge_stream(name, keep=6) is True
    s = await state(js, name)
    assert (s.messages, s.first_seq, s.last_seq) == (6, 5, 10), f"keep=6: {s}"

    # Purge one subject: 5, 7 and 9 go.
    assert await js.purge_stream(name, subject=f"purge.{u}.a") is True
    s = await state(js, name)
    assert (s.messages, s.last_seq) == (3, 10), f"subject purge: {s}"
    assert (await js.get_msg(name, 6)).data == b"6"
    await expect_error(js.get_msg(name, 7), NotFoundError, err_code=10037, what="a purged message")

    # Purge everything: the sequence carries on.
    assert await js.purge_stream(name) is True
    s = await state(js, name)
    assert (s.messages, s.bytes, s.first_seq, s.last_seq) == (0, 0, 11, 10), f"full purge: {s}"
    ack = await js.publish(f"purge.{u}.a", b"11")
    assert ack.seq == 11, ack

    # Purge up to (not including) a sequence.
    for index in range(12, 16):
        await js.publish(f"purge.{u}.b", str(index).encode())
    assert await js.purge_stream(name, seq=14) is True
    s = await state(js, name)
    assert (s.messages, s.first_seq, s.last_seq) == (2, 14, 15), f"purge to seq 14: {s}"
    await expect_error(js.purge_stream(f"NOPE_{u}"), NotFoundError, err_code=10059, what="purging a missing stream")
    await nc.close()


@scenario
async def stream_delete_and_list(url):
    nc, js = await connect(url)
    u = token()
    names = [f"LIST_{u}_{index}" for index in range(3)]
    for index, name in enumerate(names):
        await js.add_stream(name=name, subjects=[f"list.{u}.{index}"])

    async def stream_names(subject=None):
        request = {"subject": subject} if subject else {}
        reply = await nc.request("$JS.API.STREAM.NAMES", json.dumps(request).encode(), timeout=5)
        body = json.loads(reply.data)
        assert body.get("type") == "io.nats.jetstream.api.v1.stream_names_response", body
        return body["streams"] or []

    listed = await stream_names()
    assert all(name in listed for name in names), listed
    assert await stream_names(f"list.{u}.1") == [names[1]]
    assert await js.find_stream_name_by_subject(f"list.{u}.2") == names[2]
    await expect_error(js.find_stream_name_by_subject(f"nothing.{u}"), NotFoundError, what="no stream for the subject")

    infos = {info.config.name: info for info in await js.streams_info()}
    assert all(name in infos for name in names), list(infos)
    assert infos[names[0]].config.subjects == [f"list.{u}.0"], infos[names[0]].config

    assert await js.delete_stream(names[0]) is True
    await expect_error(js.stream_info(names[0]), NotFoundError, err_code=10059, what="info after delete")
    assert names[0] not in await stream_names()
    assert names[0] not in [info.config.name for info in await js.streams_info()]
    await expect_error(js.publish(f"list.{u}.0", b"x", timeout=2), NoStreamResponseError, what="publish after delete")
    await expect_error(js.delete_stream(names[0]), NotFoundError, err_code=10059, what="deleting twice")
    # The subjects are free again.
    await js.add_stream(name=f"LIST_{u}_again", subjects=[f"list.{u}.0"])
    await nc.close()


@scenario
async def limits_max_msgs(url):
    nc, js = await connect(url)
    u = token()
    name = f"MAXMSGS_{u}"
    info = await js.add_stream(name=name, subjects=[f"maxmsgs.{u}"], max_msgs=5, discard=api.DiscardPolicy.OLD)
    assert info.config.max_msgs == 5 and info.config.discard == "old", info.config
    for index in range(1, 9):
        ack = await js.publish(f"maxmsgs.{u}", str(index).encode())
        assert ack.seq == index, f"discard old never refuses: {ack}"
    s = await state(js, name)
    assert (s.messages, s.first_seq, s.last_seq) == (5, 4, 8), s
    await expect_error(js.get_msg(name, 3), NotFoundError, err_code=10037, what="a discarded message")
    assert (await js.get_msg(name, 4)).data == b"4"
    await nc.close()


@scenario
async def limits_max_msgs_per_subject(url):
    nc, js = await connect(url)
    u = token()
    name = f"PERSUBJ_{u}"
    await js.add_stream(name=name, subjects=[f"persubj.{u}.*"], max_msgs_per_subject=2)
    for letter in "aaabbbbc":
        await js.publish(f"persubj.{u}.{letter}", letter.encode())
    info = await js.stream_info(name, subjects_filter=">")
    assert info.config.max_msgs_per_subject == 2, info.config
    assert info.state.messages == 5, info.state
    assert info.state.subjects == {f"persubj.{u}.a": 2, f"persubj.{u}.b": 2, f"persubj.{u}.c": 1}, info.state.subjects
    # The newest two of each subject stay: a = 2, 3; b = 6, 7; c = 8.
    for seq in (1, 4, 5):
        await expect_error(js.get_msg(name, seq), NotFoundError, what=f"seq {seq} was discarded")
    for seq in (2, 3, 6, 7, 8):
        await js.get_msg(name, seq)
    last = await js.get_last_msg(name, f"persubj.{u}.b")
    assert last.seq == 7, last
    await nc.close()


@scenario
async def limits_max_bytes(url):
    nc, js = await connect(url)
    u = token()
    # Discard old: the oldest messages go to keep the stream under max_bytes.
    old = f"BYTESOLD_{u}"
    await js.add_stream(name=old, subjects=[f"bytesold.{u}"], max_bytes=2048)
    for _ in range(50):
        await js.publish(f"bytesold.{u}", bytes(100))
    s = await state(js, old)
    assert 0 < s.bytes <= 2048, f"bytes over the limit: {s}"
    assert 0 < s.messages < 50 and s.last_seq == 50 and s.first_seq > 1, s
    assert s.messages == s.last_seq - s.first_seq + 1, f"the oldest go first: {s}"

    # Discard new: publishing fails once the stream is full, with "maximum bytes exceeded".
    # (nats-server 2.9 compares stored bytes plus the new payload, without its per-message
    # overhead, with max_bytes; with 500-byte payloads the refusal comes after 3 or 4.)
    new = f"BYTESNEW_{u}"
    info = await js.add_stream(name=new, subjects=[f"bytesnew.{u}"], max_bytes=2048, discard=api.DiscardPolicy.NEW)
    assert info.config.discard == "new" and info.config.max_bytes == 2048, info.config
    accepted = 0
    error = None
    for _ in range(50):
        try:
            await js.publish(f"bytesnew.{u}", bytes(500))
            accepted += 1
        except APIError as failure:
            error = failure
            break
    assert error is not None, "discard new never refused a message"
    assert error.err_code == 10077 and "bytes" in (error.description or ""), f"refusal: {error}"
    assert 2 <= accepted <= 4, f"{accepted} messages of 500 bytes accepted under max_bytes 2048"
    s = await state(js, new)
    assert s.bytes <= 2048 and s.last_seq == accepted, f"after the refusal: {s} (accepted {accepted})"
    await nc.close()


@scenario
async def limits_max_age(url):
    nc, js = await connect(url)
    u = token()
    name = f"AGE_{u}"
    info = await js.add_stream(name=name, subjects=[f"age.{u}"], max_age=1.0)
    assert info.config.max_age == 1.0, info.config
    for index in range(3):
        await js.publish(f"age.{u}", str(index).encode())
    assert (await state(js, name)).messages == 3, "expired too early"
    started = time.monotonic()

    async def expired():
        s = await state(js, name)
        return s if s.messages == 0 else None

    s = await eventually(expired, timeout=5, interval=0.1, what="expiry after max_age")
    assert time.monotonic() - started > 0.5, "messages expired long before max_age"
    assert (s.first_seq, s.last_seq, s.bytes) == (4, 3, 0), s
    ack = await js.publish(f"age.{u}", b"fresh")
    assert ack.seq == 4, ack
    assert (await state(js, name)).messages == 1
    await nc.close()


@scenario
async def limits_max_msg_size(url):
    nc, js = await connect(url)
    u = token()
    name = f"MSGSIZE_{u}"
    info = await js.add_stream(name=name, subjects=[f"msgsize.{u}"], max_msg_size=64)
    assert info.config.max_msg_size == 64, info.config
    ack = await js.publish(f"msgsize.{u}", bytes(64))
    assert ack.seq == 1, ack
    await expect_error(
        js.publish(f"msgsize.{u}", bytes(65)), BadRequestError, err_code=10054, what="a message over max_msg_size",
    )
    s = await state(js, name)
    assert (s.messages, s.last_seq) == (1, 1), s
    await nc.close()


@scenario
async def discard_new(url):
    nc, js = await connect(url)
    u = token()
    name = f"DISCNEW_{u}"
    await js.add_stream(name=name, subjects=[f"discnew.{u}"], max_msgs=3, discard=api.DiscardPolicy.NEW)
    for index in range(1, 4):
        assert (await js.publish(f"discnew.{u}", str(index).encode())).seq == index
    error = await expect_error(
        js.publish(f"discnew.{u}", b"4"), APIError, err_code=10077, contains="maximum messages exceeded",
        what="publishing into a full discard-new stream",
    )
    assert error.code == 503, error
    s = await state(js, name)
    assert (s.messages, s.first_seq, s.last_seq) == (3, 1, 3), f"nothing was discarded: {s}"
    # Room again after a delete.
    assert await js.delete_msg(name, 1) is True
    ack = await js.publish(f"discnew.{u}", b"4")
    assert ack.seq == 4, ack
    await nc.close()


@scenario
async def duplicate_window(url):
    nc, js = await connect(url)
    u = token()
    name = f"DEDUP_{u}"
    info = await js.add_stream(name=name, subjects=[f"dedup.{u}"], duplicate_window=60)
    assert info.config.duplicate_window == 60.0, info.config
    first = await js.publish(f"dedup.{u}", b"order", headers={"Nats-Msg-Id": "order-1"})
    assert first.seq == 1 and not first.duplicate, first
    second = await js.publish(f"dedup.{u}", b"order again", headers={"Nats-Msg-Id": "order-1"})
    assert second.seq == 1 and second.duplicate is True, f"a duplicate acks the original sequence: {second}"
    third = await js.publish(f"dedup.{u}", b"other", headers={"Nats-Msg-Id": "order-2"})
    assert third.seq == 2 and not third.duplicate, third
    s = await state(js, name)
    assert (s.messages, s.last_seq) == (2, 2), f"the duplicate was stored: {s}"
    stored = await js.get_msg(name, 1)
    assert stored.data == b"order" and header(stored.headers, "Nats-Msg-Id") == "order-1", stored

    # Once the window has passed, the same ID is a new message.
    short = f"DEDUPSHORT_{u}"
    await js.add_stream(name=short, subjects=[f"dedupshort.{u}"], duplicate_window=1)
    assert (await js.publish(f"dedupshort.{u}", b"1", headers={"Nats-Msg-Id": "x"})).seq == 1
    assert (await js.publish(f"dedupshort.{u}", b"1", headers={"Nats-Msg-Id": "x"})).duplicate is True
    await asyncio.sleep(2.0)
    later = await js.publish(f"dedupshort.{u}", b"1", headers={"Nats-Msg-Id": "x"})
    assert later.seq == 2 and not later.duplicate, f"after the window: {later}"
    await nc.close()


@scenario
async def expected_headers(url):
    nc, js = await connect(url)
    u = token()
    name = f"EXPECT_{u}"
    subject = f"expect.{u}.a"
    await js.add_stream(name=name, subjects=[f"expect.{u}.*"])
    await js.publish(f"expect.{u}.b", b"1")
    await js.publish(subject, b"2", headers={"Nats-Msg-Id": "id-2"})
    await js.publish(f"expect.{u}.b", b"3", headers={"Nats-Msg-Id": "id-3"})

    cases = [
        ({"Nats-Expected-Stream": "WRONG"}, 10060, "expected stream does not match"),
        ({"Nats-Expected-Last-Sequence": "2"}, 10071, "wrong last sequence: 3"),
        ({"Nats-Expected-Last-Subject-Sequence": "1"}, 10071, "wrong last sequence: 2"),
        ({"Nats-Expected-Last-Msg-Id": "id-2"}, 10070, "wrong last msg ID: id-3"),
    ]
    for headers, err_code, description in cases:
        error = await expect_error(
            js.publish(subject, b"x", headers=headers), BadRequestError, err_code=err_code, what=str(headers),
        )
        assert error.description == description, f"{headers}: {error.description!r}"
    await expect_error(js.publish(subject, b"x", stream="WRONG"), BadRequestError, err_code=10060, what="stream=")
    assert (await state(js, name)).messages == 3, "a refused message was stored"

    ack = await js.publish(subject, b"4", stream=name, headers={
        "Nats-Expected-Last-Sequence": "3",
        "Nats-Expected-Last-Subject-Sequence": "2",
        "Nats-Expected-Last-Msg-Id": "id-3",
    })
    assert ack.seq == 4, ack
    # Expected last subject sequence 0: the subject must have no message yet (what KV create uses).
    fresh = f"expect.{u}.c"
    assert (await js.publish(fresh, b"first", headers={"Nats-Expected-Last-Subject-Sequence": "0"})).seq == 5
    await expect_error(
        js.publish(fresh, b"second", headers={"Nats-Expected-Last-Subject-Sequence": "0"}), BadRequestError,
        err_code=10071, what="subject already has a message",
    )
    await nc.close()


@scenario
async def rollup(url):
    nc, js = await connect(url)
    u = token()
    name = f"ROLLUP_{u}"
    info = await js.add_stream(name=name, subjects=[f"rollup.{u}.*"], allow_rollup_hdrs=True)
    assert info.config.allow_rollup_hdrs is True, info.config
    for letter in "aabb":
        await js.publish(f"rollup.{u}.{letter}", letter.encode())
    ack = await js.publish(f"rollup.{u}.a", b"a-total", headers={"Nats-Rollup": "sub"})
    assert ack.seq == 5, ack
    info = await js.stream_info(name, subjects_filter=">")
    assert info.state.messages == 3, f"rollup sub keeps one message for the subject: {info.state}"
    assert info.state.subjects == {f"rollup.{u}.a": 1, f"rollup.{u}.b": 2}, info.state.subjects
    assert (await js.get_last_msg(name, f"rollup.{u}.a")).data == b"a-total"

    ack = await js.publish(f"rollup.{u}.c", b"everything", headers={"Nats-Rollup": "all"})
    assert ack.seq == 6, ack
    info = await js.stream_info(name, subjects_filter=">")
    s = info.state
    assert (s.messages, s.first_seq, s.last_seq) == (1, 6, 6), f"rollup all keeps only itself: {s}"
    assert s.subjects == {f"rollup.{u}.c": 1}, s.subjects

    plain = f"NOROLLUP_{u}"
    await js.add_stream(name=plain, subjects=[f"norollup.{u}"])
    await expect_error(
        js.publish(f"norollup.{u}", b"x", headers={"Nats-Rollup": "sub"}), APIError, err_code=10111,
        what="rollup without allow_rollup_hdrs",
    )
    assert (await state(js, plain)).messages == 0
    await nc.close()


@scenario
async def deny_delete_purge(url):
    nc, js = await connect(url)
    u = token()
    name = f"DENY_{u}"
    info = await js.add_stream(name=name, subjects=[f"deny.{u}"], deny_delete=True, deny_purge=True)
    assert info.config.deny_delete and info.config.deny_purge, info.config
    await js.publish(f"deny.{u}", b"1")
    await js.publish(f"deny.{u}", b"2")
    await expect_error(js.purge_stream(name), APIError, err_code=10110, what="purge with deny_purge")
    await expect_error(js.delete_msg(name, 1), APIError, contains="not permitted", what="delete with deny_delete")
    assert (await state(js, name)).messages == 2
    config = (await js.stream_info(name)).config
    config.deny_delete = False
    await expect_error(js.update_stream(config), APIError, err_code=10052, what="lifting deny_delete")
    # The stream itself can still be deleted.
    assert await js.delete_stream(name) is True
    await nc.close()


@scenario
async def sealed_stream(url):
    nc, js = await connect(url)
    u = token()
    name = f"SEALED_{u}"
    await expect_error(
        js.add_stream(name=f"SEALNEW_{u}", subjects=[f"sealnew.{u}"], sealed=True), APIError, err_code=10052,
        what="creating a sealed stream",
    )
    await expect_error(
        js.add_stream(name=f"MD_{u}", subjects=[f"md.{u}"], mirror_direct=True), APIError, err_code=10052,
        contains="stream has no mirror but does have mirror direct", what="mirror_direct without a mirror",
    )
    await js.add_stream(name=name, subjects=[f"sealed.{u}"])
    for index in range(3):
        await js.publish(f"sealed.{u}", str(index).encode())
    config = (await js.stream_info(name)).config
    config.sealed = True
    info = await js.update_stream(config)
    assert info.config.sealed is True and info.state.messages == 3, info

    await expect_error(js.publish(f"sealed.{u}", b"x"), BadRequestError, err_code=10109, what="publish to sealed")
    await expect_error(js.purge_stream(name), BadRequestError, err_code=10109, what="purge sealed")
    await expect_error(js.delete_msg(name, 1), BadRequestError, err_code=10109, what="delete from sealed")
    config.sealed = False
    await expect_error(js.update_stream(config), APIError, err_code=10052, what="unsealing")
    # Reading still works.
    assert (await js.get_msg(name, 2)).data == b"1"
    sub = await js.pull_subscribe(f"sealed.{u}", f"reader_{u}", stream=name)
    messages = await sub.fetch(3)
    assert [m.data for m in messages] == [b"0", b"1", b"2"], messages
    assert await js.delete_stream(name) is True
    await nc.close()


@scenario
async def workqueue_retention(url):
    nc, js = await connect(url)
    u = token()
    name = f"WQ_{u}"
    info = await js.add_stream(name=name, subjects=[f"wq.{u}.*"], retention=api.RetentionPolicy.WORK_QUEUE)
    assert info.config.retention == "workqueue", info.config
    for index in range(3):
        await js.publish(f"wq.{u}.jobs", f"job{index}".encode())
    await js.publish(f"wq.{u}.mail", b"mail")

    workers = await js.pull_subscribe(f"wq.{u}.jobs", f"workers_{u}", stream=name)
    await expect_error(
        js.pull_subscribe(f"wq.{u}.*", f"greedy_{u}", stream=name), BadRequestError, err_code=10100,
        what="a second consumer with an overlapping filter",
    )
    await expect_error(
        js.pull_subscribe(f"wq.{u}.jobs", f"copy_{u}", stream=name), BadRequestError, err_code=10100,
        what="a second consumer with the same filter",
    )
    await expect_error(
        js.add_consumer(name, durable_name=f"last_{u}", filter_subject=f"wq.{u}.other",
                        deliver_policy=api.DeliverPolicy.LAST),
        BadRequestError, err_code=10101, what="deliver last on a work queue",
    )
    mail = await js.pull_subscribe(f"wq.{u}.mail", f"mailer_{u}", stream=name)

    messages = await workers.fetch(2)
    assert [m.data for m in messages] == [b"job0", b"job1"], messages
    assert (await state(js, name)).messages == 4, "delivered but unacknowledged messages stay"
    for m in messages:
        await m.ack()

    async def two_left():
        s = await state(js, name)
        return s if s.messages == 2 else None

    s = await eventually(two_left, what="acknowledged work queue messages removed")
    assert (s.first_seq, s.last_seq) == (3, 4), s
    [m] = await mail.fetch(1)
    assert m.data == b"mail"
    await m.ack_sync()
    [m] = await workers.fetch(1)
    assert m.data == b"job2"
    await m.ack_sync()

    async def empty():
        s = await state(js, name)
        return s if s.messages == 0 else None

    s = await eventually(empty, what="work queue drained")
    assert (s.first_seq, s.last_seq) == (5, 4), s
    # A consumer deleted, its subjects can be taken by another.
    assert await js.delete_consumer(name, f"workers_{u}") is True
    await js.pull_subscribe(f"wq.{u}.jobs", f"newworkers_{u}", stream=name)
    await nc.close()


@scenario
async def interest_retention(url):
    nc, js = await connect(url)
    u = token()
    name = f"INTEREST_{u}"
    info = await js.add_stream(name=name, subjects=[f"interest.{u}"], retention=api.RetentionPolicy.INTEREST)
    assert info.config.retention == "interest", info.config
    # Without consumers a message is acknowledged but not kept.
    ack = await js.publish(f"interest.{u}", b"nobody listens")
    assert ack.seq == 1, ack
    s = await state(js, name)
    assert (s.messages, s.last_seq) == (0, 1), f"kept without interest: {s}"

    first = await js.pull_subscribe(f"interest.{u}", f"first_{u}", stream=name)
    second = await js.pull_subscribe(f"interest.{u}", f"second_{u}", stream=name)
    for index in range(3):
        await js.publish(f"interest.{u}", str(index).encode())
    assert (await state(js, name)).messages == 3
    for m in await first.fetch(3):
        await m.ack_sync()
    await asyncio.sleep(0.2)
    assert (await state(js, name)).messages == 3, "removed before every consumer acknowledged"
    for m in await second.fetch(3):
        await m.ack()

    async def removed():
        s = await state(js, name)
        return s if s.messages == 0 else None

    s = await eventually(removed, what="removal once all consumers acknowledged")
    assert (s.first_seq, s.last_seq) == (5, 4), s
    await nc.close()


@scenario
async def memory_storage(url):
    nc, js = await connect(url)
    u = token()
    name = f"MEM_{u}"
    info = await js.add_stream(name=name, subjects=[f"mem.{u}.>"], storage=api.StorageType.MEMORY)
    assert info.config.storage == "memory", info.config
    for index in range(1, 6):
        ack = await js.publish(f"mem.{u}.x", f"m{index}".encode(), headers={"Index": str(index)})
        assert ack.seq == index, ack
    s = await state(js, name)
    assert (s.messages, s.first_seq, s.last_seq) == (5, 1, 5) and s.bytes > 0, s
    stored = await js.get_msg(name, 3)
    assert stored.data == b"m3" and header(stored.headers, "Index") == "3", stored
    account = await js.account_info()
    assert account.memory > 0, f"account memory usage not counted: {account}"
    sub = await js.pull_subscribe(f"mem.{u}.x", f"reader_{u}", stream=name)
    messages = await sub.fetch(5)
    assert [m.data for m in messages] == [f"m{i}".encode() for i in range(1, 6)], messages
    for m in messages:
        await m.ack()
    assert await js.purge_stream(name) is True
    assert (await state(js, name)).messages == 0
    await nc.close()


# Publishing ---------------------------------------------------------------------------------


@scenario
async def publish_ack(url):
    nc, js = await connect(url)
    u = token()
    first, second = f"ACK1_{u}", f"ACK2_{u}"
    await js.add_stream(name=first, subjects=[f"ack1.{u}"])
    await js.add_stream(name=second, subjects=[f"ack2.{u}"])
    for index in range(1, 4):
        ack = await js.publish(f"ack1.{u}", f"{index}".encode())
        assert isinstance(ack, api.PubAck), ack
        assert (ack.stream, ack.seq) == (first, index) and not ack.duplicate and ack.domain is None, ack
    ack = await js.publish(f"ack2.{u}", b"")
    assert (ack.stream, ack.seq) == (second, 1), f"sequences are per stream: {ack}"
    stored = await js.get_msg(second, 1)
    assert stored.data in (None, b"") and stored.subject == f"ack2.{u}", f"empty payload: {stored}"
    ack = await js.publish(f"ack1.{u}", b"with headers", headers={"Trace": "t-1", "Multi": "x"})
    assert ack.seq == 4, ack
    stored = await js.get_msg(first, 4)
    assert header(stored.headers, "Trace") == "t-1" and header(stored.headers, "Multi") == "x", stored.headers
    await nc.close()


@scenario
async def publish_no_stream(url):
    nc, js = await connect(url)
    u = token()
    # No stream listens: the request gets "no responders", which nats-py reports this way.
    await expect_error(js.publish(f"nowhere.{u}", b"x", timeout=2), NoStreamResponseError, what="js.publish")
    future = await js.publish_async(f"nowhere.{u}", b"x")
    await expect_error(asyncio.wait_for(future, 5), NoStreamResponseError, what="js.publish_async")
    # A plain publish to a stream subject is stored even though nobody waits for an ack.
    name = f"PLAIN_{u}"
    await js.add_stream(name=name, subjects=[f"plain.{u}"])
    await nc.publish(f"plain.{u}", b"fire and forget")
    await nc.flush()

    async def stored():
        return (await state(js, name)).messages == 1

    await eventually(stored, what="core publish stored")
    await nc.close()


@scenario
async def publish_async_1000(url):
    nc, js = await connect(url)
    u = token()
    name = f"ASYNC_{u}"
    await js.add_stream(name=name, subjects=[f"async.{u}"])
    futures = [await js.publish_async(f"async.{u}", f"msg-{index}".encode()) for index in range(1000)]
    await asyncio.wait_for(js.publish_async_completed(), 15)
    acks = [future.result() for future in futures]
    assert sorted(ack.seq for ack in acks) == list(range(1, 1001)), "every message acknowledged once"
    assert all(ack.stream == name for ack in acks)
    assert js.publish_async_pending() == 0
    s = await state(js, name)
    assert (s.messages, s.first_seq, s.last_seq) == (1000, 1, 1000), s
    # Stored in publish order.
    for seq in (1, 500, 1000):
        assert (await js.get_msg(name, seq)).data == f"msg-{seq - 1}".encode()
    await nc.close()


# Get and delete -----------------------------------------------------------------------------


@scenario
async def get_and_delete_msg(url):
    nc, js = await connect(url)
    u = token()
    name = f"GET_{u}"
    info = await js.add_stream(name=name, subjects=[f"get.{u}.*"])
    assert not info.config.allow_direct, info.config
    before = datetime.datetime.now(datetime.timezone.utc) - datetime.timedelta(seconds=5)
    await js.publish(f"get.{u}.a", b"a1", headers={"K": "v"})
    await js.publish(f"get.{u}.b", b"b1")
    await js.publish(f"get.{u}.a", b"a2")

    first = await js.get_msg(name, 1)
    assert (first.subject, first.seq, first.data) == (f"get.{u}.a", 1, b"a1"), first
    assert header(first.headers, "K") == "v", first.headers
    assert first.time is not None and first.time > before, first.time
    last = await js.get_last_msg(name, f"get.{u}.a")
    assert (last.seq, last.data) == (3, b"a2"), last
    following = await js.get_msg(name, 2, subject=f"get.{u}.a", next=True)
    assert (following.seq, following.data) == (3, b"a2"), f"next message on the subject from seq 2: {following}"

    await expect_error(js.get_msg(name, 99), NotFoundError, err_code=10037, what="a sequence past the end")
    await expect_error(js.get_last_msg(name, f"get.{u}.none"), NotFoundError, err_code=10037, what="an empty subject")
    await expect_error(js.get_msg(f"NOPE_{u}", 1), NotFoundError, err_code=10059, what="a missing stream")
    # Malformed requests: refused as bad requests (10003) before the stream is looked up;
    # a body that is not JSON is invalid JSON (10025).
    for body in [b"", b"{}", b'{"seq":0}', b'{"seq":1,"last_by_subj":"x"}', b'{"last_by_subj":"x","next_by_subj":"x"}']:
        for stream in [name, f"NOPE_{u}"]:
            reply = json.loads((await nc.request(f"$JS.API.STREAM.MSG.GET.{stream}", body)).data)
            assert reply["error"]["err_code"] == 10003, (stream, body, reply)
    reply = json.loads((await nc.request(f"$JS.API.STREAM.MSG.GET.{name}", b"{seq")).data)
    assert reply["error"]["err_code"] == 10025, reply

    assert await js.delete_msg(name, 2) is True
    await expect_error(js.get_msg(name, 2), NotFoundError, err_code=10037, what="a deleted message")
    s = await state(js, name)
    assert (s.messages, s.first_seq, s.last_seq) == (2, 1, 3), s
    assert s.num_deleted == 1, f"interior delete counted: {s}"
    await expect_error(js.delete_msg(name, 2), APIError, what="deleting twice")
    assert await js.delete_msg(name, 1) is True
    s = await state(js, name)
    assert (s.messages, s.first_seq) == (1, 3), f"deleting the first moves first_seq: {s}"
    await nc.close()


@scenario
async def direct_get(url):
    nc, js = await connect(url)
    u = token()
    name = f"DIRECT_{u}"
    info = await js.add_stream(name=name, subjects=[f"direct.{u}.*"], allow_direct=True)
    assert info.config.allow_direct is True, info.config
    await js.publish(f"direct.{u}.a", b"a1", headers={"K": "v"})
    await js.publish(f"direct.{u}.b", b"b1")
    await js.publish(f"direct.{u}.a", b"a2")

    message = await js.get_msg(name, 1, direct=True)
    assert (message.subject, message.seq, message.data) == (f"direct.{u}.a", 1, b"a1"), message
    assert header(message.headers, "K") == "v", message.headers
    assert header(message.headers, "Nats-Stream") == name, message.headers
    assert header(message.headers, "Nats-Subject") == f"direct.{u}.a", message.headers
    assert header(message.headers, "Nats-Sequence") == "1", message.headers
    assert header(message.headers, "Nats-Time-Stamp"), message.headers
    last = await js.get_last_msg(name, f"direct.{u}.a", direct=True)
    assert (last.seq, last.data) == (3, b"a2"), last
    # The non-direct API still answers on a direct stream.
    assert (await js.get_last_msg(name, f"direct.{u}.b")).data == b"b1"
    await expect_error(js.get_msg(name, 99, direct=True), NotFoundError, what="direct get past the end")
    await expect_error(js.get_last_msg(name, f"direct.{u}.none", direct=True), NotFoundError, what="direct get, no subject")
    # Malformed requests get a 408 status naming the fault.
    for body, description in [(b"", "Empty Request"), (b"{}", "Empty Request"), (b"{seq", "Malformed Request"),
                              (b'{"seq":1,"last_by_subj":"x"}', "Bad Request"), (b'{"last_by_subj":"x","next_by_subj":"x"}', "Bad Request")]:
        reply = await nc.request(f"$JS.API.DIRECT.GET.{name}", body)
        assert reply.headers and reply.headers.get("Status") == "408", (body, reply.headers)
        assert reply.headers.get("Description") == description, (body, reply.headers)
    await nc.close()


@scenario
async def consumer_create_forms(url):
    """The three CONSUMER.CREATE subject forms and their checks, as nats-py and older clients
    send them; every check comes before the stream is looked up."""
    nc, js = await connect(url)
    u = token()
    name = f"FORMS_{u}"
    await js.add_stream(name=name, subjects=[f"forms.{u}.>"])

    async def create(subject, body):
        reply = await nc.request(f"$JS.API.CONSUMER.{subject}", json.dumps(body).encode())
        return json.loads(reply.data)

    for stream in [name, f"NOPE_{u}"]:
        cases = [
            # named form: a durable name must be the subject's name
            (f"CREATE.{stream}.A", {"config": {"durable_name": "B", "ack_policy": "explicit"}}, 10017),
            # legacy ephemeral form: no durable name
            (f"CREATE.{stream}", {"config": {"durable_name": "B", "ack_policy": "explicit"}}, 10020),
            # legacy durable form: the body names the durable, and the same one
            (f"DURABLE.CREATE.{stream}.D", {"config": {"ack_policy": "explicit"}}, 10018),
            (f"DURABLE.CREATE.{stream}.D", {"config": {"durable_name": "E", "ack_policy": "explicit"}}, 10017),
            # a filter in the subject must be the body's
            (f"CREATE.{stream}.F.forms.{u}.a", {"config": {"filter_subject": f"forms.{u}.b"}}, 10131),
            ("CREATE." + stream + ".a\\b", {"config": {"ack_policy": "explicit"}}, 10127),
        ]
        for subject, body, code in cases:
            body["stream_name"] = stream
            reply = await create(subject, body)
            assert reply.get("error", {}).get("err_code") == code, (subject, body, reply)
        reply = await create(f"CREATE.{stream}.X", {"stream_name": "OTHER", "config": {}})
        assert reply["error"]["err_code"] == 10056, reply
    reply = await create(f"CREATE.NOPE_{u}.X", {"stream_name": f"NOPE_{u}", "config": {}})
    assert reply["error"]["err_code"] == 10059, reply

    # The subject's name wins over the body's; a body without config is Go's zero config.
    reply = await create(f"CREATE.{name}.N1", {"stream_name": name, "config": {"name": "N2", "ack_policy": "explicit"}})
    assert reply["name"] == "N1" and reply["config"]["name"] == "N1", reply
    reply = await create(f"CREATE.{name}.N3", {"stream_name": name})
    assert reply["name"] == "N3" and reply["config"]["ack_policy"] == "none", reply
    reply = await create(f"CREATE.{name}.F2.forms.{u}.a", {"stream_name": name, "config": {"filter_subject": f"forms.{u}.a"}})
    assert reply["config"]["filter_subject"] == f"forms.{u}.a", reply
    reply = await create(f"DURABLE.CREATE.{name}.D", {"stream_name": name, "config": {"durable_name": "D", "ack_policy": "explicit"}})
    assert reply["config"]["durable_name"] == "D", reply
    await nc.close()


@scenario
async def republish(url):
    nc, js = await connect(url)
    u = token()
    copies = await nc.subscribe(f"out.{u}.>")
    info = await js.add_stream(name=f"RP_{u}", subjects=[f"rp.{u}.>"],
                               republish=api.RePublish(src=f"rp.{u}.>", dest=f"out.{u}.>"))
    assert info.config.republish.dest == f"out.{u}.>", info.config
    await js.publish(f"rp.{u}.a", b"one", headers={"K": "v"})
    await js.publish(f"rp.{u}.b", b"two")
    await js.publish(f"rp.{u}.a", b"three")
    seen = [await copies.next_msg(timeout=2) for _ in range(3)]
    assert [m.subject for m in seen] == [f"out.{u}.a", f"out.{u}.b", f"out.{u}.a"], [m.subject for m in seen]
    assert [m.data for m in seen] == [b"one", b"two", b"three"], seen
    for message, sequence, last in zip(seen, ["1", "2", "3"], ["0", "0", "1"]):
        assert header(message.headers, "Nats-Stream") == f"RP_{u}", message.headers
        assert header(message.headers, "Nats-Sequence") == sequence, message.headers
        assert header(message.headers, "Nats-Last-Sequence") == last, message.headers
        assert header(message.headers, "Nats-Subject") == message.subject.replace("out.", "rp.", 1), message.headers
        assert header(message.headers, "Nats-Msg-Size") is None, message.headers
    assert header(seen[0].headers, "K") == "v", seen[0].headers

    # A header of the stream's names in the published message stays; the stream's own follow it
    # (nats-server's genHeader appends). nats-py keeps one value per name, so read the raw HMSG.
    parsed = urlparse(url)
    reader, writer = await asyncio.open_connection(parsed.hostname, parsed.port)
    await reader.readline()  # INFO
    writer.write(f'CONNECT {{"verbose":false,"headers":true,"protocol":1}}\r\nSUB out.{u}.c 1\r\nPING\r\n'.encode())
    await writer.drain()
    while (await asyncio.wait_for(reader.readline(), 5)).strip() != b"PONG":
        pass
    await js.publish(f"rp.{u}.c", b"four", headers={"Nats-Stream": "MINE"})
    line = (await asyncio.wait_for(reader.readline(), 5)).split()
    assert line[0] == b"HMSG" and line[1] == f"out.{u}.c".encode(), line
    block = (await asyncio.wait_for(reader.readexactly(int(line[-1]) + 2), 5))[:int(line[-2])].decode()
    streams = [field.split(":", 1)[1].strip() for field in block.split("\r\n") if field.startswith("Nats-Stream:")]
    assert streams == ["MINE", f"RP_{u}"], block
    writer.close()

    # Headers only, from a bucket: the source defaults to every subject of the stream.
    kv = await js.create_key_value(bucket=f"RPKV_{u}", republish=api.RePublish(dest=f"kvout.{u}.>", headers_only=True))
    config = (await js.stream_info(f"KV_RPKV_{u}")).config
    assert (config.republish.src, config.republish.headers_only) == (">", True), config.republish
    updates = await nc.subscribe(f"kvout.{u}.>")
    await kv.put("k", b"twelve bytes")
    update = await updates.next_msg(timeout=2)
    assert update.subject == f"kvout.{u}.$KV.RPKV_{u}.k" and update.data == b"", (update.subject, update.data)
    assert header(update.headers, "Nats-Msg-Size") == "12", update.headers

    # Refused configurations, and no change of republish in an update.
    for republish, text in [(api.RePublish(src=f"rp2.{u}.>", dest=f"rp2.{u}.x.>"), "forms a cycle"),
                            (api.RePublish(src=f"elsewhere.{u}.>", dest=f"o.{u}.>"), "not valid subset"),
                            (api.RePublish(src=f"rp2.{u}.*", dest=f"o.{u}.x"), "not valid")]:
        await expect_error(js.add_stream(name=f"RP2_{u}", subjects=[f"rp2.{u}.>"], republish=republish),
                           APIError, err_code=10052, contains=text, what=str(republish))
    await expect_error(js.update_stream(name=f"RP_{u}", subjects=[f"rp.{u}.>"]), APIError, err_code=10052,
                       contains="can not change RePublish", what="update without republish")
    await nc.close()


# Pull consumers -----------------------------------------------------------------------------


@scenario
async def pull_fetch_ack(url):
    nc, js = await connect(url)
    u = token()
    name = f"PULL_{u}"
    durable = f"worker_{u}"
    await js.add_stream(name=name, subjects=[f"pull.{u}"])
    for index in range(10):
        await js.publish(f"pull.{u}", f"{index}".encode())
    sub = await js.pull_subscribe(f"pull.{u}", durable, stream=name)
    messages = await sub.fetch(10)
    assert [m.data for m in messages] == [f"{i}".encode() for i in range(10)], [m.data for m in messages]
    for index, m in enumerate(messages, start=1):
        meta = m.metadata
        assert (meta.stream, meta.consumer) == (name, durable), meta
        assert (meta.sequence.stream, meta.sequence.consumer, meta.num_delivered) == (index, index, 1), meta
        assert meta.num_pending == 10 - index, meta
        assert m.subject == f"pull.{u}", m.subject
    for m in messages[:-1]:
        await m.ack()
    await messages[-1].ack_sync()
    info = await sub.consumer_info()
    assert info.name == durable and info.config.durable_name == durable, info
    assert info.config.ack_policy == "explicit" and info.config.filter_subject == f"pull.{u}", info.config
    assert (info.num_pending, info.num_ack_pending, info.num_redelivered) == (0, 0, 0), info
    assert_sequence(info.delivered, 10, 10, "delivered")
    assert_sequence(info.ack_floor, 10, 10, "ack floor")
    await expect_no_fetch(sub, 0.5, "everything was acknowledged")
    await js.publish(f"pull.{u}", b"late")
    [m] = await sub.fetch(1, timeout=5)
    assert m.data == b"late" and m.metadata.sequence.stream == 11
    # An acknowledgement twice is refused by the client.
    await m.ack()
    await expect_error(m.ack(), nats.errors.MsgAlreadyAckdError, what="second ack")
    await nc.close()


@scenario
async def pull_nak(url):
    nc, js = await connect(url)
    u = token()
    name = f"NAK_{u}"
    await js.add_stream(name=name, subjects=[f"nak.{u}"])
    await js.publish(f"nak.{u}", b"retry me")
    sub = await js.pull_subscribe(f"nak.{u}", f"nak_{u}", stream=name, config=api.ConsumerConfig(ack_wait=30))
    [m] = await sub.fetch(1)
    assert m.metadata.num_delivered == 1
    await m.nak()
    [again] = await sub.fetch(1, timeout=5)
    assert again.data == b"retry me", again.data
    meta = again.metadata
    assert (meta.num_delivered, meta.sequence.stream, meta.sequence.consumer) == (2, 1, 2), meta
    info = await sub.consumer_info()
    assert info.num_redelivered == 1 and info.num_ack_pending == 1, info
    await again.ack_sync()
    info = await sub.consumer_info()
    assert info.num_ack_pending == 0 and info.ack_floor.stream_seq == 1, info
    await nc.close()


@scenario
async def pull_nak_delay(url):
    nc, js = await connect(url)
    u = token()
    name = f"NAKDELAY_{u}"
    await js.add_stream(name=name, subjects=[f"nakdelay.{u}"])
    await js.publish(f"nakdelay.{u}", b"later")
    sub = await js.pull_subscribe(f"nakdelay.{u}", f"nd_{u}", stream=name, config=api.ConsumerConfig(ack_wait=30))
    [m] = await sub.fetch(1)
    started = time.monotonic()
    await m.nak(delay=1.5)
    await expect_no_fetch(sub, 0.7, "redelivered before the nak delay")
    [again] = await sub.fetch(1, timeout=4)
    elapsed = time.monotonic() - started
    assert again.metadata.num_delivered == 2, again.metadata
    assert 1.2 <= elapsed <= 3.5, f"redelivered {elapsed:.2f} s after a 1.5 s nak delay"
    await again.ack()
    await nc.close()


@scenario
async def pull_in_progress(url):
    nc, js = await connect(url)
    u = token()
    name = f"WPI_{u}"
    await js.add_stream(name=name, subjects=[f"wpi.{u}"])
    await js.publish(f"wpi.{u}", b"slow job")
    sub = await js.pull_subscribe(f"wpi.{u}", f"wpi_{u}", stream=name, config=api.ConsumerConfig(ack_wait=1))
    [m] = await sub.fetch(1)
    # Working for 2.5 s, three times the ack wait, telling the server every 0.5 s.
    for _ in range(5):
        await asyncio.sleep(0.5)
        await m.in_progress()
    await expect_no_fetch(sub, 0.5, "redelivered although in progress")
    await m.ack_sync()
    info = await sub.consumer_info()
    assert (info.num_ack_pending, info.num_redelivered) == (0, 0), info
    assert_sequence(info.ack_floor, 1, 1, "ack floor")
    await nc.close()


@scenario
async def pull_term(url):
    nc, js = await connect(url)
    u = token()
    name = f"TERM_{u}"
    await js.add_stream(name=name, subjects=[f"term.{u}"])
    await js.publish(f"term.{u}", b"poison")
    await js.publish(f"term.{u}", b"fine")
    sub = await js.pull_subscribe(f"term.{u}", f"term_{u}", stream=name, config=api.ConsumerConfig(ack_wait=1))
    [m] = await sub.fetch(1)
    assert m.data == b"poison"
    await m.term()
    [m] = await sub.fetch(1)
    assert m.data == b"fine" and m.metadata.num_delivered == 1
    await m.ack_sync()
    await expect_no_fetch(sub, 2.0, "a terminated message came back")
    info = await sub.consumer_info()
    assert (info.num_ack_pending, info.num_redelivered, info.num_pending) == (0, 0, 0), info
    assert_sequence(info.ack_floor, 2, 2, "ack floor after term")
    await nc.close()


@scenario
async def pull_ack_wait_redelivery(url):
    nc, js = await connect(url)
    u = token()
    name = f"ACKWAIT_{u}"
    await js.add_stream(name=name, subjects=[f"ackwait.{u}"])
    await js.publish(f"ackwait.{u}", b"forgotten")
    sub = await js.pull_subscribe(f"ackwait.{u}", f"aw_{u}", stream=name, config=api.ConsumerConfig(ack_wait=1))
    assert (await sub.consumer_info()).config.ack_wait == 1.0
    [first] = await sub.fetch(1)
    assert first.metadata.num_delivered == 1
    started = time.monotonic()
    await expect_no_fetch(sub, 0.5, "redelivered before ack_wait")
    [again] = await sub.fetch(1, timeout=4)
    elapsed = time.monotonic() - started
    assert again.data == b"forgotten" and again.metadata.num_delivered == 2, again.metadata
    assert 0.8 <= elapsed <= 3.0, f"redelivered after {elapsed:.2f} s with ack_wait 1 s"
    await again.ack_sync()
    info = await sub.consumer_info()
    assert info.num_redelivered == 0 and info.num_ack_pending == 0, info
    await nc.close()


@scenario
async def pull_max_deliver(url):
    nc, js = await connect(url)
    u = token()
    name = f"MAXDEL_{u}"
    await js.add_stream(name=name, subjects=[f"maxdel.{u}"])
    await js.publish(f"maxdel.{u}", b"never acked")
    sub = await js.pull_subscribe(
        f"maxdel.{u}", f"md_{u}", stream=name, config=api.ConsumerConfig(ack_wait=1, max_deliver=2),
    )
    [m] = await sub.fetch(1)
    assert m.metadata.num_delivered == 1
    [m] = await sub.fetch(1, timeout=4)
    assert m.metadata.num_delivered == 2
    await expect_no_fetch(sub, 2.5, "delivered beyond max_deliver")
    info = await sub.consumer_info()
    assert info.config.max_deliver == 2, info.config
    assert info.num_ack_pending == 0 and info.num_pending == 0, info
    assert_sequence(info.delivered, 2, 1, "delivered")
    await nc.close()


@scenario
async def pull_fetch_timeout_and_no_wait(url):
    nc, js = await connect(url)
    u = token()
    name = f"EMPTY_{u}"
    durable = f"empty_{u}"
    await js.add_stream(name=name, subjects=[f"empty.{u}"])
    sub = await js.pull_subscribe(f"empty.{u}", durable, stream=name)
    for batch in (1, 5):
        started = time.monotonic()
        await expect_error(sub.fetch(batch, timeout=1), nats.errors.TimeoutError, what=f"fetch({batch}) on empty")
        elapsed = time.monotonic() - started
        assert 0.8 <= elapsed <= 3.0, f"fetch({batch}, timeout=1) gave up after {elapsed:.2f} s"
    # A fetch of more than is there returns what there is, without waiting for the timeout.
    for index in range(3):
        await js.publish(f"empty.{u}", f"{index}".encode())
    started = time.monotonic()
    messages = await sub.fetch(10, timeout=5)
    elapsed = time.monotonic() - started
    assert [m.data for m in messages] == [b"0", b"1", b"2"], messages
    assert elapsed < 2.5, f"fetch(10) with 3 available took {elapsed:.2f} s"
    for m in messages:
        await m.ack()

    # The pull request itself: no_wait on an empty consumer answers at once with a 404 status.
    inbox = nc.new_inbox()
    replies = await nc.subscribe(inbox)
    next_subject = f"$JS.API.CONSUMER.MSG.NEXT.{name}.{durable}"
    await nc.publish(next_subject, json.dumps({"batch": 1, "no_wait": True}).encode(), reply=inbox)
    status = await replies.next_msg(timeout=2)
    assert header(status.headers, "Status") == "404" and status.data == b"", (status.headers, status.data)
    # With fewer messages than the batch: the message (on its stream subject), then a status
    # that ends the request (404 or 408, depending on the server release).
    await js.publish(f"empty.{u}", b"3")
    await nc.publish(next_subject, json.dumps({"batch": 5, "no_wait": True}).encode(), reply=inbox)
    message = await replies.next_msg(timeout=2)
    assert message.data == b"3" and message.subject == f"empty.{u}", (message.subject, message.data)
    assert message.reply.startswith(f"$JS.ACK.{name}.{durable}."), message.reply
    end = await replies.next_msg(timeout=2)
    assert header(end.headers, "Status") in ("404", "408"), end.headers
    # A request's idle heartbeat must fit twice in its expiry.
    await nc.publish(next_subject, json.dumps({"batch": 1, "expires": 1_000_000_000, "idle_heartbeat": 500_000_001}).encode(), reply=inbox)
    status = await replies.next_msg(timeout=2)
    assert header(status.headers, "Status") == "400", status.headers
    assert header(status.headers, "Description") == "Bad Request - heartbeat value too large", status.headers
    await nc.close()


@scenario
async def consumer_info_counts(url):
    nc, js = await connect(url)
    u = token()
    name = f"CINFO_{u}"
    durable = f"counts_{u}"
    await js.add_stream(name=name, subjects=[f"cinfo.{u}"])
    for index in range(6):
        await js.publish(f"cinfo.{u}", f"{index}".encode())
    sub = await js.pull_subscribe(f"cinfo.{u}", durable, stream=name)
    info = await sub.consumer_info()
    assert (info.stream_name, info.name) == (name, durable), info
    assert (info.num_pending, info.num_ack_pending, info.num_redelivered) == (6, 0, 0), info
    assert_sequence(info.delivered, 0, 0, "delivered before fetch")
    assert_sequence(info.ack_floor, 0, 0, "ack floor before fetch")
    assert info.created is not None

    messages = await sub.fetch(4)
    info = await sub.consumer_info()
    assert (info.num_pending, info.num_ack_pending) == (2, 4), info
    assert_sequence(info.delivered, 4, 4, "delivered after fetch")
    await messages[0].ack_sync()
    await messages[1].ack_sync()
    await messages[3].ack_sync()
    info = await sub.consumer_info()
    assert info.num_ack_pending == 1, info
    assert_sequence(info.ack_floor, 2, 2, "ack floor with a gap at 3")

    listed = await js.consumers_info(name)
    assert [c.name for c in listed] == [durable], listed
    assert (await state(js, name)).consumer_count == 1
    assert await js.delete_consumer(name, durable) is True
    await expect_error(js.consumer_info(name, durable), NotFoundError, err_code=10014, what="a deleted consumer")
    await expect_error(js.delete_consumer(name, durable), NotFoundError, err_code=10014, what="deleting twice")
    assert (await state(js, name)).consumer_count == 0
    assert await js.consumers_info(name) == []
    await nc.close()


@scenario
async def pull_filter_subject(url):
    nc, js = await connect(url)
    u = token()
    name = f"FILTER_{u}"
    await js.add_stream(name=name, subjects=[f"filter.{u}.>"])
    for subject in ["eu.created", "us.created", "eu.shipped", "eu.created", "asia.created"]:
        await js.publish(f"filter.{u}.{subject}", subject.encode())
    sub = await js.pull_subscribe(f"filter.{u}.eu.*", f"eu_{u}", stream=name)
    info = await sub.consumer_info()
    assert info.config.filter_subject == f"filter.{u}.eu.*" and info.num_pending == 3, info
    messages = await sub.fetch(10, timeout=2)
    assert [(m.subject, m.metadata.sequence.stream) for m in messages] == [
        (f"filter.{u}.eu.created", 1), (f"filter.{u}.eu.shipped", 3), (f"filter.{u}.eu.created", 4),
    ], [(m.subject, m.metadata.sequence.stream) for m in messages]
    assert [m.metadata.sequence.consumer for m in messages] == [1, 2, 3]
    assert [m.metadata.num_pending for m in messages] == [2, 1, 0]
    for m in messages:
        await m.ack()
    created = await js.pull_subscribe(f"filter.{u}.*.created", f"created_{u}", stream=name)
    assert len(await created.fetch(10, timeout=2)) == 4
    await expect_error(
        js.add_consumer(name, durable_name=f"outside_{u}", filter_subject=f"elsewhere.{u}"), BadRequestError,
        err_code=10093, what="a filter outside the stream's subjects",
    )
    await nc.close()


@scenario
async def pull_filter_subjects(url):
    """Several filter subjects on one consumer: a nats-server 2.10 feature.

    nats-server 2.9 ignores the `filter_subjects` field (the consumer then gets every subject),
    so against a server that reports a version before 2.10 this scenario is skipped.
    """
    nc, js = await connect(url)
    if not server_at_least(nc, 2, 10):
        print(f"SKIP: filter_subjects needs nats-server 2.10; server reports {nc.connected_server_version}")
        await nc.close()
        return
    u = token()
    name = f"FILTERS_{u}"
    await js.add_stream(name=name, subjects=[f"filters.{u}.*"])
    for letter in "abcab":
        await js.publish(f"filters.{u}.{letter}", letter.encode())
    sub = await js.pull_subscribe(
        "", f"multi_{u}", stream=name,
        config=api.ConsumerConfig(filter_subjects=[f"filters.{u}.a", f"filters.{u}.b"]),
    )
    messages = await sub.fetch(10, timeout=2)
    assert [m.data for m in messages] == [b"a", b"b", b"a", b"b"], [m.data for m in messages]
    await nc.close()


@scenario
async def deliver_policies(url):
    nc, js = await connect(url)
    u = token()
    name = f"DELIVER_{u}"
    await js.add_stream(name=name, subjects=[f"deliver.{u}.*"])
    for index in range(1, 4):
        await js.publish(f"deliver.{u}.a", f"a{index}".encode())
    await asyncio.sleep(0.2)
    middle = datetime.datetime.now(datetime.timezone.utc)
    await asyncio.sleep(0.2)
    for index in range(1, 4):
        await js.publish(f"deliver.{u}.b", f"b{index}".encode())

    cases = [
        ("all", {}, [b"a1", b"a2", b"a3", b"b1", b"b2", b"b3"]),
        ("last", {}, [b"b3"]),
        ("by_start_sequence", {"opt_start_seq": 2}, [b"a2", b"a3", b"b1", b"b2", b"b3"]),
        ("by_start_time", {"opt_start_time": middle}, [b"b1", b"b2", b"b3"]),
        ("last_per_subject", {}, [b"a3", b"b3"]),
        ("new", {}, []),  # last: it publishes one more message
    ]
    for policy, options, expected in cases:
        sub = await js.pull_subscribe(
            f"deliver.{u}.*", f"{policy}_{u}", stream=name,
            config=api.ConsumerConfig(deliver_policy=api.DeliverPolicy(policy), **options),
        )
        info = await sub.consumer_info()
        assert info.config.deliver_policy == policy, info.config
        assert info.num_pending == len(expected), f"{policy}: num_pending {info.num_pending}, expected {len(expected)}"
        got = [m.data for m in await fetch_or_empty(sub, 10, 1)]
        assert got == expected, f"{policy}: got {got}, expected {expected}"
        if policy == "new":
            await js.publish(f"deliver.{u}.a", b"a4")
            got = [m.data for m in await sub.fetch(10, timeout=2)]
            assert got == [b"a4"], f"new: after publishing, got {got}"
    await expect_error(
        js.add_consumer(name, durable_name=f"noseq_{u}", deliver_policy=api.DeliverPolicy.BY_START_SEQUENCE),
        BadRequestError, err_code=10094, what="by_start_sequence without a sequence",
    )
    await expect_error(
        js.add_consumer(name, durable_name=f"notime_{u}", deliver_policy=api.DeliverPolicy.BY_START_TIME),
        BadRequestError, err_code=10094, what="by_start_time without a time",
    )
    await nc.close()


@scenario
async def headers_only(url):
    nc, js = await connect(url)
    u = token()
    name = f"HDRONLY_{u}"
    await js.add_stream(name=name, subjects=[f"hdronly.{u}"])
    await js.publish(f"hdronly.{u}", b"a large body", headers={"X-Kind": "report"})
    sub = await js.pull_subscribe(
        f"hdronly.{u}", f"ho_{u}", stream=name, config=api.ConsumerConfig(headers_only=True),
    )
    assert (await sub.consumer_info()).config.headers_only is True
    [m] = await sub.fetch(1)
    assert m.data == b"", f"headers only delivers no body: {m.data!r}"
    assert header(m.headers, "X-Kind") == "report", m.headers
    assert header(m.headers, "Nats-Msg-Size") == "12", f"the body size is a header: {m.headers}"
    await m.ack()
    await nc.close()


@scenario
async def ack_policies(url):
    nc, js = await connect(url)
    u = token()
    name = f"ACKPOL_{u}"
    await js.add_stream(name=name, subjects=[f"ackpol.{u}"])
    for index in range(1, 6):
        await js.publish(f"ackpol.{u}", f"{index}".encode())

    # Ack none: nothing to acknowledge, the ack floor follows deliveries.
    none = await js.pull_subscribe(
        f"ackpol.{u}", f"none_{u}", stream=name, config=api.ConsumerConfig(ack_policy=api.AckPolicy.NONE),
    )
    messages = await none.fetch(5)
    assert [m.data for m in messages] == [b"1", b"2", b"3", b"4", b"5"]
    info = await none.consumer_info()
    assert info.config.ack_policy == "none" and info.num_ack_pending == 0 and info.num_pending == 0, info
    assert_sequence(info.ack_floor, 5, 5, "ack none floor")

    # Ack all: acknowledging message 4 acknowledges 1 to 4.
    cumulative = await js.pull_subscribe(
        f"ackpol.{u}", f"all_{u}", stream=name, config=api.ConsumerConfig(ack_policy=api.AckPolicy.ALL),
    )
    messages = await cumulative.fetch(5)
    info = await cumulative.consumer_info()
    assert info.num_ack_pending == 5, info
    await messages[3].ack_sync()
    info = await cumulative.consumer_info()
    assert info.config.ack_policy == "all" and info.num_ack_pending == 1, info
    assert_sequence(info.ack_floor, 4, 4, "ack all floor")
    await messages[4].ack_sync()
    info = await cumulative.consumer_info()
    assert info.num_ack_pending == 0, info
    assert_sequence(info.ack_floor, 5, 5, "ack all floor")
    await nc.close()


@scenario
async def max_ack_pending(url):
    nc, js = await connect(url)
    u = token()
    name = f"MAXACK_{u}"
    await js.add_stream(name=name, subjects=[f"maxack.{u}"])
    for index in range(10):
        await js.publish(f"maxack.{u}", f"{index}".encode())
    sub = await js.pull_subscribe(
        f"maxack.{u}", f"map_{u}", stream=name, config=api.ConsumerConfig(max_ack_pending=3, ack_wait=30),
    )
    messages = await sub.fetch(10, timeout=2)
    assert [m.data for m in messages] == [b"0", b"1", b"2"], f"at most 3 outstanding: {[m.data for m in messages]}"
    assert await fetch_or_empty(sub, 10, 1) == [], "delivered beyond max_ack_pending"
    info = await sub.consumer_info()
    assert info.config.max_ack_pending == 3 and info.num_ack_pending == 3 and info.num_pending == 7, info
    await messages[0].ack_sync()
    more = await sub.fetch(10, timeout=2)
    assert [m.data for m in more] == [b"3"], f"one acknowledged, one more: {[m.data for m in more]}"
    await nc.close()


@scenario
async def backoff(url):
    nc, js = await connect(url)
    u = token()
    name = f"BACKOFF_{u}"
    await js.add_stream(name=name, subjects=[f"backoff.{u}"])
    await js.publish(f"backoff.{u}", b"flaky")
    sub = await js.pull_subscribe(
        f"backoff.{u}", f"bo_{u}", stream=name, config=api.ConsumerConfig(backoff=[0.5, 1.5], max_deliver=3),
    )
    config = (await sub.consumer_info()).config
    assert config.backoff == [0.5, 1.5] and config.max_deliver == 3, config
    assert config.ack_wait == 0.5, f"ack_wait takes the first backoff: {config.ack_wait}"
    times = []
    for _ in range(3):
        [m] = await sub.fetch(1, timeout=5)
        times.append(time.monotonic())
    assert m.metadata.num_delivered == 3, m.metadata
    first_gap, second_gap = times[1] - times[0], times[2] - times[1]
    assert 0.35 <= first_gap <= 1.3, f"first redelivery after {first_gap:.2f} s (backoff 0.5 s)"
    assert 1.2 <= second_gap <= 2.6, f"second redelivery after {second_gap:.2f} s (backoff 1.5 s)"
    await expect_no_fetch(sub, 2.0, "delivered beyond max_deliver")
    await expect_error(
        js.add_consumer(name, durable_name=f"bad_{u}", backoff=[1, 2], max_deliver=2), BadRequestError,
        err_code=10116, what="max_deliver not above the number of backoffs",
    )
    await nc.close()


@scenario
async def durable_rebind(url):
    u = token()
    name = f"REBIND_{u}"
    durable = f"durable_{u}"
    nc, js = await connect(url)
    await js.add_stream(name=name, subjects=[f"rebind.{u}"])
    for index in range(6):
        await js.publish(f"rebind.{u}", f"{index}".encode())
    sub = await js.pull_subscribe(f"rebind.{u}", durable, stream=name)
    messages = await sub.fetch(3)
    for m in messages:
        await m.ack_sync()
    await nc.close()

    # A new client binds to the durable and carries on after the acknowledged messages.
    nc, js = await connect(url)
    info = await js.consumer_info(name, durable)
    assert_sequence(info.ack_floor, 3, 3, "ack floor kept")
    assert info.num_pending == 3, info
    sub = await js.pull_subscribe(f"rebind.{u}", durable, stream=name)
    messages = await sub.fetch(10, timeout=2)
    assert [m.data for m in messages] == [b"3", b"4", b"5"], [m.data for m in messages]
    assert [m.metadata.sequence.consumer for m in messages] == [4, 5, 6]
    for m in messages:
        await m.ack_sync()
    # Binding to the existing consumer by name.
    await js.publish(f"rebind.{u}", b"6")
    bound = await js.pull_subscribe_bind(durable, stream=name)
    [m] = await bound.fetch(1)
    assert m.data == b"6" and m.metadata.consumer == durable
    await nc.close()


# Push consumers -----------------------------------------------------------------------------


@scenario
async def push_durable(url):
    nc, js = await connect(url)
    u = token()
    name = f"PUSH_{u}"
    durable = f"push_{u}"
    await js.add_stream(name=name, subjects=[f"push.{u}"])
    for index in range(5):
        await js.publish(f"push.{u}", f"{index}".encode())
    sub = await js.subscribe(f"push.{u}", durable=durable)
    messages = await collect(sub, 5)
    assert [m.data for m in messages] == [f"{i}".encode() for i in range(5)]
    meta = messages[0].metadata
    assert (meta.stream, meta.consumer, meta.sequence.stream, meta.num_pending) == (name, durable, 1, 4), meta
    for m in messages:
        await m.ack_sync()
    info = await sub.consumer_info()
    assert info.push_bound is True and info.config.deliver_subject, info
    assert info.num_ack_pending == 0, info
    assert_sequence(info.ack_floor, 5, 5, "push ack floor")
    await expect_error(js.subscribe(f"push.{u}", durable=durable), nats.js.errors.Error, what="binding twice")

    await sub.unsubscribe()

    async def unbound():
        return not (await js.consumer_info(name, durable)).push_bound

    await eventually(unbound, what="push_bound cleared after unsubscribe")
    for index in range(5, 8):
        await js.publish(f"push.{u}", f"{index}".encode())
    sub = await js.subscribe(f"push.{u}", durable=durable)
    messages = await collect(sub, 3)
    assert [m.data for m in messages] == [b"5", b"6", b"7"], "the durable resumes where it was"
    for m in messages:
        await m.ack()
    await nc.close()


@scenario
async def push_ephemeral(url):
    nc, js = await connect(url)
    u = token()
    name = f"EPH_{u}"
    await js.add_stream(name=name, subjects=[f"eph.{u}"])
    for index in range(5):
        await js.publish(f"eph.{u}", f"{index}".encode())
    received = []
    done = asyncio.Event()

    async def on_message(message):
        received.append(message.data)
        if len(received) == 5:
            done.set()

    sub = await js.subscribe(f"eph.{u}", cb=on_message)
    await asyncio.wait_for(done.wait(), 5)
    assert received == [f"{i}".encode() for i in range(5)], received
    info = await sub.consumer_info()
    assert info.config.durable_name is None and info.name, info

    async def all_acked():
        # Callbacks are acknowledged automatically.
        i = await sub.consumer_info()
        return i if i.num_ack_pending == 0 and i.ack_floor.stream_seq == 5 else None

    await eventually(all_acked, what="automatic acks")
    await js.publish(f"eph.{u}", b"5")

    async def six():
        return len(received) == 6

    await eventually(six, what="a message published after subscribing")
    await nc.close()


@scenario
async def ordered_consumer(url):
    nc, js = await connect(url)
    u = token()
    name = f"ORDERED_{u}"
    await js.add_stream(name=name, subjects=[f"ordered.{u}.*"])
    for index in range(300):
        await js.publish_async(f"ordered.{u}.{index % 3}", index.to_bytes(4, "big"))
    await js.publish_async_completed()
    sub = await js.subscribe(f"ordered.{u}.*", ordered_consumer=True)
    info = await sub.consumer_info()
    config = info.config
    assert config.ack_policy == "none" and config.flow_control is True and config.max_deliver == 1, config
    assert config.durable_name is None and config.mem_storage is True, config
    messages = await collect(sub, 300)
    assert [int.from_bytes(m.data, "big") for m in messages] == list(range(300)), "out of order"
    assert [m.metadata.sequence.consumer for m in messages] == list(range(1, 301))
    for index in range(300, 310):
        await js.publish(f"ordered.{u}.0", index.to_bytes(4, "big"))
    messages = await collect(sub, 10)
    assert [int.from_bytes(m.data, "big") for m in messages] == list(range(300, 310))
    await nc.close()


@scenario
async def deliver_group(url):
    nc, js = await connect(url)
    u = token()
    name = f"QUEUE_{u}"
    queue = f"workers_{u}"
    await js.add_stream(name=name, subjects=[f"queue.{u}"])
    counts = {"one": 0, "two": 0}
    received = []
    done = asyncio.Event()
    total = 200

    def handler(member):
        async def on_message(message):
            counts[member] += 1
            received.append(int(message.data))
            if len(received) == total:
                done.set()
        return on_message

    await js.subscribe(f"queue.{u}", queue=queue, cb=handler("one"))
    await js.subscribe(f"queue.{u}", queue=queue, cb=handler("two"))
    info = await js.consumer_info(name, queue)
    assert info.config.deliver_group == queue and info.config.durable_name == queue, info.config
    for index in range(total):
        await js.publish(f"queue.{u}", str(index).encode())
    await asyncio.wait_for(done.wait(), 10)
    await asyncio.sleep(0.3)
    assert sorted(received) == list(range(total)), "each message to exactly one member"
    assert counts["one"] > 0 and counts["two"] > 0, f"both members get messages: {counts}"
    await expect_error(
        js.subscribe(f"queue.{u}", durable=queue), nats.js.errors.Error, what="a plain subscriber on a queue consumer",
    )

    async def acked():
        i = await js.consumer_info(name, queue)
        return i if i.num_ack_pending == 0 and i.ack_floor.stream_seq == total else None

    await eventually(acked, what="queue members acknowledged")
    await nc.close()


@scenario
async def flow_control_heartbeat(url):
    nc, js = await connect(url)
    monitor = await nats.connect(url)
    u = token()
    name = f"FLOW_{u}"
    durable = f"flow_{u}"
    await js.add_stream(name=name, subjects=[f"flow.{u}"])
    total = 3000
    for index in range(total):
        await js.publish_async(f"flow.{u}", index.to_bytes(4, "big") + bytes(1020))
    await asyncio.wait_for(js.publish_async_completed(), 15)

    # A second connection sees the client's answers to flow control requests. (It must not
    # subscribe to the delivery subject yet: that interest would start the deliveries to it.)
    flow_replies = await monitor.subscribe(f"$JS.FC.{name}.{durable}.*")
    await monitor.flush()
    received = []
    done = asyncio.Event()

    async def on_message(message):
        received.append(int.from_bytes(message.data[:4], "big"))
        if len(received) == total:
            done.set()

    sub = await js.subscribe(f"flow.{u}", durable=durable, cb=on_message, flow_control=True, idle_heartbeat=0.5)
    config = (await sub.consumer_info()).config
    assert config.flow_control is True and config.idle_heartbeat == 0.5, config
    await asyncio.wait_for(done.wait(), 15)
    assert received == list(range(total)), "3 MB through flow control, complete and in order"
    # The server asked for flow control at least once while sending 3 MB, and nats-py answered.
    await flow_replies.next_msg(timeout=2)

    # Idle: heartbeats on the delivery subject, with the last sequences.
    heartbeats = await monitor.subscribe(config.deliver_subject)
    await monitor.flush()
    started = time.monotonic()
    seen = []
    while time.monotonic() - started < 1.7:
        try:
            message = await heartbeats.next_msg(timeout=max(0.05, 1.7 - (time.monotonic() - started)))
        except nats.errors.TimeoutError:
            break
        seen.append(message)
    statuses = [(header(m.headers, "Status"), header(m.headers, "Description")) for m in seen]
    assert seen and all(status == ("100", "Idle Heartbeat") for status in statuses), statuses
    assert 2 <= len(seen) <= 5, f"{len(seen)} idle heartbeats in 1.7 s at 0.5 s"
    last = seen[-1]
    assert header(last.headers, "Nats-Last-Consumer") == str(total), last.headers
    assert header(last.headers, "Nats-Last-Stream") == str(total), last.headers
    assert not last.reply and last.data == b"", "heartbeats have no reply and no body"

    async def acked():
        i = await sub.consumer_info()
        return i if i.num_ack_pending == 0 and i.ack_floor.stream_seq == total else None

    await eventually(acked, what="every message acknowledged")
    await monitor.close()
    await nc.close()


@scenario
async def push_manual_ack(url):
    nc, js = await connect(url)
    u = token()
    name = f"MANUAL_{u}"
    durable = f"manual_{u}"
    await js.add_stream(name=name, subjects=[f"manual.{u}"])
    for index in range(3):
        await js.publish(f"manual.{u}", f"{index}".encode())
    deliveries = []
    done = asyncio.Event()

    async def on_message(message):
        deliveries.append((message.data, message.metadata.num_delivered))
        # Leave the first delivery of "0" unacknowledged: it comes back after ack_wait.
        if message.data == b"0" and message.metadata.num_delivered == 1:
            return
        await message.ack()
        if message.data == b"0":
            done.set()

    await js.subscribe(
        f"manual.{u}", durable=durable, cb=on_message, manual_ack=True, config=api.ConsumerConfig(ack_wait=1),
    )
    await asyncio.wait_for(done.wait(), 6)
    assert deliveries[:3] == [(b"0", 1), (b"1", 1), (b"2", 1)], deliveries
    assert deliveries[3] == (b"0", 2), deliveries

    async def acked():
        i = await js.consumer_info(name, durable)
        return i if i.num_ack_pending == 0 and i.ack_floor.stream_seq == 3 else None

    info = await eventually(acked, what="manual acks recorded")
    assert info.num_redelivered == 0, info
    await nc.close()


@scenario
async def inactive_threshold(url):
    nc, js = await connect(url)
    u = token()
    name = f"INACTIVE_{u}"
    await js.add_stream(name=name, subjects=[f"inactive.{u}"])
    await js.publish(f"inactive.{u}", b"x")
    sub = await js.subscribe(f"inactive.{u}", inactive_threshold=1.0)
    info = await sub.consumer_info()
    consumer = info.name
    assert info.config.inactive_threshold == 1.0, info.config
    await sub.next_msg(timeout=2)
    # While subscribed, the ephemeral stays.
    await asyncio.sleep(2.0)
    await js.consumer_info(name, consumer)
    await sub.unsubscribe()
    started = time.monotonic()

    async def gone():
        try:
            await js.consumer_info(name, consumer)
        except NotFoundError:
            return True
        return False

    await eventually(gone, timeout=6, interval=0.1, what="ephemeral removed after inactive_threshold")
    elapsed = time.monotonic() - started
    assert elapsed >= 0.5, f"removed {elapsed:.2f} s after unsubscribing, before the 1 s threshold"

    async def uncounted():
        return (await state(js, name)).consumer_count == 0

    await eventually(uncounted, what="the stream no longer counts the removed consumer")
    await nc.close()


# Key-value ----------------------------------------------------------------------------------


@scenario
async def kv_basics(url):
    nc, js = await connect(url)
    u = token()
    bucket = f"cfg_{u}"
    kv = await js.create_key_value(bucket=bucket, history=3)
    r1 = await kv.put("color", b"red")
    r2 = await kv.put("color", b"green")
    assert (r1, r2) == (1, 2), (r1, r2)
    entry = await kv.get("color")
    assert (entry.key, entry.value, entry.revision, entry.bucket) == ("color", b"green", 2, bucket), entry
    assert (await kv.get("color", revision=1)).value == b"red"

    await expect_error(kv.update("color", b"blue", last=r1), KeyWrongLastSequenceError, what="update with a stale revision")
    r3 = await kv.update("color", b"blue", last=r2)
    assert r3 == 3 and (await kv.get("color")).value == b"blue"

    await expect_error(kv.create("color", b"x"), KeyWrongLastSequenceError, what="create of an existing key")
    r4 = await kv.create("size", b"L")
    assert r4 == 4 and (await kv.get("size")).value == b"L"

    await expect_error(kv.get("missing"), KeyNotFoundError, what="a key never written")

    assert await kv.delete("size") is True
    # nats-py turns the delete marker into KeyNotFoundError on get (KeyDeletedError inside).
    await expect_error(kv.get("size"), KeyNotFoundError, what="a deleted key")
    marker = await js.get_last_msg(f"KV_{bucket}", f"$KV.{bucket}.size")
    assert header(marker.headers, "KV-Operation") == "DEL", f"delete marker: {marker.headers}"
    # A deleted key can be created again.
    r6 = await kv.create("size", b"XL")
    assert r6 == 6 and (await kv.get("size")).value == b"XL"

    # Purge: one marker replaces the whole history of the key.
    for value in (b"c1", b"c2"):
        await kv.put("color", value)
    assert await kv.purge("color") is True
    await expect_error(kv.get("color"), KeyNotFoundError, what="a purged key")
    info = await js.stream_info(f"KV_{bucket}", subjects_filter=">")
    assert info.state.subjects.get(f"$KV.{bucket}.color") == 1, f"purge leaves only its marker: {info.state.subjects}"
    marker = await js.get_last_msg(f"KV_{bucket}", f"$KV.{bucket}.color")
    assert header(marker.headers, "KV-Operation") == "PURGE", marker.headers

    await expect_error(js.key_value(f"nobucket_{u}"), BucketNotFoundError, what="binding to a missing bucket")
    await nc.close()


@scenario
async def kv_keys_history(url):
    nc, js = await connect(url)
    u = token()
    kv = await js.create_key_value(bucket=f"hist_{u}", history=3)
    await expect_error(kv.keys(), NoKeysError, what="keys of an empty bucket")
    for index in range(5):
        await kv.put("counter", str(index).encode())
    await kv.put("name", b"edge")
    await kv.put("other", b"x")
    assert sorted(await kv.keys()) == ["counter", "name", "other"]
    history = await kv.history("counter")
    assert [(e.value, e.revision) for e in history] == [(b"2", 3), (b"3", 4), (b"4", 5)], (
        f"history 3 keeps the last three: {[(e.value, e.revision) for e in history]}"
    )
    await kv.delete("other")
    assert sorted(await kv.keys()) == ["counter", "name"], "deleted keys are not listed"
    history = await kv.history("other")
    assert [(e.value, e.operation) for e in history] == [(b"x", None), (b"", "DEL")], history
    await expect_error(kv.history("never"), NoKeysError, what="history of a key never written")
    await nc.close()


@scenario
async def kv_watch(url):
    nc, js = await connect(url)
    u = token()
    kv = await js.create_key_value(bucket=f"watch_{u}", history=5)
    await kv.put("a", b"1")
    await kv.put("b", b"1")
    await kv.put("a", b"2")
    watcher = await kv.watchall()
    initial = []
    while True:
        entry = await watcher.updates(timeout=5)
        if entry is None:
            break
        initial.append((entry.key, entry.value, entry.revision))
    assert sorted(initial) == [("a", b"2", 3), ("b", b"1", 2)], f"current values, then the None marker: {initial}"

    await kv.put("c", b"new")
    await kv.put("a", b"3")
    await kv.delete("b")
    await kv.purge("c")
    updates = []
    for _ in range(4):
        entry = await watcher.updates(timeout=5)
        updates.append((entry.key, entry.value, entry.operation, entry.revision))
    assert updates == [
        ("c", b"new", None, 4), ("a", b"3", None, 5), ("b", b"", "DEL", 6), ("c", b"", "PURGE", 7),
    ], updates
    await watcher.stop()

    # Watching one key: only its updates.
    single = await kv.watch("a")
    entry = await single.updates(timeout=5)
    assert (entry.key, entry.value) == ("a", b"3"), entry
    assert await single.updates(timeout=5) is None
    await kv.put("z", b"ignored")
    await kv.put("a", b"4")
    entry = await single.updates(timeout=5)
    assert (entry.key, entry.value, entry.revision) == ("a", b"4", 9), entry
    await single.stop()
    await nc.close()


@scenario
async def kv_ttl(url):
    nc, js = await connect(url)
    u = token()
    kv = await js.create_key_value(bucket=f"ttl_{u}", ttl=1)
    status = await kv.status()
    assert status.ttl == 1.0, status
    await kv.put("session", b"token")
    assert (await kv.get("session")).value == b"token"
    started = time.monotonic()

    async def expired():
        try:
            await kv.get("session")
        except KeyNotFoundError:
            return True
        return False

    await eventually(expired, timeout=5, interval=0.1, what="key expiry after the bucket ttl")
    assert time.monotonic() - started > 0.5, "expired long before the ttl"
    assert (await kv.status()).values == 0
    await kv.put("session", b"again")
    assert (await kv.get("session")).value == b"again"
    await nc.close()


@scenario
async def kv_status_and_delete(url):
    nc, js = await connect(url)
    u = token()
    bucket = f"status_{u}"
    kv = await js.create_key_value(bucket=bucket, history=4, description="settings")
    await kv.put("k1", b"v")
    await kv.put("k1", b"w")
    await kv.put("k2", b"v")
    status = await kv.status()
    assert status.bucket == bucket and status.values == 3 and status.history == 4, status
    config = status.stream_info.config
    assert config.name == f"KV_{bucket}" and config.subjects == [f"$KV.{bucket}.>"], config
    assert config.max_msgs_per_subject == 4 and config.allow_rollup_hdrs and config.deny_delete, config
    assert config.discard == "new" and config.description == "settings", config

    # A bucket with direct get: reads go through $JS.API.DIRECT.GET.
    direct = await js.create_key_value(bucket=f"direct_{u}", direct=True)
    assert (await direct.status()).stream_info.config.allow_direct is True
    await direct.put("key", b"value")
    assert (await direct.get("key")).value == b"value"
    bound = await js.key_value(f"direct_{u}")
    assert (await bound.get("key")).value == b"value"

    assert await js.delete_key_value(bucket) is True
    await expect_error(js.key_value(bucket), BucketNotFoundError, what="a deleted bucket")
    await nc.close()


# Object store -------------------------------------------------------------------------------


def digest_of(data):
    return "SHA-256=" + base64.urlsafe_b64encode(hashlib.sha256(data).digest()).decode()


@scenario
async def object_store_put_get(url):
    nc, js = await connect(url)
    u = token()
    bucket = f"files_{u}"
    store = await js.create_object_store(bucket)
    small = b"hello object store"
    info = await store.put("greeting.txt", small)
    assert (info.name, info.bucket, info.size, info.chunks) == ("greeting.txt", bucket, len(small), 1), info
    assert info.digest == digest_of(small), info.digest

    large = os.urandom(300 * 1024)
    info = await store.put("blob.bin", large)
    assert (info.size, info.chunks) == (300 * 1024, 3), f"128 KiB chunks: {info}"
    assert info.digest == digest_of(large)

    result = await store.get("blob.bin")
    assert result.data == large, "the large object came back different"
    assert result.info.size == len(large) and result.info.digest == digest_of(large)
    assert (await store.get("greeting.txt")).data == small
    stored = await store.get_info("blob.bin")
    assert (stored.size, stored.chunks, stored.digest, stored.deleted) == (len(large), 3, digest_of(large), False), stored
    empty = await store.put("empty", b"")
    assert empty.size == 0 and (await store.get("empty")).data == b""

    listed = sorted((i.name, i.size) for i in await store.list())
    assert listed == [("blob.bin", len(large)), ("empty", 0), ("greeting.txt", len(small))], listed
    status = await store.status()
    assert status.bucket == bucket and status.stream_info.config.name == f"OBJ_{bucket}", status
    assert status.size >= len(large) + len(small), status.size
    await expect_error(store.get("nothing"), ObjectNotFoundError, what="a missing object")

    # Replacing an object drops the old chunks.
    await store.put("blob.bin", b"replaced")
    assert (await store.get("blob.bin")).data == b"replaced"
    assert (await store.status()).size < 64 * 1024, "old chunks kept after replacing the object"
    await nc.close()


@scenario
async def object_store_delete_watch(url):
    nc, js = await connect(url)
    u = token()
    bucket = f"watched_{u}"
    store = await js.create_object_store(bucket)
    await store.put("one", b"1")
    await store.put("two", b"2" * 200_000)
    watcher = await store.watch()
    seen = []
    while True:
        info = await watcher.updates(timeout=5)
        if info is None:
            break
        seen.append(info.name)
    assert sorted(seen) == ["one", "two"], seen
    await store.put("three", b"3")
    info = await watcher.updates(timeout=5)
    assert info.name == "three" and not info.deleted, info
    await store.delete("two")
    info = await watcher.updates(timeout=5)
    assert (info.name, info.deleted, info.size) == ("two", True, 0), info
    await watcher.stop()

    await expect_error(store.get("two"), ObjectNotFoundError, what="a deleted object")
    assert (await store.get_info("two", show_deleted=True)).deleted is True
    assert sorted(i.name for i in await store.list(ignore_deletes=True)) == ["one", "three"]
    assert sorted((i.name, i.deleted) for i in await store.list()) == [("one", False), ("three", False), ("two", True)]
    state_after = (await store.status()).stream_info.state
    assert state_after.bytes < 100_000, f"deleted object's chunks purged: {state_after}"

    assert await js.delete_object_store(bucket) is True
    await expect_error(js.object_store(bucket), BucketNotFoundError, what="a deleted object store")
    await nc.close()


# Account ------------------------------------------------------------------------------------


@scenario
async def account_info(url):
    nc, js = await connect(url)
    u = token()
    before = await js.account_info()
    for field in ("memory", "storage", "streams", "consumers", "limits", "api"):
        assert getattr(before, field) is not None, f"account info without {field}: {before}"
    limits = before.limits
    assert (limits.max_memory, limits.max_storage, limits.max_streams, limits.max_consumers) == (-1, -1, -1, -1), limits
    assert limits.max_ack_pending == -1 and limits.max_bytes_required is False, limits
    assert before.api.total >= 0 and before.api.errors >= 0, before.api

    name = f"ACCOUNT_{u}"
    await js.add_stream(name=name, subjects=[f"account.{u}"])
    await js.publish(f"account.{u}", bytes(1000))
    await js.pull_subscribe(f"account.{u}", f"acct_{u}", stream=name)
    await expect_error(js.stream_info(f"NOPE_{u}"), NotFoundError, what="a failing API call")
    after = await js.account_info()
    assert after.streams == before.streams + 1, (before.streams, after.streams)
    assert after.consumers == before.consumers + 1, (before.consumers, after.consumers)
    assert after.storage >= before.storage + 1000, (before.storage, after.storage)
    assert after.api.total > before.api.total, (before.api, after.api)
    assert after.api.errors >= before.api.errors + 1, (before.api, after.api)
    await js.delete_stream(name)
    final = await js.account_info()
    assert final.streams == before.streams and final.consumers == before.consumers, final
    await nc.close()


# Details a drop-in replacement must get right ----------------------------------------------


async def api_request(nc, subject, body=None, timeout=5):
    """A JetStream API request (`subject` after `$JS.API.`); the decoded answer."""
    reply = await nc.request("$JS.API." + subject, json.dumps(body).encode() if body is not None else b"", timeout=timeout)
    return json.loads(reply.data)


async def pull_raw(nc, stream, consumer, request, until_status=True, timeout=3.0):
    """Sends one pull request by hand; returns the messages it got, up to and including the
    first status message (`until_status`) or until `timeout`."""
    inbox = nc.new_inbox()
    sub = await nc.subscribe(inbox)
    await nc.publish(f"$JS.API.CONSUMER.MSG.NEXT.{stream}.{consumer}", json.dumps(request).encode(), reply=inbox)
    got = []
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            message = await sub.next_msg(timeout=max(0.01, deadline - time.monotonic()))
        except nats.errors.TimeoutError:
            break
        got.append(message)
        if until_status and header(message.headers, "Status"):
            break
    await sub.unsubscribe()
    return got


def delivered_size(message):
    """What nats-server counts of a delivery (without headers) against a pull request's max_bytes."""
    assert not message.headers, message.headers
    return len(message.subject) + len(message.reply or "") + len(message.data)


@scenario
async def consumer_create_names_existing_durable(url):
    """A durable made by DURABLE.CREATE (no `name`), created again through CONSUMER.CREATE
    with `name` and `durable_name` both its name, is the same consumer (nats.go does this)."""
    nc, js = await connect(url)
    name = "S" + token()
    await js.add_stream(name=name, subjects=[name + ".>"])
    made = await api_request(nc, f"CONSUMER.DURABLE.CREATE.{name}.D", {"stream_name": name, "config": {"durable_name": "D", "ack_policy": "explicit"}})
    assert "error" not in made, made
    again = await api_request(
        nc, f"CONSUMER.CREATE.{name}.D", {"stream_name": name, "config": {"name": "D", "durable_name": "D", "ack_policy": "explicit"}}
    )
    assert "error" not in again, f"created again: {again}"
    assert again["name"] == "D" and again["created"] == made["created"], again
    assert again["config"].get("name") == "D" and again["config"]["durable_name"] == "D", again["config"]
    info = await js.consumer_info(name, "D")
    assert info.name == "D"
    await nc.close()


@scenario
async def msg_delete_errors_per_storage(url):
    """STREAM.MSG.DELETE of a sequence that is not there: a memory stream says "sequence N not
    found" (10043) whatever N; a file stream says so for a gap, "stream store EOF" past the end
    and "no message found" before the first message (both 10057, code 500)."""
    nc, js = await connect(url)
    for storage in ("memory", "file"):
        name = "S" + token()
        await js.add_stream(name=name, subjects=[name], storage=storage)
        for _ in range(4):
            await js.publish(name, b"x")
        answer = await api_request(nc, f"STREAM.MSG.DELETE.{name}", {"seq": 2})
        assert answer.get("success") is True, answer
        answer = await api_request(nc, f"STREAM.MSG.DELETE.{name}", {"seq": 1, "no_erase": True})
        assert answer.get("success") is True, answer
        expected = {
            "memory": {2: (400, 10043, "sequence 2 not found"), 9: (400, 10043, "sequence 9 not found"),
                       0: (400, 10043, "sequence 0 not found"), 1: (400, 10043, "sequence 1 not found")},
            "file": {2: (500, 10057, "no message found"), 9: (500, 10057, "stream store EOF"),
                     0: (500, 10057, "no message found"), 1: (500, 10057, "no message found")},
        }[storage]
        for sequence, (code, err_code, description) in expected.items():
            answer = await api_request(nc, f"STREAM.MSG.DELETE.{name}", {"seq": sequence})
            error = answer.get("error") or {}
            got = (error.get("code"), error.get("err_code"), error.get("description"))
            assert got == (code, err_code, description), f"{storage} seq {sequence}: {answer}"
        # A gap inside the stream (first is 3 now): seq 5 deleted, then asked again.
        await js.publish(name, b"x")
        await api_request(nc, f"STREAM.MSG.DELETE.{name}", {"seq": 4})
        answer = await api_request(nc, f"STREAM.MSG.DELETE.{name}", {"seq": 4})
        error = answer.get("error") or {}
        assert (error.get("code"), error.get("err_code"), error.get("description")) == (400, 10043, "sequence 4 not found"), (
            f"{storage} gap: {answer}"
        )
    await nc.close()


@scenario
async def pull_max_bytes_counts_whole_delivery(url):
    """A pull request's max_bytes counts subject, ack reply, headers and payload; a message
    that does not fit ends the request with 409 "Message Size Exceeds MaxBytes" and what it
    still wanted, after a partial delivery too; an expired one says what bytes were left."""
    nc, js = await connect(url)
    name = "S" + token()
    await js.add_stream(name=name, subjects=[name])
    for _ in range(3):
        await js.publish(name, b"0123456789")
    for limit, wanted in ((1, 0), (100, 1), (150, 2)):  # about 69 bytes a delivery
        consumer = f"P{limit}"
        await js.add_consumer(name, durable_name=consumer, ack_policy="explicit")
        got = await pull_raw(nc, name, consumer, {"batch": 10, "max_bytes": limit, "expires": 2_000_000_000})
        messages, status = got[:-1], got[-1]
        assert len(messages) == wanted, f"max_bytes {limit}: {len(messages)} messages, wanted {wanted}"
        assert header(status.headers, "Status") == "409", f"max_bytes {limit}: {status.headers}"
        assert header(status.headers, "Description") == "Message Size Exceeds MaxBytes", status.headers
        used = sum(delivered_size(m) for m in messages)
        assert header(status.headers, "Nats-Pending-Messages") == str(10 - wanted), status.headers
        assert header(status.headers, "Nats-Pending-Bytes") == str(limit - used), f"max_bytes {limit}, used {used}: {status.headers}"
    await js.add_consumer(name, durable_name="Pbig", ack_policy="explicit")
    got = await pull_raw(nc, name, "Pbig", {"batch": 10, "max_bytes": 1000, "expires": 300_000_000})
    messages, status = got[:-1], got[-1]
    assert len(messages) == 3 and header(status.headers, "Status") == "408", got
    used = sum(delivered_size(m) for m in messages)
    assert header(status.headers, "Nats-Pending-Bytes") == str(1000 - used), f"used {used}: {status.headers}"
    await nc.close()


@scenario
async def no_wait_pull_waits_for_ack_room(url):
    """A no_wait pull held back by max_ack_pending stays open while messages wait: acks make
    room and it goes on; it ends (408) only when nothing is left."""
    nc, js = await connect(url)
    name = "S" + token()
    await js.add_stream(name=name, subjects=[name])
    for _ in range(5):
        await js.publish(name, b"x")
    await js.add_consumer(name, durable_name="Q", ack_policy="explicit", max_ack_pending=2)
    inbox = nc.new_inbox()
    sub = await nc.subscribe(inbox)
    await nc.publish(f"$JS.API.CONSUMER.MSG.NEXT.{name}.Q", json.dumps({"batch": 5, "no_wait": True}).encode(), reply=inbox)
    received = []
    for round_size in (2, 2, 1):
        batch = [await sub.next_msg(timeout=3) for _ in range(round_size)]
        for message in batch:
            assert not header(message.headers, "Status"), f"after {len(received)} messages: status {message.headers}"
        received += batch
        if len(received) < 5:
            try:
                extra = await sub.next_msg(timeout=0.3)
                raise AssertionError(f"after {len(received)} messages, with the ack window full: {extra.subject} {extra.headers}")
            except nats.errors.TimeoutError:
                pass
        for message in batch:
            await nc.publish(message.reply, b"+ACK")
    assert [m.metadata.sequence.stream for m in received] == [1, 2, 3, 4, 5]
    await sub.unsubscribe()
    await nc.close()


@scenario
async def inactive_threshold_from_unsubscribe(url):
    """An ephemeral push consumer goes its inactive_threshold after its deliver subject loses
    its last subscriber (not at a periodic sweep)."""
    nc, js = await connect(url)
    name = "S" + token()
    await js.add_stream(name=name, subjects=[name])
    deliver = "deliver." + token()
    sub = await nc.subscribe(deliver)
    answer = await api_request(
        nc, f"CONSUMER.CREATE.{name}",
        {"stream_name": name, "config": {"deliver_subject": deliver, "ack_policy": "none", "inactive_threshold": 400_000_000}},
    )
    consumer = answer["name"]
    await asyncio.sleep(0.6)  # longer than the threshold: a listener keeps it
    info = await api_request(nc, f"CONSUMER.INFO.{name}.{consumer}")
    assert "error" not in info, f"deleted while its deliver subject had a subscriber: {info}"
    await sub.unsubscribe()
    await nc.flush()
    start = time.monotonic()
    while True:
        info = await api_request(nc, f"CONSUMER.INFO.{name}.{consumer}")
        elapsed = time.monotonic() - start
        if "error" in info:
            break
        assert elapsed < 3, "still there 3 s after the last subscriber left"
        await asyncio.sleep(0.01)
    assert 0.3 <= elapsed <= 0.75, f"deleted {elapsed:.3f} s after the last subscriber left (threshold 0.4 s)"
    await nc.close()


@scenario
async def unknown_api_subjects_unanswered(url):
    """nats-server answers only the API subjects it serves: any other $JS.API subject (or a
    known one with the wrong number of tokens) gets no answer at all."""
    nc, js = await connect(url)
    name = "S" + token()
    await js.add_stream(name=name, subjects=[name])
    for subject in ("FOO", "STREAM.INFO", "STREAM.FOO." + name, "STREAM.INFO.a.b", "STREAM.MSG.GET.a.b",
                    "CONSUMER.INFO." + name, "CONSUMER.FOO.a.b", "CONSUMER.NAMES", "CONSUMER.DURABLE.CREATE.a",
                    f"CONSUMER.MSG.NEXT.{name}.missing", "CONSUMER.MSG.NEXT.missing.missing"):
        try:
            reply = await nc.request("$JS.API." + subject, b"{}", timeout=0.4)
            raise AssertionError(f"$JS.API.{subject} was answered: {reply.headers} {reply.data!r}")
        except nats.errors.TimeoutError:
            pass
    answer = await api_request(nc, "STREAM.INFO." + name)
    assert answer["config"]["name"] == name, answer
    answer = await api_request(nc, "STREAM.INFO.missing" + token())
    assert answer["error"]["err_code"] == 10059, answer
    await nc.close()


async def main():
    name, url = sys.argv[1], sys.argv[2]
    task = asyncio.ensure_future(SCENARIOS[name](url))
    done, _ = await asyncio.wait({task}, timeout=SCENARIO_TIMEOUT)
    if not done:
        task.cancel()
        raise AssertionError(f"{name} did not finish within {SCENARIO_TIMEOUT} s")
    task.result()


if __name__ == "__main__":
    if len(sys.argv) == 2 and sys.argv[1] == "--list":
        print("\n".join(SCENARIOS))
        sys.exit(0)
    if len(sys.argv) != 3 or sys.argv[1] not in SCENARIOS:
        print(__doc__, file=sys.stderr)
        sys.exit(2)
    asyncio.run(main())

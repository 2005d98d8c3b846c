"""Crash-durability helper: publish with acknowledgements, crash the server, verify.

Usage:
  jetstream_crash.py publish URL STREAM COUNT OUTFILE
  jetstream_crash.py verify URL STREAM OUTFILE [--strict-consumer-acks]

publish: creates STREAM (file storage, subject `crash.STREAM`) and the durable pull consumer
  `crash_durable` unless they exist, then publishes messages one at a time with js.publish.
  Message i has payload f"msg-{i}" and is published with Nats-Expected-Last-Sequence i - 1, so
  it is stored at sequence i (the server refuses it otherwise). Each sequence the server
  acknowledges is appended to OUTFILE as one line, flushed and fsynced before the next publish.
  Every 20 messages the durable consumer fetches up to 10 messages and acknowledges them with
  ack_sync (so it lags behind the stream); each sequence whose acknowledgement the server
  confirmed is appended to OUTFILE.consumer the same way. Runs until COUNT messages are
  acknowledged (exit 0) or the server goes away (exit 1, typically because the test killed it)
  or this process is killed.

verify: after the server has been restarted on the same store directory. Checks that
  - every sequence in OUTFILE is in STREAM with payload f"msg-{seq}";
  - every message in STREAM has the payload of its sequence, and sequences 1..last_seq have no
    gap (unacknowledged messages may be missing only at the end);
  - the durable consumer still exists and resumes after its ack floor: it delivers every
    message after the floor (with the right payload) and none at or below it.
  With --strict-consumer-acks, also that the ack floor is not below the last acknowledgement the
  server confirmed (ack_sync) before the crash. nats-server 2.9 does not promise that: it writes
  consumer state asynchronously, and after kill -9 its floor is typically some tens of
  acknowledgements behind (those messages are delivered again: at-least-once).
  Exit 0 when all holds; otherwise AssertionError (exit 1) with the reason.

A line cut short by the kill (no trailing newline) is ignored.
"""

import asyncio
import os
import sys
import time

import nats
import nats.errors
import nats.js.errors
from nats.js import api

import natspy_ordering  # noqa: F401  flush() orders after what was queued (see the module)

DURABLE = "crash_durable"


def subject_of(stream):
    return f"crash.{stream}"


def append_line(handle, text):
    handle.write(text + "\n")
    handle.flush()
    os.fsync(handle.fileno())


def read_sequences(path):
    """The sequences in `path`, one per complete line; a missing file is empty."""
    try:
        with open(path, "r", encoding="ascii") as handle:
            text = handle.read()
    except FileNotFoundError:
        return []
    lines = text.split("\n")
    if lines and lines[-1] != "":
        lines = lines[:-1]  # cut short by the kill
    return [int(line) for line in lines if line.strip()]


async def publish(url, stream, count, outfile):
    nc = await nats.connect(url, allow_reconnect=False, connect_timeout=5)
    js = nc.jetstream(timeout=5)
    subject = subject_of(stream)
    try:
        info = await js.stream_info(stream)
    except nats.js.errors.NotFoundError:
        info = await js.add_stream(name=stream, subjects=[subject], storage=api.StorageType.FILE)
    try:
        await js.consumer_info(stream, DURABLE)
    except nats.js.errors.NotFoundError:
        await js.add_consumer(
            stream, durable_name=DURABLE, filter_subject=subject, ack_policy=api.AckPolicy.EXPLICIT, ack_wait=2,
        )
    consumer = await js.pull_subscribe_bind(DURABLE, stream=stream)

    first = info.state.last_seq + 1
    acknowledged = 0
    with open(outfile, "a", encoding="ascii") as out, open(outfile + ".consumer", "a", encoding="ascii") as acks:
        try:
            for i in range(first, first + count):
                ack = await js.publish(
                    subject, f"msg-{i}".encode(), headers={"Nats-Expected-Last-Sequence": str(i - 1)},
                )
                if ack.seq != i or ack.stream != stream:
                    raise AssertionError(f"message {i} acknowledged as {ack}")
                append_line(out, str(ack.seq))
                acknowledged += 1
                if i % 20 == 0:
                    try:
                        messages = await consumer.fetch(10, timeout=1)
                    except nats.errors.TimeoutError:
                        messages = []
                    for message in messages:
                        await message.ack_sync(timeout=5)
                        append_line(acks, str(message.metadata.sequence.stream))
        except AssertionError:
            raise
        except Exception as error:  # the server went away: closed connection, timeout, no responders
            print(f"publish: stopped after {acknowledged} acknowledged messages: {error!r}", file=sys.stderr)
            sys.exit(1)
    print(f"publish: {acknowledged} messages acknowledged")
    await nc.close()


async def connect_when_up(url, deadline_seconds=15):
    deadline = time.monotonic() + deadline_seconds
    while True:
        try:
            return await nats.connect(url, allow_reconnect=False, connect_timeout=2)
        except Exception:
            if time.monotonic() > deadline:
                raise
            await asyncio.sleep(0.2)


async def stream_info_when_ready(js, stream, deadline_seconds=15):
    """JetStream may still be recovering the store just after the restart."""
    deadline = time.monotonic() + deadline_seconds
    while True:
        try:
            return await js.stream_info(stream)
        except (nats.errors.TimeoutError, nats.js.errors.ServiceUnavailableError):
            if time.monotonic() > deadline:
                raise
            await asyncio.sleep(0.2)


async def verify(url, stream, outfile, strict_consumer_acks=False):
    acknowledged = read_sequences(outfile)
    assert acknowledged, f"{outfile} has no acknowledged sequence: nothing to verify"
    assert acknowledged == sorted(set(acknowledged)), f"{outfile}: sequences not increasing"
    consumer_acks = read_sequences(outfile + ".consumer")

    nc = await connect_when_up(url)
    js = nc.jetstream(timeout=10)
    info = await stream_info_when_ready(js, stream)
    s = info.state
    assert s.last_seq >= acknowledged[-1], (
        f"acknowledged up to {acknowledged[-1]} but the stream ends at {s.last_seq} ({s})"
    )
    assert (s.first_seq, s.messages) == (1, s.last_seq), (
        f"messages lost inside the stream: first {s.first_seq}, {s.messages} messages, last {s.last_seq}"
    )

    # Every stored message, through an ordered consumer, has the payload of its sequence.
    reader = await js.subscribe(subject_of(stream), ordered_consumer=True)
    for expected in range(1, s.last_seq + 1):
        message = await reader.next_msg(timeout=5)
        seq = message.metadata.sequence.stream
        assert seq == expected, f"reading the stream: expected sequence {expected}, got {seq}"
        assert message.data == f"msg-{seq}".encode(), f"sequence {seq}: payload {message.data[:40]!r}"
    await reader.unsubscribe()
    # The acknowledged ones, one by one through the message API too (spot check when many).
    step = max(1, len(acknowledged) // 200)
    for seq in acknowledged[::step] + [acknowledged[-1]]:
        stored = await js.get_msg(stream, seq)
        assert stored.data == f"msg-{seq}".encode(), f"get_msg {seq}: {stored.data[:40]!r}"

    # The durable consumer survived and carries on after its ack floor.
    consumer_info = await js.consumer_info(stream, DURABLE)
    floor = consumer_info.ack_floor.stream_seq if consumer_info.ack_floor else 0
    confirmed = max(consumer_acks, default=0)
    if strict_consumer_acks:
        assert floor >= confirmed, f"consumer ack floor {floor} below the last confirmed acknowledgement {confirmed}"
    assert floor <= s.last_seq, f"ack floor {floor} beyond the stream's last sequence {s.last_seq}"
    consumer = await js.pull_subscribe_bind(DURABLE, stream=stream)
    wanted = set(range(floor + 1, s.last_seq + 1))
    delivered = []
    deadline = time.monotonic() + 20
    while wanted and time.monotonic() < deadline:
        try:
            messages = await consumer.fetch(100, timeout=3)
        except nats.errors.TimeoutError:
            continue
        for message in messages:
            seq = message.metadata.sequence.stream
            assert seq > floor, f"consumer redelivered {seq}, at or below its ack floor {floor}"
            assert message.data == f"msg-{seq}".encode(), f"consumer, sequence {seq}: {message.data[:40]!r}"
            delivered.append(seq)
            wanted.discard(seq)
            await message.ack()
    assert not wanted, f"consumer did not deliver {len(wanted)} messages after its floor, e.g. {sorted(wanted)[:5]}"
    if delivered:
        assert min(delivered) == floor + 1, f"consumer resumed at {min(delivered)}, its ack floor is {floor}"
    print(
        f"verify: {len(acknowledged)} acknowledged, stream last_seq {s.last_seq}, consumer floor {floor} "
        f"(last confirmed before the crash {confirmed}), {len(delivered)} delivered after the floor"
    )
    await nc.close()


def main():
    arguments = sys.argv[1:]
    if len(arguments) == 5 and arguments[0] == "publish":
        _, url, stream, count, outfile = arguments
        asyncio.run(publish(url, stream, int(count), outfile))
    elif len(arguments) in (4, 5) and arguments[0] == "verify" and arguments[4:] in ([], ["--strict-consumer-acks"]):
        url, stream, outfile = arguments[1:4]
        strict = arguments[4:] == ["--strict-consumer-acks"]
        asyncio.run(asyncio.wait_for(verify(url, stream, outfile, strict), 120))
    else:
        print(__doc__, file=sys.stderr)
        sys.exit(2)


if __name__ == "__main__":
    main()

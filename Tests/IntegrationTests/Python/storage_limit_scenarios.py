"""JetStream storage limits, driven by nats-py (see JetStreamLimitsTests in AccountJetStreamTests.swift).

Usage: storage_limit_scenarios.py URL

The server has `max_memory_store: 1MB` and `max_file_store: 1MB`, account A with its own
`max_mem: 1MB, max_file: 1MB`, accounts B and C with JetStream and no limits of their own
(so only the server's apply to them, across both), and D with `max_mem: 0, max_file: 0`. Checks, as nats-server 2.9 answers:
- creating or updating a stream whose max_bytes cannot be reserved: 10047 (file) or 10028
  (memory), the reservations of all accounts counted against the server's limit;
- publishing into a stream without max_bytes: refused with 10002 once the account's stored bytes
  with the message would pass the account's limit, with 10023 once the stored bytes of all
  accounts pass the server's, the error naming the stream with seq 0; nothing refused is stored.
Raises AssertionError (exit status 1) otherwise.
"""

import asyncio
import json
import sys

import natspy_ordering  # noqa: F401  flush() orders after what was queued (see the module)
from scenario_support import api, error_code
from scenario_support import connect_as as connect

PAYLOAD = b"x" * 50_000


async def publish_until_refused(nc, subject, limit=60):
    """Publishes PAYLOAD until refused: (how many were stored, the refusal)."""
    for index in range(limit):
        answer = json.loads((await nc.request(subject, PAYLOAD, timeout=5)).data)
        if "error" in answer:
            return index, answer
        assert answer.get("seq") == index + 1, answer
    return limit, None


async def main(url):
    a, b, c, d = [await connect(url, user) for user in ("a", "b", "c", "d")]

    # A stream without max_bytes still reserves one byte: D's limits of 0 allow no stream.
    answer = await api(d, "STREAM.CREATE.DM", {"name": "DM", "subjects": ["dm"], "storage": "memory"})
    assert error_code(answer) == 10028, answer
    answer = await api(d, "STREAM.CREATE.DF", {"name": "DF", "subjects": ["df"], "storage": "file"})
    assert error_code(answer) == 10047, answer

    # Reservations: an account's own limit, then the server's across accounts.
    for storage, code in (("file", 10047), ("memory", 10028)):
        answer = await api(a, f"STREAM.CREATE.BIG_{storage}", {"name": f"BIG_{storage}", "subjects": [f"big.{storage}"], "storage": storage, "max_bytes": 2_000_000})
        assert error_code(answer) == code, (storage, answer)
        answer = await api(b, f"STREAM.CREATE.HALF_{storage}", {"name": f"HALF_{storage}", "subjects": [f"half.{storage}"], "storage": storage, "max_bytes": 600_000})
        assert "error" not in answer, (storage, answer)
        answer = await api(c, f"STREAM.CREATE.HALF2_{storage}", {"name": f"HALF2_{storage}", "subjects": [f"half2.{storage}"], "storage": storage, "max_bytes": 600_000})
        assert error_code(answer) == code, ("C reserves beyond what B holds", storage, answer)
        assert answer["error"]["description"] == ("insufficient storage resources available" if storage == "file" else "insufficient memory resources available"), answer
        answer = await api(b, f"STREAM.UPDATE.HALF_{storage}", {"name": f"HALF_{storage}", "subjects": [f"half.{storage}"], "storage": storage, "max_bytes": 1_100_000})
        assert error_code(answer) == code, ("update beyond the server's limit", storage, answer)
        answer = await api(b, f"STREAM.DELETE.HALF_{storage}")
        assert answer.get("success") is True, answer

    for storage in ("file", "memory"):
        # Account A's own limit: 20 messages of 50,000 bytes fit in 1 MiB, the 21st would not.
        answer = await api(a, f"STREAM.CREATE.A_{storage}", {"name": f"A_{storage}", "subjects": [f"a.{storage}"], "storage": storage})
        assert "error" not in answer, answer
        stored, refusal = await publish_until_refused(a, f"a.{storage}")
        assert stored == 20 and refusal is not None, (storage, stored, refusal)
        assert refusal == {"error": {"code": 400, "err_code": 10002, "description": "resource limits exceeded for account"}, "stream": f"A_{storage}", "seq": 0}, refusal
        info = await api(a, f"STREAM.INFO.A_{storage}")
        assert info["state"]["messages"] == 20, info["state"]
        answer = await api(a, f"STREAM.PURGE.A_{storage}", {})
        assert answer.get("success") is True, answer

        # The server's limit, across B and C: refused once both together store more than 1 MiB.
        for nc, name in ((b, "B"), (c, "C")):
            answer = await api(nc, f"STREAM.CREATE.{name}_{storage}", {"name": f"{name}_{storage}", "subjects": [f"{name.lower()}.{storage}"], "storage": storage})
            assert "error" not in answer, answer
        for _ in range(12):
            answer = json.loads((await b.request(f"b.{storage}", PAYLOAD, timeout=5)).data)
            assert "error" not in answer, answer
        stored, refusal = await publish_until_refused(c, f"c.{storage}")
        assert stored == 9 and refusal is not None, ("12 in B, then C until both pass 1 MiB", storage, stored, refusal)
        assert refusal == {"error": {"code": 503, "err_code": 10023, "description": "insufficient resources"}, "stream": f"C_{storage}", "seq": 0}, refusal
        answer = json.loads((await b.request(f"b.{storage}", PAYLOAD, timeout=5)).data)
        assert error_code(answer) == 10023, ("B is refused too", answer)
        # Room again once C's stream is purged.
        answer = await api(c, f"STREAM.PURGE.C_{storage}", {})
        assert answer.get("success") is True, answer
        answer = json.loads((await c.request(f"c.{storage}", PAYLOAD, timeout=5)).data)
        assert "error" not in answer, answer
        for nc, name in ((b, "B"), (c, "C")):
            answer = await api(nc, f"STREAM.DELETE.{name}_{storage}")
            assert answer.get("success") is True, answer
    for nc in (a, b, c, d):
        await nc.close()
    print("storage limits: all checks passed")


async def per_stream(url):
    """Account A with `max_ack_pending: 100, memory_max_stream_bytes: 2048,
    store_max_stream_bytes: 4096, max_bytes_required: true` (JetStreamLimitsTests.perStream)."""
    a = await connect(url, "a")
    answer = await api(a, "STREAM.CREATE.L", {"name": "L", "subjects": ["l"]})
    assert answer.get("error") == {"code": 400, "err_code": 10113, "description": "account requires a stream config to have max bytes set"}, answer
    answer = await api(a, "STREAM.CREATE.L", {"name": "L", "subjects": ["l"], "max_bytes": 65536})
    assert answer.get("error") == {"code": 400, "err_code": 10122, "description": "stream max bytes exceeds account limit max stream bytes"}, answer
    answer = await api(a, "STREAM.CREATE.LM", {"name": "LM", "subjects": ["lm"], "max_bytes": 4096, "storage": "memory"})
    assert error_code(answer) == 10122, ("4096 is over the memory streams' 2048", answer)
    answer = await api(a, "STREAM.CREATE.L", {"name": "L", "subjects": ["l"], "max_bytes": 128})
    assert answer["config"]["max_bytes"] == 128, answer
    answer = await api(a, "STREAM.UPDATE.L", {"name": "L", "subjects": ["l"], "max_bytes": 8192})
    assert error_code(answer) == 10122, ("an update is held to the limit too", answer)
    # One message of 55 bytes (86 stored), then five of one (32 each): max_bytes 128 keeps four.
    for payload in [b"A" * 55] + [b"A"] * 5:
        reply = json.loads((await a.request("l", payload, timeout=5)).data)
        assert "error" not in reply, reply
    info = await api(a, "INFO")
    assert info["storage"] == 128 and info["memory"] == 0 and info["streams"] == 1, info
    assert info["api"] == {"total": 5, "errors": 4}, ("five requests answered before this one, four refused", info["api"])
    assert info["limits"] == {
        "max_memory": -1, "max_storage": -1, "max_streams": -1, "max_consumers": -1, "max_ack_pending": 100,
        "memory_max_stream_bytes": 2048, "storage_max_stream_bytes": 4096, "max_bytes_required": True,
    }, info["limits"]
    # A consumer's max_ack_pending defaults to the account's, and may not exceed it.
    answer = await api(a, "CONSUMER.DURABLE.CREATE.L.d", {"stream_name": "L", "config": {"durable_name": "d", "ack_policy": "explicit"}})
    assert answer.get("config", {}).get("max_ack_pending") == 100, answer
    answer = await api(a, "CONSUMER.DURABLE.CREATE.L.e", {"stream_name": "L", "config": {"durable_name": "e", "ack_policy": "explicit", "max_ack_pending": 200}})
    assert answer.get("error") == {"code": 400, "err_code": 10121, "description": "consumer max ack pending exceeds system limit of 100"}, answer
    await a.close()
    print("per-stream limits: all checks passed")


if __name__ == "__main__":
    asyncio.run(per_stream(sys.argv[1]) if sys.argv[2:] == ["per_stream"] else main(sys.argv[1]))

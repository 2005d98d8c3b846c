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


if __name__ == "__main__":
    asyncio.run(main(sys.argv[1]))

"""Helpers the scenario scripts share."""

import json

import nats
from nats.errors import TimeoutError


async def connect_as(url, user):
    """A connection as `user`, whose password is the same word (the accounts tests' users)."""
    return await nats.connect(url.replace("nats://", f"nats://{user}:{user}@"), max_reconnect_attempts=0)


async def api(nc, subject, body=None):
    """A JetStream API request (`subject` after `$JS.API.`); the decoded answer."""
    reply = await nc.request("$JS.API." + subject, json.dumps(body).encode() if body is not None else b"", timeout=5)
    return json.loads(reply.data)


def error_code(answer):
    return (answer.get("error") or {}).get("err_code")


async def expect_nothing(subscription, wait=0.4):
    """Fails if `subscription` receives anything within `wait` seconds."""
    try:
        message = await subscription.next_msg(timeout=wait)
    except TimeoutError:
        return
    raise AssertionError(f"unexpected message on {message.subject}: {message.data!r}")

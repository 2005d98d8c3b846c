"""Authentication and authorization scenarios driven by the official Python client (nats-py).

Usage: security_scenarios.py SCENARIO URL [NKEY_SEED OTHER_SEED]

The server runs SecurityTests.configuration (SecurityTests.swift): users alice and bob with
permissions, carol with a bcrypt password, and one nkey user. Each scenario raises
AssertionError (exit status 1, with the reason) when the server does not behave as nats-server
does; the same scenarios run against Outpost and against the reference nats-server.
"""

import asyncio
import sys

import nats
from nats.errors import AuthorizationError, NoServersError

import natspy_ordering  # noqa: F401  flush() orders after what was queued (see the module)
from scenario_support import expect_nothing

SCENARIOS = {}


def scenario(function):
    SCENARIOS[function.__name__] = function
    return function


class Errors:
    """Collects the asynchronous -ERR lines nats-py hands to error_cb."""

    def __init__(self):
        self.texts = []

    async def record(self, error):
        self.texts.append(str(error))

    async def expect(self, text, timeout=3.0):
        for _ in range(int(timeout / 0.05)):
            # nats-py lowers the case of the server's text; RawProtocolTests check it exactly.
            if any(text.lower() in seen.lower() for seen in self.texts):
                return
            await asyncio.sleep(0.05)
        raise AssertionError(f"no error containing {text!r}; saw {self.texts}")


async def connect(url, errors=None, **options):
    options.setdefault("allow_reconnect", False)
    options.setdefault("max_reconnect_attempts", 0)
    options.setdefault("connect_timeout", 3)
    return await nats.connect(url, error_cb=(errors or Errors()).record, **options)


async def refused(url, **options):
    try:
        nc = await connect(url, **options)
    except (AuthorizationError, NoServersError, nats.errors.Error) as error:
        assert "authorization violation" in str(error).lower(), repr(error)
        return str(error)
    await nc.close()
    raise AssertionError(f"connection with {sorted(options)} was accepted")


@scenario
async def passwords(url, *_):
    for user, password in [("alice", "pw"), ("carol", "secret")]:
        nc = await connect(url, user=user, password=password)
        sub = await nc.subscribe("foo.greet")
        await nc.publish("foo.greet", user.encode())
        message = await sub.next_msg(timeout=3)
        assert message.data == user.encode(), message
        await nc.close()
    # A wrong password for a plain and for a bcrypt user, an unknown user, a user allowed on
    # leafnode connections only, no credentials.
    for user, password in [("alice", "nope"), ("carol", "Secret"), ("mallory", "pw"), ("leafonly", "pw")]:
        await refused(url, user=user, password=password)
    await refused(url)


@scenario
async def nkey_user(url, seed, other_seed):
    nc = await connect(url, nkeys_seed_str=seed)
    sub = await nc.subscribe("nk.greet")
    await nc.publish("nk.greet", b"signed")
    message = await sub.next_msg(timeout=3)
    assert message.data == b"signed", message
    await nc.close()
    await refused(url, nkeys_seed_str=other_seed)


@scenario
async def publish_permissions(url, *_):
    observer = await connect(url, user="carol", password="secret")
    watch = await observer.subscribe("foo.>")
    await observer.flush()
    errors = Errors()
    alice = await connect(url, errors, user="alice", password="pw")
    await alice.publish("foo.bad", b"denied by deny")
    await alice.publish("bar", b"not in allow")
    await alice.publish("foo.good", b"allowed")
    await alice.flush()
    await errors.expect('Permissions Violation for Publish to "foo.bad"')
    await errors.expect('Permissions Violation for Publish to "bar"')
    message = await watch.next_msg(timeout=3)
    assert message.subject == "foo.good", message.subject
    await expect_nothing(watch)
    assert alice.is_connected, "a publish violation must not end the connection"
    await alice.close()
    await observer.close()


@scenario
async def subscribe_permissions(url, *_):
    errors = Errors()
    alice = await connect(url, errors, user="alice", password="pw")
    await alice.subscribe("foo.secret")
    await alice.subscribe("q.jobs")
    await alice.subscribe("q.jobs", queue="others")
    tail = await alice.subscribe("foo.>")
    workers = await alice.subscribe("q.jobs", queue="workers")
    await alice.flush()
    await errors.expect('Permissions Violation for Subscription to "foo.secret"')
    await errors.expect('Permissions Violation for Subscription to "q.jobs" using queue "others"')
    await errors.expect('Permissions Violation for Subscription to "q.jobs"')

    carol = await connect(url, user="carol", password="secret")
    await carol.publish("foo.secret", b"must not reach alice's foo.>")
    await carol.publish("foo.open", b"open")
    await carol.publish("q.jobs", b"job")
    await carol.flush()
    message = await tail.next_msg(timeout=3)
    assert message.subject == "foo.open", message.subject
    await expect_nothing(tail)
    job = await workers.next_msg(timeout=3)
    assert job.data == b"job", job
    assert alice.is_connected, "a subscription violation must not end the connection"
    await carol.close()
    await alice.close()


@scenario
async def allow_responses(url, *_):
    errors = Errors()
    bob = await connect(url, errors, user="bob", password="pw")
    answered = asyncio.Event()

    async def serve(message):
        await bob.publish(message.reply, b"first answer")
        await bob.publish(message.reply, b"second answer is one too many")
        answered.set()

    await bob.subscribe("req.time", cb=serve)
    await bob.publish("elsewhere", b"bob may only answer")
    await bob.flush()
    await errors.expect('Permissions Violation for Publish to "elsewhere"')

    carol = await connect(url, user="carol", password="secret")
    inbox = carol.new_inbox()
    replies = await carol.subscribe(inbox)
    await carol.publish("req.time", b"what time is it", reply=inbox)
    first = await replies.next_msg(timeout=3)
    assert first.data == b"first answer", first
    await asyncio.wait_for(answered.wait(), 3)
    await expect_nothing(replies)
    await errors.expect(f'Permissions Violation for Publish to "{inbox}"')
    await carol.close()
    await bob.close()


async def main():
    name, url, *extra = sys.argv[1:]
    await asyncio.wait_for(SCENARIOS[name](url, *extra), 60)


if __name__ == "__main__":
    asyncio.run(main())

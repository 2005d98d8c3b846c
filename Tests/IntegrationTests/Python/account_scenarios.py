"""Accounts: isolation, a stream import and a service import, with the official Python client.

Usage: account_scenarios.py SCENARIO URL

The server runs AccountTests.configuration (AccountTests.swift): SENSORS exports the stream
telemetry.> and the service config.get; CLOUD imports the stream under the prefix site1 and the
service as site1.config; OTHER imports nothing. Each scenario raises AssertionError (exit
status 1) when the server does not behave as nats-server does.
"""

import asyncio
import sys

import nats
from nats.errors import TimeoutError

import natspy_ordering  # noqa: F401  flush() orders after what was queued (see the module)
from scenario_support import expect_nothing

SCENARIOS = {}


def scenario(function):
    SCENARIOS[function.__name__] = function
    return function


async def connect(url, user):
    return await nats.connect(url, user=user, password=user, allow_reconnect=False, max_reconnect_attempts=0, connect_timeout=5)


@scenario
async def isolation(url):
    sensors = await connect(url, "s")
    other = await connect(url, "o")
    seen_by_other = await other.subscribe(">")
    seen_by_sensors = await sensors.subscribe("shared.subject")
    await other.flush()
    await sensors.flush()
    await sensors.publish("telemetry.t1", b"21.5")
    await other.publish("shared.subject", b"from other")
    await sensors.flush()
    await other.flush()
    # OTHER sees only its own message; SENSORS never sees OTHER's.
    mine = await seen_by_other.next_msg(timeout=3)
    assert mine.subject == "shared.subject", mine
    await expect_nothing(seen_by_other)
    await expect_nothing(seen_by_sensors)
    await sensors.close()
    await other.close()


@scenario
async def stream_import(url):
    sensors = await connect(url, "s")
    cloud = await connect(url, "c")
    readings = await cloud.subscribe("site1.telemetry.>")
    unprefixed = await cloud.subscribe("telemetry.>")
    await cloud.flush()
    for index in range(10):
        await sensors.publish(f"telemetry.t{index}", str(index).encode())
    await sensors.flush()
    for index in range(10):
        message = await readings.next_msg(timeout=3)
        assert (message.subject, message.data) == (f"site1.telemetry.t{index}", str(index).encode()), message
    await expect_nothing(unprefixed)
    await sensors.close()
    await cloud.close()


@scenario
async def service_import(url):
    sensors = await connect(url, "s")
    cloud = await connect(url, "c")
    other = await connect(url, "o")

    async def answer(message):
        await sensors.publish(message.reply, b"interval=5s:" + message.data)

    await sensors.subscribe("config.get", cb=answer)
    await sensors.flush()
    for index in range(5):
        reply = await cloud.request("site1.config", f"q{index}".encode(), timeout=10)
        assert reply.data == f"interval=5s:q{index}".encode(), reply
    # OTHER imported nothing: no responders there.
    try:
        await other.request("site1.config", b"?", timeout=1)
        raise AssertionError("OTHER reached SENSORS' service")
    except (nats.errors.NoRespondersError, TimeoutError):
        pass
    await sensors.close()
    await cloud.close()
    await other.close()


async def main():
    name, url = sys.argv[1:]
    await asyncio.wait_for(SCENARIOS[name](url), 60)


if __name__ == "__main__":
    asyncio.run(main())

"""Helpers the scenario scripts share."""

from nats.errors import TimeoutError


async def expect_nothing(subscription, wait=0.4):
    """Fails if `subscription` receives anything within `wait` seconds."""
    try:
        message = await subscription.next_msg(timeout=wait)
    except TimeoutError:
        return
    raise AssertionError(f"unexpected message on {message.subject}: {message.data!r}")

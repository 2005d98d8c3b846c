import NIOCore

/// Per event loop: the connections written to during the current loop iteration, flushed once
/// at its end.
///
/// Deliveries append frames to each subscriber's outbound buffer; instead of one socket write
/// per message, every connection touched is flushed once when the loop has finished the work at
/// hand (nats-server does the same per read batch with its `pcd` map and `flushClients`). Only
/// ever used on its own event loop (checked in debug builds).
package final class DeliveryLoop: @unchecked Sendable {
    package let eventLoop: any EventLoop
    private var pending: [ConnectionTransport] = []
    private var spare: [ConnectionTransport] = []
    private var isFlushScheduled = false
    /// Picks queue-group members (no locks, no system calls).
    var random: XorshiftRandom

    package init(eventLoop: any EventLoop, seed: UInt64) {
        self.eventLoop = eventLoop
        self.random = XorshiftRandom(seed: seed)
    }

    /// Remembers that `transport` has bytes to flush; schedules the flush at the end of this
    /// loop iteration if it is the first one.
    @inline(__always)
    func markForFlush(_ transport: ConnectionTransport) {
        eventLoop.assertInEventLoop()
        if transport.isMarkedForFlush { return }
        transport.isMarkedForFlush = true
        pending.append(transport)
        if !isFlushScheduled {
            isFlushScheduled = true
            eventLoop.execute { self.flushAll() }
        }
    }

    private func flushAll() {
        isFlushScheduled = false
        swap(&pending, &spare)
        for transport in spare { transport.flushNow() }
        spare.removeAll(keepingCapacity: true)
    }
}

/// A small xorshift generator: enough to spread queue-group deliveries, cheap on every message.
struct XorshiftRandom: RandomNumberGenerator {
    private var state: UInt64

    init(seed: UInt64) {
        state = seed | 1
    }

    @inline(__always)
    mutating func next() -> UInt64 {
        state ^= state << 13
        state ^= state >> 7
        state ^= state << 17
        return state
    }
}

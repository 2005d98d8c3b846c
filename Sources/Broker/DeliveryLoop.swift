import NIOCore

/// Per event loop: the connections written to during the current loop iteration, flushed once
/// at its end.
///
/// Deliveries append `MSG` frames to each subscriber's outbound buffer; instead of one socket
/// write per message, every connection touched is flushed once when the loop has finished the
/// work at hand (nats-server does the same per read batch with its `pcd` map and
/// `flushClients`). Only ever used on its own event loop.
package final class DeliveryLoop: @unchecked Sendable {
    package let eventLoop: any EventLoop
    private var pending: [ClientConnection] = []
    private var spare: [ClientConnection] = []
    private var isFlushScheduled = false
    /// A small xorshift generator for picking queue-group members (no locks, no syscalls).
    private var randomState: UInt64

    package init(eventLoop: any EventLoop, seed: UInt64) {
        self.eventLoop = eventLoop
        self.randomState = seed | 1
    }

    /// Remembers that `connection` has bytes to flush; schedules the flush at the end of this
    /// loop iteration if it is the first one.
    @inline(__always)
    func markForFlush(_ connection: ClientConnection) {
        if connection.isMarkedForFlush { return }
        connection.isMarkedForFlush = true
        pending.append(connection)
        if !isFlushScheduled {
            isFlushScheduled = true
            eventLoop.execute { self.flushAll() }
        }
    }

    private func flushAll() {
        isFlushScheduled = false
        swap(&pending, &spare)
        for connection in spare { connection.flushNow() }
        spare.removeAll(keepingCapacity: true)
    }

    @inline(__always)
    func nextRandom() -> UInt64 {
        randomState ^= randomState << 13
        randomState ^= randomState >> 7
        randomState ^= randomState << 17
        return randomState
    }
}

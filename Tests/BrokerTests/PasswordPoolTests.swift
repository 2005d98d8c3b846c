import Logging
import NIOConcurrencyHelpers
import NIOEmbedded
import Testing

@testable import Broker

/// Slow credential checks (bcrypt) go to the password pool, never the event loop, and only so
/// many may wait for it.
@Suite("Password pool")
struct PasswordPoolTests {
    /// A pool whose threads are all busy: work waits until `runAll()`.
    final class BusyPool: BlockingWorkPool {
        let waiting = NIOLockedValueBox<[@Sendable () -> Void]>([])

        func submit(_ work: @escaping @Sendable () -> Void) {
            waiting.withLockedValue { $0.append(work) }
        }

        func runAll() {
            for work in waiting.withLockedValue({ queue in
                defer { queue.removeAll() }
                return queue
            }) { work() }
        }
    }

    @Test("checks wait for the pool, at most maxPendingPasswordChecks; one more is refused at once; the results come back on the loop")
    func bounded() {
        let pool = BusyPool()
        var logger = Logger(label: "test")
        logger.logLevel = .critical
        let broker = Broker(
            configuration: BrokerConfiguration(serverName: "t", serverID: "NT", outpostVersion: "0"), logger: logger, passwordPool: pool)
        let loop = EmbeddedEventLoop()
        let results = NIOLockedValueBox<[Bool]>([])
        let limit = Broker.maxPendingPasswordChecks
        for _ in 0...limit {
            broker.checkCredentials(on: loop, refusal: false, { true }, then: { result in results.withLockedValue { $0.append(result) } })
        }
        loop.run()
        #expect(results.withLockedValue { $0 } == [false], "the one past the bound is refused, the others wait")
        #expect(pool.waiting.withLockedValue { $0.count } == limit)
        pool.runAll()
        #expect(results.withLockedValue { $0.count } == 1, "results are handed to the loop, not to the pool's thread")
        loop.run()
        #expect(results.withLockedValue { $0.filter { $0 }.count } == limit)
        broker.checkCredentials(on: loop, refusal: false, { true }, then: { result in results.withLockedValue { $0.append(result) } })
        pool.runAll()
        loop.run()
        #expect(results.withLockedValue { $0.last } == true, "room again once the queue drained")
    }
}

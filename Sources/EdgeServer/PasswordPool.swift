import Broker
import NIOConcurrencyHelpers
import NIOPosix

/// Where bcrypt checks run: NIO's thread pool, with a fixed number of threads, so a burst of
/// CONNECTs with hashed passwords queues instead of starting a thread each (the broker bounds
/// the queue). Started at the first check: a server without bcrypt users never has the thread.
final class PasswordPool: BlockingWorkPool {
    private let pool: NIOThreadPool
    private let isStarted = NIOLockedValueBox(false)

    init(threads: Int) {
        pool = NIOThreadPool(numberOfThreads: threads)
    }

    func submit(_ work: @escaping @Sendable () -> Void) {
        isStarted.withLockedValue { started in
            if !started {
                pool.start()
                started = true
            }
        }
        pool.submit { _ in work() }
    }

    func shutDown() async {
        guard isStarted.withLockedValue({ $0 }) else { return }
        try? await pool.shutdownGracefully()
    }
}

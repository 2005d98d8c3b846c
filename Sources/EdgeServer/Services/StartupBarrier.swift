import NIOConcurrencyHelpers

/// Holds services back until the parts they depend on run: the listeners accept the first
/// client only once JetStream, the store-and-forward buffers and monitoring are up (a client
/// must never publish before the buffer that keeps its messages subscribes), and the leafnode
/// dialers start once the server accepts.
///
/// A waiter that is cancelled (the service group unwinding a failed start) throws
/// `CancellationError`.
final class StartupBarrier: Sendable {
    private struct State {
        var missing: Set<String>
        var waiters: [UInt64: CheckedContinuation<Void, any Error>] = [:]
        var lastWaiterID: UInt64 = 0
    }

    private let state: NIOLockedValueBox<State>

    /// - Parameter parts: the names that must all be marked ready before waiters go on.
    init(waitingFor parts: Set<String>) {
        state = NIOLockedValueBox(State(missing: parts))
    }

    /// `part` runs.
    func markReady(_ part: String) {
        let released = state.withLockedValue { state -> [CheckedContinuation<Void, any Error>] in
            state.missing.remove(part)
            guard state.missing.isEmpty else { return [] }
            defer { state.waiters.removeAll() }
            return Array(state.waiters.values)
        }
        for waiter in released { waiter.resume() }
    }

    var isOpen: Bool { state.withLockedValue { $0.missing.isEmpty } }

    /// Returns once every part is ready.
    func wait() async throws {
        let id = state.withLockedValue { state -> UInt64 in
            state.lastWaiterID += 1
            return state.lastWaiterID
        }
        try await withTaskCancellationHandler {
            try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<Void, any Error>) in
                let resumeNow: (any Error)?? = state.withLockedValue { state in
                    if Task.isCancelled { return .some(CancellationError()) }
                    if state.missing.isEmpty { return .some(nil) }
                    state.waiters[id] = continuation
                    return .none
                }
                switch resumeNow {
                case .some(.some(let error)): continuation.resume(throwing: error)
                case .some(.none): continuation.resume()
                case .none: break
                }
            }
        } onCancel: {
            state.withLockedValue { $0.waiters.removeValue(forKey: id) }?.resume(throwing: CancellationError())
        }
    }
}

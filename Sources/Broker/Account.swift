import Synchronization
import NIOConcurrencyHelpers
import Subjects

/// An isolated subject space: its own subscriptions; messages never cross accounts unless
/// exported and imported. Connections without an account are bound to `$G`.
///
/// `@unchecked Sendable`: the subject index is only touched inside `index`'s lock.
/// The subject index is shared by every event loop and guarded by one lock; publishers read
/// through their own small per-connection cache, which they drop when `generation` moves.
package final class Account: @unchecked Sendable {
    package let name: String
    private let index: NIOLockedValueBox<SubjectIndex<Subscription>>
    /// A copy of the index's generation, readable without the lock.
    private let generationCopy = Atomic<UInt64>(0)

    package init(name: String, subjectCacheEnabled: Bool = true) {
        self.name = name
        self.index = NIOLockedValueBox(SubjectIndex(cacheEnabled: subjectCacheEnabled))
    }

    /// Grows on every subscription added or removed.
    @inline(__always)
    package var generation: UInt64 { generationCopy.load(ordering: .acquiring) }

    package func insert(_ subscription: Subscription) throws(SubjectIndexError) {
        let failure: SubjectIndexError? = index.withLockedValue { index in
            do {
                try index.insert(subscription, subject: subscription.subject, queue: subscription.queue)
            } catch let error as SubjectIndexError {
                return error
            } catch {
                return .invalidSubject
            }
            generationCopy.store(index.generation, ordering: .releasing)
            return nil
        }
        if let failure { throw failure }
    }

    @discardableResult
    package func remove(_ subscription: Subscription) -> Bool {
        index.withLockedValue { index in
            let removed = index.remove(subscription, subject: subscription.subject, queue: subscription.queue)
            generationCopy.store(index.generation, ordering: .releasing)
            return removed
        }
    }

    package func match(_ subject: UnsafeRawBufferPointer) -> SubjectMatch<Subscription> {
        index.withLockedValue { $0.match(subject) }
    }

    package func match(_ subject: String, cacheResult: Bool = true) -> SubjectMatch<Subscription> {
        index.withLockedValue { $0.match(subject, cacheResult: cacheResult) }
    }

    /// Calls `body` with every subscription, inside the index lock: do not call back into the
    /// account from `body`.
    package func forEachSubscription(_ body: (Subscription) -> Void) {
        index.withLockedValue { index in
            index.forEach { subscription, _, _ in body(subscription) }
        }
    }

    /// Subscription count, for /varz and /subsz.
    package var subscriptionCount: Int { index.withLockedValue { $0.count } }

    package struct IndexStatistics: Sendable {
        package var subscriptions: Int
        package var cacheEntries: Int
        package var matches: UInt64
        package var cacheHits: UInt64
        package var inserts: UInt64
        package var removes: UInt64
        package var maxFanout: Int
        package var averageFanout: Double
    }

    package var indexStatistics: IndexStatistics {
        index.withLockedValue {
            let fanout = $0.cachedFanout()
            return IndexStatistics(
                subscriptions: $0.count, cacheEntries: $0.cacheCount, matches: $0.matchCount, cacheHits: $0.cacheHits,
                inserts: $0.insertCount, removes: $0.removeCount, maxFanout: fanout.maximum, averageFanout: fanout.average)
        }
    }
}

import NIOConcurrencyHelpers
import Subjects
import Synchronization

/// An isolated subject space: its own subscriptions; messages never cross accounts unless
/// exported and imported. Connections without an account are bound to `$G`.
///
/// The subject index is shared by every event loop and guarded by one lock; publishers read
/// through their own small per-connection cache, which they drop when `generation` moves.
package final class Account: Sendable {
    package let name: String
    private let index: NIOLockedValueBox<LockedIndex>

    /// The subject index as the lock holds it. `@unchecked Sendable`: the index (a class) is
    /// created here and only ever reached inside `index`'s lock, so no two threads touch it at
    /// once.
    private struct LockedIndex: @unchecked Sendable {
        let subjects: SubjectIndex<Subscription>
    }
    /// A copy of the index's generation, readable without the lock.
    private let generationCopy = Atomic<UInt64>(0)

    /// Callbacks waiting for a client to subscribe to a literal subject (push consumers whose
    /// deliver subject has no listener yet), and for one to unsubscribe from it (push consumers
    /// whose listener may be gone); each called once.
    private let arrivalWatches = InterestWatchList()
    private let lossWatches = InterestWatchList()

    package init(name: String, subjectCacheEnabled: Bool = true) {
        self.name = name
        self.index = NIOLockedValueBox(LockedIndex(subjects: SubjectIndex(cacheEnabled: subjectCacheEnabled)))
    }

    /// Grows on every subscription added or removed.
    @inline(__always)
    package var generation: UInt64 { generationCopy.load(ordering: .acquiring) }

    package func insert(_ subscription: Subscription) throws(SubjectIndexError) {
        let failure: SubjectIndexError? = index.withLockedValue { locked in
            let index = locked.subjects
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
        if subscription.isConsumerInterest { arrivalWatches.fire(matchedBy: subscription.subject) }
    }

    /// Calls `handler` once, on the thread of the subscribing connection, when a client
    /// subscription matching the literal `subject` is added. Returns the watch's id.
    package func watchInterest(in subject: String, _ handler: @escaping @Sendable () -> Void) -> UInt64 {
        arrivalWatches.add(subject, handler)
    }

    /// Calls `handler` once, on the thread of the unsubscribing connection, when a client
    /// subscription matching the literal `subject` is removed (others may still match: the
    /// handler looks). Returns the watch's id.
    package func watchInterestLoss(in subject: String, _ handler: @escaping @Sendable () -> Void) -> UInt64 {
        lossWatches.add(subject, handler)
    }

    /// Forgets a watch of either kind that has not fired.
    package func cancelInterestWatch(_ id: UInt64) {
        arrivalWatches.cancel(id)
        lossWatches.cancel(id)
    }

    @discardableResult
    package func remove(_ subscription: Subscription) -> Bool {
        let removed = index.withLockedValue { locked in
            let index = locked.subjects
            let removed = index.remove(subscription, subject: subscription.subject, queue: subscription.queue)
            generationCopy.store(index.generation, ordering: .releasing)
            return removed
        }
        if removed && subscription.isConsumerInterest { lossWatches.fire(matchedBy: subscription.subject) }
        return removed
    }

    package func match(_ subject: UnsafeRawBufferPointer, cached: Bool = true) -> SubjectMatch<Subscription> {
        index.withLockedValue { $0.subjects.match(subject, cacheResult: cached, lookInCache: cached) }
    }

    package func match(_ subject: String, cacheResult: Bool = true) -> SubjectMatch<Subscription> {
        index.withLockedValue { $0.subjects.match(subject, cacheResult: cacheResult) }
    }

    /// Calls `body` with every subscription, inside the index lock: do not call back into the
    /// account from `body`.
    package func forEachSubscription(_ body: (Subscription) -> Void) {
        index.withLockedValue { index in
            index.subjects.forEach { subscription, _, _ in body(subscription) }
        }
    }

    /// Subscription count, for /varz and /subsz.
    package var subscriptionCount: Int { index.withLockedValue { $0.subjects.count } }

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
        index.withLockedValue { locked in
            let index = locked.subjects
            let fanout = index.cachedFanout()
            return IndexStatistics(
                subscriptions: index.count, cacheEntries: index.cacheCount, matches: index.matchCount, cacheHits: index.cacheHits,
                inserts: index.insertCount, removes: index.removeCount, maxFanout: fanout.maximum, averageFanout: fanout.average)
        }
    }
}

/// Callbacks keyed by id, each waiting for a subscription change on a literal subject. The
/// count spares every subscribe and unsubscribe the lock while nobody waits.
private final class InterestWatchList: Sendable {
    private let watches = NIOLockedValueBox<[UInt64: (subject: String, handler: @Sendable () -> Void)]>([:])
    private let count = Atomic<Int>(0)
    /// Ids are unique across the lists of the process, so a cancel may go to every list.
    private static let lastID = Atomic<UInt64>(0)

    func add(_ subject: String, _ handler: @escaping @Sendable () -> Void) -> UInt64 {
        let id = Self.lastID.add(1, ordering: .relaxed).newValue
        watches.withLockedValue { watches in
            watches[id] = (subject, handler)
            count.store(watches.count, ordering: .relaxed)
        }
        return id
    }

    func cancel(_ id: UInt64) {
        guard count.load(ordering: .relaxed) > 0 else { return }
        watches.withLockedValue { watches in
            watches[id] = nil
            count.store(watches.count, ordering: .relaxed)
        }
    }

    /// Calls (outside the lock) and forgets every watch whose subject `pattern` matches.
    func fire(matchedBy pattern: String) {
        guard count.load(ordering: .relaxed) > 0 else { return }
        let fired = watches.withLockedValue { watches in
            let matched = watches.filter { SubjectPattern.matches(pattern: pattern, subject: $0.value.subject) }
            for id in matched.keys { watches[id] = nil }
            count.store(watches.count, ordering: .relaxed)
            return matched.values.map(\.handler)
        }
        for handler in fired { handler() }
    }
}

/// Subscriptions indexed by subject, for finding every subscriber of a published subject.
///
/// A trie with one level per token; each level has literal children plus dedicated `*` and `>`
/// children (nats-server `server/sublist.go`). Results of `match` are cached per literal
/// subject; a subscription that comes or goes updates the cached results it affects, so the cache
/// never changes an answer. `generation` grows on every change, so holders of their own copies of
/// results (a connection's small per-connection cache) know when to drop them.
///
/// Not thread-safe: exactly one owner (the account's lock) uses it at a time.
package final class SubjectIndex<Value: AnyObject> {
    /// The trie holds its values as `AnyObject`, outside the generic class: in generic code every
    /// access to a generic class's fields looked up its type metadata at run time
    /// (`swift_getGenericMetadata` was a tenth of a JetStream pull's matching in perf), and a
    /// match walks many. Values are `Value` again only where a result is built.
    typealias Node = SubjectTrieNode
    typealias Level = SubjectTrieLevel

    private let root = SubjectTrieLevel()
    private let cache: SubjectMatchCache<SubjectMatch<Value>>?

    /// Grows by one on every insert and remove.
    package private(set) var generation: UInt64 = 0
    /// Number of subscriptions held.
    package private(set) var count = 0
    /// Matches answered from the cache and in all (for /subsz).
    package private(set) var cacheHits: UInt64 = 0
    package private(set) var matchCount: UInt64 = 0
    /// Inserts and removes since the start (for /subsz).
    package private(set) var insertCount: UInt64 = 0
    package private(set) var removeCount: UInt64 = 0

    /// - Parameter cacheEnabled: `false` mirrors nats-server's `disable_sublist_cache`.
    package init(cacheEnabled: Bool = true, cacheLimit: Int = 1024, cacheSweepTarget: Int = 512) {
        // `values(_:)` reinterprets [AnyObject] as [Value]: a class, not a class-bound
        // existential (which carries a witness table beside the reference).
        precondition(MemoryLayout<Value>.size == MemoryLayout<AnyObject>.size, "SubjectIndex holds class instances only")
        cache = cacheEnabled ? SubjectMatchCache(capacityLimit: cacheLimit, sweepTarget: cacheSweepTarget) : nil
    }

    package var cacheCount: Int { cache?.count ?? 0 }

    /// The largest and the mean number of subscribers (plain, plus one per queue group) among
    /// the cached results, as nats-server's /subsz computes `max_fanout` and `avg_fanout`.
    package func cachedFanout() -> (maximum: Int, average: Double) {
        guard let cache else { return (0, 0) }
        var maximum = 0
        var total = 0
        var entries = 0
        cache.updateAll { _, match in
            let fanout = match.plain.count + match.queueGroups.count
            maximum = max(maximum, fanout)
            total += fanout
            entries += 1
            return true
        }
        return (maximum, entries == 0 ? 0 : Double(total) / Double(entries))
    }

    /// Adds `value` under `subject` (which may contain wildcards), in queue group `queue` if given.
    /// - Throws: ``SubjectIndexError/invalidSubject`` when the subject breaks the subject rules.
    package func insert(_ value: Value, subject: String, queue: String? = nil) throws(SubjectIndexError) {
        guard SubjectValidation.isValidSubject(subject) else { throw .invalidSubject }
        var level = root
        var node: Node! = nil
        let tokens = subject.split(separator: ".", omittingEmptySubsequences: false)
        for (index, token) in tokens.enumerated() {
            if token == "*" {
                if level.partialWildcard == nil { level.partialWildcard = Node() }
                node = level.partialWildcard
            } else if token == ">" {
                if level.fullWildcard == nil { level.fullWildcard = Node() }
                node = level.fullWildcard
            } else {
                let key = String(token)
                if let existing = level.literals[key] {
                    node = existing
                } else {
                    node = Node()
                    level.literals[key] = node
                }
            }
            if index < tokens.count - 1 {
                if node.next == nil { node.next = Level() }
                level = node.next!
            }
        }
        if let queue {
            if let groupIndex = node.queues.firstIndex(where: { $0.name == queue }) {
                node.queues[groupIndex].members.append(value)
            } else {
                node.queues.append((name: queue, members: [value]))
            }
        } else {
            node.plain.append(value)
        }
        count += 1
        insertCount &+= 1
        generation &+= 1
        if let cache {
            var pattern = subject
            pattern.withUTF8 { patternBytes in
                cache.updateAll { cachedSubject, result in
                    if SubjectPattern.matches(pattern: UnsafeRawBufferPointer(patternBytes), subject: cachedSubject) {
                        result.add(value, queue: queue)
                    }
                    return true
                }
            }
        }
    }

    /// Removes `value` (by identity) from `subject`/`queue`. Returns `false` if it was not there.
    @discardableResult
    package func remove(_ value: Value, subject: String, queue: String? = nil) -> Bool {
        let tokens = subject.split(separator: ".", omittingEmptySubsequences: false)
        var path: [(level: Level, token: Substring, node: Node)] = []
        var level = root
        for (index, token) in tokens.enumerated() {
            let node: Node?
            if token == "*" {
                node = level.partialWildcard
            } else if token == ">" {
                node = level.fullWildcard
            } else {
                node = level.literals[String(token)]
            }
            guard let node else { return false }
            path.append((level, token, node))
            if index < tokens.count - 1 {
                guard let next = node.next else { return false }
                level = next
            }
        }
        guard let last = path.last?.node else { return false }
        var removed = false
        if let queue {
            if let groupIndex = last.queues.firstIndex(where: { $0.name == queue }),
                let memberIndex = last.queues[groupIndex].members.firstIndex(where: { $0 === value })
            {
                last.queues[groupIndex].members.remove(at: memberIndex)
                if last.queues[groupIndex].members.isEmpty { last.queues.remove(at: groupIndex) }
                removed = true
            }
        } else if let index = last.plain.firstIndex(where: { $0 === value }) {
            last.plain.remove(at: index)
            removed = true
        }
        guard removed else { return false }
        // Prune nodes left empty, deepest first, so the trie does not keep dead branches.
        for entry in path.reversed() {
            guard entry.node.isEmpty else { break }
            if let next = entry.node.next, next.isEmpty { entry.node.next = nil }
            if entry.token == "*" {
                entry.level.partialWildcard = nil
            } else if entry.token == ">" {
                entry.level.fullWildcard = nil
            } else {
                entry.level.literals[String(entry.token)] = nil
            }
        }
        count -= 1
        removeCount &+= 1
        generation &+= 1
        if let cache {
            var pattern = subject
            pattern.withUTF8 { patternBytes in
                cache.updateAll { cachedSubject, result in
                    if SubjectPattern.matches(pattern: UnsafeRawBufferPointer(patternBytes), subject: cachedSubject) {
                        result.remove(value, queue: queue)
                    }
                    return true
                }
            }
        }
        return true
    }

    /// Every subscriber whose subject matches the literal `subject`.
    /// - Parameters:
    ///   - cacheResult: `false` for subjects used once (reply inboxes): caching them would only
    ///     push out results that are asked for again.
    ///   - lookInCache: `false` for subjects known never to repeat (see
    ///     ``SubjectValidation/isAckSubject(_:)``): a lookup would only hash them in vain.
    package func match(_ subject: UnsafeRawBufferPointer, cacheResult: Bool = true, lookInCache: Bool = true) -> SubjectMatch<Value> {
        matchCount &+= 1
        if lookInCache, let cached = cache?.value(for: subject) {
            cacheHits &+= 1
            return cached
        }
        var result = SubjectMatch<Value>()
        collect(level: root, subject: subject, tokenStart: 0, into: &result)
        if cacheResult { cache?.set(result, for: subject) }
        return result
    }

    package func match(_ subject: String, cacheResult: Bool = true) -> SubjectMatch<Value> {
        var subject = subject
        return subject.withUTF8 { match(UnsafeRawBufferPointer($0), cacheResult: cacheResult) }
    }

    /// `true` when at least one subscription matches the literal `subject`.
    package func hasInterest(_ subject: String) -> Bool {
        !match(subject).isEmpty
    }

    /// Walks the trie along the tokens of `subject`, from the token at `tokenStart`. Tokens are
    /// found as it goes, and a `String` is made for one only where the level has literal
    /// children to look it up in: subjects with many unique tokens (`$JS.ACK.<stream>.…<ts>`)
    /// cost no allocations past the levels that can match them.
    private func collect(level: Level, subject: UnsafeRawBufferPointer, tokenStart: Int, into result: inout SubjectMatch<Value>) {
        // `>` at this level takes this token and all that follow.
        if let fullWildcard = level.fullWildcard { add(fullWildcard, to: &result) }
        var tokenEnd = tokenStart
        let count = subject.count
        while tokenEnd < count && subject[tokenEnd] != SubjectValidation.tokenSeparator { tokenEnd += 1 }
        let isLast = tokenEnd >= count
        let nextStart = tokenEnd + 1
        if let partialWildcard = level.partialWildcard {
            if isLast {
                add(partialWildcard, to: &result)
            } else if let next = partialWildcard.next {
                collect(level: next, subject: subject, tokenStart: nextStart, into: &result)
            }
        }
        guard !level.literals.isEmpty else { return }
        let token = String(decoding: UnsafeRawBufferPointer(rebasing: subject[tokenStart..<tokenEnd]), as: UTF8.self)
        if let literal = level.literals[token] {
            if isLast {
                add(literal, to: &result)
            } else if let next = literal.next {
                collect(level: next, subject: subject, tokenStart: nextStart, into: &result)
            }
        }
    }

    private func add(_ node: Node, to result: inout SubjectMatch<Value>) {
        if !node.plain.isEmpty { result.plain.append(contentsOf: Self.values(node.plain)) }
        for group in node.queues {
            if let index = result.queueGroups.firstIndex(where: { $0.name == group.name }) {
                result.queueGroups[index].members.append(contentsOf: Self.values(group.members))
            } else {
                result.queueGroups.append(QueueGroup(name: group.name, members: Self.values(group.members)))
            }
        }
    }

    /// The trie's values as what they are: only `Value`s are ever inserted, and an array of
    /// class references has one layout whatever the class, so this is a reinterpretation, not a
    /// copy or a per-element check.
    @inline(__always)
    private static func values(_ objects: [AnyObject]) -> [Value] {
        unsafeBitCast(objects, to: [Value].self)
    }

    /// Calls `body` for every subscription held, with its subject and queue.
    package func forEach(_ body: (Value, String, String?) -> Void) {
        func walk(_ level: Level, prefix: String) {
            func visit(_ node: Node, token: String) {
                let subject = prefix.isEmpty ? token : prefix + "." + token
                for value in Self.values(node.plain) { body(value, subject, nil) }
                for group in node.queues { for member in Self.values(group.members) { body(member, subject, group.name) } }
                if let next = node.next { walk(next, prefix: subject) }
            }
            for (token, node) in level.literals { visit(node, token: token) }
            if let node = level.partialWildcard { visit(node, token: "*") }
            if let node = level.fullWildcard { visit(node, token: ">") }
        }
        walk(root, prefix: "")
    }
}

/// Why ``SubjectIndex`` refused a subscription.
package enum SubjectIndexError: Error, Equatable {
    case invalidSubject
}

/// One token's subscriptions in ``SubjectIndex``'s trie, and the level below it.
final class SubjectTrieNode {
    var next: SubjectTrieLevel?
    var plain: [AnyObject] = []
    var queues: [(name: String, members: [AnyObject])] = []

    var isEmpty: Bool { plain.isEmpty && queues.isEmpty && (next?.isEmpty ?? true) }
}

/// One level of ``SubjectIndex``'s trie: literal tokens plus the `*` and `>` children.
final class SubjectTrieLevel {
    var literals: [String: SubjectTrieNode] = [:]
    var partialWildcard: SubjectTrieNode?
    var fullWildcard: SubjectTrieNode?

    var isEmpty: Bool { literals.isEmpty && partialWildcard == nil && fullWildcard == nil }
}

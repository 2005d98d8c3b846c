import Testing

@testable import Subjects

/// A subscription stand-in: the index only cares about identity.
private final class Sub: CustomStringConvertible {
    let name: String
    init(_ name: String) { self.name = name }
    var description: String { name }
}

private func names(_ match: SubjectMatch<Sub>) -> [String] {
    match.plain.map(\.name).sorted()
}

private func queueNames(_ match: SubjectMatch<Sub>) -> [String: [String]] {
    var result: [String: [String]] = [:]
    for group in match.queueGroups { result[group.name] = group.members.map(\.name).sorted() }
    return result
}

/// Every test runs twice, with and without the match cache (nats-server `sublist_test.go`
/// does the same): the cache must never change an answer.
@Suite("SubjectIndex")
struct SubjectIndexTests {
    @Test("literal, `*` and `>` matches", arguments: [true, false])
    func wildcards(cache: Bool) throws {
        let index = SubjectIndex<Sub>(cacheEnabled: cache)
        let subs = ["foo", "foo.bar", "foo.*", "foo.>", "*.bar", ">", "*", "foo.*.baz"].map { Sub($0) }
        for sub in subs { try index.insert(sub, subject: sub.name) }
        #expect(index.count == subs.count)
        #expect(names(index.match("foo")) == [">", "*", "foo"].sorted())
        #expect(names(index.match("foo.bar")) == ["*.bar", ">", "foo.*", "foo.>", "foo.bar"].sorted())
        #expect(names(index.match("foo.bar.baz")) == [">", "foo.*.baz", "foo.>"].sorted())
        #expect(names(index.match("bar")) == [">", "*"].sorted())
        #expect(names(index.match("x.y.z")) == [">"])
        // Asked twice (the second time from the cache, if enabled): the same answer.
        #expect(names(index.match("foo.bar")) == ["*.bar", ">", "foo.*", "foo.>", "foo.bar"].sorted())
    }

    @Test("queue groups merge by name across nodes", arguments: [true, false])
    func queues(cache: Bool) throws {
        let index = SubjectIndex<Sub>(cacheEnabled: cache)
        let a = Sub("a")
        let b = Sub("b")
        let c = Sub("c")
        let d = Sub("d")
        try index.insert(a, subject: "orders.new", queue: "workers")
        try index.insert(b, subject: "orders.*", queue: "workers")
        try index.insert(c, subject: "orders.>", queue: "auditors")
        try index.insert(d, subject: "orders.new")
        let match = index.match("orders.new")
        #expect(names(match) == ["d"])
        #expect(queueNames(match) == ["workers": ["a", "b"], "auditors": ["c"]])
    }

    @Test("removal prunes and updates cached results", arguments: [true, false])
    func removal(cache: Bool) throws {
        let index = SubjectIndex<Sub>(cacheEnabled: cache)
        let wide = Sub("wide")
        let narrow = Sub("narrow")
        let queued = Sub("queued")
        try index.insert(wide, subject: "a.>")
        try index.insert(narrow, subject: "a.b")
        try index.insert(queued, subject: "a.*", queue: "q")
        #expect(names(index.match("a.b")) == ["narrow", "wide"])
        #expect(index.remove(narrow, subject: "a.b"))
        #expect(names(index.match("a.b")) == ["wide"])
        #expect(!index.remove(narrow, subject: "a.b"))
        #expect(index.remove(queued, subject: "a.*", queue: "q"))
        #expect(queueNames(index.match("a.b")).isEmpty)
        #expect(index.remove(wide, subject: "a.>"))
        #expect(index.match("a.b").isEmpty)
        #expect(index.count == 0)
        // The same subscription object under two subjects is two entries.
        try index.insert(wide, subject: "x")
        try index.insert(wide, subject: "y")
        #expect(index.remove(wide, subject: "x"))
        #expect(names(index.match("y")) == ["wide"])
    }

    @Test("a subscription added after a subject was cached is found", arguments: [true, false])
    func insertAfterCaching(cache: Bool) throws {
        let index = SubjectIndex<Sub>(cacheEnabled: cache)
        #expect(index.match("late.comer").isEmpty)
        let sub = Sub("late")
        try index.insert(sub, subject: "late.*")
        #expect(names(index.match("late.comer")) == ["late"])
        let queued = Sub("q1")
        try index.insert(queued, subject: "late.comer", queue: "g")
        #expect(queueNames(index.match("late.comer")) == ["g": ["q1"]])
    }

    @Test("invalid subjects are refused")
    func invalid() {
        let index = SubjectIndex<Sub>()
        for subject in ["", "foo..bar", "foo.>.bar", "foo bar", ".foo"] {
            #expect(throws: SubjectIndexError.invalidSubject) { try index.insert(Sub(subject), subject: subject) }
        }
        #expect(index.count == 0)
    }

    @Test("generation grows on every change")
    func generation() throws {
        let index = SubjectIndex<Sub>()
        let start = index.generation
        let sub = Sub("g")
        try index.insert(sub, subject: "g")
        #expect(index.generation == start + 1)
        index.remove(sub, subject: "g")
        #expect(index.generation == start + 2)
    }

    @Test("random operations: cached and uncached indexes always agree with a brute-force model")
    func randomAgreement() throws {
        var generator = SplitMix(seed: 42)
        let tokens = ["a", "b", "c", "*", ">"]
        let literals = ["a", "b", "c"]
        let cached = SubjectIndex<Sub>(cacheEnabled: true, cacheLimit: 16, cacheSweepTarget: 4)
        let uncached = SubjectIndex<Sub>(cacheEnabled: false)
        var model: [(sub: Sub, subject: String, queue: String?)] = []
        for step in 0..<3000 {
            let roll = generator.next() % 10
            if roll < 4 || model.isEmpty {
                let depth = Int(generator.next() % 3) + 1
                var parts: [String] = []
                for level in 0..<depth {
                    var token = tokens[Int(generator.next() % UInt64(tokens.count))]
                    if token == ">" && level < depth - 1 { token = "*" }
                    parts.append(token)
                }
                let subject = parts.joined(separator: ".")
                let queue: String? = generator.next() % 3 == 0 ? "q\(generator.next() % 2)" : nil
                let sub = Sub("s\(step)")
                try cached.insert(sub, subject: subject, queue: queue)
                try uncached.insert(sub, subject: subject, queue: queue)
                model.append((sub, subject, queue))
            } else if roll < 6 {
                let victim = model.remove(at: Int(generator.next() % UInt64(model.count)))
                #expect(cached.remove(victim.sub, subject: victim.subject, queue: victim.queue))
                #expect(uncached.remove(victim.sub, subject: victim.subject, queue: victim.queue))
            } else {
                let depth = Int(generator.next() % 3) + 1
                let subject = (0..<depth).map { _ in literals[Int(generator.next() % 3)] }.joined(separator: ".")
                let expected = model.filter { SubjectPattern.matches(pattern: $0.subject, subject: subject) }
                let expectedPlain = expected.filter { $0.queue == nil }.map(\.sub.name).sorted()
                var expectedQueues: [String: [String]] = [:]
                for entry in expected where entry.queue != nil { expectedQueues[entry.queue!, default: []].append(entry.sub.name) }
                for key in expectedQueues.keys { expectedQueues[key]!.sort() }
                for index in [cached, uncached] {
                    let match = index.match(subject)
                    #expect(names(match) == expectedPlain, "step \(step) subject \(subject)")
                    #expect(queueNames(match) == expectedQueues, "step \(step) subject \(subject)")
                }
            }
        }
    }
}

/// A small deterministic generator for reproducible random tests.
struct SplitMix: RandomNumberGenerator {
    var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}

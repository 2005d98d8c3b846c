import Testing

@testable import Leafnode

/// The interest a leafnode link announces: reference counts, queue weights, idempotence.
@Suite("LeafInterestTable")
struct LeafInterestTableTests {
    final class Token {}
    typealias Table = LeafInterestTable<Token>

    @Test("plain subjects: LS+ on the first subscription, LS- after the last")
    func plain() {
        var table = Table()
        let a = Token()
        let b = Token()
        #expect(table.add(a, subject: "foo", queue: nil) == .subscribe(subject: "foo", queue: nil, weight: 1))
        #expect(table.add(b, subject: "foo", queue: nil) == nil)
        #expect(table.remove(a) == nil)
        #expect(table.remove(b) == .unsubscribe(subject: "foo", queue: nil))
        #expect(table.count == 0)
    }

    @Test("queue groups: every change of weight is announced, LS- at zero")
    func queues() {
        var table = Table()
        let a = Token()
        let b = Token()
        #expect(table.add(a, subject: "work", queue: "w") == .subscribe(subject: "work", queue: "w", weight: 1))
        #expect(table.add(b, subject: "work", queue: "w") == .subscribe(subject: "work", queue: "w", weight: 2))
        #expect(table.remove(b) == .subscribe(subject: "work", queue: "w", weight: 1))
        #expect(table.remove(a) == .unsubscribe(subject: "work", queue: "w"))
    }

    @Test("the same subscription counted twice (snapshot and change) counts once; unknown removals do nothing")
    func idempotent() {
        var table = Table()
        let a = Token()
        let b = Token()
        _ = table.add(a, subject: "foo", queue: nil)
        #expect(table.add(a, subject: "foo", queue: nil) == nil)
        #expect(table.remove(b) == nil)
        #expect(table.remove(a) == .unsubscribe(subject: "foo", queue: nil))
        #expect(table.remove(a) == nil)
    }

    @Test("announcements name every key once, with the current weight")
    func announcements() {
        var table = Table()
        let tokens = (0..<3).map { _ in Token() }
        _ = table.add(tokens[0], subject: "a", queue: nil)
        _ = table.add(tokens[1], subject: "q", queue: "g")
        _ = table.add(tokens[2], subject: "q", queue: "g")
        let lines = table.announcements
        #expect(lines.count == 2)
        #expect(lines.contains(.subscribe(subject: "a", queue: nil, weight: 1)))
        #expect(lines.contains(.subscribe(subject: "q", queue: "g", weight: 2)))
    }
}

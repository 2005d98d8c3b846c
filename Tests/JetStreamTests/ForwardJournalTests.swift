import Foundation
import Testing

@testable import JetStreamSQLite

/// The store-and-forward journal: chunked storage, removal in and out of order, trimming,
/// and what a reopened file still holds.
@Suite("Store-and-forward journal (SQLite)")
struct ForwardJournalTests {
    static func path() -> String {
        FileManager.default.temporaryDirectory.appendingPathComponent("journal-\(UUID().uuidString).db").path
    }

    static func messages(
        _ range: Range<Int>, timestamp: Int64 = 1
    ) -> [(subject: String, reply: String?, headers: [UInt8]?, payload: [UInt8], timestamp: Int64)] {
        range.map {
            (
                "t.\($0 % 3)", $0 % 7 == 0 ? "r.\($0)" : nil, $0 % 5 == 0 ? Array("NATS/1.0\r\nA: \($0)\r\n\r\n".utf8) : nil,
                Array("m\($0)".utf8), timestamp + Int64($0)
            )
        }
    }

    @Test("entries come back in order with their parts; ids never repeat, across reopening")
    func roundTrip() throws {
        let file = Self.path()
        defer { try? FileManager.default.removeItem(atPath: file) }
        let journal = try SQLiteForwardJournal(path: file)
        let ids = try journal.append(Self.messages(0..<2500))
        #expect(ids == Array(1...2500).map(Int64.init))
        let read = try journal.read(after: 0, limit: 5000, maxBytes: 1 << 30)
        #expect(read.count == 2500)
        #expect(read[5].headers == Array("NATS/1.0\r\nA: 5\r\n\r\n".utf8) && read[7].reply == "r.7" && read[8].payload == Array("m8".utf8))
        #expect(read.map(\.id) == ids)
        #expect(try journal.read(after: 1000, limit: 10, maxBytes: 1 << 30).map(\.id) == Array(1001...1010).map(Int64.init))
        try journal.delete(read.map { ($0.id, $0.size) })
        #expect(journal.count == 0 && journal.bytes == 0)
        let identity = journal.identity
        journal.close()

        let reopened = try SQLiteForwardJournal(path: file)
        #expect(reopened.identity == identity)
        #expect(try reopened.append(Self.messages(0..<1)) == [2501])
    }

    @Test("removal out of order leaves holes that a reopened journal remembers")
    func holes() throws {
        let file = Self.path()
        defer { try? FileManager.default.removeItem(atPath: file) }
        let journal = try SQLiteForwardJournal(path: file)
        _ = try journal.append(Self.messages(0..<10))
        let all = try journal.read(after: 0, limit: 100, maxBytes: 1 << 30)
        // Sent: 1, 2, 4, 7 (3, 5, 6 had no interest and stay).
        try journal.delete([1, 2, 4, 7].map { (Int64($0), all[$0 - 1].size) })
        #expect(journal.count == 6)
        #expect(try journal.read(after: 0, limit: 100, maxBytes: 1 << 30).map(\.id) == [3, 5, 6, 8, 9, 10])
        let bytes = journal.bytes
        journal.close()
        let reopened = try SQLiteForwardJournal(path: file)
        #expect(reopened.count == 6 && reopened.bytes == bytes)
        #expect(try reopened.read(after: 0, limit: 100, maxBytes: 1 << 30).map(\.id) == [3, 5, 6, 8, 9, 10])
        try reopened.delete([3, 5, 6, 8, 9, 10].map { (Int64($0), all[$0 - 1].size) })
        #expect(reopened.count == 0 && reopened.bytes == 0)
    }

    @Test("trim keeps exactly the newest max_msgs, fits max_bytes, drops what is too old")
    func trim() throws {
        let file = Self.path()
        defer { try? FileManager.default.removeItem(atPath: file) }
        let journal = try SQLiteForwardJournal(path: file)
        _ = try journal.append(Self.messages(0..<2500, timestamp: 1000))
        #expect(try journal.trim(maxMessages: 700, maxBytes: 0, oldestAllowed: 0) == 1800)
        #expect(journal.count == 700)
        #expect(try journal.read(after: 0, limit: 1, maxBytes: 1 << 30).first?.payload == Array("m1800".utf8))
        let removed = try journal.trim(maxMessages: 0, maxBytes: 0, oldestAllowed: 1000 + 2000)
        #expect(removed == 200 && journal.count == 500)
        let before = journal.bytes
        _ = try journal.trim(maxMessages: 0, maxBytes: before / 2, oldestAllowed: 0)
        #expect(journal.bytes <= before / 2 && journal.bytes > before / 2 - 64)
        let rest = try journal.read(after: 0, limit: 5000, maxBytes: 1 << 30)
        #expect(rest.count == journal.count && rest.last?.payload == Array("m2499".utf8))
        #expect(rest.reduce(0) { $0 + $1.size } == journal.bytes)
    }
}

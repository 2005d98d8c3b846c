import Broker
import JetStreamSQLite

#if canImport(FoundationEssentials)
import FoundationEssentials  // not Foundation: it would load ICU and add 6 MB to an idle server
#else
import Foundation
#endif

/// The SQLite journal seen as the broker's ``ForwardJournalStorage``.
final class SQLiteForwardJournalStorage: ForwardJournalStorage {
    let journal: SQLiteForwardJournal

    /// Opens (or creates) the journal at `path`, creating its directory.
    init(path: String) throws {
        if let slash = path.lastIndex(of: "/"), slash != path.startIndex {
            try FileManager.default.createDirectory(atPath: String(path[..<slash]), withIntermediateDirectories: true)
        }
        journal = try SQLiteForwardJournal(path: path)
    }

    var identity: String { journal.identity }
    var count: Int { journal.count }
    var bytes: Int { journal.bytes }

    func append(_ messages: [ForwardEntry]) throws -> [Int64] {
        try journal.append(messages.map { ($0.subject, $0.reply, $0.headers, $0.payload, $0.timestamp) })
    }

    func read(after id: Int64, limit: Int, maxBytes: Int) throws -> [ForwardEntry] {
        try journal.read(after: id, limit: limit, maxBytes: maxBytes).map {
            ForwardEntry(id: $0.id, subject: $0.subject, reply: $0.reply, headers: $0.headers, payload: $0.payload, timestamp: $0.timestamp)
        }
    }

    func delete(_ removed: [(id: Int64, size: Int)]) throws { try journal.delete(removed) }

    func trim(maxMessages: Int, maxBytes: Int, oldestAllowed: Int64) throws -> Int {
        try journal.trim(maxMessages: maxMessages, maxBytes: maxBytes, oldestAllowed: oldestAllowed)
    }

    func oldestTimestamp() throws -> Int64? { try journal.oldestTimestamp() }
}

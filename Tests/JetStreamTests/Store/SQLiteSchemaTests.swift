import CSQLite
import Foundation
import Testing

@testable import JetStream
@testable import JetStreamSQLite

@Suite("SQLite schema")
struct SQLiteSchemaTests {
    private func tableNames(_ path: String) -> [String] {
        var handle: OpaquePointer?
        guard sqlite3_open(path, &handle) == SQLITE_OK else { return [] }
        defer { sqlite3_close(handle) }
        var statement: OpaquePointer?
        sqlite3_prepare_v2(handle, "SELECT name FROM sqlite_master WHERE type='table' ORDER BY name", -1, &statement, nil)
        defer { sqlite3_finalize(statement) }
        var names: [String] = []
        while sqlite3_step(statement) == SQLITE_ROW { names.append(String(cString: sqlite3_column_text(statement, 0))) }
        return names
    }

    @Test("a version 1 database (one table for all streams) is brought forward with every message, subject and consumer")
    func migratesVersionOne() throws {
        let url = try makeTemporaryDirectory("schema")
        defer { try? FileManager.default.removeItem(at: url) }
        let path = url.path + "/outpost.db"
        // A store as version 1 wrote it: two streams sharing `messages`, with a gap and headers.
        var sql = [
            "PRAGMA journal_mode=WAL",
            SQLiteStorageEngine.schemaVersion1,
            "INSERT INTO streams(id, name, config) VALUES (1, 'A', x'7B7D'), (2, 'B', x'7B7D')",
            "INSERT INTO subjects(stream, id, subject) VALUES (1, 1, 'a.x'), (1, 2, 'a.y'), (2, 1, 'b')",
        ]
        for sequence in 1...300 where sequence != 150 {
            let subject = sequence % 3 == 0 ? 2 : 1
            sql.append(
                "INSERT INTO messages(stream, seq, subject, ts, hdr, data) VALUES (1, \(sequence), \(subject), \(sequence * 10), NULL, x'\(String(format: "%04X", sequence))')"
            )
        }
        sql.append("INSERT INTO messages(stream, seq, subject, ts, hdr, data) VALUES (2, 7, 1, 70, x'4E415453', x'')")
        sql.append("INSERT INTO consumers(stream, name, config, state) VALUES (1, 'C', x'7B7D', x'01')")
        sql.append("PRAGMA user_version=1")
        try execSQL(onFile: path, sql.joined(separator: ";\n"))

        let engine = try SQLiteStorageEngine(directory: url.path)
        let streams = Dictionary(uniqueKeysWithValues: try engine.openStreams().map { ($0.store.name, $0.store) })
        let a = try #require(streams["A"])
        let b = try #require(streams["B"])
        let summary = try a.scan()
        #expect(summary.messages == 299)
        #expect(summary.firstSequence == 1 && summary.lastSequence == 300)
        #expect(summary.subjects["a.y"] == .init(messages: 99, firstSequence: 3, lastSequence: 300))  // 150 is the gap
        #expect(try a.message(sequence: 150) == nil)
        #expect(try a.message(sequence: 151)?.payload == [0x00, 0x97])
        #expect(try a.lastMessage(subject: "a.x")?.sequence == 299)
        #expect(try a.nextMessage(from: 150, matching: "a.x")?.sequence == 151)
        #expect(try a.nextMessage(from: 150, matching: "a.y")?.sequence == 153)
        #expect(try a.consumers().map(\.name) == ["C"])
        let onlyB = try #require(try b.message(sequence: 7))
        #expect(onlyB.headers == Array("NATS".utf8) && onlyB.payload.isEmpty && onlyB.subject == "b")
        // New writes go on from the copied rows.
        try engine.beginBatch()
        try a.append(StoredMessage(sequence: 301, subject: "a.z", headers: nil, payload: [1], timestamp: 3010))
        try engine.commitBatch()
        engine.close()

        #expect(tableNames(path) == ["consumers", "messages_1", "messages_2", "streams", "subjects"])
        let reopened = try SQLiteStorageEngine(directory: url.path)
        defer { reopened.close() }
        let again = try #require(try reopened.openStreams().first { $0.store.name == "A" }?.store)
        #expect(try again.scan().messages == 300)
        #expect(try again.lastMessage(subject: "a.z")?.sequence == 301)
    }

    @Test("each stream has its own table; deleting a stream drops it, and a stream made after works")
    func tablePerStream() throws {
        let url = try makeTemporaryDirectory("schema")
        defer { try? FileManager.default.removeItem(at: url) }
        let engine = try SQLiteStorageEngine(directory: url.path)
        try engine.beginBatch()
        let first = try engine.createStream(name: "ONE", configuration: [])
        let second = try engine.createStream(name: "TWO", configuration: [])
        try first.append(StoredMessage(sequence: 1, subject: "one", headers: nil, payload: [1], timestamp: 1))
        try second.append(StoredMessage(sequence: 1, subject: "two", headers: nil, payload: [2], timestamp: 1))
        try engine.commitBatch()
        try engine.deleteStream(name: "TWO")
        // Given the deleted stream's id again (SQLite reuses the highest rowid), with no old rows.
        try engine.beginBatch()
        let third = try engine.createStream(name: "THREE", configuration: [])
        #expect(try third.message(sequence: 1) == nil)
        try third.append(StoredMessage(sequence: 1, subject: "three", headers: nil, payload: [3], timestamp: 1))
        try engine.commitBatch()
        #expect(try third.lastMessage(subject: "three")?.payload == [3])
        #expect(try first.message(sequence: 1)?.payload == [1])
        engine.close()
        #expect(tableNames(url.path + "/outpost.db") == ["consumers", "messages_1", "messages_2", "streams", "subjects"])
    }

    @Test("a database from a newer schema is refused with a clear error")
    func newerSchemaRefused() throws {
        let url = try makeTemporaryDirectory("schema")
        defer { try? FileManager.default.removeItem(at: url) }
        try execSQL(onFile: url.path + "/outpost.db", "PRAGMA user_version=\(SQLiteStorageEngine.schemaVersion + 1)")
        #expect {
            _ = try SQLiteStorageEngine(directory: url.path)
        } throws: { error in
            (error as? StoreError)?.message.contains("written by a newer Outpost") == true
        }
    }
}

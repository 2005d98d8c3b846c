import Foundation
import JetStreamSQLite
import Testing

@testable import JetStream

@Suite("Deferred SQLite store")
struct DeferredStoreTests {
    @Test("no database file until the first stream; then it opens at start and finds the stream")
    func opensOnDemand() throws {
        let url = try makeTemporaryDirectory("deferred")
        defer { try? FileManager.default.removeItem(at: url) }
        let database = url.appendingPathComponent("outpost.db").path

        let first = try DeferredSQLiteStorageEngine(directory: url.path, sync: .always)
        #expect(try first.openStreams().isEmpty)
        // A batch begun before anything exists (the engine begins one for every round of work).
        try first.beginBatch()
        try first.commitBatch()
        #expect(!first.isOpen)
        #expect(!FileManager.default.fileExists(atPath: database))

        try first.beginBatch()
        let store = try first.createStream(name: "S", configuration: Array("{}".utf8))
        try store.append(StoredMessage(sequence: 1, subject: "s", headers: nil, payload: Array("one".utf8), timestamp: 1))
        try first.commitBatch()
        #expect(first.isOpen)
        first.close()

        let second = try DeferredSQLiteStorageEngine(directory: url.path, sync: .always)
        #expect(second.isOpen)
        let streams = try second.openStreams()
        #expect(streams.count == 1)
        #expect(try streams.first?.store.message(sequence: 1)?.payload == Array("one".utf8))
        second.close()
    }
}

@Suite("SQLite page size")
struct SQLitePageSizeTests {
    /// The page size in a database file's header (bytes 16-17, big-endian; 1 means 65,536).
    private func headerPageSize(_ path: String) throws -> Int {
        let header = try #require(FileManager.default.contents(atPath: path)).prefix(18)
        let size = Int(header[16]) << 8 | Int(header[17])
        return size == 1 ? 65_536 : size
    }

    private func storeAndReopen(in directory: String) throws {
        let engine = try SQLiteStorageEngine(directory: directory)
        try engine.beginBatch()
        let store = try engine.createStream(name: "S", configuration: Array("{}".utf8))
        for sequence in 1...500 as ClosedRange<UInt64> {
            try store.append(
                StoredMessage(
                    sequence: sequence, subject: "s.\(sequence % 7)", headers: nil, payload: Array(repeating: 7, count: 128),
                    timestamp: Int64(sequence)))
        }
        try engine.commitBatch()
        engine.close()
        let reopened = try SQLiteStorageEngine(directory: directory)
        defer { reopened.close() }
        let streams = try reopened.openStreams()
        #expect(try streams.first?.store.message(sequence: 500)?.payload == Array(repeating: 7, count: 128))
        #expect(try streams.first?.store.lastMessage(subject: "s.2")?.sequence == 499)
    }

    @Test("a new database gets small pages")
    func newDatabase() throws {
        let url = try makeTemporaryDirectory("pages")
        defer { try? FileManager.default.removeItem(at: url) }
        try storeAndReopen(in: url.path)
        #expect(try headerPageSize(url.path + "/outpost.db") == SQLiteStorageEngine.newDatabasePageSize)
    }

    @Test("a database made with 4 KiB pages (before they were small) keeps them and works")
    func existingDatabase() throws {
        let url = try makeTemporaryDirectory("pages")
        defer { try? FileManager.default.removeItem(at: url) }
        try execSQL(onFile: url.path + "/outpost.db", "PRAGMA page_size=4096; PRAGMA journal_mode=WAL; CREATE TABLE early(x);")
        try storeAndReopen(in: url.path)
        #expect(try headerPageSize(url.path + "/outpost.db") == 4096)
    }
}

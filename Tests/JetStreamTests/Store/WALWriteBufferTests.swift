import CSQLite
import CSQLiteWriteBuffer
import Foundation
import Testing

@testable import JetStream
@testable import JetStreamSQLite

/// The VFS that gathers a commit's WAL frames into one write (`CSQLiteWriteBuffer`), driven
/// through SQLite's C API, and read back through SQLite's own default VFS.
@Suite("WAL write buffer")
struct WALWriteBufferTests {
    private func temporaryDatabase() throws -> (directory: URL, path: String) {
        let url = try makeTemporaryDirectory("walbuf")
        return (url, url.appendingPathComponent("test.db").path)
    }

    private func open(_ path: String, buffered: Bool) throws -> OpaquePointer {
        var handle: OpaquePointer?
        let vfs = buffered ? outpost_wal_buffer_vfs() : nil
        if buffered { try #require(vfs != nil, "the VFS registers") }
        let status = sqlite3_open_v2(path, &handle, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE, vfs)
        try #require(status == SQLITE_OK)
        return try #require(handle)
    }

    /// A buffered database set up as the store's (1 KiB pages, exclusive, WAL, no sync at
    /// commit; checkpoints only when asked) with a table `t(id, data)`, its frames written.
    private func openTable(_ path: String) throws -> OpaquePointer {
        let db = try open(path, buffered: true)
        try execSQL(
            db,
            "PRAGMA page_size=1024; PRAGMA locking_mode=EXCLUSIVE; PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA wal_autocheckpoint=0; CREATE TABLE t(id INTEGER PRIMARY KEY, data BLOB)"
        )
        try #require(outpost_wal_buffer_flush(db) == SQLITE_OK)
        return db
    }

    private func count(_ db: OpaquePointer, _ sql: String) throws -> Int64 {
        var statement: OpaquePointer?
        try #require(sqlite3_prepare_v2(db, sql, -1, &statement, nil) == SQLITE_OK)
        defer { sqlite3_finalize(statement) }
        try #require(sqlite3_step(statement) == SQLITE_ROW)
        return sqlite3_column_int64(statement, 0)
    }

    private func counts(_ db: OpaquePointer) throws -> (requested: Int64, written: Int64, pending: Int) {
        var requested: sqlite3_int64 = 0
        var written: sqlite3_int64 = 0
        var pending: Int32 = 0
        try #require(outpost_wal_buffer_counts(db, &requested, &written, &pending) == 1, "the WAL is the buffering VFS's")
        return (requested, written, Int(pending))
    }

    private func insertBatch(_ db: OpaquePointer, from first: Int, count: Int) throws {
        try execSQL(db, "BEGIN IMMEDIATE")
        for row in first..<(first + count) {
            try execSQL(db, "INSERT INTO t VALUES (\(row), randomblob(200))")
        }
        try execSQL(db, "COMMIT")
    }

    @Test("a commit's frames reach the file in one write, and the file is a valid WAL")
    func oneWritePerCommit() throws {
        let (directory, path) = try temporaryDatabase()
        defer { try? FileManager.default.removeItem(at: directory) }
        let db = try openTable(path)
        let before = try counts(db)
        for batch in 0..<10 {
            try insertBatch(db, from: batch * 50, count: 50)
            #expect(outpost_wal_buffer_flush(db) == SQLITE_OK)
        }
        let after = try counts(db)
        // 50 rows of ~210 bytes fill about ten 1 KiB pages: twenty-odd requests per commit.
        #expect(after.requested - before.requested >= 10 * 20)
        #expect(after.written - before.written == 10)
        sqlite3_close(db)

        // SQLite's own VFS recovers the WAL (it was never checkpointed) and finds every row.
        let plain = try open(path, buffered: false)
        defer { sqlite3_close(plain) }
        #expect(try count(plain, "SELECT count(*) FROM t") == 500)
        #expect(try count(plain, "SELECT max(id) FROM t") == 499)
    }

    @Test("frames not yet written are read back right, and a checkpoint writes them first")
    func readsAndCheckpointsSeeBufferedFrames() throws {
        let (directory, path) = try temporaryDatabase()
        defer { try? FileManager.default.removeItem(at: directory) }
        let db = try openTable(path)
        try insertBatch(db, from: 0, count: 300)
        let committed = try counts(db)
        try #require(committed.pending > 60 * 1024, "the commit's frames wait in the buffer")
        // With the page cache emptied, the scan reads its pages from the WAL, in the buffered
        // range: the buffer goes to the file first.
        sqlite3_db_release_memory(db)
        #expect(try count(db, "SELECT count(*) FROM t WHERE length(data) = 200") == 300)
        let read = try counts(db)
        #expect(read.written == committed.written + 1 && read.pending == 0)

        try insertBatch(db, from: 300, count: 100)
        try #require(try counts(db).pending > 0)
        // The checkpoint syncs the WAL first, which writes the buffer, then copies the frames.
        try execSQL(db, "PRAGMA wal_checkpoint(TRUNCATE)")
        #expect(try counts(db).pending == 0)
        sqlite3_close(db)
        let plain = try open(path, buffered: false)
        defer { sqlite3_close(plain) }
        #expect(try count(plain, "SELECT count(*) FROM t") == 400)
    }
}

@Suite("SQLite store after lost WAL frames")
struct LostFramesTests {
    private func message(_ sequence: UInt64, _ payload: String) -> StoredMessage {
        StoredMessage(sequence: sequence, subject: "s", headers: nil, payload: Array(payload.utf8), timestamp: Int64(sequence))
    }

    @Test("a commit whose frames never reach the file fails, leaves the store as before it, and the next one works")
    func failedFlushReopens() throws {
        let url = try makeTemporaryDirectory("lost")
        defer { try? FileManager.default.removeItem(at: url) }
        let engine = try SQLiteStorageEngine(directory: url.path, sync: .interval(.seconds(120)))
        try engine.beginBatch()
        let store = try engine.createStream(name: "S", configuration: Array("{}".utf8))
        try store.append(message(1, "kept"))
        try engine.commitBatch()

        outpost_wal_buffer_fail_next_flush(engine.connection.handle)
        try engine.beginBatch()
        try store.append(message(2, "lost"))
        #expect(throws: StoreError.self) { try engine.commitBatch() }
        engine.rollbackBatch()
        // SQLite's view is the file's again: the failed commit is not there.
        #expect(try store.message(sequence: 2) == nil)
        #expect(try store.message(sequence: 1)?.payload == Array("kept".utf8))

        try engine.beginBatch()
        try store.append(message(2, "again"))
        try engine.commitBatch()
        engine.close()

        let reopened = try SQLiteStorageEngine(directory: url.path)
        defer { reopened.close() }
        let streams = try reopened.openStreams()
        #expect(try streams.first?.store.message(sequence: 2)?.payload == Array("again".utf8))
        #expect(try streams.first?.store.scan().messages == 2)
    }
}

import CSQLite
import JetStream

/// The store-and-forward journal of one leafnode remote: core messages waiting to reach the hub,
/// in arrival order, in their own SQLite file (WAL, `synchronous=NORMAL`: a commit survives a
/// crash of the process; the last commits before a power cut may be lost, which is what core NATS
/// promises a publisher anyway, and it spares the SD card an fsync per batch).
///
/// Used by one thread at a time (the forwarder's loop).
package final class SQLiteForwardJournal: @unchecked Sendable {
    package struct Entry: Sendable, Equatable {
        package var id: Int64
        package var subject: String
        package var reply: String?
        package var headers: [UInt8]?
        package var payload: [UInt8]
        /// Arrival time, nanoseconds since 1970.
        package var timestamp: Int64

        package init(id: Int64, subject: String, reply: String?, headers: [UInt8]?, payload: [UInt8], timestamp: Int64) {
            self.id = id
            self.subject = subject
            self.reply = reply
            self.headers = headers
            self.payload = payload
            self.timestamp = timestamp
        }

        /// What counts against `max_bytes`: subject, headers and payload.
        package var size: Int { subject.utf8.count + (headers?.count ?? 0) + payload.count }
    }

    private let connection: SQLiteConnection
    /// A random token made when the file is created: with an entry's id it makes the
    /// `Nats-Msg-Id` that lets the hub drop a replay it already has, across restarts.
    package let identity: String
    package private(set) var count = 0
    package private(set) var bytes = 0

    package init(path: String) throws(StoreError) {
        connection = try SQLiteConnection(path: path)
        try connection.execute("""
            PRAGMA journal_mode=WAL;
            PRAGMA synchronous=NORMAL;
            CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
            CREATE TABLE IF NOT EXISTS journal (
                id INTEGER PRIMARY KEY AUTOINCREMENT, subject TEXT NOT NULL, reply TEXT,
                headers BLOB, payload BLOB NOT NULL, size INTEGER NOT NULL, ts INTEGER NOT NULL);
            """)
        let read = try connection.statement("SELECT value FROM meta WHERE key = 'identity'")
        if try connection.step(read) {
            identity = connection.text(read, 0)
        } else {
            var generator = SystemRandomNumberGenerator()
            let token = (0..<12).map { _ in String(generator.next() % 36, radix: 36) }.joined()
            let insert = try connection.statement("INSERT INTO meta (key, value) VALUES ('identity', ?)")
            connection.bind(insert, 1, token)
            try connection.run(insert)
            identity = token
        }
        let totals = try connection.statement("SELECT COUNT(*), COALESCE(SUM(size), 0) FROM journal")
        if try connection.step(totals) {
            count = Int(connection.int64(totals, 0))
            bytes = Int(connection.int64(totals, 1))
        }
    }

    /// Appends messages in one transaction; returns their ids.
    package func append(_ messages: [(subject: String, reply: String?, headers: [UInt8]?, payload: [UInt8], timestamp: Int64)]) throws(StoreError) -> [Int64] {
        guard !messages.isEmpty else { return [] }
        try connection.execute("BEGIN")
        var ids: [Int64] = []
        ids.reserveCapacity(messages.count)
        do {
            let insert = try connection.statement("INSERT INTO journal (subject, reply, headers, payload, size, ts) VALUES (?, ?, ?, ?, ?, ?)")
            for message in messages {
                sqlite3_reset(insert)
                let size = message.subject.utf8.count + (message.headers?.count ?? 0) + message.payload.count
                connection.bind(insert, 1, message.subject)
                if let reply = message.reply { connection.bind(insert, 2, reply) } else { sqlite3_bind_null(insert, 2) }
                connection.bind(insert, 3, message.headers)
                connection.bind(insert, 4, message.payload)
                connection.bind(insert, 5, Int64(size))
                connection.bind(insert, 6, message.timestamp)
                try connection.run(insert)
                ids.append(sqlite3_last_insert_rowid(connection.handle))
                count += 1
                bytes += size
            }
            try connection.execute("COMMIT")
        } catch {
            try? connection.execute("ROLLBACK")
            let totals = try? connection.statement("SELECT COUNT(*), COALESCE(SUM(size), 0) FROM journal")
            if let totals, (try? connection.step(totals)) == true {
                count = Int(connection.int64(totals, 0))
                bytes = Int(connection.int64(totals, 1))
            }
            throw error
        }
        return ids
    }

    /// Entries after `id`, oldest first, at most `limit` of them and about `maxBytes` (always at
    /// least one).
    package func read(after id: Int64, limit: Int, maxBytes: Int) throws(StoreError) -> [Entry] {
        let select = try connection.statement("SELECT id, subject, reply, headers, payload, ts FROM journal WHERE id > ? ORDER BY id LIMIT ?")
        connection.bind(select, 1, id)
        connection.bind(select, 2, Int64(limit))
        var entries: [Entry] = []
        var total = 0
        while try connection.step(select) {
            let entry = Entry(
                id: connection.int64(select, 0),
                subject: connection.text(select, 1),
                reply: sqlite3_column_type(select, 2) == SQLITE_NULL ? nil : connection.text(select, 2),
                headers: connection.bytes(select, 3),
                payload: connection.bytes(select, 4) ?? [],
                timestamp: connection.int64(select, 5)
            )
            if !entries.isEmpty && total + entry.size > maxBytes { break }
            total += entry.size
            entries.append(entry)
        }
        sqlite3_reset(select)
        return entries
    }

    /// Removes the entries with these ids (confirmed by the hub).
    package func delete(ids: [Int64]) throws(StoreError) {
        guard !ids.isEmpty else { return }
        try connection.execute("BEGIN")
        do {
            let sizeOf = try connection.statement("DELETE FROM journal WHERE id = ? RETURNING size")
            for id in ids {
                sqlite3_reset(sizeOf)
                connection.bind(sizeOf, 1, id)
                if try connection.step(sizeOf) {
                    count -= 1
                    bytes -= Int(connection.int64(sizeOf, 0))
                }
                while try connection.step(sizeOf) {}
            }
            try connection.execute("COMMIT")
        } catch {
            try? connection.execute("ROLLBACK")
            throw error
        }
    }

    /// Removes the oldest entries until at most `maxMessages` and `maxBytes` remain (0: no
    /// limit) and none is older than `oldestAllowed` (nanoseconds since 1970; 0: no limit).
    /// Returns how many were removed.
    package func trim(maxMessages: Int, maxBytes: Int, oldestAllowed: Int64) throws(StoreError) -> Int {
        var removed = 0
        let oldest = try connection.statement("SELECT id, size, ts FROM journal ORDER BY id LIMIT 256")
        var victims: [Int64] = []
        var remainingCount = count
        var remainingBytes = bytes
        while true {
            var progressed = false
            sqlite3_reset(oldest)
            victims.removeAll(keepingCapacity: true)
            while try connection.step(oldest) {
                let overCount = maxMessages > 0 && remainingCount > maxMessages
                let overBytes = maxBytes > 0 && remainingBytes > maxBytes
                let tooOld = oldestAllowed > 0 && connection.int64(oldest, 2) < oldestAllowed
                guard overCount || overBytes || tooOld else { break }
                victims.append(connection.int64(oldest, 0))
                remainingCount -= 1
                remainingBytes -= Int(connection.int64(oldest, 1))
                progressed = true
            }
            sqlite3_reset(oldest)
            if !victims.isEmpty {
                try delete(ids: victims)
                removed += victims.count
            }
            if !progressed || victims.count < 256 { break }
        }
        return removed
    }

    /// Arrival time of the oldest entry, if any.
    package func oldestTimestamp() throws(StoreError) -> Int64? {
        let select = try connection.statement("SELECT ts FROM journal ORDER BY id LIMIT 1")
        defer { sqlite3_reset(select) }
        return try connection.step(select) ? connection.int64(select, 0) : nil
    }

    package func close() {
        connection.close()
    }
}

import CSQLite
import JetStream

/// The store-and-forward journal of one leafnode remote: core messages waiting to reach the hub,
/// in arrival order, in their own SQLite file.
///
/// Messages are stored in chunks of up to ``chunkMessages`` per row (one blob), because a row
/// per message made SQLite the bottleneck of the whole path (about 2.5 µs a message here, where
/// everything else took about 1.5). Ids are consecutive inside a chunk. Removal is recorded as
/// how far the chunk's head is done (`done_through`: the usual case, the hub confirms in order)
/// plus single ids past it (`holes`: messages sent while older ones, without interest on the
/// hub, stay); a chunk goes once all of it is done.
///
/// WAL with `synchronous=NORMAL`: a commit survives a crash of the process; the last commits
/// before a power cut may be lost, which is what core NATS promises a publisher anyway, and it
/// spares the SD card an fsync per batch. Used by one thread at a time (the forwarder's loop).
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

    private struct Chunk {
        var first: Int64
        var last: Int64
        /// Every id up to here is removed.
        var doneThrough: Int64
        var liveCount: Int
        var liveBytes: Int
        /// Arrival time of the chunk's first message.
        var firstTimestamp: Int64
    }

    static let chunkMessages = 1000
    static let chunkBytes = 256 * 1024

    private let connection: SQLiteConnection
    /// A random token made when the file is created: with an entry's id it makes the
    /// `Nats-Msg-Id` that lets the hub drop a replay it already has, across restarts.
    package let identity: String
    package private(set) var count = 0
    package private(set) var bytes = 0
    /// Ids never go back, even when the journal empties (an id seen again would be dropped by
    /// the hub's dedupe as a replay): the high mark is kept in `meta`.
    private var nextID: Int64 = 1
    private var chunks: [Chunk] = []
    private var holes: Set<Int64> = []

    package init(path: String) throws(StoreError) {
        connection = try SQLiteConnection(path: path)
        try connection.execute(
            """
            PRAGMA journal_mode=WAL;
            PRAGMA synchronous=NORMAL;
            PRAGMA wal_autocheckpoint=16384;
            CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
            CREATE TABLE IF NOT EXISTS chunks (
                first_id INTEGER PRIMARY KEY, last_id INTEGER NOT NULL, done_through INTEGER NOT NULL,
                live_count INTEGER NOT NULL, live_bytes INTEGER NOT NULL, first_ts INTEGER NOT NULL, data BLOB NOT NULL);
            CREATE TABLE IF NOT EXISTS holes (id INTEGER PRIMARY KEY);
            """)
        let read = try connection.statement("SELECT value FROM meta WHERE key = 'identity'")
        if try connection.step(read) {
            identity = connection.text(read, 0)
            sqlite3_reset(read)
        } else {
            sqlite3_reset(read)
            var generator = SystemRandomNumberGenerator()
            let token = (0..<12).map { _ in String(generator.next() % 36, radix: 36) }.joined()
            let insert = try connection.statement("INSERT INTO meta (key, value) VALUES ('identity', ?)")
            connection.bind(insert, 1, token)
            try connection.run(insert)
            identity = token
        }
        let mark = try connection.statement("SELECT value FROM meta WHERE key = 'next_id'")
        if try connection.step(mark), let stored = Int64(connection.text(mark, 0)) { nextID = stored }
        sqlite3_reset(mark)
        let list = try connection.statement(
            "SELECT first_id, last_id, done_through, live_count, live_bytes, first_ts FROM chunks ORDER BY first_id")
        while try connection.step(list) {
            let chunk = Chunk(
                first: connection.int64(list, 0), last: connection.int64(list, 1), doneThrough: connection.int64(list, 2),
                liveCount: Int(connection.int64(list, 3)), liveBytes: Int(connection.int64(list, 4)),
                firstTimestamp: connection.int64(list, 5)
            )
            chunks.append(chunk)
            count += chunk.liveCount
            bytes += chunk.liveBytes
            nextID = max(nextID, chunk.last + 1)
        }
        sqlite3_reset(list)
        let holeList = try connection.statement("SELECT id FROM holes")
        while try connection.step(holeList) { holes.insert(connection.int64(holeList, 0)) }
        sqlite3_reset(holeList)
    }

    // MARK: - Append

    /// Appends messages in one transaction; returns their ids.
    package func append(
        _ messages: [(subject: String, reply: String?, headers: [UInt8]?, payload: [UInt8], timestamp: Int64)]
    ) throws(StoreError) -> [Int64] {
        guard !messages.isEmpty else { return [] }
        var ids: [Int64] = []
        ids.reserveCapacity(messages.count)
        var added: [Chunk] = []
        try connection.execute("BEGIN")
        do throws(StoreError) {
            let insert = try connection.statement(
                "INSERT INTO chunks (first_id, last_id, done_through, live_count, live_bytes, first_ts, data) VALUES (?, ?, ?, ?, ?, ?, ?)")
            var id = nextID
            var start = 0
            while start < messages.count {
                var data: [UInt8] = []
                var reserve = 0
                for message in messages[start..<min(messages.count, start + Self.chunkMessages)] {
                    reserve +=
                        24 + message.subject.utf8.count + (message.reply?.utf8.count ?? 0) + (message.headers?.count ?? 0)
                        + message.payload.count
                    if reserve > Self.chunkBytes { break }
                }
                data.reserveCapacity(reserve + 1024)
                var end = start
                var chunkBytes = 0
                while end < messages.count && end - start < Self.chunkMessages && (end == start || data.count < Self.chunkBytes) {
                    let message = messages[end]
                    Self.encode(message, into: &data)
                    chunkBytes += message.subject.utf8.count + (message.headers?.count ?? 0) + message.payload.count
                    end += 1
                }
                let chunk = Chunk(
                    first: id, last: id + Int64(end - start) - 1, doneThrough: id - 1,
                    liveCount: end - start, liveBytes: chunkBytes, firstTimestamp: messages[start].timestamp
                )
                sqlite3_reset(insert)
                connection.bind(insert, 1, chunk.first)
                connection.bind(insert, 2, chunk.last)
                connection.bind(insert, 3, chunk.doneThrough)
                connection.bind(insert, 4, Int64(chunk.liveCount))
                connection.bind(insert, 5, Int64(chunk.liveBytes))
                connection.bind(insert, 6, chunk.firstTimestamp)
                // SQLITE_STATIC (no destructor): `data` outlives the step, so SQLite need not copy it.
                let status = data.withUnsafeBytes { bytes in
                    sqlite3_bind_blob(insert, 7, bytes.baseAddress, Int32(bytes.count), nil)
                    return sqlite3_step(insert)
                }
                guard status == SQLITE_DONE else { throw connection.mapError(status, String(cString: sqlite3_errmsg(connection.handle))) }
                sqlite3_reset(insert)
                for offset in 0..<(end - start) { ids.append(id + Int64(offset)) }
                id = chunk.last + 1
                added.append(chunk)
                start = end
            }
            try saveNextID(id)
            try connection.execute("COMMIT")
        } catch {
            try? connection.execute("ROLLBACK")
            throw error
        }
        for chunk in added {
            chunks.append(chunk)
            count += chunk.liveCount
            bytes += chunk.liveBytes
        }
        nextID = (added.last?.last ?? nextID - 1) + 1
        return ids
    }

    private func saveNextID(_ id: Int64) throws(StoreError) {
        let mark = try connection.statement("INSERT OR REPLACE INTO meta (key, value) VALUES ('next_id', ?)")
        connection.bind(mark, 1, String(id))
        try connection.run(mark)
    }

    // MARK: - Read

    /// Entries after `id`, oldest first, at most `limit` of them and about `maxBytes` (always at
    /// least one).
    package func read(after id: Int64, limit: Int, maxBytes: Int) throws(StoreError) -> [Entry] {
        var result: [Entry] = []
        var total = 0
        for chunk in chunks where chunk.last > id && chunk.liveCount > 0 {
            for entry in try entries(of: chunk) where entry.id > id {
                if !result.isEmpty && (result.count >= limit || total + entry.size > maxBytes) { return result }
                total += entry.size
                result.append(entry)
            }
        }
        return result
    }

    /// The live entries of a chunk.
    private func entries(of chunk: Chunk) throws(StoreError) -> [Entry] {
        let select = try connection.statement("SELECT data FROM chunks WHERE first_id = ?")
        connection.bind(select, 1, chunk.first)
        defer { sqlite3_reset(select) }
        guard try connection.step(select), let data = connection.bytes(select, 0) else { return [] }
        var entries: [Entry] = []
        var position = 0
        var id = chunk.first
        while position < data.count, let decoded = Self.decode(data, at: &position, id: id) {
            if id > chunk.doneThrough && !holes.contains(id) { entries.append(decoded) }
            id += 1
        }
        return entries
    }

    // MARK: - Remove

    /// Removes these entries (confirmed by the hub, or trimmed), by ascending id, with their sizes.
    package func delete(_ removed: [(id: Int64, size: Int)]) throws(StoreError) {
        guard !removed.isEmpty else { return }
        var updated = chunks
        var newHoles = holes
        var addedHoles: [Int64] = []
        var removedCount = 0
        var removedBytes = 0
        var index = 0
        for (id, size) in removed {
            while index < updated.count && updated[index].last < id { index += 1 }
            guard index < updated.count, updated[index].first <= id, id > updated[index].doneThrough, !newHoles.contains(id) else {
                continue
            }
            removedCount += 1
            removedBytes += size
            updated[index].liveCount -= 1
            updated[index].liveBytes -= size
            if id == updated[index].doneThrough + 1 {
                updated[index].doneThrough = id
                // Holes that now join the head are absorbed into it.
                while newHoles.remove(updated[index].doneThrough + 1) != nil { updated[index].doneThrough += 1 }
            } else {
                newHoles.insert(id)
                addedHoles.append(id)
            }
        }
        guard removedCount > 0 else { return }
        try connection.execute("BEGIN")
        do throws(StoreError) {
            let update = try connection.statement("UPDATE chunks SET done_through = ?, live_count = ?, live_bytes = ? WHERE first_id = ?")
            let drop = try connection.statement("DELETE FROM chunks WHERE first_id = ?")
            let dropHoles = try connection.statement("DELETE FROM holes WHERE id >= ? AND id <= ?")
            let addHole = try connection.statement("INSERT OR IGNORE INTO holes (id) VALUES (?)")
            for (chunkIndex, chunk) in updated.enumerated() where chunk.liveCount != chunks[chunkIndex].liveCount {
                if chunk.liveCount <= 0 {
                    sqlite3_reset(drop)
                    connection.bind(drop, 1, chunk.first)
                    try connection.run(drop)
                    sqlite3_reset(dropHoles)
                    connection.bind(dropHoles, 1, chunk.first)
                    connection.bind(dropHoles, 2, chunk.last)
                    try connection.run(dropHoles)
                } else {
                    sqlite3_reset(update)
                    connection.bind(update, 1, chunk.doneThrough)
                    connection.bind(update, 2, Int64(chunk.liveCount))
                    connection.bind(update, 3, Int64(chunk.liveBytes))
                    connection.bind(update, 4, chunk.first)
                    try connection.run(update)
                }
            }
            for id in addedHoles where !(updated.contains { $0.liveCount <= 0 && $0.first <= id && id <= $0.last }) {
                sqlite3_reset(addHole)
                connection.bind(addHole, 1, id)
                try connection.run(addHole)
            }
            try connection.execute("COMMIT")
        } catch {
            try? connection.execute("ROLLBACK")
            throw error
        }
        var kept: [Chunk] = []
        for chunk in updated {
            if chunk.liveCount <= 0 {
                newHoles = newHoles.filter { $0 < chunk.first || $0 > chunk.last }
            } else {
                kept.append(chunk)
            }
        }
        chunks = kept
        holes = newHoles
        count -= removedCount
        bytes -= removedBytes
    }

    /// Removes the oldest entries until at most `maxMessages` and `maxBytes` remain (0: no
    /// limit) and none is older than `oldestAllowed` (nanoseconds since 1970; 0: no limit).
    /// Returns how many were removed.
    package func trim(maxMessages: Int, maxBytes: Int, oldestAllowed: Int64) throws(StoreError) -> Int {
        var removed = 0
        while let oldest = chunks.first(where: { $0.liveCount > 0 }) {
            let overCount = maxMessages > 0 && count > maxMessages
            let overBytes = maxBytes > 0 && bytes > maxBytes
            let mayBeOld = oldestAllowed > 0 && oldest.firstTimestamp < oldestAllowed
            guard overCount || overBytes || mayBeOld else { break }
            var victims: [(id: Int64, size: Int)] = []
            var remainingCount = count
            var remainingBytes = bytes
            for entry in try entries(of: oldest) {
                let tooMany = maxMessages > 0 && remainingCount > maxMessages
                let tooBig = maxBytes > 0 && remainingBytes > maxBytes
                let tooOld = oldestAllowed > 0 && entry.timestamp < oldestAllowed
                guard tooMany || tooBig || tooOld else { break }
                victims.append((entry.id, entry.size))
                remainingCount -= 1
                remainingBytes -= entry.size
            }
            if victims.isEmpty {
                // The oldest chunk's first message is recent enough after all: remember that.
                if let index = chunks.firstIndex(where: { $0.first == oldest.first }), let first = try entries(of: oldest).first {
                    chunks[index].firstTimestamp = first.timestamp
                }
                break
            }
            try delete(victims)
            removed += victims.count
        }
        return removed
    }

    /// Arrival time of the oldest chunk's first message: the oldest buffered message, or a
    /// little older when the head of that chunk has already gone.
    package func oldestTimestamp() throws(StoreError) -> Int64? {
        chunks.first(where: { $0.liveCount > 0 })?.firstTimestamp
    }

    package func close() {
        connection.close()
    }

    // MARK: - Encoding

    /// `[subject len u32][subject][reply len i32, -1 none][reply][headers len i32, -1 none]
    /// [headers][payload len u32][payload][timestamp i64]`, little endian.
    private static func encode(
        _ message: (subject: String, reply: String?, headers: [UInt8]?, payload: [UInt8], timestamp: Int64), into data: inout [UInt8]
    ) {
        func put32(_ value: Int32) { withUnsafeBytes(of: value.littleEndian) { data.append(contentsOf: $0) } }
        put32(Int32(message.subject.utf8.count))
        data.append(contentsOf: message.subject.utf8)
        if let reply = message.reply {
            put32(Int32(reply.utf8.count))
            data.append(contentsOf: reply.utf8)
        } else {
            put32(-1)
        }
        if let headers = message.headers {
            put32(Int32(headers.count))
            data.append(contentsOf: headers)
        } else {
            put32(-1)
        }
        put32(Int32(message.payload.count))
        data.append(contentsOf: message.payload)
        withUnsafeBytes(of: message.timestamp.littleEndian) { data.append(contentsOf: $0) }
    }

    private static func decode(_ data: [UInt8], at position: inout Int, id: Int64) -> Entry? {
        func get32() -> Int32? {
            guard position + 4 <= data.count else { return nil }
            var value: Int32 = 0
            withUnsafeMutableBytes(of: &value) { $0.copyBytes(from: data[position..<(position + 4)]) }
            position += 4
            return Int32(littleEndian: value)
        }
        func bytes(_ length: Int32) -> [UInt8]? {
            guard length >= 0, position + Int(length) <= data.count else { return nil }
            defer { position += Int(length) }
            return Array(data[position..<(position + Int(length))])
        }
        guard let subjectLength = get32(), let subject = bytes(subjectLength) else { return nil }
        guard let replyLength = get32() else { return nil }
        let reply = replyLength >= 0 ? bytes(replyLength) : nil
        guard let headersLength = get32() else { return nil }
        let headers = headersLength >= 0 ? bytes(headersLength) : nil
        guard let payloadLength = get32(), let payload = bytes(payloadLength), position + 8 <= data.count else { return nil }
        var timestamp: Int64 = 0
        withUnsafeMutableBytes(of: &timestamp) { $0.copyBytes(from: data[position..<(position + 8)]) }
        position += 8
        return Entry(
            id: id, subject: String(decoding: subject, as: UTF8.self), reply: reply.map { String(decoding: $0, as: UTF8.self) },
            headers: headers, payload: payload, timestamp: Int64(littleEndian: timestamp)
        )
    }
}

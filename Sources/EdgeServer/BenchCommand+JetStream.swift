import NATSWire
import NIOCore
import Synchronization

#if canImport(Glibc)
import Glibc
#endif

/// `outpost bench js` and `outpost bench jsconsume`: JetStream publishing with PubAcks and
/// pull consumption with explicit acks, through the raw protocol (as any client does it).
extension BenchRun {
    struct BenchFailure: Error, CustomStringConvertible {
        let description: String
    }

    /// Sends a JetStream API request and returns the reply's payload.
    private func apiRequest(_ connection: BenchConnection, inbox: String, subject: String, body: String) async throws -> String {
        let promise = connection.channel.eventLoop.makePromise(of: String.self)
        let replySubject = "\(inbox).api"
        connection.channel.eventLoop.execute {
            connection.handler.onMessage = { message in
                guard String(buffer: message.subject) == replySubject else { return }
                connection.handler.onMessage = nil
                promise.succeed(String(buffer: message.payload))
            }
            connection.channel.writeAndFlush(
                ByteBuffer(string: "PUB \(subject) \(replySubject) \(body.utf8.count)\r\n\(body)\r\n"), promise: nil)
        }
        return try await promise.futureResult.get()
    }

    private func connectWithInbox() async throws -> (BenchConnection, String) {
        let connection = try await BenchConnection.connect(options: options, group: group) { _ in }
        let inbox = "_INBOX.bench.\(getpid()).\(UInt32.random(in: 0...UInt32.max))"
        connection.send("SUB \(inbox).> 1\r\n")
        try await connection.ping()
        return (connection, inbox)
    }

    func jetStreamPublish() async throws -> Bool {
        let (connection, inbox) = try await connectWithInbox()
        defer { connection.close() }
        _ = try await apiRequest(connection, inbox: inbox, subject: "$JS.API.STREAM.DELETE.\(options.stream)", body: "")
        let created = try await apiRequest(
            connection, inbox: inbox, subject: "$JS.API.STREAM.CREATE.\(options.stream)",
            body: #"{"name":"\#(options.stream)","subjects":["\#(options.subject)"],"storage":"\#(options.storage)"}"#
        )
        if created.contains("\"error\"") { throw BenchFailure(description: "creating stream \(options.stream): \(created)") }

        let total = options.messages
        let window = min(options.window, total)
        let payload = String(repeating: "x", count: options.size)
        let ackPrefix = "\(inbox).ack"
        let errors = Atomic<Int>(0)
        let done = connection.channel.eventLoop.makePromise(of: Void.self)
        let start = ContinuousClock.now
        let progress = Task { await reportProgress(start: start, expected: total) }
        connection.channel.eventLoop.execute { [self] in
            var sent = 0
            var acknowledged = 0
            func frame() -> ByteBuffer {
                ByteBuffer(string: "PUB \(options.subject) \(ackPrefix) \(options.size)\r\n\(payload)\r\n")
            }
            connection.handler.onMessage = { [self] message in
                guard message.subject.readableBytesView.starts(with: ackPrefix.utf8) else { return }
                acknowledged += 1
                received.add(1, ordering: .relaxed)
                if message.payload.readableBytesView.firstRange(of: Array(#""error""#.utf8)) != nil {
                    errors.add(1, ordering: .relaxed)
                }
                if sent < total {
                    sent += 1
                    published.add(1, ordering: .relaxed)
                    connection.channel.writeAndFlush(frame(), promise: nil)
                }
                if acknowledged == total { done.succeed() }
            }
            var first = ByteBuffer()
            for _ in 0..<window { first.writeImmutableBuffer(frame()) }
            sent = window
            published.add(window, ordering: .relaxed)
            connection.channel.writeAndFlush(first, promise: nil)
        }
        try await done.futureResult.get()
        let elapsed = ContinuousClock.now - start
        progress.cancel()
        printLine("")
        summarize("JetStream publish (window \(window), \(options.storage))", count: total, elapsed: elapsed)
        let failed = errors.load(ordering: .relaxed)
        SystemFiles.standardOutput("PubAck errors: \(failed)\n")
        return failed == 0
    }

    func jetStreamConsume() async throws -> Bool {
        let (connection, inbox) = try await connectWithInbox()
        defer { connection.close() }
        let durable = "outpost_bench"
        _ = try await apiRequest(connection, inbox: inbox, subject: "$JS.API.CONSUMER.DELETE.\(options.stream).\(durable)", body: "")
        let created = try await apiRequest(
            connection, inbox: inbox, subject: "$JS.API.CONSUMER.DURABLE.CREATE.\(options.stream).\(durable)",
            body:
                #"{"stream_name":"\#(options.stream)","config":{"durable_name":"\#(durable)","ack_policy":"explicit","max_ack_pending":-1}}"#
        )
        if created.contains("\"error\"") { throw BenchFailure(description: "creating consumer on \(options.stream): \(created)") }

        let total = options.messages
        let pullReply = "\(inbox).pull"
        let pullSubject = "$JS.API.CONSUMER.MSG.NEXT.\(options.stream).\(durable)"
        let done = connection.channel.eventLoop.makePromise(of: Void.self)
        let statusCount = Atomic<Int>(0)
        let start = ContinuousClock.now
        let progress = Task { await reportProgress(start: start, expected: total) }
        connection.channel.eventLoop.execute { [self] in
            var consumed = 0
            var inBatch = 0
            func pull() {
                let batch = min(options.batch, total - consumed)
                let body = #"{"batch":\#(batch),"expires":5000000000}"#
                inBatch = batch
                connection.channel.writeAndFlush(
                    ByteBuffer(string: "PUB \(pullSubject) \(pullReply) \(body.utf8.count)\r\n\(body)\r\n"), promise: nil)
            }
            connection.handler.onMessage = { [self] message in
                guard String(buffer: message.subject) != pullReply || message.reply != nil else {
                    // A status (408 request timeout, 404 no messages): the batch ended early.
                    statusCount.add(1, ordering: .relaxed)
                    if consumed < total { pull() }
                    return
                }
                guard let reply = message.reply else { return }
                // Explicit ack, without waiting for the server's confirmation.
                var ack = ByteBuffer(string: "PUB ")
                ack.writeImmutableBuffer(reply)
                ack.writeString(" 0\r\n\r\n")
                connection.channel.writeAndFlush(ack, promise: nil)
                consumed += 1
                inBatch -= 1
                received.add(1, ordering: .relaxed)
                if consumed == total {
                    done.succeed()
                } else if inBatch == 0 {
                    pull()
                }
            }
            pull()
        }
        try await done.futureResult.get()
        try await connection.ping()
        let elapsed = ContinuousClock.now - start
        progress.cancel()
        printLine("")
        summarize("JetStream pull consume (batch \(options.batch), explicit acks)", count: total, elapsed: elapsed)
        SystemFiles.standardOutput("status messages: \(statusCount.load(ordering: .relaxed))\n")
        return true
    }
}

import NATSWire
import NIOCore
import NIOPosix
import NIOSSL
import Synchronization

#if canImport(Glibc)
import Glibc
#endif

/// `outpost bench`: load-test a NATS server (Outpost or any other) the way `nats bench` does,
/// so people can measure their own board. Publish, subscribe, publish+subscribe (fan-out or a
/// queue group) and request/reply, with a progress line every second and a summary.
///
///     outpost bench pub --msgs 1000000 --size 128
///     outpost bench pubsub --subs 4 --msgs 1000000
///     outpost bench reqrep --msgs 10000
enum BenchCommand {
    struct Options {
        var mode = "pubsub"
        var host = "127.0.0.1"
        var port = 4222
        /// `tls://` URL: TLS after the server's INFO, trusting `--tls-ca` (else the system's roots).
        var usesTLS = false
        var tlsCAFile: String?
        var subject = "bench.outpost"
        var messages = 100_000
        var size = 128
        var publishers = 1
        var subscribers = 1
        var queue: String?
        var timeoutSeconds = 120
        // JetStream modes
        var stream = "OUTPOSTBENCH"
        var window = 256
        var batch = 256
        var storage = "file"
    }

    static let usage = """
        Usage: outpost bench <pub|sub|pubsub|reqrep|js|jsconsume> [options]

            --url nats://HOST:PORT   server to test (default nats://127.0.0.1:4222); tls://HOST:PORT for TLS
            --tls-ca FILE            with tls://: the CA that signed the server's certificate
            --msgs N                 messages to publish in all, or requests to make (default 100000)
            --size BYTES             payload size (default 128)
            --pubs N                 publishers (default 1)
            --subs N                 subscribers (default 1)
            --queue NAME             subscribers form this queue group (pubsub, sub)
            --subject SUBJECT        subject (default bench.outpost)
            --timeout SECONDS        give up after this long (default 120)
            --stream NAME            js, jsconsume: the stream (default OUTPOSTBENCH)
            --window N               js: PubAcks awaited at once, 1 = synchronous (default 256)
            --storage file|memory    js: the stream's storage (default file)
            --batch N                jsconsume: messages per pull request (default 256)

        pub: publishers only (rate until the server has everything, checked with PING/PONG)
        sub: subscribers only, waiting for --msgs messages from someone else
        pubsub: both; every subscriber must get every message (one of the group with --queue)
        reqrep: one responder, one requester doing --msgs sequential requests; latency percentiles
        js: JetStream publish: (re)creates --stream on --subject, publishes --msgs with PubAcks,
            keeping --window of them in flight; counts errors
        jsconsume: a durable pull consumer on --stream fetches --msgs messages in batches of --batch,
            acknowledging each one explicitly (run js first)

        """

    static func main(_ arguments: [String]) async {
        if let first = arguments.first, ["-h", "--help", "-help", "help"].contains(first) {
            SystemFiles.standardOutput(usage)
            exit(0)
        }
        guard let options = parse(arguments) else {
            SystemFiles.standardError("outpost bench: invalid arguments: \(arguments.joined(separator: " "))\n" + usage)
            exit(2)
        }
        let group = MultiThreadedEventLoopGroup(numberOfThreads: max(1, min(4, EventLoopSizing.cpusAvailable())))
        do {
            let run = BenchRun(options: options, group: group)
            let ok = try await withThrowingTaskGroup(of: Bool.self) { tasks in
                tasks.addTask { try await run.execute() }
                tasks.addTask {
                    try await Task.sleep(for: .seconds(options.timeoutSeconds))
                    SystemFiles.standardError("outpost bench: timed out after \(options.timeoutSeconds) s\n")
                    return false
                }
                let first = try await tasks.next() ?? false
                tasks.cancelAll()
                return first
            }
            try? await group.shutdownGracefully()
            exit(ok ? 0 : 1)
        } catch {
            SystemFiles.standardError("outpost bench: \(error)\n")
            exit(1)
        }
    }

    static func parse(_ arguments: [String]) -> Options? {
        var options = Options()
        var rest = arguments[...]
        guard let mode = rest.popFirst(), ["pub", "sub", "pubsub", "reqrep", "js", "jsconsume"].contains(mode) else { return nil }
        options.mode = mode
        while let flag = rest.popFirst() {
            let name = flag.drop(while: { $0 == "-" })
            guard let value = rest.popFirst() else { return nil }
            switch name {
            case "tls-ca": options.tlsCAFile = value
            case "url":
                var address = Substring(value)
                if let scheme = address.range(of: "://") {
                    options.usesTLS = address[..<scheme.lowerBound] == "tls"
                    address = address[scheme.upperBound...]
                }
                let parts = address.split(separator: ":")
                guard parts.count == 2, let port = Int(parts[1]) else { return nil }
                options.host = String(parts[0])
                options.port = port
            case "msgs":
                guard let number = Int(value), number > 0 else { return nil }
                options.messages = number
            case "size":
                guard let number = Int(value), number >= 0 else { return nil }
                options.size = number
            case "pubs":
                guard let number = Int(value), number > 0 else { return nil }
                options.publishers = number
            case "subs":
                guard let number = Int(value), number > 0 else { return nil }
                options.subscribers = number
            case "queue": options.queue = value
            case "subject": options.subject = value
            case "timeout":
                guard let number = Int(value), number > 0 else { return nil }
                options.timeoutSeconds = number
            case "stream":
                guard !value.isEmpty else { return nil }
                options.stream = value
            case "window":
                guard let number = Int(value), number > 0 else { return nil }
                options.window = number
            case "batch":
                guard let number = Int(value), number > 0 else { return nil }
                options.batch = number
            case "storage":
                guard value == "file" || value == "memory" else { return nil }
                options.storage = value
            default: return nil
            }
        }
        return options
    }
}

extension Substring {
    fileprivate func range(of needle: String) -> Range<Index>? {
        var index = startIndex
        while index < endIndex {
            if self[index...].hasPrefix(needle) { return index..<self.index(index, offsetBy: needle.count) }
            index = self.index(after: index)
        }
        return nil
    }
}

/// One benchmark run: connections, traffic, progress and the summary.
final class BenchRun: Sendable {
    let options: BenchCommand.Options
    let group: MultiThreadedEventLoopGroup
    let received = Atomic<Int>(0)
    let published = Atomic<Int>(0)

    init(options: BenchCommand.Options, group: MultiThreadedEventLoopGroup) {
        self.options = options
        self.group = group
    }

    func execute() async throws -> Bool {
        switch options.mode {
        case "reqrep": return try await requestReply()
        case "js": return try await jetStreamPublish()
        case "jsconsume": return try await jetStreamConsume()
        default: return try await publishSubscribe()
        }
    }

    private func publishSubscribe() async throws -> Bool {
        let wantsSubscribers = options.mode != "pub"
        let wantsPublishers = options.mode != "sub"
        var subscribers: [BenchConnection] = []
        if wantsSubscribers {
            for _ in 0..<options.subscribers {
                let connection = try await BenchConnection.connect(options: options, group: group) { [self] count in
                    received.add(count, ordering: .relaxed)
                }
                connection.send("SUB \(options.subject)\(options.queue.map { " " + $0 } ?? "") 1\r\n")
                try await connection.ping()
                subscribers.append(connection)
            }
        }
        let expected = options.queue != nil || !wantsPublishers ? options.messages : options.messages * subscribers.count
        let start = ContinuousClock.now
        let progress = Task { await reportProgress(start: start, expected: expected) }
        if wantsPublishers {
            try await withThrowingTaskGroup(of: Void.self) { tasks in
                let share = options.messages / options.publishers
                for index in 0..<options.publishers {
                    let count = index == options.publishers - 1 ? options.messages - share * index : share
                    tasks.addTask { try await self.publish(count: count) }
                }
                try await tasks.waitForAll()
            }
        }
        let publishEnd = ContinuousClock.now
        if wantsSubscribers {
            while received.load(ordering: .relaxed) < expected { try await Task.sleep(for: .milliseconds(5)) }
        }
        let end = ContinuousClock.now
        progress.cancel()
        for connection in subscribers { connection.close() }
        printLine("")
        if wantsPublishers {
            summarize("publish", count: options.messages, elapsed: publishEnd - start)
        }
        if wantsSubscribers {
            summarize("receive", count: expected, elapsed: end - start, perSubscriber: subscribers.count)
        }
        return true
    }

    private func publish(count: Int) async throws {
        let connection = try await BenchConnection.connect(options: options, group: group) { _ in }
        let payload = String(repeating: "x", count: options.size)
        let frame = "PUB \(options.subject) \(options.size)\r\n\(payload)\r\n"
        let perBatch = max(1, 64 * 1024 / max(1, frame.utf8.count))
        var sent = 0
        while sent < count {
            let batch = min(perBatch, count - sent)
            var buffer = ByteBuffer()
            buffer.reserveCapacity(batch * frame.utf8.count)
            for _ in 0..<batch { buffer.writeString(frame) }
            try await connection.write(buffer)
            sent += batch
            published.add(batch, ordering: .relaxed)
        }
        try await connection.ping()
        connection.close()
    }

    private func requestReply() async throws -> Bool {
        let responder = try await BenchConnection.connect(options: options, group: group) { _ in }
        responder.respondWith(size: options.size)
        responder.send("SUB \(options.subject) 1\r\n")
        try await responder.ping()
        let requester = try await BenchConnection.connect(options: options, group: group) { _ in }
        let inbox = "_INBOX.bench.\(getpid())"
        requester.send("SUB \(inbox).* 1\r\n")
        try await requester.ping()
        let payload = String(repeating: "x", count: options.size)
        var latencies: [Duration] = []
        latencies.reserveCapacity(options.messages)
        let start = ContinuousClock.now
        let progress = Task { await reportProgress(start: start, expected: options.messages) }
        for index in 0..<options.messages {
            let sent = ContinuousClock.now
            try await requester.request("PUB \(options.subject) \(inbox).\(index) \(options.size)\r\n\(payload)\r\n")
            latencies.append(ContinuousClock.now - sent)
            received.add(1, ordering: .relaxed)
        }
        let elapsed = ContinuousClock.now - start
        progress.cancel()
        responder.close()
        requester.close()
        printLine("")
        summarize("request/reply", count: options.messages, elapsed: elapsed)
        latencies.sort()
        func percentile(_ fraction: Double) -> String {
            let value = latencies[min(latencies.count - 1, Int(Double(latencies.count) * fraction))]
            return String(format3(value.microseconds)) + " µs"
        }
        SystemFiles.standardOutput(
            "latency: p50 \(percentile(0.5))  p90 \(percentile(0.9))  p99 \(percentile(0.99))  max \(percentile(1.0))\n")
        return true
    }

    func reportProgress(start: ContinuousClock.Instant, expected: Int) async {
        while !Task.isCancelled {
            try? await Task.sleep(for: .seconds(1))
            if Task.isCancelled { return }
            let seconds = (ContinuousClock.now - start).seconds
            let sent = published.load(ordering: .relaxed)
            let got = received.load(ordering: .relaxed)
            printLine("\r\(format3(seconds)) s: published \(sent), received \(got)/\(expected)   ", newline: false)
        }
    }

    func summarize(_ what: String, count: Int, elapsed: Duration, perSubscriber: Int = 1) {
        let seconds = max(elapsed.seconds, 1e-9)
        let rate = Double(count) / seconds
        let megabytes = rate * Double(options.size) / 1_000_000
        var line = "\(what): \(count) msgs in \(format3(seconds)) s = \(Int(rate)) msgs/s, \(format3(megabytes)) MB/s"
        if perSubscriber > 1 { line += " (\(Int(rate) / perSubscriber) msgs/s per subscriber)" }
        SystemFiles.standardOutput(line + "\n")
    }

    func printLine(_ text: String, newline: Bool = true) {
        SystemFiles.standardError(text + (newline ? "\n" : ""))
    }
}

func format3(_ value: Double) -> String {
    let scaled = (value * 1000).rounded() / 1000
    return String(scaled)
}

extension Duration {
    var seconds: Double {
        let (seconds, attoseconds) = components
        return Double(seconds) + Double(attoseconds) / 1e18
    }

    fileprivate var microseconds: Double { seconds * 1e6 }
}

/// A client connection for the benchmark: reads with the server-dialect parser.
final class BenchConnection: @unchecked Sendable {
    let channel: any Channel
    let handler: BenchHandler

    private init(channel: any Channel, handler: BenchHandler) {
        self.channel = channel
        self.handler = handler
    }

    static func connect(
        options: BenchCommand.Options, group: MultiThreadedEventLoopGroup, onMessages: @escaping @Sendable (Int) -> Void
    ) async throws -> BenchConnection {
        let handler = BenchHandler(onMessages: onMessages)
        let channel = try await ClientBootstrap(group: group)
            .channelOption(.socketOption(.tcp_nodelay), value: 1)
            .channelInitializer { channel in
                channel.eventLoop.makeCompletedFuture { try channel.pipeline.syncOperations.addHandler(handler) }
            }
            .connect(host: options.host, port: options.port)
            .get()
        if options.usesTLS {
            // As nats-server expects: its INFO in plain text, then the handshake.
            let info = channel.eventLoop.makePromise(of: Void.self)
            channel.eventLoop.execute {
                // The INFO may have arrived already.
                if handler.hasReceivedInfo { info.succeed() } else { handler.infoWaiter = info }
            }
            try await info.futureResult.get()
            var tls = TLSConfiguration.makeClientConfiguration()
            if let caFile = options.tlsCAFile { tls.trustRoots = .certificates(try NIOSSLCertificate.fromPEMFile(caFile)) }
            let context = try NIOSSLContext(configuration: tls)
            let host = options.host
            try await channel.eventLoop.submit {
                let isAddress = (try? SocketAddress(ipAddress: host, port: 0)) != nil
                try channel.pipeline.syncOperations.addHandler(
                    try NIOSSLClientHandler(context: context, serverHostname: isAddress ? nil : host), position: .first)
            }.get()
        }
        let connection = BenchConnection(channel: channel, handler: handler)
        connection.send(
            "CONNECT {\"verbose\":false,\"pedantic\":false,\"headers\":true,\"name\":\"outpost-bench\",\"lang\":\"swift\",\"protocol\":1}\r\n"
        )
        try await connection.ping()
        return connection
    }

    func send(_ text: String) {
        channel.writeAndFlush(ByteBuffer(string: text), promise: nil)
    }

    /// Writes and waits until the bytes are handed to the socket (backpressure for publishers).
    func write(_ buffer: ByteBuffer) async throws {
        try await channel.writeAndFlush(buffer).get()
    }

    /// PING, and wait for the PONG: everything sent before has been processed by the server.
    func ping() async throws {
        let promise = channel.eventLoop.makePromise(of: Void.self)
        channel.eventLoop.execute {
            self.handler.pongWaiters.append(promise)
            self.channel.writeAndFlush(ByteBuffer(string: "PING\r\n"), promise: nil)
        }
        try await promise.futureResult.get()
    }

    /// Sends a request and waits for the next message (its reply).
    func request(_ text: String) async throws {
        let promise = channel.eventLoop.makePromise(of: Void.self)
        channel.eventLoop.execute {
            self.handler.messageWaiters.append(promise)
            self.channel.writeAndFlush(ByteBuffer(string: text), promise: nil)
        }
        try await promise.futureResult.get()
    }

    /// Answers every message that has a reply subject with a payload of `size` bytes.
    func respondWith(size: Int) {
        let payload = String(repeating: "r", count: size)
        channel.eventLoop.execute { self.handler.replyPayload = payload }
    }

    func close() {
        channel.close(promise: nil)
    }
}

/// Parses what the server sends and counts messages; answers requests when told to.
final class BenchHandler: ChannelInboundHandler, @unchecked Sendable {
    typealias InboundIn = ByteBuffer
    typealias OutboundOut = ByteBuffer

    private var parser = ProtocolParser(dialect: .server, limits: .init(maxControlLine: 4096, maxPayload: 64 * 1024 * 1024))
    private let onMessages: @Sendable (Int) -> Void
    var pongWaiters: [EventLoopPromise<Void>] = []
    /// Fulfilled by the server's first INFO (TLS starts after it).
    var infoWaiter: EventLoopPromise<Void>?
    var hasReceivedInfo = false
    var messageWaiters: [EventLoopPromise<Void>] = []
    var replyPayload: String?
    /// JetStream modes: called on the channel's loop for every message, before the waiters.
    var onMessage: ((MessageOp) -> Void)?

    init(onMessages: @escaping @Sendable (Int) -> Void) {
        self.onMessages = onMessages
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        parser.append(unwrapInboundIn(data))
        var messages = 0
        var replies = ByteBuffer()
        do {
            while let op = try parser.next() {
                switch op {
                case .message(let message):
                    messages += 1
                    onMessage?(message)
                    if !messageWaiters.isEmpty { messageWaiters.removeFirst().succeed() }
                    if let replyPayload, let reply = message.reply {
                        replies.writeString("PUB \(String(buffer: reply)) \(replyPayload.utf8.count)\r\n\(replyPayload)\r\n")
                    }
                case .info:
                    hasReceivedInfo = true
                    infoWaiter?.succeed()
                    infoWaiter = nil
                case .ping:
                    context.writeAndFlush(wrapOutboundOut(ByteBuffer(string: "PONG\r\n")), promise: nil)
                case .pong:
                    if !pongWaiters.isEmpty { pongWaiters.removeFirst().succeed() }
                case .error(let text):
                    SystemFiles.standardError("outpost bench: server error: \(String(buffer: text))\n")
                default:
                    break
                }
            }
        } catch {
            SystemFiles.standardError("outpost bench: \(error)\n")
            context.close(promise: nil)
        }
        if replies.readableBytes > 0 { context.writeAndFlush(wrapOutboundOut(replies), promise: nil) }
        if messages > 0 { onMessages(messages) }
    }

    func channelInactive(context: ChannelHandlerContext) {
        struct Closed: Error {}
        for waiter in pongWaiters + messageWaiters { waiter.fail(Closed()) }
        infoWaiter?.fail(Closed())
        infoWaiter = nil
        pongWaiters.removeAll()
        messageWaiters.removeAll()
    }
}

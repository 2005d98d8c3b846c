import EdgeTestSupport
import Foundation
import Testing

/// The `outpost` command line: nats-server's flags, configuration files, and clear failures.
@Suite("Command line and configuration")
struct CommandLineTests {
    /// Runs `outpost` with `arguments` to completion (for flags that exit at once).
    private func run(_ arguments: [String], timeout: TimeInterval = 10) throws -> (status: Int32, output: String) {
        let run = try BoundedProcess.run(ServerKind.outpost.executable, arguments, timeout: timeout)
        return (run.status, run.output)
    }

    private func writeConfiguration(_ text: String) throws -> String {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("outpost-\(UUID().uuidString).conf").path
        try text.write(toFile: path, atomically: true, encoding: .utf8)
        return path
    }

    @Test("the flags people type are accepted, in Go's forms")
    func goStyleFlags() throws {
        let store = FileManager.default.temporaryDirectory.appendingPathComponent("sd-\(UUID().uuidString)").path
        defer { try? FileManager.default.removeItem(atPath: store) }
        let server = try ServerProcess(.outpost, arguments: ["-js", "-sd=\(store)", "-DV", "-n", "edge-1", "-user", "u", "-pass", "p"])
        defer { server.stop() }
        let client = try RawClient(port: server.port)
        client.read(untilContains: "\r\n")
        #expect(client.text.contains("\"server_name\":\"edge-1\""))
        #expect(client.text.contains("\"auth_required\":true"))
        client.clear()
        client.send("CONNECT {\"verbose\":false,\"user\":\"u\",\"pass\":\"p\"}\r\nPING\r\n")
        client.read(untilContains: "PONG\r\n")
        #expect(client.text == "PONG\r\n")
        // -DV: the protocol is traced, with the password hidden.
        Thread.sleep(forTimeInterval: 0.2)
        #expect(server.log.contains("[TRC]"))
        #expect(server.log.contains("<<- [CONNECT"))
        #expect(server.log.contains("[REDACTED]"))
        #expect(!server.log.contains("\"pass\":\"p\""))
    }

    @Test("cluster flags are accepted with a warning that Outpost does not cluster")
    func clusterFlags() throws {
        let server = try ServerProcess(
            .outpost, arguments: ["--cluster_listen", "nats://127.0.0.1:6999", "--cluster_name", "c1", "--routes", "nats://127.0.0.1:7000"])
        defer { server.stop() }
        #expect(server.log.contains("[WRN]"))
        #expect(server.log.lowercased().contains("cluster"))
        let client = try RawClient(port: server.port)
        try client.handshake()
    }

    @Test("an unknown flag fails before listening, naming the flag")
    func unknownFlag() throws {
        let result = try run(["--no-such-flag"])
        #expect(result.status != 0)
        #expect(result.output.contains("flag provided but not defined: -no-such-flag"))
        #expect(!result.output.contains("Listening"))
    }

    @Test("a bad configuration file fails before listening, naming file, line, column and key")
    func badConfiguration() throws {
        let path = try writeConfiguration("port: 4999\nmax_payload: \"lots\"\nping_interval: 1m\nunknown_key: 5\n")
        defer { try? FileManager.default.removeItem(atPath: path) }
        let result = try run(["-c", path])
        #expect(result.status != 0)
        #expect(result.output.contains("\(path):2:"))
        #expect(result.output.contains("max_payload"))
        #expect(result.output.contains("\(path):4:1"))
        #expect(result.output.contains("unknown field \"unknown_key\""))
        #expect(!result.output.contains("Listening"))
    }

    @Test("an unsupported nats-server option is named in a warning, never ignored")
    func unsupportedOption() throws {
        let path = try writeConfiguration("mqtt { port: 1883 }\n")
        defer { try? FileManager.default.removeItem(atPath: path) }
        let result = try run(["-c", path, "-t"])
        #expect(result.status == 0)
        #expect(result.output.contains("mqtt"))
        #expect(result.output.contains("warning"))
    }

    @Test("-t checks a file and exits; -v prints the version; -h the usage")
    func checkVersionHelp() throws {
        let path = try writeConfiguration("listen: 127.0.0.1:4999\nmax_payload: 2MB\n")
        defer { try? FileManager.default.removeItem(atPath: path) }
        let check = try run(["-t", "-c", path])
        #expect(check.status == 0)
        #expect(check.output.contains("is valid"))
        let version = try run(["-v"])
        #expect(version.status == 0)
        #expect(version.output.contains("outpost: v"))
        let help = try run(["-h"])
        #expect(help.status == 0)
        #expect(help.output.contains("Usage: outpost"))
    }

    @Test("flags win over the file; the file's other settings hold")
    func flagsWin() throws {
        let server = try ServerProcess(
            .outpost,
            configuration: """
                # a nats-server style file: comments, separators, sizes, variables, includes
                server_name = "from-file"
                LIMIT = 2MB
                max_payload: $LIMIT
                ping_interval "30s"
                """)
        defer { server.stop() }
        // ServerProcess passes `-a 127.0.0.1 -p -1` before `-c`: the flags win over any listen in
        // the file, and the file names the server and its payload limit.
        let client = try RawClient(port: server.port)
        client.read(untilContains: "\r\n")
        #expect(client.text.contains("\"server_name\":\"from-file\""))
        #expect(client.text.contains("\"max_payload\":2097152"))
        #expect(client.text.contains("\"host\":\"127.0.0.1\""))
    }

    @Test("outpost bench drives any NATS server and reports what it measured", arguments: ServerKind.allCases)
    func bench(server kind: ServerKind) throws {
        let server = try ServerProcess(kind)
        defer { server.stop() }
        let url = "nats://127.0.0.1:\(server.port)"
        let pubsub = try run(["bench", "pubsub", "--url", url, "--msgs", "20000", "--subs", "2", "--size", "32"], timeout: 60)
        #expect(pubsub.status == 0, "\(pubsub.output)")
        #expect(pubsub.output.contains("receive: 40000 msgs"))
        let queue = try run(["bench", "pubsub", "--url", url, "--msgs", "6000", "--subs", "3", "--queue", "q"], timeout: 60)
        #expect(queue.status == 0, "\(queue.output)")
        #expect(queue.output.contains("receive: 6000 msgs"))
        let requests = try run(["bench", "reqrep", "--url", url, "--msgs", "300"], timeout: 60)
        #expect(requests.status == 0, "\(requests.output)")
        #expect(requests.output.contains("latency: p50"))
        let bad = try run(["bench", "nonsense"])
        #expect(bad.status == 2)
    }

    @Test("outpost bench js and jsconsume publish with PubAcks and consume with acks", arguments: ServerKind.allCases)
    func benchJetStream(server kind: ServerKind) throws {
        let store = FileManager.default.temporaryDirectory.appendingPathComponent("outpost-bench-js-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: store, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: store) }
        let server = try ServerProcess(kind, arguments: ["-js", "-sd", store.path])
        defer { server.stop() }
        let url = "nats://127.0.0.1:\(server.port)"
        let synchronous = try run(["bench", "js", "--url", url, "--msgs", "200", "--window", "1", "--subject", "bench.js"], timeout: 60)
        #expect(synchronous.status == 0, "\(synchronous.output)")
        #expect(synchronous.output.contains("JetStream publish (window 1, file): 200 msgs"))
        #expect(synchronous.output.contains("PubAck errors: 0"))
        let windowed = try run(["bench", "js", "--url", url, "--msgs", "5000", "--window", "64", "--subject", "bench.js"], timeout: 60)
        #expect(windowed.status == 0, "\(windowed.output)")
        #expect(windowed.output.contains("JetStream publish (window 64, file): 5000 msgs"))
        let consumed = try run(["bench", "jsconsume", "--url", url, "--msgs", "5000", "--batch", "100"], timeout: 60)
        #expect(consumed.status == 0, "\(consumed.output)")
        #expect(consumed.output.contains("JetStream pull consume (batch 100, explicit acks): 5000 msgs"))
        // The stream was recreated by the second run: 5,000 messages, and the consumer acked them all.
        let client = try RawClient(port: server.port)
        try client.handshake()
        client.send("SUB _INBOX.check 1\r\nPUB $JS.API.CONSUMER.INFO.OUTPOSTBENCH.outpost_bench _INBOX.check 0\r\n\r\n")
        client.read(untilContains: "num_ack_pending")
        #expect(client.text.contains("\"num_ack_pending\":0"), "\(client.text)")
        #expect(client.text.contains("\"num_pending\":0"), "\(client.text)")
    }
}

import EdgeTestSupport
import Foundation
import Testing

/// Store-and-forward: core messages published at the edge while the uplink is down wait in
/// SQLite and reach the hub's stream, in order and once each, when it is back. The hub is
/// Debian's nats-server with a stream TEL on `telemetry.>`; the publishers and the checks are
/// nats-py (`Python/forward_scenarios.py`). Outpost only: nats-server has no such buffer (its
/// leaf drops core messages while the link is down).
@Suite("Store-and-forward to a nats-server hub", .serialized)
struct ForwardTests {
    static let script = "Tests/IntegrationTests/Python/forward_scenarios.py"

    final class Setup {
        let leafPort: Int
        let base: URL
        let forwardBlock: String
        var hub: ServerProcess?
        var edge: ServerProcess!

        /// The port the edge dials: the hub's leafnode port, or a fault proxy in front of it.
        var dialPort: Int

        init(forward: String = "") throws {
            leafPort = try ServerProcess.freePort()
            dialPort = leafPort
            base = FileManager.default.temporaryDirectory.appendingPathComponent("outpost-forward-\(UUID().uuidString)")
            try FileManager.default.createDirectory(at: base.appendingPathComponent("hub"), withIntermediateDirectories: true)
            try FileManager.default.createDirectory(at: base.appendingPathComponent("edge"), withIntermediateDirectories: true)
            forwardBlock = forward.isEmpty ? "" : ", " + forward
        }

        func startHub() throws {
            hub = try ServerProcess(
                .reference, executable: ServerKind.hubExecutable,
                configuration: """
                    server_name: hub
                    leafnodes { listen: "127.0.0.1:\(leafPort)", advertise: "127.0.0.1:\(dialPort)" }
                    jetstream { store_dir: "\(base.path)/hub", domain: hub }
                    """)
        }

        func startEdge() throws {
            edge = try ServerProcess(
                .outpost,
                configuration: """
                    server_name: edge
                    leafnodes { remotes [ { url: "nats-leaf://127.0.0.1:\(dialPort)", store_and_forward { subjects: ["telemetry.>"] \(forwardBlock) } } ] }
                    jetstream { store_dir: "\(base.path)/edge", domain: edge }
                    """, monitor: true)
        }

        /// The edge's `/varz` `leaf.remotes[0].store_and_forward`.
        func bufferStatus() throws -> [String: Any]? {
            let varz = try MonitoringClient.get(port: edge.monitorPort!, path: "/varz")
            let remote = ((varz["leaf"] as? [String: Any])?["remotes"] as? [[String: Any]])?.first
            return remote?["store_and_forward"] as? [String: Any]
        }

        func stopHub() {
            hub?.stop()
            hub = nil
        }

        func run(_ command: String, _ arguments: String..., timeout: TimeInterval = 130) throws -> PythonScenario.Result {
            try PythonScenario.run(script: ForwardTests.script, arguments: [command] + arguments, timeout: timeout)
        }

        var hubURL: String { hub!.url }
        var logs: String { "edge log:\n\(edge.log.suffix(3000))\nhub log:\n\(hub?.log.suffix(1500) ?? "(down)")" }

        deinit {
            edge?.stop()
            hub?.stop()
            try? FileManager.default.removeItem(at: base)
        }
    }

    @Test("hub down while 2,000 messages are published, the edge restarted while offline, hub back: all 2,000 arrive, in order, once")
    func offlineAcrossRestart() throws {
        let setup = try Setup()
        try setup.startHub()
        var result = try setup.run("make_stream", setup.hubURL)
        #expect(result.status == 0, "\(result.output)")
        try setup.startEdge()
        #expect(setup.edge.waitForLog("Leafnode connection created", timeout: 15))
        // Live: the link is up.
        result = try setup.run("publish", setup.edge.url, "0", "500")
        #expect(result.status == 0, "\(result.output)")
        result = try setup.run("check", setup.hubURL, "0", "499")
        #expect(result.status == 0, "live:\n\(result.output)\n\(setup.logs)")

        setup.stopHub()
        result = try setup.run("publish", setup.edge.url, "500", "2500")
        #expect(result.status == 0, "\(result.output)")
        setup.edge.stop()
        try setup.startEdge()
        #expect(setup.edge.log.contains("2000 messages"), "the buffer did not survive the restart:\n\(setup.edge.log.suffix(2000))")
        try setup.startHub()
        result = try setup.run("check", setup.hubURL, "0", "2499")
        #expect(result.status == 0, "after the outage:\n\(result.output)\n\(setup.logs)")
    }

    @Test("kill -9 of Outpost in the middle of a replay: nothing lost, nothing twice")
    func killDuringReplay() throws {
        // Paced (about 340 KB at 100 KB/s), so that the kill lands in the middle of the replay.
        let setup = try Setup(forward: "rate_limit: 100KB")
        try setup.startHub()
        _ = try setup.run("make_stream", setup.hubURL)
        try setup.startEdge()
        #expect(setup.edge.waitForLog("Leafnode connection created", timeout: 15))
        setup.stopHub()
        var result = try setup.run("publish", setup.edge.url, "0", "20000")
        #expect(result.status == 0, "\(result.output)")
        try setup.startHub()
        result = try setup.run("wait_count", setup.hubURL, "3000")
        #expect(result.status == 0, "\(result.output)\n\(setup.logs)")
        setup.edge.signal(SIGKILL)
        _ = setup.edge.waitForExit(timeout: 10)
        try setup.startEdge()
        #expect(
            setup.edge.log.contains("messages waiting") || setup.edge.log.contains("waiting for the hub"),
            "the kill did not land during the replay:\n\(setup.edge.log.suffix(1500))")
        result = try setup.run("check", setup.hubURL, "0", "19999")
        #expect(result.status == 0, "after kill -9:\n\(result.output)\n\(setup.logs)")
    }

    @Test(
        "the buffer's cap holds: discard old keeps the newest, discard new the oldest; discards are counted",
        arguments: ["old", "new"])
    func bufferCap(discard: String) throws {
        let setup = try Setup(forward: "max_msgs: 500, discard: \(discard)")
        try setup.startHub()
        _ = try setup.run("make_stream", setup.hubURL)
        try setup.startEdge()
        #expect(setup.edge.waitForLog("Leafnode connection created", timeout: 15))
        setup.stopHub()
        var result = try setup.run("publish", setup.edge.url, "0", "1000")
        #expect(result.status == 0, "\(result.output)")
        #expect(setup.edge.waitForLog("discarded", timeout: 5), "\(setup.edge.log.suffix(2000))")
        let buffer = try setup.bufferStatus()
        #expect(buffer?["buffered_msgs"] as? Int == 500, "\(buffer ?? [:])")
        #expect(buffer?["discarded_msgs"] as? Int == 500, "\(buffer ?? [:])")
        try setup.startHub()
        let (first, last) = discard == "old" ? ("500", "999") : ("0", "499")
        result = try setup.run("check", setup.hubURL, first, last)
        #expect(result.status == 0, "discard \(discard):\n\(result.output)\n\(setup.logs)")
    }

    @Test("the link flaps every 1.5 s during a 100,000-message stream: every message arrives once, in order")
    func flappingLink() throws {
        let setup = try Setup()
        let proxyPort = try ServerProcess.freePort()
        let controlPort = try ServerProcess.freePort()
        setup.dialPort = proxyPort
        let proxy = try PythonScenario.start(
            script: "Tests/IntegrationTests/Python/tcp_proxy.py",
            arguments: [
                String(proxyPort), String(setup.leafPort), String(controlPort), "150",
            ])
        defer { proxy.stop() }
        try setup.startHub()
        _ = try setup.run("make_stream", setup.hubURL)
        try setup.startEdge()
        #expect(setup.edge.waitForLog("Leafnode connection created", timeout: 15))
        let publisher = try PythonScenario.start(script: Self.script, arguments: ["publish", setup.edge.url, "0", "100000"])
        var drops = 0
        while publisher.process.isRunning || drops < 4 {
            Thread.sleep(forTimeInterval: 1.5)
            // Each drop cuts a link that is up: on a loaded machine the redial (1 to 1.5 s after
            // a drop) can take longer than the 1.5 s between drops, and a drop of nothing would
            // leave a link fewer than drops.
            setup.edge.waitForLog("Leafnode connection created", count: drops + 1, timeout: 10)
            try LeafnodeTests.control(controlPort, "drop")
            drops += 1
            if drops >= 20 { break }
        }
        let published = publisher.wait(timeout: 120)
        #expect(published.status == 0, "\(published.output)")
        let result = try setup.run("check", setup.hubURL, "0", "99999", timeout: 200)
        #expect(result.status == 0, "after \(drops) drops:\n\(result.output)\n\(setup.logs)")
        let links = setup.edge.occurrences(of: "Leafnode connection created")
        print("flapping link: \(drops) drops, \(links) links")
        #expect(links >= 4, "the drops did not cut the link: \(links) links")
    }

    @Test("rate_limit paces the replay within 10% while local pub/sub keeps its round trip")
    func rateLimit() throws {
        // 3,000 messages of about 17 bytes (subject + payload) = about 51 KB at 10 KB/s: 5 s.
        let setup = try Setup(forward: "rate_limit: 10KB")
        let messages = "3000"
        try setup.startHub()
        _ = try setup.run("make_stream", setup.hubURL)
        try setup.startEdge()
        #expect(setup.edge.waitForLog("Leafnode connection created", timeout: 15))
        setup.stopHub()
        var result = try setup.run("publish", setup.edge.url, "0", messages)
        #expect(result.status == 0, "\(result.output)")
        let buffer = try setup.bufferStatus()
        let bytes = try #require(buffer?["buffered_bytes"] as? Int)
        try setup.startHub()
        #expect(setup.edge.waitForLog("sending \(messages) buffered messages", timeout: 15))
        let started = Date()
        // Meanwhile a local client's own messages keep their loopback round trip: the paced
        // replay holds nothing back from local traffic.
        let local = try RawClient(port: setup.edge.port)
        try local.handshake()
        local.send("SUB local.echo 1\r\nPING\r\n")
        local.read(untilContains: "PONG\r\n")
        var roundTrips: [TimeInterval] = []
        for index in 0..<40 {
            local.clear()
            let sent = Date()
            local.send("PUB local.echo 2\r\n\(index % 10)\(index % 10)\r\n")
            local.read(untilContains: "MSG local.echo")
            roundTrips.append(Date().timeIntervalSince(sent))
            Thread.sleep(forTimeInterval: 0.05)
        }
        roundTrips.sort()
        print("local round trips during the replay: median \(roundTrips[20] * 1000) ms, max \(roundTrips[39] * 1000) ms")
        #expect(roundTrips[20] < 0.02 && roundTrips[39] < 0.25, "local pub/sub slowed by the replay: \(roundTrips)")
        result = try setup.run("wait_count", setup.hubURL, messages)
        let elapsed = Date().timeIntervalSince(started)
        let expected = Double(bytes) / 10240
        print("rate limit: \(bytes) bytes at 10 KB/s took \(elapsed) s, expected \(expected) s")
        #expect(result.status == 0, "\(result.output)")
        #expect(abs(elapsed - expected) <= expected * 0.1 + 0.2, "\(bytes) bytes took \(elapsed) s at 10 KB/s (expected \(expected) s)")
        result = try setup.run("check", setup.hubURL, "0", "2999")
        #expect(result.status == 0, "\(result.output)")
    }
}

import EdgeTestSupport
import Foundation
import Testing

/// The leafnode uplink against Debian's nats-server as the hub, with nats-py clients on both
/// sides (`Python/leafnode_scenarios.py`). Every scenario also runs with nats-server as the leaf,
/// so each expectation is the reference's behaviour.
@Suite("Leafnode link to a nats-server hub", .serialized)
struct LeafnodeTests {
    static let script = "Tests/IntegrationTests/Python/leafnode_scenarios.py"

    /// A hub (nats-server, JetStream domain `hub`) and a leaf of `kind` (JetStream domain `edge`)
    /// linked through the hub's leafnode port. Stores live outside the servers' own temporary
    /// directories so that a restart finds them.
    final class Pair {
        let kind: ServerKind
        let leafPort: Int
        let hubStore: URL
        let edgeStore: URL
        var hub: ServerProcess
        var edge: ServerProcess

        init(edge kind: ServerKind) throws {
            self.kind = kind
            leafPort = try ServerProcess.freePort()
            let base = FileManager.default.temporaryDirectory.appendingPathComponent("outpost-leaf-\(UUID().uuidString)")
            hubStore = base.appendingPathComponent("hub")
            edgeStore = base.appendingPathComponent("edge")
            try FileManager.default.createDirectory(at: hubStore, withIntermediateDirectories: true)
            try FileManager.default.createDirectory(at: edgeStore, withIntermediateDirectories: true)
            hub = try Self.startHub(leafPort: leafPort, store: hubStore)
            edge = try Self.startEdge(kind, leafPort: leafPort, store: edgeStore)
            try waitForLink()
        }

        static func startHub(leafPort: Int, store: URL) throws -> ServerProcess {
            try ServerProcess(.reference, configuration: """
                server_name: hub
                leafnodes { listen: "127.0.0.1:\(leafPort)" }
                jetstream { store_dir: "\(store.path)", domain: hub }
                """)
        }

        static func startEdge(_ kind: ServerKind, leafPort: Int, store: URL) throws -> ServerProcess {
            try ServerProcess(kind, configuration: """
                server_name: edge
                leafnodes { remotes [ { url: "nats-leaf://127.0.0.1:\(leafPort)" } ] }
                jetstream { store_dir: "\(store.path)", domain: edge }
                """)
        }

        /// Waits until the edge logs one more link than `before`.
        func waitForLink(before: Int = 0) throws {
            guard edge.waitForLog("Leafnode connection created", count: before + 1, timeout: 15) else {
                throw ServerStartError(description: "the leafnode link did not come up:\n\(edge.log.suffix(3000))")
            }
        }

        func run(_ scenario: String, _ arguments: String..., timeout: TimeInterval = 100) throws -> PythonScenario.Result {
            try PythonScenario.run(script: LeafnodeTests.script, arguments: [scenario, hub.url, edge.url] + arguments, timeout: timeout)
        }

        var logs: String { "edge (\(kind)) log:\n\(edge.log.suffix(4000))\nhub log:\n\(hub.log.suffix(2000))" }

        deinit {
            edge.stop()
            hub.stop()
            try? FileManager.default.removeItem(at: hubStore.deletingLastPathComponent())
        }
    }

    @Test("interest, request/reply, queue groups and JetStream domains across the link", arguments: ServerKind.allCases)
    func coreAcrossTheLink(kind: ServerKind) throws {
        let pair = try Pair(edge: kind)
        for scenario in ["interest", "request_reply", "queues", "jetstream_domains"] {
            let result = try pair.run(scenario)
            #expect(result.status == 0, "\(scenario) with a \(kind) leaf:\n\(result.output)\n\(pair.logs)")
        }
    }

    @Test("the hub sources and mirrors an edge stream through $JS.edge.API, across a hub restart and an edge restart",
          arguments: ServerKind.allCases)
    func sourceAndMirrorAcrossRestarts(kind: ServerKind) throws {
        let pair = try Pair(edge: kind)
        var result = try pair.run("source_setup", "300")
        #expect(result.status == 0, "setup:\n\(result.output)\n\(pair.logs)")
        result = try pair.run("source_check", "300")
        #expect(result.status == 0, "first sync:\n\(result.output)\n\(pair.logs)")

        // The hub goes away; the edge keeps storing; the hub comes back on the same port and store.
        pair.hub.stop()
        result = try pair.run("source_publish", "300", "500")
        #expect(result.status == 0, "publishing while the hub is down:\n\(result.output)")
        let links = pair.edge.occurrences(of: "Leafnode connection created")
        pair.hub = try Pair.startHub(leafPort: pair.leafPort, store: pair.hubStore)
        try pair.waitForLink(before: links)
        result = try pair.run("source_check", "500")
        #expect(result.status == 0, "after the hub restart:\n\(result.output)\n\(pair.logs)")

        // The edge restarts from its store; the hub resumes where it was.
        pair.edge.stop()
        pair.edge = try Pair.startEdge(kind, leafPort: pair.leafPort, store: pair.edgeStore)
        try pair.waitForLink()
        result = try pair.run("source_publish", "500", "700")
        #expect(result.status == 0, "publishing after the edge restart:\n\(result.output)")
        result = try pair.run("source_check", "700")
        #expect(result.status == 0, "after the edge restart:\n\(result.output)\n\(pair.logs)")
    }

    @Test("two servers linked both ways detect the loop and report it", arguments: ServerKind.allCases)
    func loopDetection(kind: ServerKind) throws {
        let portA = try ServerProcess.freePort()
        let portB = try ServerProcess.freePort()
        func configuration(name: String, listen: Int, remote: Int) -> String {
            """
            server_name: \(name)
            leafnodes { listen: "127.0.0.1:\(listen)", remotes [ { url: "nats-leaf://127.0.0.1:\(remote)" } ] }
            """
        }
        let a = try ServerProcess(kind, configuration: configuration(name: "A", listen: portA, remote: portB))
        let b = try ServerProcess(kind, configuration: configuration(name: "B", listen: portB, remote: portA))
        defer {
            a.stop()
            b.stop()
        }
        let deadline = Date().addingTimeInterval(15)
        while Date() < deadline && a.occurrences(of: "Loop detected") + b.occurrences(of: "Loop detected") == 0 {
            Thread.sleep(forTimeInterval: 0.05)
        }
        let reports = a.occurrences(of: "Loop detected") + b.occurrences(of: "Loop detected")
        #expect(reports > 0, "no loop reported:\nA:\n\(a.log.suffix(2000))\nB:\n\(b.log.suffix(2000))")
        #expect(a.log.contains("Loop detected for leafnode account=\"$G\". Delaying attempt to reconnect for 30s")
            || b.log.contains("Loop detected for leafnode account=\"$G\". Delaying attempt to reconnect for 30s"))
        #expect(a.process.isRunning && b.process.isRunning)
    }

    @Test("wrong credentials: a clear error, retries about once a second, no crash", arguments: ServerKind.allCases)
    func wrongCredentials(kind: ServerKind) throws {
        let leafPort = try ServerProcess.freePort()
        let hub = try ServerProcess(.reference, configuration: """
            server_name: hub
            leafnodes { listen: "127.0.0.1:\(leafPort)", authorization { user: leafu, password: right } }
            """)
        let edge = try ServerProcess(kind, configuration: """
            server_name: edge
            leafnodes { remotes [ { url: "nats-leaf://leafu:wrong@127.0.0.1:\(leafPort)" } ] }
            """)
        defer {
            edge.stop()
            hub.stop()
        }
        let refusal = "Leafnode Error 'Authorization Violation'"
        #expect(edge.waitForLog(refusal, timeout: 10), "\(edge.log.suffix(2000))")
        let first = edge.occurrences(of: refusal)
        Thread.sleep(forTimeInterval: 4)
        let attempts = edge.occurrences(of: refusal) - first
        #expect(attempts >= 1 && attempts <= 6, "\(attempts) attempts in 4 s:\n\(edge.log.suffix(2000))")
        #expect(!edge.log.contains("wrong"), "the password was logged")
        #expect(edge.process.isRunning)
    }

    @Test("a nats-server leaf connects to our leafnode port: interest and requests both ways", arguments: ServerKind.allCases)
    func acceptingSide(kind: ServerKind) throws {
        let leafPort = try ServerProcess.freePort()
        let hub = try ServerProcess(kind, configuration: """
            server_name: hub
            leafnodes { listen: "127.0.0.1:\(leafPort)", authorization { user: leafu, password: leafp } }
            """)
        let leaf = try ServerProcess(.reference, configuration: """
            server_name: leaf
            leafnodes { remotes [ { url: "nats-leaf://leafu:leafp@127.0.0.1:\(leafPort)" } ] }
            """)
        defer {
            leaf.stop()
            hub.stop()
        }
        #expect(leaf.waitForLog("Leafnode connection created", timeout: 15), "\(leaf.log.suffix(2000))")
        let result = try PythonScenario.run(script: Self.script, arguments: ["accepted_interest", hub.url, leaf.url], timeout: 100)
        #expect(result.status == 0, "\(kind) hub:\n\(result.output)\nhub log:\n\(hub.log.suffix(3000))\nleaf log:\n\(leaf.log.suffix(2000))")
    }
}

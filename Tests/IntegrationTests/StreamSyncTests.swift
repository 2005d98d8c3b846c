import EdgeTestSupport
import Foundation
import Testing

/// Stream mirrors and sources configured on the edge (`Python/stream_sync_scenarios.py`), each
/// also run with nats-server in Outpost's place.
@Suite("Stream mirrors and sources", .serialized)
struct StreamSyncTests {
    static let script = "Tests/IntegrationTests/Python/stream_sync_scenarios.py"

    static func run(_ arguments: String...) throws -> PythonScenario.Result {
        try PythonScenario.run(script: script, arguments: arguments, timeout: 150)
    }

    @Test(
        "a local mirror and a filtered local source follow their origin, once each, and resume after a restart",
        arguments: ServerKind.allCases)
    func local(kind: ServerKind) throws {
        let store = FileManager.default.temporaryDirectory.appendingPathComponent("outpost-sync-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: store) }
        let configuration = "jetstream { store_dir: \"\(store.path)\" }\n"
        var server = try ServerProcess(kind, configuration: configuration)
        var result = try Self.run("local_setup", server.url)
        #expect(result.status == 0, "\(kind) setup:\n\(result.output)\n\(server.log.suffix(3000))")
        result = try Self.run("local_check", server.url, "150")
        #expect(result.status == 0, "\(kind):\n\(result.output)\n\(server.log.suffix(3000))")
        server.stop()
        server = try ServerProcess(kind, configuration: configuration)
        defer { server.stop() }
        result = try Self.run("local_check", server.url, "210")
        #expect(result.status == 0, "\(kind) after a restart:\n\(result.output)\n\(server.log.suffix(3000))")
    }

    @Test(
        "an edge mirror of a hub stream: catches up, keeps its content while the hub is down, resumes after either side restarts",
        arguments: ServerKind.allCases)
    func edgeMirrorOfHubStream(kind: ServerKind) throws {
        let pair = try LeafnodeTests.Pair(edge: kind)
        var result = try Self.run("hub_commands_setup", pair.hub.url)
        #expect(result.status == 0, "\(result.output)")
        result = try Self.run("publish", pair.hub.url, "commands.valve", "0", "100")
        #expect(result.status == 0, "\(result.output)")
        result = try Self.run("edge_mirror_setup", pair.edge.url)
        #expect(result.status == 0, "\(result.output)\n\(pair.logs)")
        result = try Self.run("edge_mirror_check", pair.edge.url, "100")
        #expect(result.status == 0, "first sync:\n\(result.output)\n\(pair.logs)")

        // The edge is down while the hub takes more commands; back, it catches up.
        pair.edge.stop()
        result = try Self.run("publish", pair.hub.url, "commands.valve", "100", "200")
        #expect(result.status == 0, "\(result.output)")
        pair.edge = try pair.startEdge()
        try pair.waitForLink()
        result = try Self.run("edge_mirror_check", pair.edge.url, "200")
        #expect(result.status == 0, "after the edge restart:\n\(result.output)\n\(pair.logs)")

        // The hub is down: the edge still serves every command it mirrored.
        pair.hub.stop()
        result = try Self.run("edge_mirror_check", pair.edge.url, "200")
        #expect(result.status == 0, "while the hub is down:\n\(result.output)\n\(pair.logs)")
        let links = pair.edge.occurrences(of: "Leafnode connection created")
        pair.hub = try pair.startHub()
        try pair.waitForLink(before: links)
        result = try Self.run("publish", pair.hub.url, "commands.valve", "200", "250")
        #expect(result.status == 0, "\(result.output)")
        result = try Self.run("edge_mirror_check", pair.edge.url, "250")
        #expect(result.status == 0, "after the hub restart:\n\(result.output)\n\(pair.logs)")
    }
}

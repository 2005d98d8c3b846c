import EdgeTestSupport
import Foundation
import Testing

/// The hub's permissions for the link's user, which nats-server sends in its INFO (`import`,
/// `export`), honoured by the leaf. The hub is Debian's nats-server; the same scenario runs with
/// nats-server as the leaf.
@Suite("Leafnode hub permissions", .serialized)
struct LeafPermissionTests {
    @Test(
        "the leaf announces only interest the hub lets it import and sends only what it may export",
        arguments: ServerKind.allCases)
    func hubPermissions(kind: ServerKind) throws {
        let leafPort = try ServerProcess.freePort()
        // No `authorization` in `leafnodes`: the link authenticates as a client user, whose
        // permissions nats-server 2.9 applies to the link and announces (its leafnode users
        // take none).
        let hub = try ServerProcess(
            .reference, executable: ServerKind.hubExecutable,
            configuration: """
                server_name: hub
                authorization {
                  users: [
                    { user: leaf, password: leafpw, permissions: {
                        publish: { allow: ["foo.>"], deny: ["foo.secret"] },
                        subscribe: { allow: ["bar.>"], deny: ["bar.x"] } } },
                    { user: app, password: apppw }
                  ]
                }
                leafnodes { listen: "127.0.0.1:\(leafPort)" }
                """)
        defer { hub.stop() }
        let edge = try ServerProcess(
            kind,
            configuration: """
                server_name: edge
                leafnodes { remotes [ { url: "nats-leaf://leaf:leafpw@127.0.0.1:\(leafPort)" } ] }
                """)
        defer { edge.stop() }
        #expect(edge.waitForLog("Leafnode connection created", timeout: 15), "\(edge.log.suffix(2000))")
        let hubURL = hub.url.replacingOccurrences(of: "nats://", with: "nats://app:apppw@")
        let result = try PythonScenario.run(
            script: LeafnodeTests.script, arguments: ["hub_permissions", hubURL, edge.url], timeout: 60)
        let logs = "edge (\(kind)) log:\n\(edge.log.suffix(3000))\nhub log:\n\(hub.log.suffix(2000))"
        #expect(result.status == 0, "\(result.output)\n\(logs)")
        // A literal LS+ outside the import list would have made the hub close the link.
        #expect(!hub.log.contains("Violation"), "\(logs)")
        #expect(edge.occurrences(of: "Leafnode connection created") == 1, "\(logs)")
    }

    @Test("the store-and-forward buffer sends what the hub lets the link publish and drops, counting, what it does not")
    func bufferObeysHubPermissions() throws {
        let leafPort = try ServerProcess.freePort()
        let hub = try ServerProcess(
            .reference, executable: ServerKind.hubExecutable,
            configuration: """
                authorization {
                  users: [
                    { user: leaf, password: leafpw, permissions: { publish: { allow: ["foo.>"] }, subscribe: { allow: ["bar.>"] } } },
                    { user: app, password: apppw }
                  ]
                }
                leafnodes { listen: "127.0.0.1:\(leafPort)" }
                """)
        defer { hub.stop() }
        let edge = try ServerProcess(
            .outpost,
            configuration: """
                leafnodes { remotes [ { url: "nats-leaf://leaf:leafpw@127.0.0.1:\(leafPort)", store_and_forward { subjects: ["foo.>", "zzz.>"] } } ] }
                """, monitor: true)
        defer { edge.stop() }
        #expect(edge.waitForLog("Leafnode connection created", timeout: 15), "\(edge.log.suffix(2000))")
        let app = try RawClient(port: hub.port)
        try app.handshake(connect: #"{"verbose":false,"user":"app","pass":"apppw","headers":true}"#)
        app.send("SUB > 1\r\nPING\r\n")
        app.read(untilContains: "PONG")
        let sensor = try RawClient(port: edge.port)
        try sensor.handshake()
        // The hub's interest takes a moment to reach the edge; the buffer keeps messages until then.
        sensor.send("PUB zzz.out 3\r\nnot\r\nPUB foo.ok 2\r\nok\r\nPING\r\n")
        sensor.read(untilContains: "PONG")
        let received = app.read(untilContains: "foo.ok", timeout: 10)
        #expect(received.contains("foo.ok") && !received.contains("zzz.out"), "\(received)\n\(edge.log.suffix(2000))")
        var discarded: Int?
        for _ in 0..<50 {
            let varz = try MonitoringClient.get(port: edge.monitorPort!, path: "/varz")
            let remote = ((varz["leaf"] as? [String: Any])?["remotes"] as? [[String: Any]])?.first
            discarded = (remote?["store_and_forward"] as? [String: Any])?["discarded_msgs"] as? Int
            if discarded == 1 { break }
            Thread.sleep(forTimeInterval: 0.1)
        }
        #expect(discarded == 1, "\(edge.log.suffix(2000))")
        #expect(!app.read(untilContains: "zzz.out", timeout: 1).contains("zzz.out"))
    }
}

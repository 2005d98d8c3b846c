import EdgeTestSupport
import Foundation
import Testing

/// The hub's permissions for the link's user, which nats-server sends in its INFO (`import`,
/// `export`), honoured by the leaf. The hub is Debian's nats-server; the same scenario runs with
/// nats-server as the leaf.
@Suite("Leafnode hub permissions", .serialized)
struct LeafPermissionTests {
    @Test("the leaf announces only interest the hub lets it import and sends only what it may export",
          arguments: ServerKind.allCases)
    func hubPermissions(kind: ServerKind) throws {
        let leafPort = try ServerProcess.freePort()
        // No `authorization` in `leafnodes`: the link authenticates as a client user, whose
        // permissions nats-server 2.9 applies to the link and announces (its leafnode users
        // take none).
        let hub = try ServerProcess(.reference, executable: ServerKind.hubExecutable, configuration: """
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
        let edge = try ServerProcess(kind, configuration: """
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
}

import EdgeTestSupport
import Foundation
import Testing

/// Accounts with nats-py, against Outpost and the reference nats-server with the same
/// configuration.
@Suite("Accounts")
struct AccountTests {
    static let configuration = """
        accounts {
          SENSORS: {
            users: [ { user: s, password: s } ]
            exports: [ { stream: "telemetry.>" }, { service: "config.get" } ]
          }
          CLOUD: {
            users: [ { user: c, password: c } ]
            imports: [
              { stream: { account: SENSORS, subject: "telemetry.>" }, prefix: "site1" }
              { service: { account: SENSORS, subject: "config.get" }, to: "site1.config" }
            ]
          }
          OTHER: { users: [ { user: o, password: o } ] }
        }

        """

    @Test("isolation, stream import, service import", arguments: ServerKind.allCases, ["isolation", "stream_import", "service_import"])
    func scenario(server kind: ServerKind, name: String) throws {
        let server = try ServerProcess(kind, configuration: Self.configuration)
        defer { server.stop() }
        let result = try PythonScenario.run(
            script: "Tests/IntegrationTests/Python/account_scenarios.py", arguments: [name, server.url], timeout: 90)
        #expect(result.status == 0, "\(name) on \(kind):\n\(result.output)\nserver log:\n\(server.log.suffix(3000))")
    }

    @Test("/accountz counts each account's own clients; /subsz covers every account", arguments: ServerKind.allCases)
    func monitoring(server kind: ServerKind) throws {
        let server = try ServerProcess(kind, configuration: Self.configuration, monitor: true)
        defer { server.stop() }
        let sensors = try RawClient(port: server.port)
        try sensors.handshake(connect: #"{"verbose":false,"user":"s","pass":"s"}"#)
        sensors.send("SUB telemetry.only.here 1\r\nPING\r\n")
        sensors.read(untilContains: "PONG\r\n")
        let other = try RawClient(port: server.port)
        try other.handshake(connect: #"{"verbose":false,"user":"o","pass":"o"}"#)
        let detail = try MonitoringClient.get(port: server.monitorPort!, path: "/accountz?acc=SENSORS")
        let account = detail["account_detail"] as? [String: Any] ?? [:]
        #expect(account["client_connections"] as? Int == 1, "\(kind): \(detail)")
        let subsz = try MonitoringClient.get(port: server.monitorPort!, path: "/subsz?subs=1&test=telemetry.only.here")
        let listed = (subsz["subscriptions_list"] as? [[String: Any]] ?? []).filter { $0["subject"] as? String == "telemetry.only.here" }
        #expect(listed.first?["account"] as? String == "SENSORS", "\(kind): \(subsz)")
    }

    @Test("an import nobody exported stops the start, naming the import")
    func unexportedImport() throws {
        let configuration = """
            accounts {
              A: { users: [ { user: a, password: a } ] }
              B: { imports: [ { stream: { account: A, subject: "secret.>" } } ] }
            }

            """
        #expect {
            _ = try ServerProcess(.outpost, configuration: configuration, timeout: 5)
        } throws: { error in
            "\(error)".contains("accounts.B.imports[0]: stream import of \"secret.>\" is not exported by account \"A\" to \"B\"")
        }
    }
}

/// A leafnode link bound to an account carries that account's traffic only.
@Suite("Accounts across a leafnode link", .serialized)
struct LeafAccountTests {
    /// Publishes on `subject` from `publisher` until `watcher` sees it (interest takes a moment to
    /// cross the link), at most `seconds`.
    private func arrives(_ subject: String, from publisher: RawClient, at watcher: RawClient, within seconds: TimeInterval = 8) -> Bool {
        let deadline = Date().addingTimeInterval(seconds)
        while Date() < deadline {
            publisher.send("PUB \(subject) 1\r\nx\r\n")
            if watcher.read(untilContains: "MSG \(subject) ", timeout: 0.2).contains("MSG \(subject) ") { return true }
        }
        return false
    }

    @Test("a remote bound to SENSORS: SENSORS' messages reach the hub, $G's do not")
    func remoteAccount() throws {
        let leafPort = try ServerProcess.freePort()
        let hub = try ServerProcess(
            .reference, executable: ServerKind.hubExecutable, configuration: "leafnodes { listen: \"127.0.0.1:\(leafPort)\" }\n")
        let edge = try ServerProcess(
            .outpost,
            configuration: """
                accounts { SENSORS: { users: [ { user: s, password: s } ] } }
                authorization { users: [ { user: g, password: g } ] }
                leafnodes { remotes [ { url: "nats-leaf://127.0.0.1:\(leafPort)", account: SENSORS } ] }

                """)
        defer {
            edge.stop()
            hub.stop()
        }
        #expect(edge.waitForLog("Leafnode connection created", timeout: 15), "\(edge.log.suffix(2000))")
        let watcher = try RawClient(port: hub.port)
        try watcher.handshake()
        watcher.send("SUB t.> 1\r\nPING\r\n")
        watcher.read(untilContains: "PONG\r\n")
        let sensors = try RawClient(port: edge.port)
        try sensors.handshake(connect: #"{"verbose":false,"user":"s","pass":"s"}"#)
        let global = try RawClient(port: edge.port)
        try global.handshake(connect: #"{"verbose":false,"user":"g","pass":"g"}"#)
        #expect(arrives("t.sensors", from: sensors, at: watcher), "\(edge.log.suffix(2000))")
        #expect(!arrives("t.global", from: global, at: watcher, within: 1.5))
    }

    @Test(
        "an account without JetStream whose leafnode link is up leaves JetStream requests to the other side (no 10039), as nats-server",
        arguments: ServerKind.allCases)
    func jetStreamLeftToTheHub(kind: ServerKind) throws {
        let leafPort = try ServerProcess.freePort()
        let hubStore = FileManager.default.temporaryDirectory.appendingPathComponent("outpost-hub-\(UUID().uuidString)")
        let edgeStore = FileManager.default.temporaryDirectory.appendingPathComponent("outpost-edge-\(UUID().uuidString)")
        defer {
            try? FileManager.default.removeItem(at: hubStore)
            try? FileManager.default.removeItem(at: edgeStore)
        }
        let hub = try ServerProcess(
            .reference, executable: ServerKind.hubExecutable,
            configuration: """
                jetstream { store_dir: "\(hubStore.path)" }
                leafnodes { listen: "127.0.0.1:\(leafPort)" }

                """)
        let configuration = """
            jetstream { store_dir: "\(edgeStore.path)" }
            accounts {
              A: { jetstream: enabled, users: [ { user: a, password: a } ] }
              B: { users: [ { user: b, password: b } ] }
              C: { users: [ { user: c, password: c } ] }
            }
            leafnodes { remotes [ { url: "nats-leaf://127.0.0.1:\(leafPort)", account: B } ] }

            """
        let edge = try ServerProcess(kind, configuration: configuration)
        defer {
            edge.stop()
            hub.stop()
        }
        #expect(edge.waitForLog("Leafnode connection created", timeout: 15), "\(edge.log.suffix(2000))")
        for (user, linked) in [("b", true), ("c", false)] {
            let client = try RawClient(port: edge.port)
            try client.handshake(connect: #"{"verbose":false,"user":"\#(user)","pass":"\#(user)"}"#)
            client.send("SUB _INBOX.js 1\r\nPUB $JS.API.INFO _INBOX.js 0\r\n\r\n")
            let answer = client.read(untilContains: "err_code", timeout: linked ? 2 : 5)
            if linked {
                #expect(!answer.contains("10039"), "\(kind): \(answer)")
            } else {
                #expect(answer.contains("\"err_code\":10039"), "\(kind): \(answer)")
            }
        }
    }

    @Test("a leafnode user bound to SENSORS: the leaf's messages reach SENSORS' clients only")
    func acceptedAccount() throws {
        let leafPort = try ServerProcess.freePort()
        let hub = try ServerProcess(
            .outpost,
            configuration: """
                accounts { SENSORS: { users: [ { user: s, password: s } ] } }
                authorization { users: [ { user: g, password: g } ] }
                leafnodes { listen: "127.0.0.1:\(leafPort)", authorization { users: [ { user: leaf, password: lp, account: SENSORS } ] } }

                """)
        let leaf = try ServerProcess(
            .reference, configuration: "leafnodes { remotes [ { url: \"nats-leaf://leaf:lp@127.0.0.1:\(leafPort)\" } ] }\n")
        defer {
            leaf.stop()
            hub.stop()
        }
        #expect(leaf.waitForLog("Leafnode connection created", timeout: 15), "\(leaf.log.suffix(2000))\nhub:\n\(hub.log.suffix(2000))")
        let sensors = try RawClient(port: hub.port)
        try sensors.handshake(connect: #"{"verbose":false,"user":"s","pass":"s"}"#)
        sensors.send("SUB up.> 1\r\nPING\r\n")
        sensors.read(untilContains: "PONG\r\n")
        let global = try RawClient(port: hub.port)
        try global.handshake(connect: #"{"verbose":false,"user":"g","pass":"g"}"#)
        global.send("SUB up.> 1\r\nPING\r\n")
        global.read(untilContains: "PONG\r\n")
        let device = try RawClient(port: leaf.port)
        try device.handshake()
        #expect(arrives("up.reading", from: device, at: sensors), "\(hub.log.suffix(2000))")
        #expect(!global.read(untilContains: "MSG up.reading", timeout: 1).contains("MSG"))
    }
}

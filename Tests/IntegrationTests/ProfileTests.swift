import EdgeTestSupport
import Foundation
import NKeys
import Testing

/// Every file in `Profiles/` is a valid configuration that Outpost starts with, as written
/// (only the store directory, the ports and the uplink's environment are the test's).
@Suite("Profiles", .serialized)
struct ProfileTests {
    static let profiles: [String] = {
        let directory = TestPaths.packageRoot + "/Profiles"
        let files = (try? FileManager.default.contentsOfDirectory(atPath: directory)) ?? []
        return files.filter { $0.hasSuffix(".conf") }.sorted()
    }()

    @Test("there are profiles")
    func present() {
        for name in ["default.conf", "raspberry-pi-zero-2w.conf", "raspberry-pi-4.conf", "sensor-gateway.conf"] {
            #expect(Self.profiles.contains(name), "\(name)")
        }
    }

    /// An operator-mode nats-server hub with TLS on its leafnode port, and the edge's creds.
    final class Hub {
        let pki: TestCertificates
        let directory: URL
        let server: ServerProcess
        let leafPort: Int
        let credentials: String

        init() throws {
            pki = try TestCertificates()
            directory = FileManager.default.temporaryDirectory.appendingPathComponent("outpost-profile-\(UUID().uuidString)")
            try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
            let operatorKeys = try NKeys.KeyPair(generating: .operator)
            let account = try NKeys.KeyPair(generating: .account)
            let user = try NKeys.KeyPair(generating: .user)
            let operatorJWT = try LeafnodeTests.jwt(
                ["sub": operatorKeys.publicKey, "name": "op", "nats": ["type": "operator", "version": 2]], issuer: operatorKeys)
            let limits: [String: Any] = [
                "subs": -1, "data": -1, "payload": -1, "imports": -1, "exports": -1, "wildcards": true, "conn": -1, "leaf": -1,
            ]
            let accountJWT = try LeafnodeTests.jwt(
                ["sub": account.publicKey, "name": "fleet", "nats": ["limits": limits, "type": "account", "version": 2]],
                issuer: operatorKeys)
            let userJWT = try LeafnodeTests.jwt(
                [
                    "sub": user.publicKey, "name": "edge",
                    "nats": [
                        "pub": [String: Any](), "sub": [String: Any](), "subs": -1, "data": -1, "payload": -1, "type": "user", "version": 2,
                    ],
                ],
                issuer: account)
            credentials = directory.appendingPathComponent("edge.creds").path
            try
                "-----BEGIN NATS USER JWT-----\n\(userJWT)\n------END NATS USER JWT------\n\n-----BEGIN USER NKEY SEED-----\n\(user.seed)\n------END USER NKEY SEED------\n"
                .write(toFile: credentials, atomically: true, encoding: .utf8)
            leafPort = try ServerProcess.freePort()
            server = try ServerProcess(
                .reference, executable: ServerKind.hubExecutable,
                configuration: """
                    server_name: hub
                    operator: "\(operatorJWT)"
                    resolver: MEMORY
                    resolver_preload: { \(account.publicKey): "\(accountJWT)" }
                    leafnodes { listen: "127.0.0.1:\(leafPort)", tls { cert_file: "\(pki.serverCertificate)", key_file: "\(pki.serverKey)" } }
                    """)
        }

        var environment: [String: String] {
            ["OUTPOST_HUB_URL": "tls://127.0.0.1:\(leafPort)", "OUTPOST_HUB_CREDS": credentials, "OUTPOST_HUB_CA": pki.caFile]
        }

        func stop() {
            server.stop()
            pki.remove()
            try? FileManager.default.removeItem(at: directory)
        }
    }

    @Test("each profile starts a server that serves clients", arguments: profiles)
    func starts(profile: String) throws {
        let path = TestPaths.packageRoot + "/Profiles/" + profile
        let text = (try? String(contentsOfFile: path, encoding: .utf8)) ?? ""
        let hub = text.contains("OUTPOST_HUB_URL") ? try Hub() : nil
        defer { hub?.stop() }
        let store = FileManager.default.temporaryDirectory.appendingPathComponent("outpost-profile-store-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: store) }
        // `-a 127.0.0.1 -p -1` (added by ServerProcess), a free monitoring port and `-sd` keep the
        // test on loopback, off fixed ports and out of /var/lib.
        let server = try ServerProcess(
            .outpost, arguments: ["-c", path, "-sd", store.path], monitor: true, environment: hub?.environment ?? [:])
        defer { server.stop() }
        #expect(!server.log.contains("[ERR]"), "\(server.log)")
        #expect(!server.log.contains("[WRN]"), "a profile should need no warning:\n\(server.log)")
        if text.contains("\njetstream") {
            #expect(server.log.contains("Starting JetStream"), "\(server.log)")
        }
        let client = try RawClient(port: server.port)
        try client.handshake()
        if let hub {
            // The uplink comes up over TLS with the credentials, and a sensor's reading reaches
            // a hub stream through the store-and-forward buffer.
            #expect(
                server.waitForLog("Leafnode connection created", timeout: 15),
                "\(server.log.suffix(3000))\nhub:\n\(hub.server.log.suffix(2000))")
            let result = try PythonScenario.run(
                script: "Tests/IntegrationTests/Python/forward_scenarios.py",
                arguments: ["profile_reading", hub.server.url, server.url, hub.credentials],
                timeout: 60)
            #expect(result.status == 0, "\(result.output)\nedge:\n\(server.log.suffix(3000))")
            // The link and the buffer as Prometheus sees them.
            let metrics = MonitoringTests.prometheusSamples(try MonitoringClient.getText(port: server.monitorPort!, path: "/metrics"))
            let connected = metrics.first { $0.key.hasPrefix("outpost_leafnode_remote_connected{remote=\"0\"") }
            #expect(connected?.value == 1, "\(metrics)")
            #expect((metrics["outpost_forward_forwarded_messages_total{remote=\"0\"}"] ?? 0) >= 1, "\(metrics)")
            #expect(metrics["outpost_forward_discarded_messages_total{remote=\"0\"}"] == 0, "\(metrics)")
        }
    }
}

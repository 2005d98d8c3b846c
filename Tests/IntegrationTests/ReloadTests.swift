import EdgeTestSupport
import Foundation
import Testing

/// SIGHUP reloads users and permissions; clients no longer allowed are closed, the others keep
/// going with their new permissions. The same expectations hold for nats-server.
@Suite("Configuration reload")
struct ReloadTests {
    static let before = """
        authorization {
          users [
            { user: alice, password: pw, permissions: { publish: ">", subscribe: ">" } }
            { user: bob, password: pw }
          ]
        }

        """
    static let after = """
        authorization {
          users [
            { user: alice, password: pw, permissions: { publish: { deny: "secret.>" }, subscribe: ">" } }
            { user: carol, password: pw }
          ]
        }

        """

    @Test("users removed are closed, permissions change for those who stay, new users get in", arguments: ServerKind.allCases)
    func usersAndPermissions(server kind: ServerKind) throws {
        let server = try ServerProcess(kind, configuration: Self.before)
        defer { server.stop() }
        let alice = try RawClient(port: server.port)
        try alice.handshake(connect: #"{"verbose":false,"user":"alice","pass":"pw"}"#)
        let bob = try RawClient(port: server.port)
        try bob.handshake(connect: #"{"verbose":false,"user":"bob","pass":"pw"}"#)

        try Self.after.write(to: server.temporaryDirectory.appendingPathComponent("server.conf"), atomically: true, encoding: .utf8)
        server.signal(SIGHUP)
        #expect(server.waitForLog("Reloaded server configuration", timeout: 5), "\(server.log)")
        #expect(bob.waitForClose(timeout: 5), "\(kind): bob is gone from the users")
        #expect(!bob.text.contains("PONG"), "\(kind): \(bob.text)")

        alice.clear()
        alice.send("PUB secret.plans 1\r\nx\r\nPUB open 1\r\ny\r\nPING\r\n")
        let answer = alice.read(untilContains: "PONG\r\n")
        #expect(answer == "-ERR 'Permissions Violation for Publish to \"secret.plans\"'\r\nPONG\r\n", "\(kind): \(answer)")

        let carol = try RawClient(port: server.port)
        try carol.handshake(connect: #"{"verbose":false,"user":"carol","pass":"pw"}"#)
    }

    @Test("a change that needs a restart is refused and nothing changes")
    func refusedChange() throws {
        let server = try ServerProcess(.outpost, configuration: Self.before)
        defer { server.stop() }
        try (Self.after + "max_payload: 2MB\n").write(
            to: server.temporaryDirectory.appendingPathComponent("server.conf"), atomically: true, encoding: .utf8)
        server.signal(SIGHUP)
        #expect(
            server.waitForLog("Failed to reload server configuration: config reload not supported for limits", timeout: 5), "\(server.log)")
        let bob = try RawClient(port: server.port)
        try bob.handshake(connect: #"{"verbose":false,"user":"bob","pass":"pw"}"#)
    }

    @Test("verify_and_map cannot be switched by a reload (connections keep the mapping they were accepted with)")
    func refusedCertificateMappingChange() throws {
        let pki = try TestCertificates()
        defer { pki.remove() }
        let configuration = { (mapping: Bool) in
            """
            tls { cert_file: "\(pki.serverCertificate)", key_file: "\(pki.serverKey)", ca_file: "\(pki.caFile)", verify: true, verify_and_map: \(mapping) }
            authorization { users: [ { user: localhost, password: pw } ] }
            """
        }
        let server = try ServerProcess(.outpost, configuration: configuration(false))
        defer { server.stop() }
        try configuration(true).write(
            to: server.temporaryDirectory.appendingPathComponent("server.conf"), atomically: true, encoding: .utf8)
        server.signal(SIGHUP)
        #expect(server.waitForLog("config reload not supported for tls.verify_and_map", timeout: 5), "\(server.log)")
    }

    @Test("an account's JetStream cannot be switched on by a reload")
    func refusedJetStreamChange() throws {
        let store = FileManager.default.temporaryDirectory.appendingPathComponent("outpost-reload-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: store) }
        let configuration = { (jetStream: String) in
            """
            jetstream { store_dir: "\(store.path)" }
            accounts { A: { \(jetStream) users: [ { user: a, password: a } ] } }
            """
        }
        let server = try ServerProcess(.outpost, configuration: configuration(""))
        defer { server.stop() }
        try configuration("jetstream: enabled,").write(
            to: server.temporaryDirectory.appendingPathComponent("server.conf"), atomically: true, encoding: .utf8)
        server.signal(SIGHUP)
        #expect(server.waitForLog("config reload not supported for jetstream", timeout: 5), "\(server.log)")
    }
}

import EdgeTestSupport
import Foundation
import Testing

/// TLS on the client port with the official Python client and raw sockets, against Outpost and
/// the reference nats-server with the same configuration.
@Suite("TLS")
struct TLSTests {
    static func configuration(_ pki: TestCertificates, verify: Bool = false) -> String {
        """
        tls {
          cert_file: "\(pki.serverCertificate)"
          key_file: "\(pki.serverKey)"
          ca_file: "\(pki.caFile)"
          verify: \(verify)
          timeout: 1
        }

        """
    }

    @Test(
        "nats-py over TLS", arguments: ServerKind.allCases, ["tls_pub_sub", "untrusted_server_certificate", "client_certificate_required"])
    func scenario(server kind: ServerKind, name: String) throws {
        let pki = try TestCertificates()
        defer { pki.remove() }
        let server = try ServerProcess(kind, configuration: Self.configuration(pki, verify: name == "client_certificate_required"))
        defer { server.stop() }
        let result = try PythonScenario.run(
            script: "Tests/IntegrationTests/Python/tls_scenarios.py",
            arguments: [name, server.url, pki.directory.path],
            timeout: 90
        )
        #expect(result.status == 0, "\(name) on \(kind):\n\(result.output)\nserver log:\n\(server.log.suffix(3000))")
    }

    @Test("allow_non_tls: TLS offered, not required; TLS and plain clients both served", arguments: ServerKind.allCases)
    func allowNonTLS(kind: ServerKind) throws {
        let pki = try TestCertificates()
        defer { pki.remove() }
        let server = try ServerProcess(kind, configuration: "allow_non_tls: true\n" + Self.configuration(pki))
        defer { server.stop() }
        let result = try PythonScenario.run(
            script: "Tests/IntegrationTests/Python/tls_scenarios.py", arguments: ["allow_non_tls", server.url, pki.directory.path],
            timeout: 90)
        #expect(result.status == 0, "allow_non_tls on \(kind):\n\(result.output)\nserver log:\n\(server.log.suffix(3000))")
        #expect(!server.log.contains("[WRN]"), "\(kind):\n\(server.log)")
    }

    @Test("verify_and_map: the client certificate's e-mail, DNS name or subject names the user", arguments: ServerKind.allCases)
    func mapping(kind: ServerKind) throws {
        let pki = try TestCertificates()
        defer { pki.remove() }
        try pki.makeClient("alice", subject: "/CN=Alice", alternativeNames: "email:alice@example.com")
        try pki.makeClient("device", subject: "/CN=sensor", alternativeNames: "DNS:sensor-1.edge.example")
        try pki.makeClient("bob", subject: "/C=US/O=Outpost, Inc./OU=edge/CN=bob")
        try pki.makeClient("carol", subject: "/O=Outpost/CN=carol/DC=example")
        // A UID is not in Go's pkix string: "CN=dave,O=Outpost" names dave only that way.
        try pki.makeClient("dave", subject: "/O=Outpost/CN=dave/UID=d1")
        // Mapped to a user that has a password: the password is still required.
        try pki.makeClient("erin", subject: "/CN=erin", alternativeNames: "email:erin@example.com")
        func user(_ name: String, _ subject: String) -> String {
            #"{ user: "\#(name)", permissions: { publish: "\#(subject)", subscribe: ">" } }"#
        }
        let server = try ServerProcess(
            kind,
            configuration: """
                tls {
                  cert_file: "\(pki.serverCertificate)"
                  key_file: "\(pki.serverKey)"
                  ca_file: "\(pki.caFile)"
                  verify_and_map: true
                }
                authorization {
                  users: [
                    \(user("alice@example.com", "alice.>"))
                    \(user("sensor-1.edge.example", "device.>"))
                    \(user(#"CN=bob,OU=edge,O=Outpost\\, Inc.,C=US"#, "bob.>"))
                    \(user("CN=carol,O=Outpost,DC=example", "carol.>"))
                    \(user("CN=dave,O=Outpost", "dave.>"))
                    { user: "Alice", password: "secret" }
                    { user: "erin@example.com", password: "erins", permissions: { publish: "erin.>", subscribe: ">" } }
                  ]
                }
                """)
        defer { server.stop() }
        let result = try PythonScenario.run(
            script: "Tests/IntegrationTests/Python/tls_scenarios.py", arguments: ["verify_and_map", server.url, pki.directory.path],
            timeout: 90)
        #expect(result.status == 0, "\(kind):\n\(result.output)\nserver log:\n\(server.log.suffix(3000))")
    }

    @Test("cipher_suites and curve_preferences restrict TLS 1.2 as in nats-server; TLS 1.3 stays", arguments: ServerKind.allCases)
    func algorithms(kind: ServerKind) throws {
        let pki = try TestCertificates()
        defer { pki.remove() }
        let configuration = Self.configuration(pki).replacingOccurrences(
            of: "  timeout: 1\n",
            with: """
                  timeout: 1
                  cipher_suites: ["TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384"]
                  curve_preferences: ["CurveP384"]

                """)
        let server = try ServerProcess(kind, configuration: configuration)
        defer { server.stop() }
        let result = try PythonScenario.run(
            script: "Tests/IntegrationTests/Python/tls_scenarios.py", arguments: ["algorithms", server.url, pki.directory.path], timeout: 60
        )
        #expect(result.status == 0, "\(kind):\n\(result.output)\nserver log:\n\(server.log.suffix(3000))")
    }

    @Test("min_version 1.3 refuses TLS 1.2 (nats-server 2.11+; not in the reference 2.9)")
    func minimumVersion() throws {
        let pki = try TestCertificates()
        defer { pki.remove() }
        let server = try ServerProcess(
            .outpost,
            configuration: Self.configuration(pki).replacingOccurrences(
                of: "  timeout: 1\n", with: "  timeout: 1\n  min_version: \"1.3\"\n"))
        defer { server.stop() }
        let result = try PythonScenario.run(
            script: "Tests/IntegrationTests/Python/tls_scenarios.py", arguments: ["tls13_only", server.url, pki.directory.path], timeout: 60
        )
        #expect(result.status == 0, "\(result.output)\nserver log:\n\(server.log.suffix(3000))")
    }

    @Test("handshake_first: TLS before INFO, for clients that ask for it (nats-server 2.10.4+; not in the reference 2.9)")
    func handshakeFirst() throws {
        let pki = try TestCertificates()
        defer { pki.remove() }
        let server = try ServerProcess(
            .outpost,
            configuration: Self.configuration(pki).replacingOccurrences(of: "timeout: 1", with: "timeout: 1\n  handshake_first: true"))
        defer { server.stop() }
        let result = try PythonScenario.run(
            script: "Tests/IntegrationTests/Python/tls_scenarios.py", arguments: ["handshake_first", server.url, pki.directory.path],
            timeout: 60)
        #expect(result.status == 0, "\(result.output)\nserver log:\n\(server.log.suffix(3000))")
        // A client that waits for INFO in plain text gets none.
        let plain = try RawClient(port: server.port)
        #expect(!plain.read(untilContains: "INFO", timeout: 0.5).contains("INFO"))
    }

    @Test("INFO announces TLS; plain text, garbage and a silent client end only their own connection", arguments: ServerKind.allCases)
    func hostileClients(server kind: ServerKind) throws {
        let pki = try TestCertificates()
        defer { pki.remove() }
        let server = try ServerProcess(kind, configuration: Self.configuration(pki, verify: true))
        defer { server.stop() }

        let plain = try RawClient(port: server.port)
        let info = plain.read(untilContains: "\r\n")
        #expect(info.contains(#""tls_required":true"#) && info.contains(#""tls_verify":true"#), "\(info)")
        plain.clear()
        plain.send("CONNECT {\"verbose\":false}\r\nPING\r\n")
        #expect(plain.waitForClose(timeout: 3), "plain text after INFO on \(kind)")
        #expect(!plain.text.contains("PONG"))

        let garbage = try RawClient(port: server.port)
        garbage.read(untilContains: "\r\n")
        garbage.send([0x16, 0x03, 0x01, 0x00, 0x05, 0xde, 0xad, 0xbe, 0xef, 0x00])
        #expect(garbage.waitForClose(timeout: 3), "a broken ClientHello on \(kind)")

        // Never starts the handshake: closed after the TLS timeout (1 s here).
        let silent = try RawClient(port: server.port)
        silent.read(untilContains: "\r\n")
        #expect(silent.waitForClose(timeout: 5), "a client that never starts TLS on \(kind)")

        // The server still serves a proper TLS client.
        let result = try PythonScenario.run(
            script: "Tests/IntegrationTests/Python/tls_scenarios.py",
            arguments: ["client_certificate_required", server.url, pki.directory.path],
            timeout: 60
        )
        #expect(result.status == 0, "\(kind):\n\(result.output)")
    }
}

/// Configuration errors name the block: files that cannot be used stop the start.
@Suite("TLS configuration errors")
struct TLSConfigurationErrorTests {
    @Test("a missing key file stops the start, naming file, line and key")
    func missingKey() throws {
        let pki = try TestCertificates()
        defer { pki.remove() }
        let configuration = "port: -1\ntls {\n  cert_file: \"\(pki.serverCertificate)\"\n  key_file: \"/nonexistent/key.pem\"\n}\n"
        #expect(throws: ServerStartError.self) {
            _ = try ServerProcess(.outpost, configuration: configuration, timeout: 5)
        }
        do {
            _ = try ServerProcess(.outpost, configuration: configuration, timeout: 5)
        } catch let error as ServerStartError {
            #expect(
                error.description.contains("server.conf:2:1: tls: error loading private key /nonexistent/key.pem"), "\(error.description)")
        }
    }
}

/// Leafnode links over TLS, both directions, with nats-server on the other end; each case also
/// runs with nats-server in Outpost's place.
@Suite("Leafnode links over TLS", .serialized)
struct LeafnodeTLSTests {
    static func leafTLS(_ pki: TestCertificates) -> String {
        "tls { cert_file: \"\(pki.serverCertificate)\", key_file: \"\(pki.serverKey)\", timeout: 2 }"
    }

    @Test("uplink to a TLS hub: interest and messages both ways", arguments: ServerKind.allCases)
    func uplink(kind: ServerKind) throws {
        let pki = try TestCertificates()
        defer { pki.remove() }
        let leafPort = try ServerProcess.freePort()
        let hub = try ServerProcess(
            .reference, executable: ServerKind.hubExecutable,
            configuration: """
                server_name: hub
                leafnodes { listen: "127.0.0.1:\(leafPort)", \(LeafnodeTLSTests.leafTLS(pki)) }
                """)
        let edge = try ServerProcess(
            kind,
            configuration: """
                server_name: edge
                leafnodes { remotes [ { url: "tls://127.0.0.1:\(leafPort)", tls { ca_file: "\(pki.caFile)" } } ] }
                """)
        defer {
            edge.stop()
            hub.stop()
        }
        #expect(edge.waitForLog("Leafnode connection created", timeout: 15), "\(edge.log.suffix(3000))")
        let result = try PythonScenario.run(script: LeafnodeTests.script, arguments: ["interest", hub.url, edge.url], timeout: 100)
        #expect(
            result.status == 0, "\(kind) edge:\n\(result.output)\nedge log:\n\(edge.log.suffix(3000))\nhub log:\n\(hub.log.suffix(2000))")
    }

    @Test("a hub whose certificate the edge does not trust: no link, a TLS error, the edge keeps running", arguments: ServerKind.allCases)
    func untrustedHub(kind: ServerKind) throws {
        let pki = try TestCertificates()
        defer { pki.remove() }
        let leafPort = try ServerProcess.freePort()
        let hub = try ServerProcess(
            .reference, executable: ServerKind.hubExecutable,
            configuration: """
                server_name: hub
                leafnodes { listen: "127.0.0.1:\(leafPort)", \(LeafnodeTLSTests.leafTLS(pki)) }
                """)
        let edge = try ServerProcess(
            kind,
            configuration: """
                server_name: edge
                leafnodes { remotes [ { url: "tls://127.0.0.1:\(leafPort)", tls { ca_file: "\(pki.rogueCAFile)" } } ] }
                """)
        defer {
            edge.stop()
            hub.stop()
        }
        // Both log a connection, then the failed handshake, and try again.
        #expect(edge.waitForLog("TLS leafnode handshake error", count: 2, timeout: 15), "\(kind):\n\(edge.log.suffix(3000))")
        let client = try RawClient(port: edge.port)
        try client.handshake()
        #expect(edge.process.isRunning)
    }

    @Test("a nats-server leaf connects to our TLS leafnode port", arguments: ServerKind.allCases)
    func acceptingSide(kind: ServerKind) throws {
        let pki = try TestCertificates()
        defer { pki.remove() }
        let leafPort = try ServerProcess.freePort()
        let hub = try ServerProcess(
            kind,
            configuration: """
                server_name: hub
                leafnodes { listen: "127.0.0.1:\(leafPort)", \(LeafnodeTLSTests.leafTLS(pki)) }
                """)
        let leaf = try ServerProcess(
            .reference,
            configuration: """
                server_name: leaf
                leafnodes { remotes [ { url: "tls://127.0.0.1:\(leafPort)", tls { ca_file: "\(pki.caFile)" } } ] }
                """)
        defer {
            leaf.stop()
            hub.stop()
        }
        #expect(leaf.waitForLog("Leafnode connection created", timeout: 15), "\(leaf.log.suffix(2000))\nhub:\n\(hub.log.suffix(2000))")
        let result = try PythonScenario.run(
            script: LeafnodeTests.script, arguments: ["accepted_interest", hub.url, leaf.url], timeout: 100)
        #expect(
            result.status == 0, "\(kind) hub:\n\(result.output)\nhub log:\n\(hub.log.suffix(3000))\nleaf log:\n\(leaf.log.suffix(2000))")
    }
}

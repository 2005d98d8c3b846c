import EdgeTestSupport
import NKeys
import Testing

/// Authentication (plain and bcrypt passwords, nkeys) and authorization (publish and subscribe
/// permissions, allow_responses) through the official Python client, against Outpost and the
/// reference nats-server with the same configuration: the same scenarios must pass on both.
@Suite("Authentication and permissions with nats-py")
struct SecurityTests {
    static let scenarios = ["passwords", "nkey_user", "publish_permissions", "subscribe_permissions", "allow_responses"]

    /// carol's hash is bcrypt("secret") at cost 4, made with libcrypt's crypt_gensalt/crypt.
    static func configuration(nkeyUser: String) -> String {
        """
        authorization {
          users [
            { user: alice, password: pw, permissions: {
                publish: { allow: ["req.>", "foo.*"], deny: ["foo.bad"] }
                subscribe: { allow: ["_INBOX.>", "foo.>", "q.> workers"], deny: ["foo.secret"] }
            } }
            { user: bob, password: pw, permissions: { subscribe: "req.>", allow_responses: true } }
            { user: carol, password: "$2a$04$vvHsxEk.Ap1OxZPmMbIgu.9IPxTArviGwgYECBND795CIx0dKxK5O" }
            { user: leafonly, password: pw, allowed_connection_types: ["LEAFNODE"] }
            { nkey: \(nkeyUser), permissions: { publish: "nk.>", subscribe: "nk.>" } }
          ]
        }

        """
    }

    @Test("scenario", arguments: ServerKind.allCases, scenarios)
    func scenario(server kind: ServerKind, name: String) throws {
        let user = try NKeys.KeyPair(generating: .user)
        let stranger = try NKeys.KeyPair(generating: .user)
        let server = try ServerProcess(kind, configuration: Self.configuration(nkeyUser: user.publicKey))
        defer { server.stop() }
        let result = try PythonScenario.run(
            script: "Tests/IntegrationTests/Python/security_scenarios.py",
            arguments: [name, server.url, user.seed, stranger.seed],
            timeout: 90
        )
        #expect(result.status == 0, "\(name) on \(kind):\n\(result.output)\nserver log:\n\(server.log.suffix(3000))")
    }
}

/// The exact wire texts, which nats-py lowers before handing them over.
@Suite("Permission and nkey wire texts")
struct SecurityWireTests {
    @Test("violations: exact -ERR lines, the connection stays, verbose +OK withheld", arguments: ServerKind.allCases)
    func violationTexts(server kind: ServerKind) throws {
        let user = try NKeys.KeyPair(generating: .user)
        let server = try ServerProcess(kind, configuration: SecurityTests.configuration(nkeyUser: user.publicKey))
        defer { server.stop() }
        let alice = try RawClient(port: server.port)
        alice.read(untilContains: "\r\n")
        alice.clear()
        alice.send(#"CONNECT {"verbose":true,"user":"alice","pass":"pw"}"# + "\r\n")
        #expect(alice.read(untilContains: "+OK\r\n") == "+OK\r\n")
        alice.clear()
        alice.send("PUB foo.bad 1\r\nx\r\nSUB q.a other 1\r\nSUB foo.secret 2\r\nPING\r\n")
        let expected = """
            -ERR 'Permissions Violation for Publish to "foo.bad"'\r
            -ERR 'Permissions Violation for Subscription to "q.a" using queue "other"'\r
            -ERR 'Permissions Violation for Subscription to "foo.secret"'\r
            PONG\r

            """
        #expect(alice.read(untilContains: "PONG\r\n") == expected, "\(kind)")
    }

    @Test("a bcrypt user's CONNECT with SUB, PUB and PING in the same write: all answered, in order", arguments: ServerKind.allCases)
    func pipelinedAfterBcrypt(server kind: ServerKind) throws {
        let user = try NKeys.KeyPair(generating: .user)
        let server = try ServerProcess(kind, configuration: SecurityTests.configuration(nkeyUser: user.publicKey))
        defer { server.stop() }
        let carol = try RawClient(port: server.port)
        carol.read(untilContains: "\r\n")
        carol.clear()
        carol.send(#"CONNECT {"verbose":false,"user":"carol","pass":"secret"}"# + "\r\nSUB a 1\r\nPUB a 2\r\nhi\r\nPING\r\n")
        #expect(carol.read(untilContains: "PONG\r\n") == "MSG a 1 2\r\nhi\r\nPONG\r\n", "\(kind)")
    }

    @Test("nkey users: INFO carries a nonce; a signature of another nonce is refused", arguments: ServerKind.allCases)
    func nkeyNonce(server kind: ServerKind) throws {
        let user = try NKeys.KeyPair(generating: .user)
        let server = try ServerProcess(kind, configuration: SecurityTests.configuration(nkeyUser: user.publicKey))
        defer { server.stop() }
        let client = try RawClient(port: server.port)
        let info = client.read(untilContains: "\r\n")
        guard let range = info.range(of: #""nonce":""#), let end = info[range.upperBound...].firstIndex(of: "\"") else {
            Issue.record("no nonce in \(info)")
            return
        }
        let nonce = String(info[range.upperBound..<end])
        let wrongSignature = NKeys.base64URL(user.sign(Array("not-the-nonce".utf8)))
        let stale = try RawClient(port: server.port)
        stale.read(untilContains: "\r\n")
        stale.clear()
        stale.send(#"CONNECT {"verbose":false,"nkey":"\#(user.publicKey)","sig":"\#(wrongSignature)"}"# + "\r\n")
        #expect(stale.waitForClose(timeout: 3))
        #expect(stale.text == "-ERR 'Authorization Violation'\r\n")

        let signature = NKeys.base64URL(user.sign(Array(nonce.utf8)))
        client.clear()
        client.send(#"CONNECT {"verbose":false,"nkey":"\#(user.publicKey)","sig":"\#(signature)"}"# + "\r\nPING\r\n")
        #expect(client.read(untilContains: "PONG\r\n") == "PONG\r\n", "\(kind)")
    }
}

import EdgeTestSupport
import Foundation
import Testing

/// NATS over WebSocket with nats-py, against Outpost and the reference nats-server with the same
/// configuration.
@Suite("WebSocket")
struct WebSocketTests {
    /// The port from "Listening for websocket clients on ws://127.0.0.1:PORT".
    static func webSocketPort(_ server: ServerProcess) -> Int? {
        let log = server.log
        guard let range = log.range(of: #"Listening for websocket clients on wss?://[^\s]+:(\d+)"#, options: .regularExpression) else {
            return nil
        }
        return Int(log[range].split(separator: ":").last ?? "")
    }

    @Test("nats-py over ws://", arguments: ServerKind.allCases, ["pub_sub_request", "plain_http_refused"])
    func scenario(server kind: ServerKind, name: String) throws {
        let server = try ServerProcess(kind, configuration: "websocket { host: \"127.0.0.1\", port: -1, no_tls: true }\n")
        defer { server.stop() }
        let port = try #require(Self.webSocketPort(server), "\(server.log)")
        let result = try PythonScenario.run(
            script: "Tests/IntegrationTests/Python/websocket_scenarios.py",
            arguments: [name, "ws://127.0.0.1:\(port)", server.url],
            timeout: 90
        )
        #expect(result.status == 0, "\(name) on \(kind):\n\(result.output)\nserver log:\n\(server.log.suffix(3000))")
    }

    @Test("wss:// with the certificate checked", arguments: ServerKind.allCases)
    func secure(server kind: ServerKind) throws {
        let pki = try TestCertificates()
        defer { pki.remove() }
        let server = try ServerProcess(
            kind,
            configuration: """
                websocket { host: "127.0.0.1", port: -1, tls { cert_file: "\(pki.serverCertificate)", key_file: "\(pki.serverKey)" } }
                """)
        defer { server.stop() }
        let port = try #require(Self.webSocketPort(server), "\(server.log)")
        let result = try PythonScenario.run(
            script: "Tests/IntegrationTests/Python/tls_scenarios.py",
            arguments: ["tls_pub_sub", "wss://127.0.0.1:\(port)", pki.directory.path],
            timeout: 90
        )
        #expect(result.status == 0, "\(kind):\n\(result.output)\nserver log:\n\(server.log.suffix(3000))")
    }

    @Test("without tls and no_tls the configuration is refused, as nats-server does")
    func requiresTLS() throws {
        #expect {
            _ = try ServerProcess(.outpost, configuration: "websocket { port: -1 }\n", timeout: 5)
        } throws: { error in
            "\(error)".contains("websocket requires TLS configuration")
        }
    }
}

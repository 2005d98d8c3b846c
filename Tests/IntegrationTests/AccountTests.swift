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

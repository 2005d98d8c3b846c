import EdgeTestSupport
import Testing

/// Core pub/sub behaviour through the official Python client, against Outpost and against
/// the reference nats-server: the same scenario must pass on both.
@Suite("Core features with nats-py")
struct CoreClientTests {
    static let scenarios = [
        "pub_sub", "wildcards", "queue_groups", "request_reply", "headers", "no_responders",
        "auto_unsubscribe", "many_in_order", "echo_off", "large_payload", "drain",
    ]

    @Test("scenario", arguments: ServerKind.allCases, scenarios)
    func scenario(server kind: ServerKind, name: String) throws {
        let server = try ServerProcess(kind)
        defer { server.stop() }
        let result = try PythonScenario.run(
            script: "Tests/IntegrationTests/Python/core_scenarios.py",
            arguments: [name, server.url],
            timeout: 90
        )
        #expect(result.status == 0, "\(name) on \(kind):\n\(result.output)")
    }
}

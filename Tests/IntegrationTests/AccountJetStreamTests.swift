import EdgeTestSupport
import Foundation
import Testing

/// JetStream in accounts, with nats-py, against Outpost and the reference nats-server with the
/// same configuration.
@Suite("JetStream in accounts")
struct AccountJetStreamTests {
    static func configuration(store: String) -> String {
        """
        jetstream { store_dir: "\(store)" }
        authorization { users: [ { user: g, password: g } ] }
        accounts {
          A: { jetstream: enabled, users: [ { user: a, password: a } ] }
          B: { users: [ { user: b, password: b } ] }
          C: { jetstream: { max_mem: 1M, max_file: 10M, max_streams: 1, max_consumers: 1 }, users: [ { user: c, password: c } ] }
        }
        """
    }

    @Test(
        "only accounts that say so have JetStream, each its own streams and limits, kept across a restart; /jsz lists them",
        arguments: ServerKind.allCases)
    func accounts(kind: ServerKind) throws {
        let store = FileManager.default.temporaryDirectory.appendingPathComponent("outpost-accjs-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: store) }
        let script = "Tests/IntegrationTests/Python/account_jetstream_scenarios.py"
        do {
            let server = try ServerProcess(kind, configuration: Self.configuration(store: store.path), monitor: true)
            defer { server.stop() }
            let result = try PythonScenario.run(script: script, arguments: ["setup", server.url], timeout: 90)
            #expect(result.status == 0, "\(kind):\n\(result.output)\nserver log:\n\(server.log.suffix(3000))")
            let jsz = try MonitoringClient.get(port: server.monitorPort!, path: "/jsz?accounts=true&streams=true")
            #expect(jsz["accounts"] as? Int == 2 && jsz["streams"] as? Int == 3 && jsz["messages"] as? Int == 4, "\(kind): \(jsz)")
            let details = jsz["account_details"] as? [[String: Any]] ?? []
            #expect(details.compactMap { $0["name"] as? String }.sorted() == ["A", "C"], "\(kind): \(jsz)")
            let c = details.first { $0["name"] as? String == "C" }
            #expect(
                c?["reserved_memory"] as? Int == 1_000_000 && c?["reserved_storage"] as? Int == 10_000_000,
                "\(kind): \(String(describing: c))")
            #expect((c?["stream_detail"] as? [[String: Any]])?.count == 1, "\(kind): \(String(describing: c))")
        }
        // nats-server keeps each account's streams under <store>/jetstream/<account>.
        #expect(FileManager.default.fileExists(atPath: store.appendingPathComponent("jetstream/A").path), "\(kind)")
        let server = try ServerProcess(kind, configuration: Self.configuration(store: store.path))
        defer { server.stop() }
        let result = try PythonScenario.run(script: script, arguments: ["restarted", server.url], timeout: 60)
        #expect(result.status == 0, "\(kind) after a restart:\n\(result.output)\nserver log:\n\(server.log.suffix(3000))")
    }

    @Test(
        "storage limits: max_bytes reserved against the account's and the server's limits, publishes refused past them (10002, 10023), the server's shared by all accounts",
        arguments: ServerKind.allCases)
    func storageLimits(kind: ServerKind) throws {
        let store = FileManager.default.temporaryDirectory.appendingPathComponent("outpost-limits-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: store) }
        let server = try ServerProcess(
            kind,
            configuration: """
                jetstream { store_dir: "\(store.path)", max_memory_store: 1MB, max_file_store: 1MB }
                accounts {
                  A: { jetstream: { max_mem: 1MB, max_file: 1MB }, users: [ { user: a, password: a } ] }
                  B: { jetstream: enabled, users: [ { user: b, password: b } ] }
                  C: { jetstream: enabled, users: [ { user: c, password: c } ] }
                  D: { jetstream: { max_mem: 0, max_file: 0 }, users: [ { user: d, password: d } ] }
                }
                """)
        defer { server.stop() }
        let result = try PythonScenario.run(
            script: "Tests/IntegrationTests/Python/storage_limit_scenarios.py", arguments: [server.url], timeout: 90)
        #expect(result.status == 0, "\(kind):\n\(result.output)\nserver log:\n\(server.log.suffix(3000))")
        #expect(server.log.contains("[ERR] JetStream resource limits exceeded for server"), "\(kind): \(server.log.suffix(2000))")
    }

    @Test(
        "an account's per-stream limits: max_bytes required and capped, consumers' max_ack_pending capped (10113, 10122, 10121)",
        arguments: ServerKind.allCases)
    func perStreamLimits(kind: ServerKind) throws {
        let store = FileManager.default.temporaryDirectory.appendingPathComponent("outpost-limits-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: store) }
        let server = try ServerProcess(
            kind,
            configuration: """
                jetstream { store_dir: "\(store.path)" }
                accounts {
                  A: {
                    jetstream: { max_ack_pending: 100, memory_max_stream_bytes: 2048, store_max_stream_bytes: 4096, max_stream_bytes: true }
                    users: [ { user: a, password: a } ]
                  }
                }
                """)
        defer { server.stop() }
        let result = try PythonScenario.run(
            script: "Tests/IntegrationTests/Python/storage_limit_scenarios.py", arguments: [server.url, "per_stream"], timeout: 60)
        #expect(result.status == 0, "\(kind):\n\(result.output)\nserver log:\n\(server.log.suffix(3000))")
    }

    @Test(
        "accounts' own limits must fit in the server's: nats-server will not start otherwise, nor will Outpost",
        arguments: ServerKind.allCases)
    func accountLimitsBeyondTheServer(kind: ServerKind) throws {
        let store = FileManager.default.temporaryDirectory.appendingPathComponent("outpost-limits-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: store) }
        do {
            let server = try ServerProcess(
                kind,
                configuration: """
                    jetstream { store_dir: "\(store.path)", max_memory_store: 1MB, max_file_store: 1MB }
                    accounts {
                      A: { jetstream: { max_mem: 1MB, max_file: 1MB }, users: [ { user: a, password: a } ] }
                      B: { jetstream: { max_file: 1 }, users: [ { user: b, password: b } ] }
                    }
                    """)
            server.stop()
            Issue.record("\(kind) started with 1 MB + 1 B of account storage in a 1 MB server")
        } catch {
            #expect("\(error)".contains("insufficient storage resources available"), "\(kind): \(error)")
        }
    }

    @Test("with accounts and none saying jetstream, no account has JetStream", arguments: ServerKind.allCases)
    func noAccountSaysSo(kind: ServerKind) throws {
        let store = FileManager.default.temporaryDirectory.appendingPathComponent("outpost-accjs-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: store) }
        let server = try ServerProcess(
            kind,
            configuration: """
                jetstream { store_dir: "\(store.path)" }
                authorization { users: [ { user: g, password: g } ] }
                accounts { A: { users: [ { user: a, password: a } ] } }
                """)
        defer { server.stop() }
        for user in ["g", "a"] {
            let client = try RawClient(port: server.port)
            try client.handshake(connect: #"{"verbose":false,"user":"\#(user)","pass":"\#(user)"}"#)
            client.send("SUB _INBOX.js 1\r\nPUB $JS.API.INFO _INBOX.js 0\r\n\r\n")
            let answer = client.read(untilContains: "err_code", timeout: 5)
            #expect(answer.contains("\"err_code\":10039"), "\(kind) \(user): \(answer)")
        }
    }

    @Test(
        "an account that imports the JetStream API as a service from one that has it gets that one's answers only",
        arguments: ServerKind.allCases)
    func importedAPI(kind: ServerKind) throws {
        let store = FileManager.default.temporaryDirectory.appendingPathComponent("outpost-accjs-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: store) }
        let server = try ServerProcess(
            kind,
            configuration: """
                jetstream { store_dir: "\(store.path)" }
                accounts {
                  A: { jetstream: { max_streams: 7 }, users: [ { user: a, password: a } ], exports: [ { service: "$JS.API.>" } ] }
                  B: { users: [ { user: b, password: b } ], imports: [ { service: { account: A, subject: "$JS.API.>" } } ] }
                }
                """)
        defer { server.stop() }
        let client = try RawClient(port: server.port)
        try client.handshake(connect: #"{"verbose":false,"user":"b","pass":"b"}"#)
        client.send("SUB _INBOX.js 1\r\nPUB $JS.API.INFO _INBOX.js 0\r\n\r\n")
        let answer = client.read(untilContains: "account_info_response", timeout: 5)
        #expect(answer.contains("\"max_streams\":7") && !answer.contains("10039"), "\(kind): \(answer)")
        // And no second answer (a 10039 from a responder of B's own).
        let more = client.read(untilContains: "10039", timeout: 1)
        #expect(!more.contains("10039"), "\(kind): \(more)")
    }
}

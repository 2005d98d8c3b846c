import EdgeTestSupport
import Foundation
import Testing

/// JetStream (streams, consumers, key-value, object store) through the official Python client,
/// against Outpost and against the reference nats-server: the same scenario must pass on both.
/// Each case gets its own server, started with JetStream on a fresh store directory.
@Suite("JetStream with nats-py")
struct JetStreamClientTests {
    /// The scenarios of `Python/jetstream_scenarios.py` (`jetstream_scenarios.py --list`).
    static let scenarios = [
        // Streams
        "stream_add_info", "stream_update_subjects", "stream_purge", "stream_delete_and_list",
        "limits_max_msgs", "limits_max_msgs_per_subject", "limits_max_bytes", "limits_max_age",
        "limits_max_msg_size", "discard_new", "duplicate_window", "expected_headers", "rollup",
        "deny_delete_purge", "sealed_stream", "workqueue_retention", "interest_retention", "memory_storage",
        // Publishing, get and delete
        "publish_ack", "publish_no_stream", "publish_async_1000", "get_and_delete_msg", "direct_get",
        "consumer_create_forms", "republish",
        // Pull consumers
        "pull_fetch_ack", "pull_nak", "pull_nak_delay", "pull_in_progress", "pull_term",
        "pull_ack_wait_redelivery", "pull_max_deliver", "pull_fetch_timeout_and_no_wait",
        "consumer_info_counts", "pull_filter_subject", "pull_filter_subjects", "deliver_policies",
        "headers_only", "ack_policies", "max_ack_pending", "backoff", "durable_rebind",
        // Push consumers
        "push_durable", "push_ephemeral", "ordered_consumer", "deliver_group", "flow_control_heartbeat",
        "push_manual_ack", "inactive_threshold",
        // Key-value and object store
        "kv_basics", "kv_keys_history", "kv_watch", "kv_ttl", "kv_status_and_delete",
        "object_store_put_get", "object_store_delete_watch",
        // Account
        "account_info",
        // Details a drop-in replacement must get right
        "consumer_create_names_existing_durable", "msg_delete_errors_per_storage", "pull_max_bytes_counts_whole_delivery",
        "no_wait_pull_waits_for_ack_room", "inactive_threshold_from_unsubscribe", "unknown_api_subjects_unanswered",
    ]

    @Test("scenario", arguments: ServerKind.allCases, scenarios)
    func scenario(server kind: ServerKind, name: String) throws {
        try run(name, on: kind)
    }

    /// Outpost only: a server that may use one CPU, with commits not synced, runs its JetStream
    /// engine on its one client event loop instead of a thread of its own
    /// (`OutpostServer.engineSharesClientLoop`): every scenario again in that arrangement.
    @Test("scenario on one CPU", arguments: scenarios)
    func scenarioOnOneCPU(name: String) throws {
        try run(name, on: .outpost, cpus: "0", configuration: #"jetstream { sync_interval: "2m" }"#)
    }

    /// Outpost only: with the default sync, the engine keeps its own thread even on one CPU (it
    /// waits in fsync there, and the clients' loop must not wait with it).
    @Test func defaultSyncKeepsTheEngineThreadOnOneCPU() throws {
        let store = try temporaryStore()
        defer { try? FileManager.default.removeItem(at: store) }
        let server = try ServerProcess(.outpost, cpus: "0", arguments: ["-js", "-sd", store.path])
        defer { server.stop() }
        #expect(server.log.contains("Engine thread:   its own"), "\(server.log.prefix(3000))")
    }

    /// A fresh store directory, made here: ServerProcess makes its own temporary directory only
    /// after the arguments are fixed.
    private func temporaryStore() throws -> URL {
        let store = FileManager.default.temporaryDirectory.appendingPathComponent("outpost-js-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: store, withIntermediateDirectories: true)
        return store
    }

    private func run(_ name: String, on kind: ServerKind, cpus: String? = nil, configuration: String? = nil) throws {
        let store = try temporaryStore()
        defer { try? FileManager.default.removeItem(at: store) }
        let server = try ServerProcess(kind, cpus: cpus, arguments: ["-js", "-sd", store.path], configuration: configuration)
        defer { server.stop() }
        let result = try PythonScenario.run(
            script: "Tests/IntegrationTests/Python/jetstream_scenarios.py",
            arguments: [name, server.url],
            timeout: 60
        )
        if cpus != nil {
            #expect(
                server.log.contains("Engine thread:   the client loop's (one CPU)"),
                "the engine did not share the loop:\n\(server.log.prefix(3000))")
        }
        #expect(
            result.status == 0,
            "\(name) on \(kind)\(cpus.map { " (CPUs \($0))" } ?? ""):\n\(result.output)\nserver log:\n\(server.log.suffix(4000))")
    }
}

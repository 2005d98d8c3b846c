import EdgeTestSupport
import Foundation
import Testing

/// The monitoring endpoints have the reference's JSON keys, and their figures move with traffic.
@Suite("Monitoring endpoints")
struct MonitoringTests {
    /// Keys of a JSON object, and of the objects nested in it, as dotted paths.
    static func keyPaths(_ object: [String: Any], prefix: String = "") -> Set<String> {
        var paths: Set<String> = []
        for (key, value) in object {
            let path = prefix.isEmpty ? key : prefix + "." + key
            paths.insert(path)
            if let nested = value as? [String: Any], !nested.isEmpty, key != "http_req_stats" {
                paths.formUnion(keyPaths(nested, prefix: path))
            }
        }
        return paths
    }

    /// Like ``keyPaths(_:prefix:)``, also through arrays of objects (their first element).
    static func deepKeyPaths(_ object: [String: Any], prefix: String = "") -> Set<String> {
        var paths: Set<String> = []
        for (key, value) in object {
            let path = prefix.isEmpty ? key : prefix + "." + key
            paths.insert(path)
            if let nested = value as? [String: Any], !nested.isEmpty {
                paths.formUnion(deepKeyPaths(nested, prefix: path))
            } else if let first = (value as? [[String: Any]])?.first {
                paths.formUnion(deepKeyPaths(first, prefix: path + "[]"))
            }
        }
        return paths
    }

    /// One server of each kind with the same traffic: two clients, one subscription, messages.
    private func withTraffic(_ kind: ServerKind, _ body: (ServerProcess) throws -> Void) throws {
        let server = try ServerProcess(kind, monitor: true)
        defer { server.stop() }
        let subscriber = try RawClient(port: server.port)
        try subscriber.handshake(connect: #"{"verbose":false,"name":"probe","lang":"swift","version":"1.0"}"#)
        subscriber.send("SUB foo 1\r\nPING\r\n")
        subscriber.read(untilContains: "PONG\r\n")
        let publisher = try RawClient(port: server.port)
        try publisher.handshake()
        publisher.send("PUB foo 3\r\nabc\r\nPUB foo 2\r\nde\r\nPING\r\n")
        publisher.read(untilContains: "PONG\r\n")
        subscriber.read(until: { $0.components(separatedBy: "MSG foo").count == 3 })
        try body(server)
    }

    @Test("/varz has every key the reference has, and counts the traffic")
    func varz() throws {
        var keys: [ServerKind: Set<String>] = [:]
        for kind in ServerKind.allCases {
            try withTraffic(kind) { server in
                let varz = try MonitoringClient.get(port: server.monitorPort!, path: "/varz")
                keys[kind] = Self.keyPaths(varz)
                #expect(varz["in_msgs"] as? Int == 2, "\(kind)")
                #expect(varz["out_msgs"] as? Int == 2, "\(kind)")
                #expect(varz["in_bytes"] as? Int == 5, "\(kind)")
                #expect(varz["connections"] as? Int == 2, "\(kind)")
                #expect(varz["port"] as? Int == server.port, "\(kind)")
                #expect(varz["max_payload"] as? Int == 1_048_576, "\(kind)")
                #expect((varz["version"] as? String)?.hasPrefix("2.") == true, "\(kind)")
            }
        }
        // Keys that only appear with features configured later (JetStream, system account).
        let missing = keys[.reference]!.subtracting(keys[.outpost]!).subtracting(["system_account"])
        #expect(missing.isEmpty, "keys the reference has and we do not: \(missing.sorted())")
    }

    @Test("/varz jetstream: {} without JetStream, the reference's config and stats with it; /healthz on one line")
    func varzJetStreamAndHealthz() throws {
        var keys: [ServerKind: Set<String>] = [:]
        for kind in ServerKind.allCases {
            let plain = try ServerProcess(kind, monitor: true)
            let empty = try MonitoringClient.get(port: plain.monitorPort!, path: "/varz")["jetstream"] as? [String: Any]
            #expect(empty?.isEmpty == true, "\(kind): \(empty ?? [:])")
            let health = try MonitoringClient.getText(port: plain.monitorPort!, path: "/healthz")
            #expect(health.trimmingCharacters(in: .whitespacesAndNewlines) == #"{"status":"ok"}"#, "\(kind): \(health)")
            plain.stop()

            let store = FileManager.default.temporaryDirectory.appendingPathComponent("outpost-varz-\(UUID().uuidString)")
            defer { try? FileManager.default.removeItem(at: store) }
            let server = try ServerProcess(kind, arguments: ["-js", "-sd", store.path], monitor: true)
            defer { server.stop() }
            let jetstream = try #require(try MonitoringClient.get(port: server.monitorPort!, path: "/varz")["jetstream"] as? [String: Any])
            keys[kind] = Self.deepKeyPaths(jetstream)
            let stats = jetstream["stats"] as? [String: Any]
            #expect(stats?["accounts"] as? Int == 1, "\(kind): \(jetstream)")
            #expect((jetstream["config"] as? [String: Any])?["store_dir"] as? String != nil, "\(kind): \(jetstream)")
        }
        #expect(keys[.reference] == keys[.outpost], "reference \(keys[.reference]!.sorted()), ours \(keys[.outpost]!.sorted())")
    }

    @Test("/connz lists each connection with the reference's keys, subscriptions on request")
    func connz() throws {
        var keys: [ServerKind: Set<String>] = [:]
        var topKeys: [ServerKind: Set<String>] = [:]
        for kind in ServerKind.allCases {
            try withTraffic(kind) { server in
                let connz = try MonitoringClient.get(port: server.monitorPort!, path: "/connz?subs=1")
                topKeys[kind] = Set(connz.keys)
                #expect(connz["num_connections"] as? Int == 2, "\(kind)")
                let connections = connz["connections"] as? [[String: Any]] ?? []
                #expect(connections.count == 2)
                let named = connections.first { $0["name"] as? String == "probe" }
                #expect(named?["lang"] as? String == "swift", "\(kind)")
                #expect(named?["out_msgs"] as? Int == 2, "\(kind)")
                #expect(named?["subscriptions_list"] as? [String] == ["foo"], "\(kind)")
                keys[kind] = named.map { Set($0.keys) } ?? []
                let limited = try MonitoringClient.get(port: server.monitorPort!, path: "/connz?limit=1&offset=1")
                #expect((limited["connections"] as? [[String: Any]])?.count == 1, "\(kind)")
                #expect(limited["total"] as? Int == 2, "\(kind)")
            }
        }
        #expect(topKeys[.reference]!.subtracting(topKeys[.outpost]!).isEmpty)
        let missing = keys[.reference]!.subtracting(keys[.outpost]!)
        #expect(missing.isEmpty, "connection keys the reference has and we do not: \(missing.sorted())")
    }

    @Test("/subsz: the reference's keys; ?subs=1 lists our client's subscription with its count; ?test filters")
    func subsz() throws {
        var keys: [ServerKind: Set<String>] = [:]
        var listKeys: [ServerKind: Set<String>] = [:]
        for kind in ServerKind.allCases {
            try withTraffic(kind) { server in
                let subsz = try MonitoringClient.get(port: server.monitorPort!, path: "/subsz")
                keys[kind] = Set(subsz.keys)
                #expect((subsz["num_subscriptions"] as? Int ?? 0) >= 1, "\(kind)")
                #expect((subsz["num_inserts"] as? Int ?? 0) >= 1, "\(kind)")
                let detailed = try MonitoringClient.get(port: server.monitorPort!, path: "/subsz?subs=1&test=foo")
                listKeys[kind] = Set(detailed.keys)
                // Only $G subscriptions matching "foo": the reference's system account has its own.
                let list = (detailed["subscriptions_list"] as? [[String: Any]] ?? []).filter { $0["account"] as? String == "$G" }
                #expect(list.count == 1, "\(kind): \(list)")
                #expect(list.first?["subject"] as? String == "foo" && list.first?["msgs"] as? Int == 2, "\(kind): \(list)")
                #expect(Set(list.first?.keys.map { $0 } ?? []) == ["account", "subject", "sid", "msgs", "cid"], "\(kind)")
            }
        }
        #expect(keys[.reference] == keys[.outpost], "reference: \(keys[.reference]!.sorted()), ours: \(keys[.outpost]!.sorted())")
        #expect(
            listKeys[.reference] == listKeys[.outpost],
            "reference: \(listKeys[.reference]!.sorted()), ours: \(listKeys[.outpost]!.sorted())")
    }

    @Test("/accountz lists $G; ?acc=$G has the reference's detail keys (without imports: Outpost has no system account)")
    func accountz() throws {
        var keys: [ServerKind: Set<String>] = [:]
        for kind in ServerKind.allCases {
            try withTraffic(kind) { server in
                let list = try MonitoringClient.get(port: server.monitorPort!, path: "/accountz")
                #expect((list["accounts"] as? [String])?.contains("$G") == true, "\(kind): \(list)")
                let detail = try MonitoringClient.get(port: server.monitorPort!, path: "/accountz?acc=%24G")
                keys[kind] = Self.keyPaths(detail)
                let account = detail["account_detail"] as? [String: Any] ?? [:]
                #expect(account["account_name"] as? String == "$G" && account["client_connections"] as? Int == 2, "\(kind): \(detail)")
            }
        }
        let missing = keys[.reference]!.subtracting(keys[.outpost]!).subtracting(["account_detail.imports"])
        #expect(missing.isEmpty, "reference only: \(missing.sorted())")
    }

    /// The samples of a Prometheus text page, by name and labels (`name{a="b"}`), checking
    /// that every sample line is well formed and belongs to a family with HELP and TYPE.
    static func prometheusSamples(_ text: String) -> [String: Double] {
        var samples: [String: Double] = [:]
        var typed: Set<String> = []
        var helped: Set<String> = []
        for line in text.split(separator: "\n") {
            if line.hasPrefix("# HELP ") {
                helped.insert(String(line.split(separator: " ")[2]))
                continue
            }
            if line.hasPrefix("# TYPE ") {
                let parts = line.split(separator: " ")
                #expect(parts.count == 4 && ["gauge", "counter"].contains(parts[3]), "\(line)")
                typed.insert(String(parts[2]))
                continue
            }
            guard let space = line.lastIndex(of: " "), let value = Double(line[line.index(after: space)...]) else {
                Issue.record("malformed sample line: \(line)")
                continue
            }
            let key = String(line[..<space])
            let name = String(key.prefix { $0 != "{" })
            #expect(typed.contains(name) && helped.contains(name), "\(name) without HELP or TYPE")
            #expect(name.allSatisfy { $0.isLetter || $0.isNumber || $0 == "_" }, "\(name)")
            samples[key] = value
        }
        return samples
    }

    @Test("/metrics: Prometheus text with the traffic's figures")
    func metrics() throws {
        try withTraffic(.outpost) { server in
            let text = try MonitoringClient.getText(port: server.monitorPort!, path: "/metrics")
            let samples = Self.prometheusSamples(text)
            #expect(samples["gnatsd_varz_in_msgs"] == 2, "\(text)")
            #expect(samples["gnatsd_varz_out_msgs"] == 2)
            #expect(samples["gnatsd_varz_in_bytes"] == 5)
            #expect(samples["gnatsd_varz_connections"] == 2)
            #expect((samples["gnatsd_varz_subscriptions"] ?? 0) >= 1)
            #expect((samples["gnatsd_varz_mem"] ?? 0) > 1_000_000)
            #expect(samples["gnatsd_jsz_enabled"] != nil)
        }
    }

    /// docs/grafana-dashboard.json: it parses as a dashboard, and every metric its panels query is
    /// one that /metrics serves (a server with JetStream and a buffered leafnode remote, so the
    /// uplink and buffer families are there).
    @Test("the Grafana dashboard loads, and every metric it queries is served")
    func grafanaDashboard() throws {
        let data = try Data(contentsOf: URL(fileURLWithPath: TestPaths.packageRoot + "/docs/grafana-dashboard.json"))
        let dashboard = try #require(try JSONSerialization.jsonObject(with: data) as? [String: Any])
        #expect(dashboard["title"] as? String == "Outpost edge")
        let panels = try #require(dashboard["panels"] as? [[String: Any]])
        let expressions = panels.flatMap { ($0["targets"] as? [[String: Any]] ?? []).compactMap { $0["expr"] as? String } }
        #expect(panels.count >= 10 && expressions.count >= panels.count, "\(panels.count) panels, \(expressions.count) queries")
        let pattern = try NSRegularExpression(pattern: "(gnatsd|outpost)_[a-z_]+")
        let queried = Set(
            expressions.flatMap { expression in
                pattern.matches(in: expression, range: NSRange(expression.startIndex..., in: expression)).map {
                    String(expression[Range($0.range, in: expression)!])
                }
            })

        let store = FileManager.default.temporaryDirectory.appendingPathComponent("outpost-grafana-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: store) }
        let unreachable = try ServerProcess.freePort()
        let server = try ServerProcess(
            .outpost, arguments: ["-js", "-sd", store.path],
            configuration: """
                leafnodes { remotes [ { url: "nats-leaf://127.0.0.1:\(unreachable)", store_and_forward { subjects: ["t.>"] } } ] }
                """, monitor: true)
        defer { server.stop() }
        let text = try MonitoringClient.getText(port: server.monitorPort!, path: "/metrics")
        let served = Set(
            text.split(separator: "\n").compactMap { line -> String? in
                guard line.hasPrefix("# TYPE ") else { return nil }
                return line.split(separator: " ").dropFirst(2).first.map(String.init)
            })
        #expect(queried.isSubset(of: served), "queried but not served: \(queried.subtracting(served).sorted())")
        #expect(queried.contains("outpost_leafnode_remote_connected") && queried.contains("outpost_forward_buffered_messages"))
    }

    @Test("/healthz", arguments: ServerKind.allCases)
    func healthz(server kind: ServerKind) throws {
        let server = try ServerProcess(kind, monitor: true)
        defer { server.stop() }
        let health = try MonitoringClient.get(port: server.monitorPort!, path: "/healthz")
        #expect(health["status"] as? String == "ok")
    }

    @Test("/jsz has the reference's keys and counts streams, consumers, messages and API calls; without JetStream it says disabled")
    func jsz() throws {
        var keys: [ServerKind: Set<String>] = [:]
        var detailKeys: [ServerKind: Set<String>] = [:]
        var briefKeys: [ServerKind: Set<String>] = [:]
        for kind in ServerKind.allCases {
            let store = FileManager.default.temporaryDirectory.appendingPathComponent("outpost-jsz-\(UUID().uuidString)")
            defer { try? FileManager.default.removeItem(at: store) }
            let server = try ServerProcess(kind, arguments: ["-js", "-sd", store.path], monitor: true)
            defer { server.stop() }
            let client = try RawClient(port: server.port)
            try client.handshake()
            let create = #"{"name":"JSZ","subjects":["jsz.>"]}"#
            let consumer = #"{"stream_name":"JSZ","config":{"durable_name":"d","ack_policy":"explicit"}}"#
            client.send("SUB _INBOX.jsz.* 1\r\n")
            client.send("PUB $JS.API.STREAM.CREATE.JSZ _INBOX.jsz.1 \(create.utf8.count)\r\n\(create)\r\n")
            client.read(untilContains: "stream_create_response", timeout: 5)
            client.send("PUB $JS.API.CONSUMER.DURABLE.CREATE.JSZ.d _INBOX.jsz.2 \(consumer.utf8.count)\r\n\(consumer)\r\n")
            client.read(untilContains: "consumer_create_response", timeout: 5)
            client.send("PUB jsz.a _INBOX.jsz.3 5\r\nhello\r\nPUB jsz.b _INBOX.jsz.4 5\r\nworld\r\n")
            client.read(until: { $0.components(separatedBy: "\"seq\"").count == 3 }, timeout: 5)
            let jsz = try MonitoringClient.get(port: server.monitorPort!, path: "/jsz")
            keys[kind] = MonitoringTests.keyPaths(jsz)
            #expect(jsz["streams"] as? Int == 1 && jsz["consumers"] as? Int == 1 && jsz["messages"] as? Int == 2, "\(kind): \(jsz)")
            #expect((jsz["storage"] as? Int ?? 0) > 0 && jsz["bytes"] as? Int == jsz["storage"] as? Int, "\(kind): \(jsz)")
            #expect(((jsz["api"] as? [String: Any])?["total"] as? Int ?? 0) >= 2, "\(kind): \(jsz)")
            #expect((jsz["config"] as? [String: Any])?["store_dir"] as? String == store.path + "/jetstream", "\(kind)")

            // Details: `$G` with its stream and consumer, configurations on request.
            let full = try MonitoringClient.get(
                port: server.monitorPort!, path: "/jsz?accounts=true&streams=true&consumers=true&config=true")
            detailKeys[kind] = MonitoringTests.deepKeyPaths(full)
            let account = (full["account_details"] as? [[String: Any]])?.first
            #expect(account?["name"] as? String == "$G" && account?["storage"] as? Int == jsz["storage"] as? Int, "\(kind): \(full)")
            let stream = (account?["stream_detail"] as? [[String: Any]])?.first
            #expect(
                stream?["name"] as? String == "JSZ" && (stream?["state"] as? [String: Any])?["messages"] as? Int == 2, "\(kind): \(full)")
            #expect((stream?["config"] as? [String: Any])?["subjects"] as? [String] == ["jsz.>"], "\(kind): \(full)")
            let consumerDetail = (stream?["consumer_detail"] as? [[String: Any]])?.first
            #expect(consumerDetail?["name"] as? String == "d" && consumerDetail?["num_pending"] as? Int == 2, "\(kind): \(full)")
            #expect((consumerDetail?["config"] as? [String: Any])?["ack_policy"] as? String == "explicit", "\(kind): \(full)")
            // `consumers` alone implies streams and accounts, without configurations.
            let brief = try MonitoringClient.get(port: server.monitorPort!, path: "/jsz?consumers=1")
            briefKeys[kind] = MonitoringTests.deepKeyPaths(brief)
            // `config` alone adds nothing; an offset past the one account leaves no details.
            for path in ["/jsz?config=true", "/jsz?accounts=true&offset=1"] {
                let none = try MonitoringClient.get(port: server.monitorPort!, path: path)
                #expect(none["account_details"] == nil, "\(kind) \(path): \(none)")
            }

            // Outpost without a configuration file runs JetStream (its embedded default): turn it off.
            let plain = try ServerProcess(kind, configuration: "jetstream: disabled", monitor: true)
            defer { plain.stop() }
            let disabled = try MonitoringClient.get(port: plain.monitorPort!, path: "/jsz")
            #expect(disabled["disabled"] as? Bool == true, "\(kind): \(disabled)")
            let health = try MonitoringClient.get(port: plain.monitorPort!, path: "/healthz?js-enabled-only=true")
            #expect(health["status"] as? String == "ok", "\(kind)")
        }
        #expect(
            keys[.reference] == keys[.outpost],
            "reference only: \(keys[.reference]!.subtracting(keys[.outpost]!).sorted()), ours only: \(keys[.outpost]!.subtracting(keys[.reference]!).sorted())"
        )
        for (name, compared) in [("full details", detailKeys), ("consumers=1", briefKeys)] {
            let reference = compared[.reference] ?? []
            let ours = compared[.outpost] ?? []
            #expect(
                reference == ours,
                "\(name): reference only: \(reference.subtracting(ours).sorted()), ours only: \(ours.subtracting(reference).sorted())")
        }
    }
}

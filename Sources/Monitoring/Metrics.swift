import Broker

/// `/metrics`: the Prometheus text format (version 0.0.4), computed from the same figures as
/// /varz, /jsz and /leafz when it is scraped, so the message path pays nothing for it.
///
/// Names: the server-wide figures carry prometheus-nats-exporter's names (`gnatsd_varz_*`,
/// `gnatsd_jsz_*`), so dashboards made for nats-server work unchanged; what only Outpost has is
/// `outpost_*`: the leafnode remotes' state and their store-and-forward buffers.
/// Written by hand rather than with swift-prometheus: a scrape is a snapshot of counters the
/// server already keeps, and a registry would add a second copy and locking on every update.
extension MonitoringEndpoints {
    package func metrics() async -> String {
        var text = MetricsText()
        let varz = await varz()
        text.gauge("gnatsd_varz_connections", "Clients connected now", Double(varz.connections))
        text.counter("gnatsd_varz_total_connections", "Clients connected since the start", Double(varz.totalConnections))
        text.gauge("gnatsd_varz_subscriptions", "Subscriptions now", Double(varz.subscriptions))
        text.counter("gnatsd_varz_in_msgs", "Messages received from clients and leafnodes", Double(varz.inMsgs))
        text.counter("gnatsd_varz_out_msgs", "Messages sent to clients and leafnodes", Double(varz.outMsgs))
        text.counter("gnatsd_varz_in_bytes", "Payload bytes received", Double(varz.inBytes))
        text.counter("gnatsd_varz_out_bytes", "Payload bytes sent", Double(varz.outBytes))
        text.counter("gnatsd_varz_slow_consumers", "Clients cut off as slow consumers", Double(varz.slowConsumers))
        text.gauge("gnatsd_varz_leafnodes", "Leafnode links up", Double(varz.leafnodes))
        text.gauge("gnatsd_varz_mem", "Resident memory of the process, bytes", Double(varz.mem))
        text.gauge("gnatsd_varz_cpu", "CPU use of the process, percent of one core", varz.cpu)

        let jsz = await jsz()
        text.gauge("gnatsd_jsz_enabled", "1 when JetStream runs", jsz.disabled == true ? 0 : 1)
        text.gauge("gnatsd_jsz_streams", "JetStream streams", Double(jsz.streams))
        text.gauge("gnatsd_jsz_consumers", "JetStream consumers", Double(jsz.consumers))
        text.gauge("gnatsd_jsz_messages", "Messages stored in JetStream", Double(jsz.messages))
        text.gauge("gnatsd_jsz_bytes", "Bytes stored in JetStream", Double(jsz.bytes))
        text.gauge("gnatsd_jsz_storage", "JetStream file storage in use, bytes", Double(jsz.storage))
        text.gauge("gnatsd_jsz_memory", "JetStream memory storage in use, bytes", Double(jsz.memory))
        text.counter("gnatsd_jsz_api_total", "JetStream API requests", Double(jsz.api.total))
        text.counter("gnatsd_jsz_api_errors", "JetStream API requests answered with an error", Double(jsz.api.errors))

        let remotes = varz.leaf.remotes ?? []
        text.family("outpost_leafnode_remote_connected", "gauge", "1 while the remote's link is up")
        for (index, remote) in remotes.enumerated() {
            text.sample(
                "outpost_leafnode_remote_connected", ["remote": String(index), "url": remote.urls.first ?? ""],
                remote.state == "connected" ? 1 : 0)
        }
        let buffered = remotes.enumerated().compactMap { index, remote in remote.storeAndForward.map { (index, $0) } }
        let forwardFigures: [(String, String, String, (LeafVarz.ForwardBufferVarz) -> Double)] = [
            (
                "outpost_forward_buffered_messages", "gauge", "Messages waiting in the store-and-forward journal",
                { Double($0.bufferedMessages) }
            ),
            ("outpost_forward_buffered_bytes", "gauge", "Bytes waiting in the store-and-forward journal", { Double($0.bufferedBytes) }),
            ("outpost_forward_oldest_age_seconds", "gauge", "Age of the oldest waiting message", { $0.oldestAgeSeconds }),
            ("outpost_forward_forwarded_messages_total", "counter", "Messages the hub confirmed", { Double($0.forwardedMessages) }),
            (
                "outpost_forward_discarded_messages_total", "counter", "Messages dropped by the buffer's limits",
                { Double($0.discardedMessages) }
            ),
        ]
        for (name, type, help, value) in forwardFigures {
            text.family(name, type, help)
            for (index, buffer) in buffered { text.sample(name, ["remote": String(index)], value(buffer)) }
        }
        return text.output
    }
}

/// Builds the exposition text: `# HELP`, `# TYPE`, then samples.
struct MetricsText {
    private(set) var output = ""

    mutating func gauge(_ name: String, _ help: String, _ value: Double) {
        family(name, "gauge", help)
        sample(name, [:], value)
    }

    mutating func counter(_ name: String, _ help: String, _ value: Double) {
        family(name, "counter", help)
        sample(name, [:], value)
    }

    mutating func family(_ name: String, _ type: String, _ help: String) {
        output += "# HELP \(name) \(help)\n# TYPE \(name) \(type)\n"
    }

    mutating func sample(_ name: String, _ labels: [String: String], _ value: Double) {
        output += name
        if !labels.isEmpty {
            let pairs = labels.sorted { $0.key < $1.key }.map { "\($0.key)=\"\(Self.escaped($0.value))\"" }
            output += "{" + pairs.joined(separator: ",") + "}"
        }
        output += " " + Self.format(value) + "\n"
    }

    /// Integers without a decimal point; others as Swift prints them (Prometheus reads both).
    static func format(_ value: Double) -> String {
        if value.isNaN { return "NaN" }
        if value == value.rounded(), abs(value) < 1e15 { return String(Int64(value)) }
        return String(value)
    }

    /// Label values escape backslash, double quote and line feed.
    static func escaped(_ text: String) -> String {
        var result = ""
        for character in text {
            switch character {
            case "\\": result += "\\\\"
            case "\"": result += "\\\""
            case "\n": result += "\\n"
            default: result.append(character)
            }
        }
        return result
    }
}

import EdgeTestSupport
import Foundation
import NKeys
import Testing

/// The leafnode uplink against Debian's nats-server as the hub, with nats-py clients on both
/// sides (`Python/leafnode_scenarios.py`). Every scenario also runs with nats-server as the leaf,
/// so each expectation is the reference's behaviour.
@Suite("Leafnode link to a nats-server hub", .serialized)
struct LeafnodeTests {
    static let script = "Tests/IntegrationTests/Python/leafnode_scenarios.py"

    /// A hub (nats-server, JetStream domain `hub`) and a leaf of `kind` (JetStream domain `edge`)
    /// linked through the hub's leafnode port. Stores live outside the servers' own temporary
    /// directories so that a restart finds them.
    final class Pair {
        let kind: ServerKind
        let leafPort: Int
        let hubStore: URL
        let edgeStore: URL
        var hub: ServerProcess!
        var edge: ServerProcess!

        /// Where the edge dials: the hub's leafnode port, or a fault proxy in front of it.
        let dialPort: Int
        /// Keepalive for both ends (nats-server's `ping_interval`, `ping_max`): short in fault
        /// tests, so that a silent link is found dead within seconds.
        let keepalive: String

        /// - Parameters:
        ///   - leafPort: the hub's leafnode port (a free one if nil).
        ///   - proxyPort: a fault proxy's port in front of `leafPort`, which the edge dials.
        /// The scheme of the edge's remote URL (`nats-leaf`, `leaf` or `nats`: all the same link).
        let scheme: String

        init(
            edge kind: ServerKind, leafPort chosenPort: Int? = nil, throughProxyPort proxyPort: Int? = nil, scheme: String = "nats-leaf"
        ) throws {
            self.kind = kind
            self.scheme = scheme
            leafPort = try chosenPort ?? ServerProcess.freePort()
            dialPort = proxyPort ?? leafPort
            keepalive = proxyPort == nil ? "" : "ping_interval: \"1s\"\nping_max: 2"
            let base = FileManager.default.temporaryDirectory.appendingPathComponent("outpost-leaf-\(UUID().uuidString)")
            hubStore = base.appendingPathComponent("hub")
            edgeStore = base.appendingPathComponent("edge")
            try FileManager.default.createDirectory(at: hubStore, withIntermediateDirectories: true)
            try FileManager.default.createDirectory(at: edgeStore, withIntermediateDirectories: true)
            hub = try startHub()
            edge = try startEdge()
            try waitForLink()
        }

        /// The hub advertises the port the edge dials, so that the edge does not learn the hub's
        /// own port and go around the proxy.
        func startHub() throws -> ServerProcess {
            try ServerProcess(
                .reference, executable: ServerKind.hubExecutable,
                configuration: """
                    server_name: hub
                    \(keepalive)
                    leafnodes { listen: "127.0.0.1:\(leafPort)", advertise: "127.0.0.1:\(dialPort)" }
                    jetstream { store_dir: "\(hubStore.path)", domain: hub }
                    """)
        }

        func startEdge() throws -> ServerProcess {
            try ServerProcess(
                kind,
                configuration: """
                    server_name: edge
                    \(keepalive)
                    leafnodes { remotes [ { url: "\(scheme)://127.0.0.1:\(dialPort)" } ] }
                    jetstream { store_dir: "\(edgeStore.path)", domain: edge }
                    """, monitor: true)
        }

        /// Waits until the edge logs one more link than `before`.
        func waitForLink(before: Int = 0) throws {
            guard edge.waitForLog("Leafnode connection created", count: before + 1, timeout: 15) else {
                throw ServerStartError(description: "the leafnode link did not come up:\n\(edge.log.suffix(3000))")
            }
        }

        func run(_ scenario: String, _ arguments: String..., timeout: TimeInterval = 100) throws -> PythonScenario.Result {
            try PythonScenario.run(script: LeafnodeTests.script, arguments: [scenario, hub.url, edge.url] + arguments, timeout: timeout)
        }

        var logs: String { "edge (\(kind)) log:\n\(edge.log.suffix(4000))\nhub log:\n\(hub.log.suffix(2000))" }

        deinit {
            edge.stop()
            hub.stop()
            try? FileManager.default.removeItem(at: hubStore.deletingLastPathComponent())
        }
    }

    @Test("interest, request/reply, queue groups and JetStream domains across the link", arguments: ServerKind.allCases)
    func coreAcrossTheLink(kind: ServerKind) throws {
        let pair = try Pair(edge: kind)
        for scenario in ["interest", "request_reply", "queues", "jetstream_domains"] {
            let result = try pair.run(scenario)
            #expect(result.status == 0, "\(scenario) with a \(kind) leaf:\n\(result.output)\n\(pair.logs)")
        }
        // A 2.14 hub asks for API level 4 when it sources; below that level the answer is 10185
        // and the hub falls back. nats-server 2.9 predates API levels and ignores the header.
        let result = try pair.run("api_level", kind == .outpost ? "10185" : "created")
        #expect(result.status == 0, "api_level with a \(kind) leaf:\n\(result.output)\n\(pair.logs)")

        // Monitoring: /leafz with nats-server 2.9's keys and the link's traffic; /varz's leaf block.
        let leafz = try MonitoringClient.get(port: pair.edge.monitorPort!, path: "/leafz?subs=1")
        #expect(leafz["leafnodes"] as? Int == 1, "\(kind): \(leafz)")
        let link = try #require((leafz["leafs"] as? [[String: Any]])?.first, "\(kind): \(leafz)")
        #expect(
            Set(link.keys) == [
                "account", "ip", "port", "rtt", "in_msgs", "out_msgs", "in_bytes", "out_bytes", "subscriptions", "subscriptions_list",
            ],
            "\(kind): \(link.keys.sorted())")
        #expect(link["account"] as? String == "$G" && link["port"] as? Int == pair.leafPort)
        #expect((link["in_msgs"] as? Int ?? 0) >= 100 && (link["out_msgs"] as? Int ?? 0) >= 100, "\(kind): \(link)")
        #expect((link["subscriptions_list"] as? [String])?.contains { $0.hasPrefix("$LDS.") } == true)
        let varz = try MonitoringClient.get(port: pair.edge.monitorPort!, path: "/varz")
        #expect(varz["leafnodes"] as? Int == 1)
        let remotes = (varz["leaf"] as? [String: Any])?["remotes"] as? [[String: Any]]
        #expect(remotes?.first?["urls"] as? [String] == ["127.0.0.1:\(pair.leafPort)"], "\(kind): \(varz["leaf"] ?? "")")
    }

    @Test(
        "the hub sources and mirrors an edge stream through $JS.edge.API, across a hub restart and an edge restart",
        arguments: ServerKind.allCases)
    func sourceAndMirrorAcrossRestarts(kind: ServerKind) throws {
        let pair = try Pair(edge: kind)
        var result = try pair.run("source_setup", "300")
        #expect(result.status == 0, "setup:\n\(result.output)\n\(pair.logs)")
        result = try pair.run("source_check", "300")
        #expect(result.status == 0, "first sync:\n\(result.output)\n\(pair.logs)")

        // The hub goes away; the edge keeps storing; the hub comes back on the same port and store.
        pair.hub.stop()
        result = try pair.run("source_publish", "300", "500")
        #expect(result.status == 0, "publishing while the hub is down:\n\(result.output)")
        let links = pair.edge.occurrences(of: "Leafnode connection created")
        pair.hub = try pair.startHub()
        try pair.waitForLink(before: links)
        result = try pair.run("source_check", "500")
        #expect(result.status == 0, "after the hub restart:\n\(result.output)\n\(pair.logs)")

        // The edge restarts from its store; the hub resumes where it was.
        pair.edge.stop()
        pair.edge = try pair.startEdge()
        try pair.waitForLink()
        result = try pair.run("source_publish", "500", "700")
        #expect(result.status == 0, "publishing after the edge restart:\n\(result.output)")
        result = try pair.run("source_check", "700")
        #expect(result.status == 0, "after the edge restart:\n\(result.output)\n\(pair.logs)")
    }

    @Test(
        "a link that drops, then goes silent, in the middle of sourcing: the hub stream still holds every message once, in order",
        arguments: ServerKind.allCases)
    func faultyLink(kind: ServerKind) throws {
        let leafPort = try ServerProcess.freePort()
        let proxyPort = try ServerProcess.freePort()
        let controlPort = try ServerProcess.freePort()
        let proxy = try PythonScenario.start(
            script: "Tests/IntegrationTests/Python/tcp_proxy.py",
            arguments: [
                String(proxyPort), String(leafPort), String(controlPort), "120",
            ])
        defer { proxy.stop() }
        let pair = try Pair(edge: kind, leafPort: leafPort, throughProxyPort: proxyPort)
        var result = try pair.run("source_setup", "300")
        #expect(result.status == 0, "setup:\n\(result.output)\n\(pair.logs)")
        result = try pair.run("source_check", "300")
        #expect(result.status == 0, "first sync:\n\(result.output)\n\(pair.logs)")

        let publisher = try PythonScenario.start(
            script: Self.script, arguments: ["source_publish", pair.hub.url, pair.edge.url, "300", "6300"])
        Thread.sleep(forTimeInterval: 0.5)
        let linksBeforeDrop = pair.edge.occurrences(of: "Leafnode connection created")
        try Self.control(controlPort, "drop")
        try pair.waitForLink(before: linksBeforeDrop)
        try Self.control(controlPort, "stall")
        Thread.sleep(forTimeInterval: 5)
        try Self.control(controlPort, "pass")
        let published = publisher.wait(timeout: 60)
        #expect(published.status == 0, "publisher:\n\(published.output)")
        result = try pair.run("source_check", "6300")
        #expect(result.status == 0, "after the faults:\n\(result.output)\n\(pair.logs)")
        // Both faults cost the link: the first connection, the one after the drop, and the one
        // after the silence was found out.
        let links = pair.edge.occurrences(of: "Leafnode connection created")
        #expect(links >= 3, "\(links) links: the faults did not break the link\n\(pair.logs)")
        print("faulty link, \(kind) leaf: \(links) links made")
    }

    /// Sends one command to the fault proxy and waits for its "ok".
    static func control(_ port: Int, _ command: String) throws {
        let descriptor = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard descriptor >= 0 else { throw ServerStartError(description: "socket() failed") }
        defer { close(descriptor) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = in_port_t(UInt16(port).bigEndian)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        var connected: Int32 = -1
        for _ in 0..<100 {
            connected = withUnsafePointer(to: &address) {
                $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(descriptor, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
            }
            if connected == 0 { break }
            Thread.sleep(forTimeInterval: 0.05)
        }
        guard connected == 0 else { throw ServerStartError(description: "the fault proxy does not answer on \(port)") }
        let line = Array((command + "\n").utf8)
        _ = line.withUnsafeBytes { send(descriptor, $0.baseAddress, $0.count, 0) }
        var answer = [UInt8](repeating: 0, count: 16)
        _ = answer.withUnsafeMutableBytes { recv(descriptor, $0.baseAddress, $0.count, 0) }
    }

    @Test("a remote URL written leaf:// links as nats-leaf:// does", arguments: ServerKind.allCases)
    func leafSchemeLinks(kind: ServerKind) throws {
        let pair = try Pair(edge: kind, scheme: "leaf")
        let result = try pair.run("interest")
        #expect(result.status == 0, "interest over a leaf:// remote with a \(kind) leaf:\n\(result.output)\n\(pair.logs)")
    }

    @Test("two servers linked both ways detect the loop and report it", arguments: ServerKind.allCases)
    func loopDetection(kind: ServerKind) throws {
        let portA = try ServerProcess.freePort()
        let portB = try ServerProcess.freePort()
        func configuration(name: String, listen: Int, remote: Int) -> String {
            """
            server_name: \(name)
            leafnodes { listen: "127.0.0.1:\(listen)", remotes [ { url: "nats-leaf://127.0.0.1:\(remote)" } ] }
            """
        }
        let a = try ServerProcess(kind, configuration: configuration(name: "A", listen: portA, remote: portB))
        let b = try ServerProcess(kind, configuration: configuration(name: "B", listen: portB, remote: portA))
        defer {
            a.stop()
            b.stop()
        }
        let deadline = Date().addingTimeInterval(15)
        while Date() < deadline && a.occurrences(of: "Loop detected") + b.occurrences(of: "Loop detected") == 0 {
            Thread.sleep(forTimeInterval: 0.05)
        }
        let reports = a.occurrences(of: "Loop detected") + b.occurrences(of: "Loop detected")
        #expect(reports > 0, "no loop reported:\nA:\n\(a.log.suffix(2000))\nB:\n\(b.log.suffix(2000))")
        #expect(
            a.log.contains("Loop detected for leafnode account=\"$G\". Delaying attempt to reconnect for 30s")
                || b.log.contains("Loop detected for leafnode account=\"$G\". Delaying attempt to reconnect for 30s"))
        #expect(a.process.isRunning && b.process.isRunning)
    }

    @Test("wrong credentials: a clear error, retries about once a second, no crash", arguments: ServerKind.allCases)
    func wrongCredentials(kind: ServerKind) throws {
        let leafPort = try ServerProcess.freePort()
        let hub = try ServerProcess(
            .reference, executable: ServerKind.hubExecutable,
            configuration: """
                server_name: hub
                leafnodes { listen: "127.0.0.1:\(leafPort)", authorization { user: leafu, password: right } }
                """)
        let edge = try ServerProcess(
            kind,
            configuration: """
                server_name: edge
                leafnodes { remotes [ { url: "nats-leaf://leafu:wrong@127.0.0.1:\(leafPort)" } ] }
                """)
        defer {
            edge.stop()
            hub.stop()
        }
        let refusal = "Leafnode Error 'Authorization Violation'"
        #expect(edge.waitForLog(refusal, timeout: 10), "\(edge.log.suffix(2000))")
        let first = edge.occurrences(of: refusal)
        Thread.sleep(forTimeInterval: 4)
        let attempts = edge.occurrences(of: refusal) - first
        #expect(attempts >= 1 && attempts <= 6, "\(attempts) attempts in 4 s:\n\(edge.log.suffix(2000))")
        #expect(!edge.log.contains("wrong"), "the password was logged")
        #expect(edge.process.isRunning)
    }

    /// A NATS JWT (`{"typ":"JWT","alg":"ed25519-nkey"}`), signed by `issuer`.
    static func jwt(_ claims: [String: Any], issuer: NKeys.KeyPair) throws -> String {
        var claims = claims
        claims["iss"] = issuer.publicKey
        claims["iat"] = Int(Date().timeIntervalSince1970)
        claims["jti"] = UUID().uuidString.replacingOccurrences(of: "-", with: "")
        let header = NKeys.base64URL(Array(#"{"typ":"JWT","alg":"ed25519-nkey"}"#.utf8))
        let body = NKeys.base64URL(Array(try JSONSerialization.data(withJSONObject: claims, options: [.sortedKeys])))
        let signature = NKeys.base64URL(issuer.sign(Array("\(header).\(body)".utf8)))
        return "\(header).\(body).\(signature)"
    }

    @Test(
        "credentials: a user JWT and the seed signing the hub's nonce let the link in (operator-mode hub); a user of an account the hub does not know is refused",
        arguments: ServerKind.allCases)
    func credentials(kind: ServerKind) throws {
        let operatorKeys = try NKeys.KeyPair(generating: .operator)
        let account = try NKeys.KeyPair(generating: .account)
        let user = try NKeys.KeyPair(generating: .user)
        let operatorJWT = try Self.jwt(
            ["sub": operatorKeys.publicKey, "name": "op", "nats": ["type": "operator", "version": 2]], issuer: operatorKeys)
        let limits: [String: Any] = [
            "subs": -1, "data": -1, "payload": -1, "imports": -1, "exports": -1, "wildcards": true, "conn": -1, "leaf": -1,
        ]
        let accountJWT = try Self.jwt(
            ["sub": account.publicKey, "name": "edge", "nats": ["limits": limits, "type": "account", "version": 2]], issuer: operatorKeys)
        let userClaims: [String: Any] = [
            "sub": user.publicKey, "name": "leaf",
            "nats": ["pub": [String: Any](), "sub": [String: Any](), "subs": -1, "data": -1, "payload": -1, "type": "user", "version": 2],
        ]
        let userJWT = try Self.jwt(userClaims, issuer: account)
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("outpost-creds-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        func credsFile(_ name: String, jwt userJWT: String, seed: String) throws -> String {
            let path = directory.appendingPathComponent(name).path
            try """
            -----BEGIN NATS USER JWT-----
            \(userJWT)
            ------END NATS USER JWT------

            ************************* IMPORTANT *************************
            NKEY Seed printed below can be used to sign and prove identity.

            -----BEGIN USER NKEY SEED-----
            \(seed)
            ------END USER NKEY SEED------

            """.write(toFile: path, atomically: true, encoding: .utf8)  // nats-server needs the final newline
            return path
        }
        let creds = try credsFile("leaf.creds", jwt: userJWT, seed: user.seed)
        // Two hubs: one trusts the account that issued the user, the other knows another account.
        func startHub(knowing knownAccount: NKeys.KeyPair, port: Int) throws -> ServerProcess {
            let knownJWT =
                knownAccount.publicKey == account.publicKey
                ? accountJWT
                : try Self.jwt(
                    ["sub": knownAccount.publicKey, "name": "other", "nats": ["limits": limits, "type": "account", "version": 2]],
                    issuer: operatorKeys)
            return try ServerProcess(
                .reference, executable: ServerKind.hubExecutable,
                configuration: """
                    server_name: hub
                    operator: "\(operatorJWT)"
                    resolver: MEMORY
                    resolver_preload: { \(knownAccount.publicKey): "\(knownJWT)" }
                    leafnodes { listen: "127.0.0.1:\(port)" }
                    """, monitor: true)
        }
        for trusted in [true, false] {
            let leafPort = try ServerProcess.freePort()
            let hub = try startHub(knowing: trusted ? account : try NKeys.KeyPair(generating: .account), port: leafPort)
            defer { hub.stop() }
            let edge = try ServerProcess(
                kind,
                configuration: """
                    server_name: edge
                    leafnodes { remotes [ { url: "nats-leaf://127.0.0.1:\(leafPort)", credentials: "\(creds)" } ] }
                    """)
            defer { edge.stop() }
            if trusted {
                // The hub's own view: one leafnode link, in the account that issued the user.
                let deadline = Date().addingTimeInterval(15)
                var leafz: [String: Any] = [:]
                while Date() < deadline {
                    leafz = try MonitoringClient.get(port: hub.monitorPort!, path: "/leafz")
                    if leafz["leafnodes"] as? Int == 1 { break }
                    Thread.sleep(forTimeInterval: 0.1)
                }
                #expect(leafz["leafnodes"] as? Int == 1, "\(kind): \(leafz)\n\(edge.log.suffix(2000))\nhub:\n\(hub.log.suffix(2000))")
                #expect((leafz["leafs"] as? [[String: Any]])?.first?["account"] as? String == account.publicKey)
            } else {
                #expect(
                    edge.waitForLog("Authorization Violation", timeout: 15),
                    "\(kind):\n\(edge.log.suffix(2000))\nhub:\n\(hub.log.suffix(2000))")
                #expect((try MonitoringClient.get(port: hub.monitorPort!, path: "/leafz"))["leafnodes"] as? Int == 0)
                #expect(edge.process.isRunning)
            }
        }
    }

    @Test(
        "nkey: an Outpost leaf signs the nonce of an Outpost hub's leafnode port with a user seed; another seed is refused; a bad seed stops the start"
    )
    func nkeyLink() throws {
        // nats-server 2.9 has neither side of this (2.10.9 added it), so Outpost is on both ends.
        let allowed = try NKeys.KeyPair(generating: .user)
        let leafPort = try ServerProcess.freePort()
        let hub = try ServerProcess(
            .outpost,
            configuration: """
                server_name: hub
                jetstream: disabled
                leafnodes { listen: "127.0.0.1:\(leafPort)", authorization { users [ { nkey: \(allowed.publicKey) } ] } }
                """, monitor: true)
        defer { hub.stop() }
        for (seed, accepted) in [(allowed.seed, true), (try NKeys.KeyPair(generating: .user).seed, false)] {
            let edge = try ServerProcess(
                .outpost,
                configuration: """
                    server_name: edge
                    jetstream: disabled
                    leafnodes { remotes [ { url: "nats-leaf://127.0.0.1:\(leafPort)", nkey: \(seed) } ] }
                    """)
            defer { edge.stop() }
            if accepted {
                #expect(
                    edge.waitForLog("Leafnode connection created", timeout: 10), "\(edge.log.suffix(2000))\nhub:\n\(hub.log.suffix(2000))")
                #expect(hub.waitForLog("Leafnode connection created", timeout: 5))
            } else {
                #expect(edge.waitForLog("Leafnode Error 'Authorization Violation'", timeout: 10), "\(edge.log.suffix(2000))")
                #expect(!edge.log.contains("Leafnode connection created"))
            }
        }
        #expect(!hub.log.contains(allowed.seed), "a seed was logged")
        #expect {
            _ = try ServerProcess(
                .outpost, configuration: "leafnodes { remotes [ { url: \"nats-leaf://127.0.0.1:\(leafPort)\", nkey: SUAAAA } ] }",
                timeout: 5)
        } throws: { error in
            "\(error)".contains("leafnodes.remotes[0].nkey: not a valid user nkey seed")
        }
    }

    @Test("a credentials file whose seed is not the JWT's user stops the start with an error naming the key")
    func mismatchedCredentials() throws {
        let account = try NKeys.KeyPair(generating: .account)
        let user = try NKeys.KeyPair(generating: .user)
        let userJWT = try Self.jwt(["sub": user.publicKey, "name": "leaf", "nats": ["type": "user", "version": 2]], issuer: account)
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("outpost-mismatch-\(UUID().uuidString).creds").path
        defer { try? FileManager.default.removeItem(atPath: path) }
        try
            "-----BEGIN NATS USER JWT-----\n\(userJWT)\n------END NATS USER JWT------\n\n-----BEGIN USER NKEY SEED-----\n\(try NKeys.KeyPair(generating: .user).seed)\n------END USER NKEY SEED------\n"
            .write(toFile: path, atomically: true, encoding: .utf8)
        #expect {
            _ = try ServerProcess(
                .outpost, configuration: "leafnodes { remotes [ { url: \"nats-leaf://127.0.0.1:7422\", credentials: \"\(path)\" } ] }",
                timeout: 5)
        } throws: { error in
            let text = "\(error)"
            return text.contains("exited (1)") && text.contains("leafnodes.remotes[0].credentials")
                && text.contains("the seed is not the key of the JWT's user")
        }
    }

    @Test("a nats-server leaf connects to our leafnode port: interest and requests both ways", arguments: ServerKind.allCases)
    func acceptingSide(kind: ServerKind) throws {
        let leafPort = try ServerProcess.freePort()
        let hub = try ServerProcess(
            kind,
            configuration: """
                server_name: hub
                leafnodes { listen: "127.0.0.1:\(leafPort)", authorization { user: leafu, password: leafp } }
                """)
        let leaf = try ServerProcess(
            .reference,
            configuration: """
                server_name: leaf
                leafnodes { remotes [ { url: "nats-leaf://leafu:leafp@127.0.0.1:\(leafPort)" } ] }
                """)
        defer {
            leaf.stop()
            hub.stop()
        }
        #expect(leaf.waitForLog("Leafnode connection created", timeout: 15), "\(leaf.log.suffix(2000))")
        let result = try PythonScenario.run(script: Self.script, arguments: ["accepted_interest", hub.url, leaf.url], timeout: 100)
        #expect(
            result.status == 0, "\(kind) hub:\n\(result.output)\nhub log:\n\(hub.log.suffix(3000))\nleaf log:\n\(leaf.log.suffix(2000))")
    }
}

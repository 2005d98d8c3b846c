import Testing

@testable import Leafnode

/// The leafnode link's protocol without sockets: each event in, the exact actions out.
@Suite("Leafnode link state machine")
struct LeafLinkStateMachineTests {
    final class Token {}
    typealias Machine = LeafLinkStateMachine<Token>

    static let configuration = Machine.Configuration(
        serverName: "edge", jetStreamEnabled: false, jetStreamDomain: nil, loopDetectionSubject: "$LDS.mine"
    )

    static func spoke(requiresTLS: Bool = false, lists: LeafSubjectRules.RemoteLists = .init(), jetStream: Bool = false) -> Machine {
        var configuration = configuration
        configuration.jetStreamEnabled = jetStream
        return Machine(
            configuration: configuration, role: .solicited(.init(url: "hub.example:7422", requiresTLS: requiresTLS, lists: lists)))
    }

    static func hub(tls: Machine.TLSOrder? = nil, requiresAuthentication: Bool = false) -> Machine {
        Machine(
            configuration: .init(serverName: "hub", jetStreamEnabled: false, jetStreamDomain: nil, loopDetectionSubject: "$LDS.hub"),
            role: .accepted(
                .init(tls: tls, authenticationTimeout: .seconds(3), requiresAuthentication: requiresAuthentication, nonce: "NONCE"))
        )
    }

    /// A hub's first INFO, as nats-server 2.9 sends it.
    static let hubInfo = LeafInfoMessage(
        serverID: "NHUB", serverName: "hub", headers: true, clientID: 7, leafnodeURLs: ["10.0.0.1:7422"], infoOnConnect: true, nonce: "abc"
    )

    /// A spoke whose link is up.
    static func establishedSpoke(lists: LeafSubjectRules.RemoteLists = .init(), jetStream: Bool = false) -> Machine {
        var machine = spoke(lists: lists, jetStream: jetStream)
        _ = machine.start()
        _ = machine.infoReceived(hubInfo)
        _ = machine.infoReceived(LeafInfoMessage(connectInfo: true))
        precondition(machine.isEstablished)
        return machine
    }

    // MARK: - Spoke handshake

    @Test("spoke: INFO (info_on_connect), CONNECT, then the INFO with connect_info establishes the link")
    func spokeHandshake() {
        var machine = Self.spoke()
        #expect(
            machine.start() == [
                .log(.debug, "Leafnode connection created, waiting for the hub's INFO"), .scheduleHandshakeTimeout(.seconds(2)),
            ])
        #expect(machine.phase == .awaitingInfo)
        #expect(
            machine.infoReceived(Self.hubInfo) == [
                .learnURLs(["10.0.0.1:7422"]), .cancelHandshakeTimeout, .adoptPeer(serverID: "NHUB", name: "hub", headers: true),
                .reportStatus(.handshaking), .sendConnect(nonce: "abc"), .flush, .scheduleHandshakeTimeout(.seconds(2)),
            ])
        #expect(machine.phase == .awaitingConnectInfo)
        // An INFO without connect_info meanwhile (a cluster update) changes nothing.
        #expect(machine.infoReceived(LeafInfoMessage(leafnodeURLs: ["10.0.0.2:7422"])) == [.learnURLs(["10.0.0.2:7422"])])
        #expect(
            machine.infoReceived(LeafInfoMessage(connectInfo: true)) == [.cancelHandshakeTimeout, .reportStatus(.connected), .established])
        #expect(machine.isEstablished)
        #expect(machine.peerLogName == "hub")
        // Later INFOs only bring URLs.
        #expect(machine.infoReceived(Self.hubInfo) == [.learnURLs(["10.0.0.1:7422"])])
    }

    @Test("spoke: a hub that does not ask to wait for connect_info is up as soon as CONNECT is sent")
    func spokeWithoutInfoOnConnect() {
        var machine = Self.spoke()
        _ = machine.start()
        var info = Self.hubInfo
        info.infoOnConnect = nil
        info.serverName = nil
        let actions = machine.infoReceived(info)
        #expect(
            actions.suffix(5) == [.sendConnect(nonce: "abc"), .flush, .cancelHandshakeTimeout, .reportStatus(.connected), .established])
        #expect(machine.isEstablished)
        #expect(machine.peerLogName == "NHUB", "without a name, logs use the server id")
    }

    @Test("spoke: TLS starts before CONNECT when the hub requires it or the remote asks for it")
    func spokeTLS() {
        var required = Self.spoke()
        _ = required.start()
        var info = Self.hubInfo
        info.tlsRequired = true
        #expect(required.infoReceived(info).prefix(3) == [.learnURLs(["10.0.0.1:7422"]), .cancelHandshakeTimeout, .startClientTLS])

        var asked = Self.spoke(requiresTLS: true)
        _ = asked.start()
        #expect(asked.infoReceived(Self.hubInfo).contains(.startClientTLS))

        var plain = Self.spoke()
        _ = plain.start()
        #expect(!plain.infoReceived(Self.hubInfo).contains(.startClientTLS))
    }

    @Test("spoke: a port that is not a leafnode port, and INFO that is not JSON, are refused")
    func spokeRefusals() {
        var machine = Self.spoke()
        _ = machine.start()
        #expect(
            machine.infoReceived(LeafInfoMessage(serverID: "NCLIENTPORT", clientID: 9)) == [
                .log(.error, "Leafnode attempted to connect to wrong port (not a leafnode port: hub.example:7422)"),
                .recordFailure("not a leafnode port"), .close(.protocolViolation),
            ])
        var zeroID = Self.spoke()
        _ = zeroID.start()
        var info = Self.hubInfo
        info.clientID = 0
        #expect(zeroID.infoReceived(info).last == .close(.protocolViolation))

        var garbage = Self.spoke()
        _ = garbage.start()
        #expect(garbage.infoReceived(nil) == [.log(.error, "Leafnode sent an INFO that is not valid JSON"), .close(.protocolViolation)])
    }

    @Test("spoke: no INFO in time is a read error; no connect_info in time a stale link; a late timer does nothing")
    func spokeTimeouts() {
        var silent = Self.spoke()
        _ = silent.start()
        #expect(silent.handshakeTimeoutFired() == [.log(.error, "Leafnode did not receive the hub's INFO in time"), .close(.readError)])

        var waiting = Self.spoke()
        _ = waiting.start()
        _ = waiting.infoReceived(Self.hubInfo)
        #expect(
            waiting.handshakeTimeoutFired() == [
                .log(.error, "Stale Leaf Node Connection - Closing"), .sendError("Stale Leaf Node Connection - Closing"),
                .close(.staleConnection),
            ])

        var up = Self.establishedSpoke()
        #expect(up.handshakeTimeoutFired() == [])
    }

    @Test("spoke: a CONNECT from the hub is a protocol violation")
    func spokeGetsConnect() {
        var machine = Self.spoke()
        _ = machine.start()
        #expect(
            machine.connectReceived(LeafConnectMessage()) == [
                .log(.error, "Leafnode sent an unexpected CONNECT"), .close(.protocolViolation),
            ])
    }

    // MARK: - Hub handshake

    @Test("hub: INFO with the nonce first; TLS after it, or before anything with handshake_first")
    func hubStart() {
        var plain = Self.hub()
        #expect(plain.start() == [.sendInfo(connectInfo: false), .scheduleHandshakeTimeout(.seconds(3)), .flush])
        #expect(plain.phase == .awaitingConnect)
        var afterInfo = Self.hub(tls: .afterInfo)
        #expect(
            afterInfo.start() == [.sendInfo(connectInfo: false), .flush, .startServerTLS, .scheduleHandshakeTimeout(.seconds(3)), .flush])
        var first = Self.hub(tls: .beforeInfo)
        #expect(first.start() == [.startServerTLS, .sendInfo(connectInfo: false), .scheduleHandshakeTimeout(.seconds(3)), .flush])
    }

    @Test("hub without users: CONNECT is answered with connect_info and the link is up, with the spoke's deny_pub")
    func hubAccepts() {
        var machine = Self.hub()
        _ = machine.start()
        let connect = LeafConnectMessage(serverID: "NSPOKE", name: "spoke", cluster: "spoke", headers: false, denyPublish: ["secret.>"])
        #expect(
            machine.connectReceived(connect) == [
                .cancelHandshakeTimeout, .adoptPeer(serverID: "NSPOKE", name: "spoke", headers: false), .sendInfo(connectInfo: true),
                .cancelHandshakeTimeout, .established,
            ])
        #expect(machine.isEstablished)
        var subject = "secret.x"
        #expect(!subject.withUTF8 { machine.rules.mayPublish(UnsafeRawBufferPointer($0)) }, "the spoke's deny_pub is not sent to it")
        #expect(machine.connectReceived(connect) == [.log(.error, "Leafnode sent an unexpected CONNECT"), .close(.protocolViolation)])
    }

    @Test("hub with users: CONNECT is checked first; accepted, the link is up; refused, Authorization Violation")
    func hubAuthentication() {
        let connect = LeafConnectMessage(user: "leaf", password: "secret", serverID: "NSPOKE", name: "spoke")
        var accepting = Self.hub(requiresAuthentication: true)
        _ = accepting.start()
        #expect(accepting.connectReceived(connect) == [.cancelHandshakeTimeout, .authenticate(connect)])
        #expect(accepting.phase == .authenticating(connect))
        #expect(accepting.infoReceived(LeafInfoMessage()) == [], "a hub ignores a spoke's INFO")
        #expect(accepting.authenticationCompleted(accepted: true).suffix(2) == [.cancelHandshakeTimeout, .established])

        var refusing = Self.hub(requiresAuthentication: true)
        _ = refusing.start()
        _ = refusing.connectReceived(connect)
        #expect(
            refusing.authenticationCompleted(accepted: false) == [
                .log(.error, "authentication error"), .sendError("Authorization Violation"), .close(.authenticationViolation),
            ])
        #expect(refusing.authenticationCompleted(accepted: true) == [], "an answer after the refusal changes nothing")
    }

    @Test("hub: a client library, our own cluster name, JSON that is not JSON, and silence are refused")
    func hubRefusals() {
        var client = Self.hub()
        _ = client.start()
        #expect(
            client.connectReceived(LeafConnectMessage(lang: "python3")) == [
                .cancelHandshakeTimeout, .log(.error, "Client connected to the leafnode port"), .sendError("Authorization Violation"),
                .close(.authenticationViolation),
            ])

        var sameCluster = Self.hub()
        _ = sameCluster.start()
        #expect(
            sameCluster.connectReceived(LeafConnectMessage(name: "other", cluster: "hub")) == [
                .cancelHandshakeTimeout, .sendError("remote leafnode has same cluster name"), .close(.protocolViolation),
            ])

        var garbage = Self.hub()
        _ = garbage.start()
        #expect(
            garbage.connectReceived(nil) == [
                .cancelHandshakeTimeout, .log(.error, "Leafnode sent a CONNECT that is not valid JSON"), .close(.protocolViolation),
            ])

        var silent = Self.hub()
        _ = silent.start()
        #expect(silent.handshakeTimeoutFired() == [.sendError("Authentication Timeout"), .close(.authenticationTimeout)])
    }

    @Test("LS+, LS- and LMSG before the handshake ended close the link")
    func operationsBeforeHandshake() {
        var machine = Self.hub()
        _ = machine.start()
        #expect(
            machine.operationBeforeHandshake("LS+") == [
                .log(.error, "Leafnode sent LS+ before the handshake ended"), .close(.protocolViolation),
            ])
    }

    // MARK: - Spoke against hub

    /// The two sides back to back in memory: what one writes, the other reads.
    @Test("a spoke and a hub wired back to back both come up, whatever the hub's TLS order")
    func backToBack() {
        for tls in [nil, Machine.TLSOrder.afterInfo, .beforeInfo] {
            var spoke = Self.spoke()
            var hub = Self.hub(tls: tls, requiresAuthentication: true)
            var hubNonce: String?
            if case .accepted(let listener) = hub.role { hubNonce = listener.nonce }
            var toSpoke = hub.start()
            _ = spoke.start()
            var rounds = 0
            var spokeStartedTLS = false
            while !(spoke.isEstablished && hub.isEstablished) && rounds < 10 {
                rounds += 1
                var toHub: [Machine.Action] = []
                for action in toSpoke {
                    switch action {
                    case .sendInfo(let connectInfo):
                        let info =
                            connectInfo
                            ? LeafInfoMessage(connectInfo: true)
                            : LeafInfoMessage(
                                serverID: "NHUB", serverName: "hub", headers: true, clientID: 1, leafnodeURLs: ["127.0.0.1:7422"],
                                infoOnConnect: true, nonce: hubNonce, tlsRequired: tls != nil)
                        toHub += spoke.infoReceived(info)
                    default: break
                    }
                }
                toSpoke = []
                for action in toHub {
                    switch action {
                    case .sendConnect(let nonce):
                        #expect(nonce == "NONCE", "the spoke signs the hub's nonce")
                        toSpoke += hub.connectReceived(
                            LeafConnectMessage(
                                user: "leaf", password: "s3cret", serverID: "NSPOKE", name: "edge", cluster: "edge", headers: true))
                    default: break
                    }
                }
                if case .authenticating = hub.phase { toSpoke += hub.authenticationCompleted(accepted: true) }
                if toHub.contains(.startClientTLS) { spokeStartedTLS = true }
            }
            #expect(spokeStartedTLS == (tls != nil), "the spoke starts TLS when the hub's INFO requires it")
            #expect(spoke.isEstablished && hub.isEstablished, "TLS \(String(describing: tls))")
            #expect(spoke.peerLogName == "hub" && hub.peerLogName == "edge")
            #expect(rounds == 2)
        }
    }

    // MARK: - Loops, errors

    @Test("hearing our own loop-detection subject back: error, a 30 s pause, close")
    func loopDetected() {
        var machine = Self.establishedSpoke()
        let text = "Loop detected for leafnode account=\"$G\". Delaying attempt to reconnect for 30s"
        #expect(
            machine.peerInterestReceived(subject: "$LDS.mine", queue: nil, account: "$G") == [
                .log(.error, text), .sendError(text), .delayReconnect(.seconds(30)), .close(.protocolViolation),
            ])
        var other = Self.establishedSpoke()
        #expect(
            other.peerInterestReceived(subject: "$LDS.theirs", queue: nil, account: "$G") == [
                .takePeerInterest(subject: "$LDS.theirs", queue: nil)
            ])
    }

    @Test("the peer's -ERR: logged and recorded; a loop or a cluster clash waits 30 s; Authorization Violation closes as such")
    func errors() {
        var loop = Self.establishedSpoke()
        #expect(
            loop.errorReceived(" 'Loop detected for leafnode account=\"$G\". Delaying attempt to reconnect for 30s'") == [
                .log(.error, "Leafnode Error 'Loop detected for leafnode account=\"$G\". Delaying attempt to reconnect for 30s'"),
                .delayReconnect(.seconds(30)), .log(.error, "Delaying attempt to reconnect for 30s"),
                .recordFailure("Loop detected for leafnode account=\"$G\". Delaying attempt to reconnect for 30s"),
                .close(.protocolViolation),
            ])
        var refused = Self.spoke()
        _ = refused.start()
        #expect(
            refused.errorReceived("'Authorization Violation'") == [
                .log(.error, "Leafnode Error 'Authorization Violation'"), .recordFailure("Authorization Violation"),
                .close(.authenticationViolation),
            ])
    }

    // MARK: - Interest

    @Test("the peer's interest: taken when valid and the link may serve it")
    func peerInterest() {
        var machine = Self.establishedSpoke(lists: .init(denyExports: ["private.>"]), jetStream: true)
        #expect(
            machine.peerInterestReceived(subject: "orders.*", queue: "workers", account: "$G") == [
                .takePeerInterest(subject: "orders.*", queue: "workers")
            ])
        #expect(
            machine.peerInterestReceived(subject: "bad..subject", queue: nil, account: "$G") == [
                .log(.error, "Leafnode sent an invalid subject in LS+: bad..subject")
            ])
        #expect(
            machine.peerInterestReceived(subject: "$JS.API.STREAM.INFO.X", queue: nil, account: "$G") == [],
            "each side answers its own JetStream")
        #expect(machine.peerInterestReceived(subject: "private.x", queue: nil, account: "$G") == [], "we could never send it")
        #expect(
            machine.peerInterestReceived(subject: "private.*", queue: nil, account: "$G") == [
                .takePeerInterest(subject: "private.*", queue: nil)
            ])
    }

    @Test("interest sync: the snapshot announced once the link is up, changes after it; a spoke passes on no hub's interest")
    func interestSync() {
        var machine = Self.spoke()
        let local = Token()
        let queued = Token()
        let fromHub = Token()
        let own = Token()
        #expect(
            machine.localInterestChanged(local, subject: "a", queue: nil, origin: .local, isAdded: true) == [], "not before the link is up")
        _ = machine.start()
        _ = machine.infoReceived(Self.hubInfo)
        _ = machine.infoReceived(LeafInfoMessage(connectInfo: true))
        let announced = machine.announcements(for: [
            (local, "a", nil, .local), (queued, "work", "q", .local), (fromHub, "b", nil, .hub), (own, "c", nil, .thisLink),
            (Token(), "d", nil, .unannounced),
        ])
        #expect(announced.count == 2)
        #expect(announced.contains(.sendInterest(.subscribe(subject: "a", queue: nil, weight: 1))))
        #expect(announced.contains(.sendInterest(.subscribe(subject: "work", queue: "q", weight: 1))))
        // The same subscription named again by a change already under way: counted once.
        #expect(machine.localInterestChanged(local, subject: "a", queue: nil, origin: .local, isAdded: true) == [])
        let second = Token()
        #expect(machine.localInterestChanged(second, subject: "a", queue: nil, origin: .local, isAdded: true) == [])
        #expect(
            machine.localInterestChanged(Token(), subject: "work", queue: "q", origin: .local, isAdded: true) == [
                .sendInterest(.subscribe(subject: "work", queue: "q", weight: 2))
            ])
        #expect(machine.localInterestChanged(local, subject: "a", queue: nil, origin: .local, isAdded: false) == [])
        #expect(
            machine.localInterestChanged(second, subject: "a", queue: nil, origin: .local, isAdded: false) == [
                .sendInterest(.unsubscribe(subject: "a", queue: nil))
            ])
        #expect(machine.localInterestChanged(Token(), subject: "x", queue: nil, origin: .hub, isAdded: true) == [])

        var hub = Self.hub()
        _ = hub.start()
        _ = hub.connectReceived(LeafConnectMessage(name: "spoke"))
        #expect(
            hub.localInterestChanged(Token(), subject: "x", queue: nil, origin: .hub, isAdded: true) == [
                .sendInterest(.subscribe(subject: "x", queue: nil, weight: 1))
            ],
            "a hub passes its hubs' interest down")
    }

    @Test("the hub's permissions arriving on a link that is up withdraw the interest they no longer allow")
    func permissionsWithdrawInterest() {
        var machine = Self.establishedSpoke()
        _ = machine.announcements(for: [(Token(), "foo", nil, .local), (Token(), "bar.x", nil, .local)])
        var info = LeafInfoMessage()
        info.importPermissions = .init(allow: ["foo"], deny: nil)
        let actions = machine.infoReceived(info)
        #expect(actions.dropFirst() == [.sendInterest(.unsubscribe(subject: "bar.x", queue: nil)), .flush])
        #expect(machine.infoReceived(info) == [], "the same permissions again change nothing")
        #expect(machine.localInterestChanged(Token(), subject: "bar.y", queue: nil, origin: .local, isAdded: true) == [])
    }

    // MARK: - Ping and pong

    @Test("PONGs answer PINGs in order: each completes its waiter, keepalive pings have none; closing fails the rest")
    func pongWaiters() {
        var machine = Self.establishedSpoke()
        machine.pingSent(waiter: nil)
        machine.pingSent(waiter: 7)
        machine.pingSent(waiter: 8)
        machine.pingSent(waiter: 9)
        #expect(machine.pongReceived() == [])
        #expect(machine.pongReceived() == [.completePongWaiter(7)])
        #expect(machine.closed() == [8, 9])
        #expect(machine.pongReceived() == [], "an unexpected PONG is ignored")
        #expect(machine.phase == .closed)
    }
}

import Testing

@testable import Leafnode

/// How a remote redials: URL rotation, learned URLs, back-off with jitter, the peer's longer
/// pause, and which failures are logged.
@Suite("Leafnode reconnect policy")
struct LeafReconnectPolicyTests {
    static let urls = [
        LeafURL(host: "hub1", port: 7422, user: "u", password: "p"),
        LeafURL(host: "hub2", port: 7422, user: "u", password: "p"),
    ]

    @Test("states: idle, dialing, linked, backing off, dialing the next URL")
    func states() {
        var policy = LeafReconnectPolicy(urls: Self.urls, interval: .seconds(1))
        #expect(policy.state == .idle)
        let first = policy.dial()
        #expect(first.host == "hub1" && policy.state == .dialing(first))
        policy.dialSucceeded()
        #expect(policy.state == .linked(first))
        var random = SystemRandomNumberGenerator()
        let delay = policy.attemptEnded(using: &random)
        #expect(policy.state == .backingOff(delay))
        #expect(policy.dial().host == "hub2")
        #expect(policy.dial().host == "hub1", "the configured URLs rotate")
    }

    @Test("URLs the hub announces join the rotation, once each, with the credentials of the URL in use")
    func learnedURLs() {
        var policy = LeafReconnectPolicy(urls: Self.urls, interval: .seconds(1))
        policy.learn(urls: ["hub2:7422", "hub3:7423", "[::1]:7424", "garbage"], from: Self.urls[0])
        #expect(policy.learnedURLs.map(\.description) == ["hub2:7422", "hub3:7423", "[::1]:7424"])
        #expect(policy.learnedURLs.allSatisfy { $0.user == "u" && $0.password == "p" })
        let dialled = (0..<4).map { _ in policy.dial().description }
        #expect(dialled == ["hub1:7422", "hub2:7422", "hub3:7423", "[::1]:7424"])
    }

    @Test("the wait: the interval plus up to half an interval of jitter; the peer's pause once")
    func delays() {
        var policy = LeafReconnectPolicy(urls: Self.urls, interval: .seconds(2))
        var random = SystemRandomNumberGenerator()
        let waits = (0..<200).map { _ in policy.attemptEnded(using: &random) }
        #expect(waits.allSatisfy { $0 >= .seconds(2) && $0 < .seconds(3) })
        #expect(Set(waits).count > 100, "jittered: boards restarted together do not redial in step")
        policy.delayNextAttempt(by: .seconds(30))
        #expect(policy.attemptEnded(using: &random) == .seconds(30))
        let after = policy.attemptEnded(using: &random)
        #expect(after >= .seconds(2) && after < .seconds(3), "the longer pause is for one attempt")
    }

    @Test("failures: the first three logged, then every thirtieth; a dial that works starts the count again")
    func failureLogging() {
        var policy = LeafReconnectPolicy(urls: Self.urls, interval: .seconds(1))
        var logged: [Int] = []
        for attempt in 1...90 {
            _ = policy.dial()
            if policy.dialFailed() { logged.append(attempt) }
        }
        #expect(logged == [1, 2, 3, 30, 60, 90])
        #expect(policy.consecutiveFailures == 90)
        _ = policy.dial()
        #expect(policy.isQuiet == false, "the 90th was logged")
        _ = policy.dialFailed()
        #expect(policy.isQuiet)
        _ = policy.dial()
        policy.dialSucceeded()
        #expect(policy.consecutiveFailures == 0 && !policy.isQuiet)
    }
}

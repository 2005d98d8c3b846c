import NIOCore

/// How a transport finds out that its peer is gone.
package enum LivenessPolicy: Sendable, Equatable {
    /// NATS: ping the peer every `interval` (the first time after at most 2 s, each with up to
    /// 20% jitter), skipping a ping while the peer was active within the interval unless
    /// `alwaysPing` (a spoke pings its hub whatever the traffic: busy traffic must not hide a
    /// link that stopped answering); with `maxOutstanding` pings unanswered the connection is
    /// stale.
    case pingPong(interval: Duration, maxOutstanding: Int, alwaysPing: Bool)
    /// A peer that keeps itself alive (MQTT's keepalive): closed as stale after `timeout`
    /// without a byte from it.
    case idleTimeout(Duration)
}

/// A transport's liveness: the policy, its timer and what it has seen. Loop state.
struct LivenessState {
    var policy: LivenessPolicy?
    var timer: Scheduled<Void>?
    var pingsOutstanding = 0
    var pingSentAt: NIODeadline?
    var lastActivity: NIODeadline
    var lastPingReceived = NIODeadline.distantPast
    /// The last measured round trip (the handshake's, then each PING's), for /connz `rtt`.
    var roundTripTime: TimeAmount = .zero

    init(now: NIODeadline) {
        lastActivity = now
    }

    mutating func stop() {
        timer?.cancel()
        timer = nil
    }
}

extension ConnectionTransport {
    /// Starts (or restarts) checking that the peer is alive.
    func startLiveness(_ policy: LivenessPolicy) {
        eventLoop.assertInEventLoop()
        guard !isClosed else { return }
        liveness.policy = policy
        scheduleLivenessCheck(first: true)
    }

    /// Bytes arrived from the peer.
    @inline(__always)
    func noteActivity() {
        liveness.lastActivity = eventLoop.now
    }

    /// The peer pinged us (a peer that pings is alive without our pings).
    func pingReceived() {
        liveness.lastPingReceived = eventLoop.now
    }

    /// The peer answered a ping.
    func pongReceived() {
        liveness.pingsOutstanding = 0
        if let sentAt = liveness.pingSentAt {
            liveness.roundTripTime = eventLoop.now - sentAt
            liveness.pingSentAt = nil
        }
    }

    /// The handshake is over: its duration is the first round-trip estimate.
    func handshakeCompleted() {
        liveness.roundTripTime = eventLoop.now - connectionStarted
    }

    package var roundTripTime: TimeAmount { liveness.roundTripTime }
    var lastActivity: NIODeadline { liveness.lastActivity }

    private func scheduleLivenessCheck(first: Bool) {
        liveness.timer?.cancel()
        guard let policy = liveness.policy else { return }
        var delay: TimeAmount
        switch policy {
        case .pingPong(let interval, _, _):
            delay = TimeAmount(interval)
            if first && delay > .seconds(2) { delay = .seconds(2) }
            let jitter = Int64(deliveryLoop.random.next() % UInt64(max(1, delay.nanoseconds / 5)))
            delay = delay + .nanoseconds(jitter)
        case .idleTimeout(let timeout):
            let idle = eventLoop.now - liveness.lastActivity
            delay = max(.milliseconds(1), TimeAmount(timeout) - idle)
        }
        liveness.timer = eventLoop.scheduleTask(in: delay) { [self] in
            livenessTimerFired()
        }
    }

    private func livenessTimerFired() {
        liveness.timer = nil
        guard !isClosed, let policy = liveness.policy else { return }
        let now = eventLoop.now
        switch policy {
        case .pingPong(let interval, let maxOutstanding, let alwaysPing):
            let period = TimeAmount(interval)
            let recentlyActive = now - liveness.lastActivity < period || now - liveness.lastPingReceived < period
            if !recentlyActive || liveness.roundTripTime == .zero || alwaysPing {
                if liveness.pingsOutstanding + 1 > maxOutstanding {
                    expire()
                    return
                }
                liveness.pingsOutstanding += 1
                liveness.pingSentAt = now
                delegate?.writeKeepalive()
                markForFlush()
            }
        case .idleTimeout(let timeout):
            if now - liveness.lastActivity >= TimeAmount(timeout) {
                expire()
                return
            }
        }
        scheduleLivenessCheck(first: false)
    }

    private func expire() {
        logger.debug("\(logPrefix) - Stale \(kindName) Connection - Closing")
        delegate?.livenessExpired()
        close(reason: .staleConnection)
    }
}

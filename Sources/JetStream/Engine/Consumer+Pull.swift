import NIOCore

/// Pull requests (`$JS.API.CONSUMER.MSG.NEXT.<stream>.<consumer>`): queued until served,
/// answered with status messages when they cannot be (nats-server `processNextMsgRequest`).
extension Consumer {
    /// Queues a pull request; status replies for requests that cannot be taken.
    func addPullRequest(_ request: NextRequest, reply: String) {
        lastPullActivity = engine.eventLoop.now
        let transport = engine.transport
        // nats-server: a request must have room for two heartbeats before it expires.
        if request.idleHeartbeat > 0 && request.idleHeartbeat > request.expires / 2 {  // 2 × heartbeat > expires, without overflow
            transport.publish(
                subject: reply, reply: nil, headers: NATSHeaders.status(400, "Bad Request - heartbeat value too large"), payload: [])
            return
        }
        if configuration.maxBatch > 0 && request.batch > configuration.maxBatch {
            transport.publish(
                subject: reply, reply: nil, headers: NATSHeaders.status(409, "Exceeded MaxRequestBatch of \(configuration.maxBatch)"),
                payload: [])
            return
        }
        if configuration.maxExpires > 0 && request.expires > configuration.maxExpires {
            transport.publish(
                subject: reply, reply: nil,
                headers: NATSHeaders.status(409, "Exceeded MaxRequestExpires of \(goDuration(configuration.maxExpires))"), payload: [])
            return
        }
        if configuration.maxBytes > 0 && request.maxBytes > configuration.maxBytes {
            transport.publish(
                subject: reply, reply: nil, headers: NATSHeaders.status(409, "Exceeded MaxRequestMaxBytes of \(configuration.maxBytes)"),
                payload: [])
            return
        }
        if waiting.count >= max(1, configuration.maxWaiting) {
            transport.publish(subject: reply, reply: nil, headers: NATSHeaders.status(409, "Exceeded MaxWaiting"), payload: [])
            return
        }
        // No-wait (nats-server 2.9 `processNextMsgRequest`): nothing there and no expiry: 404
        // at once. Otherwise it takes what is there, and ends with 408 once it ran out.
        let available = pendingCount + UInt64(redeliveries.count)
        if request.noWait {
            if available == 0 && request.expires == 0 {
                transport.publish(subject: reply, reply: nil, headers: NATSHeaders.status(404, "No Messages"), payload: [])
                return
            }
            let waitingBatches = waiting.reduce(0) { $0 + $1.remaining }
            if available > 0 && available < UInt64(waitingBatches) {
                transport.publish(subject: reply, reply: nil, headers: NATSHeaders.status(408, "Requests Pending"), payload: [])
                return
            }
        }
        let now = engine.eventLoop.now
        waiting.append(
            PullRequest(
                reply: reply,
                remaining: max(1, request.batch),
                maxBytes: request.maxBytes,
                noWait: request.noWait,
                expires: request.expires > 0 ? now + .nanoseconds(request.expires) : nil,
                heartbeat: request.idleHeartbeat > 0 ? .nanoseconds(request.idleHeartbeat) : nil,
                lastActivity: now,
                received: now
            )
        )
        deliverAvailable()
    }

    /// One timer for the pull side: expiring requests (408) and their idle heartbeats.
    func armPullTimer() {
        pullTimer?.cancel()
        pullTimer = nil
        guard !waiting.isEmpty, !isDeleted else { return }
        var next: NIODeadline?
        for request in waiting {
            if let expires = request.expires { next = min(next ?? expires, expires) }
            if let heartbeat = request.heartbeat { next = min(next ?? request.lastActivity + heartbeat, request.lastActivity + heartbeat) }
        }
        guard let next else { return }
        pullTimer = engine.eventLoop.assumeIsolated().scheduleTask(deadline: next) { [weak self] in
            self?.pullTimerFired()
        }
    }

    private func pullTimerFired() {
        pullTimer = nil
        guard !isDeleted else { return }
        let now = engine.eventLoop.now
        let transport = engine.transport
        // As nats-server 2.9's `processWaiting`, run by this timer: an expired request ends, and
        // so does a no-wait request that has had messages and still waits (for acks to free
        // max_ack_pending; until this timer runs, acks let it go on).
        waiting.removeAll { request in
            let isExpired = request.expires.map { $0 <= now } ?? false
            guard isExpired || (request.noWait && request.deliveredAny) else { return false }
            sendRequestTimeout(request)
            return true
        }
        for index in waiting.indices {
            if let heartbeat = waiting[index].heartbeat, now - waiting[index].lastActivity >= heartbeat {
                transport.publish(
                    subject: waiting[index].reply, reply: nil, headers: NATSHeaders.status(100, "Idle Heartbeat"), payload: [])
                waiting[index].lastActivity = now
            }
        }
        armPullTimer()
    }

    /// Ends a pull request with the reference's 408 and what it still wanted (expired, or a
    /// no-wait request that got part of its batch).
    func sendRequestTimeout(_ request: PullRequest) {
        endRequest(request, status: 408, description: "Request Timeout")
    }

    /// Ends a pull request with a status and what it still wanted (messages, bytes).
    func endRequest(_ request: PullRequest, status: Int, description: String) {
        engine.transport.publish(
            subject: request.reply, reply: nil,
            headers: NATSHeaders.status(
                status, description,
                [
                    (JetStreamHeader.pendingMessages, String(request.remaining)),
                    (JetStreamHeader.pendingBytes, String(max(0, request.maxBytes - request.bytesDelivered))),
                ]),
            payload: []
        )
    }

    /// Go's duration text, for the 409 statuses that quote a limit.
    private func goDuration(_ nanoseconds: Int64) -> String {
        if nanoseconds % 1_000_000_000 == 0 { return "\(nanoseconds / 1_000_000_000)s" }
        if nanoseconds % 1_000_000 == 0 { return "\(nanoseconds / 1_000_000)ms" }
        return "\(nanoseconds)ns"
    }
}

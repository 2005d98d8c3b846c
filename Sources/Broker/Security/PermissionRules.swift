/// What one user may publish and subscribe to, as configured (nats-server `Permissions`).
///
/// `nil` lists place no restriction; an empty allow list allows nothing. Subscribe entries may
/// name a queue group after a space (`"orders.> workers"`).
package struct PermissionRules: Sendable, Equatable {
    package var publishAllow: [String]?
    package var publishDeny: [String]?
    package var subscribeAllow: [String]?
    package var subscribeDeny: [String]?
    /// `allow_responses`: the user may answer the requests it receives.
    package var responses: ResponseAllowance?

    package init(
        publishAllow: [String]? = nil, publishDeny: [String]? = nil,
        subscribeAllow: [String]? = nil, subscribeDeny: [String]? = nil,
        responses: ResponseAllowance? = nil
    ) {
        self.publishAllow = publishAllow
        self.publishDeny = publishDeny
        self.subscribeAllow = subscribeAllow
        self.subscribeDeny = subscribeDeny
        self.responses = responses
    }
}

/// `allow_responses { max, expires }`: how many replies each received request allows, and for
/// how long. Zero or negative means no limit, as in nats-server.
package struct ResponseAllowance: Sendable, Equatable {
    package var maxMessages: Int
    package var expires: Duration

    package init(maxMessages: Int, expires: Duration) {
        self.maxMessages = maxMessages
        self.expires = expires
    }
}

/// What authentication established about a connection: its account and, when the server has
/// users, which one (for its permissions and for log lines).
package struct AuthenticatedClient: Sendable {
    package let account: Account
    package let user: UserCredentials?
}

/// `allow_responses`: a client may publish to the reply subjects of requests it received
/// (nats-server `ResponsePermission`).
package struct ResponsePermission: Hashable, Sendable {
    /// How many responses each request allows; negative for unlimited.
    package var maxMessages: Int
    /// How long after the request a response is allowed; negative for unlimited.
    package var expires: Duration

    /// Creates a permission with nats-server's defaults: one response within two minutes.
    package init(
        maxMessages: Int = ServerDefaults.allowResponsesMaxMessages,
        expires: Duration = ServerDefaults.allowResponsesExpiration
    ) {
        self.maxMessages = maxMessages
        self.expires = expires
    }
}

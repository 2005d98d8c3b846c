/// Errors newer than the generated table's source (nats-server 2.10.22), written by hand.
extension JetStreamAPIError {
    /// 10185 `JSRequiredApiLevelErr` (nats-server 2.12+): the request carries
    /// `Nats-Required-Api-Level` above the level this server implements. A 2.14 hub that sources
    /// or mirrors one of our streams falls back to the older consumer request when it gets this.
    public static let requiredApiLevel = JetStreamAPIError(code: 412, errorCode: 10185, description: "JetStream minimum api level required")
}

extension JetStreamEngine {
    /// The JetStream API level Outpost implements: the 2.9 API, before levels existed (0).
    static let apiLevel = 0
    static let requiredApiLevelHeader = "Nats-Required-Api-Level"

    /// Whether a request asks for a higher API level than ours (a header with a number above ours).
    static func requiresHigherApiLevel(_ headers: [UInt8]?) -> Bool {
        guard let headers, let value = NATSHeaders.value(of: requiredApiLevelHeader, in: headers) else { return false }
        guard let level = Int(value.filter { $0 != " " && $0 != "\t" }) else { return true }
        return level > apiLevel
    }
}

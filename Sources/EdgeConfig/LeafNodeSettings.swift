/// The `leafnodes` block (nats-server `LeafNodeOpts`, `RemoteLeafOpts`).
package struct LeafNodeSettings: Hashable, Sendable {
    /// Where leafnodes below us connect (`listen`, `host`, `port`); nil port: no listener.
    package var host: String?
    package var port: Int?
    /// `advertise`: the `host:port` announced in `leafnode_urls`.
    package var advertise: String?
    /// `authorization { user, password }` or `authorization { users [...] }`.
    package var users: [LeafUser] = []
    /// nkey users (`authorization { nkey }` or `users [ { nkey } ]`): public keys, `U...`.
    package var nkeys: [String] = []
    package var authTimeout: Duration?
    /// `reconnect` (also `reconnect_delay`): the pause between attempts of a remote.
    package var reconnectInterval: Duration?
    /// `tls`: TLS on the leafnode port.
    package var tls: TLSSettings?
    package var remotes: [LeafRemoteSettings] = []

    package init() {}
}

/// One user allowed on the leafnode port.
package struct LeafUser: Hashable, Sendable {
    package var username: String
    package var password: String
    /// The local account the leafnode's link binds (`account`); nil: `$G`.
    package var account: String? = nil
}

/// One `remotes` entry.
package struct LeafRemoteSettings: Hashable, Sendable {
    package var urls: [LeafRemoteURL] = []
    package var denyImports: [String] = []
    package var denyExports: [String] = []
    /// `account`: the local account bound to the link (only `$G` exists in Outpost so far).
    package var account: String?
    package var position: ConfigPosition?
    /// `credentials`: a `.creds` file (user JWT and nkey seed), read at start-up.
    package var credentialsPath: String?
    package var credentialsPosition: ConfigPosition?
    /// `nkey`: a user seed (`SU...`) that signs the hub's nonce (nats-server 2.10.9+ hubs).
    package var nkeySeed: String?
    package var nkeyPosition: ConfigPosition?
    /// `store_and_forward { ... }`: core messages on these subjects wait in SQLite for the hub.
    package var storeAndForward: StoreAndForwardSettings?
    /// `tls`: TLS to the hub (also implied by a `tls://` URL).
    package var tls: TLSSettings?
}

/// A remote's `store_and_forward` block (Outpost's own; nats-server has no such option).
package struct StoreAndForwardSettings: Hashable, Sendable {
    package var subjects: [String] = []
    /// 0: no limit.
    package var maxBytes: Int64 = 0
    package var maxMessages: Int64 = 0
    package var maxAge: Duration = .zero
    /// `discard: new` refuses new messages when full; the default (`old`) drops the oldest.
    package var discardNew = false
    /// Bytes per second for sending the buffer to the hub; 0: as fast as the link takes it.
    package var rateLimit: Int64 = 0

    package init() {}
}

/// `nats-leaf://user:password@host:port` (also `leaf://` and `nats://`; the port defaults to 7422).
package struct LeafRemoteURL: Hashable, Sendable {
    package var host: String
    package var port: Int
    package var user: String?
    package var password: String?
    /// `tls://`: the hub must be reached over TLS.
    package var requiresTLS = false

    /// Parses a remote URL; the error text says what is wrong.
    package static func parse(_ text: String) -> Result<LeafRemoteURL, LeafURLError> {
        let parts = text.split(separator: "://", maxSplits: 1, omittingEmptySubsequences: false)
        guard parts.count == 2 else { return .failure(LeafURLError(text: "missing scheme in \"\(text)\"")) }
        let scheme = parts[0].lowercased()
        guard ["nats-leaf", "leaf", "nats", "tls"].contains(scheme) else {
            let reason =
                ["wss", "ws"].contains(scheme)
                ? "scheme \"\(scheme)\" is not supported yet (Outpost's leafnode links are TCP, plain or TLS)"
                : "unknown scheme \"\(scheme)\""
            return .failure(LeafURLError(text: reason))
        }
        let requiresTLS = scheme == "tls"
        var rest = parts[1]
        if let slash = rest.firstIndex(of: "/") { rest = rest[..<slash] }
        var user: String?
        var password: String?
        if let at = rest.lastIndex(of: "@") {
            let userInfo = rest[..<at]
            rest = rest[rest.index(after: at)...]
            if let colon = userInfo.firstIndex(of: ":") {
                user = percentDecoded(userInfo[..<colon])
                password = percentDecoded(userInfo[userInfo.index(after: colon)...])
            } else {
                user = percentDecoded(userInfo)
            }
        }
        let hostPort = String(rest)
        if let parsed = HostPort(parsing: hostPort) {
            guard !parsed.host.isEmpty, (1...65535).contains(parsed.port) else {
                return .failure(LeafURLError(text: "invalid host or port in \"\(hostPort)\""))
            }
            return .success(LeafRemoteURL(host: parsed.host, port: parsed.port, user: user, password: password, requiresTLS: requiresTLS))
        }
        guard !hostPort.isEmpty, !hostPort.contains(":") || hostPort.hasPrefix("[") else {
            return .failure(LeafURLError(text: "invalid port in \"\(hostPort)\""))
        }
        let host = hostPort.hasPrefix("[") ? String(hostPort.dropFirst().dropLast()) : hostPort
        return .success(
            LeafRemoteURL(host: host, port: ServerDefaults.leafNodePort, user: user, password: password, requiresTLS: requiresTLS))
    }

    private static func percentDecoded(_ text: Substring) -> String {
        var bytes: [UInt8] = []
        var iterator = Array(text.utf8)[...]
        while let byte = iterator.popFirst() {
            if byte == UInt8(ascii: "%"), iterator.count >= 2,
                let value = UInt8(String(decoding: iterator.prefix(2), as: UTF8.self), radix: 16)
            {
                bytes.append(value)
                iterator = iterator.dropFirst(2)
            } else {
                bytes.append(byte)
            }
        }
        return String(decoding: bytes, as: UTF8.self)
    }
}

package struct LeafURLError: Error, Hashable, Sendable {
    package var text: String
}

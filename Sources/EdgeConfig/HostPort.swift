/// A `host:port` pair as Go's `net.SplitHostPort` splits it, used for `listen`, `http` and
/// `https` (nats-server's `parseListen`).
package struct HostPort: Hashable, Sendable {
    /// The host without brackets (`::1` for `[::1]:4222`), empty for `:4222`.
    package var host: String
    /// The port.
    package var port: Int

    /// Creates a pair.
    package init(host: String, port: Int) {
        self.host = host
        self.port = port
    }

    /// Splits `host:port` or `[ipv6]:port` and reads the port as a decimal integer.
    ///
    /// - Returns: nil when ``split(_:)`` fails or the port is not an integer.
    package init?(parsing text: String) {
        guard let (host, portText) = Self.split(text), let port = Int(portText) else { return nil }
        self.host = host
        self.port = port
    }

    /// Go's `net.SplitHostPort`: the host (brackets removed) and the port text.
    ///
    /// - Returns: nil where Go fails: no colon ("missing port"), more than one colon outside
    ///   brackets ("too many colons"), or misplaced brackets.
    package static func split(_ text: String) -> (host: String, port: String)? {
        let scalars = Array(text.unicodeScalars)
        guard let colon = scalars.lastIndex(of: ":") else { return nil }
        let hostScalars: ArraySlice<Unicode.Scalar>
        if scalars.first == "[" {
            // "[host]:port": the closing bracket must come right before the last colon.
            guard let close = scalars.firstIndex(of: "]"), close + 1 == colon else { return nil }
            hostScalars = scalars[1..<close]
            if hostScalars.contains("[") || hostScalars.contains("]") { return nil }
        } else {
            hostScalars = scalars[..<colon]
            if hostScalars.contains(":") || hostScalars.contains("[") || hostScalars.contains("]") { return nil }
        }
        let portScalars = scalars[(colon + 1)...]
        if portScalars.contains("[") || portScalars.contains("]") { return nil }
        return (String(String.UnicodeScalarView(hostScalars)), String(String.UnicodeScalarView(portScalars)))
    }
}

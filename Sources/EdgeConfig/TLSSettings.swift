/// A `tls { }` block (client port, leafnode port, or a leafnode remote), as nats-server reads it.
///
/// | key | meaning |
/// | --- | --- |
/// | `cert_file`, `key_file` | our certificate chain and private key (PEM) |
/// | `ca_file` | trusted roots for verifying the peer (PEM); the system's when absent |
/// | `verify` | require and verify a client certificate (listeners) |
/// | `verify_and_map` | as `verify`, and the certificate names the user (client port only) |
/// | `timeout` | seconds (or a duration) allowed for the handshake; default 2 |
/// | `handshake_first`, `first` | TLS before INFO (nats-server 2.10.4+; listeners) |
/// | `insecure` | do not verify the server's certificate (remotes; testing only) |
/// | `server_name` | the name expected in the hub's certificate (remotes) |
/// | `cipher_suites` | the TLS 1.2 suites allowed, by Go's names (TLS 1.3 suites are always on) |
/// | `curve_preferences` | the key-exchange curves allowed, by Go's names (`X25519`, `CurveP256`, ...) |
/// | `min_version` | `"1.2"` or `"1.3"` (nats-server 2.11 and later) |
package struct TLSSettings: Hashable, Sendable {
    package var certificateFile: String?
    package var keyFile: String?
    package var caFile: String?
    package var verify = false
    package var verifyAndMap = false
    package var timeout: Duration = ServerDefaults.tlsTimeout
    package var handshakeFirst = false
    package var insecure = false
    package var serverName: String?
    /// IANA numbers, in the configured order; nil: the library's defaults.
    package var cipherSuites: [UInt16]?
    package var curves: [UInt16]?
    /// "1.2" or "1.3"; nil: 1.2.
    package var minimumVersion: String?
    /// Where the block was written, for errors found when the files are read.
    package var position: ConfigPosition?
    /// The block's key path (`tls`, `leafnodes.tls`, `leafnodes.remotes[0].tls`).
    package var keyPath = "tls"

    package init() {}
}

/// The HTTP monitoring endpoint: `http_port`, `http`, `https_port`, `https`, `http_base_path`.
package struct MonitoringConfiguration: Hashable, Sendable {
    /// The host to bind; nil to use the client host (as nats-server does).
    package var host: String?
    /// `http_port`, `monitor_port` (`-m`); 0 for off, -1 for a random port.
    package var httpPort = 0
    /// `https_port` (`-ms`); 0 for off.
    package var httpsPort = 0
    /// `http_base_path`.
    package var basePath = ServerDefaults.httpBasePath

    /// Creates the defaults: monitoring off.
    package init() {}

    /// Whether an HTTP or HTTPS port is configured.
    package var isEnabled: Bool { httpPort != 0 || httpsPort != 0 }
}

/// The command line, parsed the way nats-server's (Go `flag` package) is parsed, plus
/// Outpost's own `--event_loops`.
///
/// Every flag has one or more names and may be written with one or two dashes, its value after
/// a space or an `=`: `-p 4222`, `--port 4222`, `-p=4222`, `--port=4222`. Boolean flags take no
/// value (`-js`, `-DV`) or one after `=` (`-T=false`). Parsing stops at `--` or at the first
/// argument that is not a flag; a remaining `version` or `help` asks for that, anything else is
/// an error. Every field is nil (or false) unless its flag was given, so ``ServerConfiguration/
/// applying(_:)`` changes only what the user asked for.
///
/// Cluster, TLS, syslog, profiling and signal flags are accepted and reported in ``warnings``,
/// because Outpost does not support them.
///
/// ```swift
/// let flags = try CommandLineFlags.parse(["-c", "outpost.conf", "-DV", "--port=4333"])
/// flags.configFile   // "outpost.conf"
/// flags.port         // 4333
/// flags.debug        // true
/// ```
package struct CommandLineFlags: Hashable, Sendable {
    /// `-c`, `--config`.
    package var configFile: String?
    /// `-p`, `--port`.
    package var port: Int?
    /// `-a`, `--addr`, `--net`.
    package var host: String?
    /// `-n`, `--name`, `--server_name`.
    package var serverName: String?
    /// `--client_advertise`.
    package var clientAdvertise: String?
    /// `-m`, `--http_port`.
    package var httpPort: Int?
    /// `-ms`, `--https_port`.
    package var httpsPort: Int?
    /// `-P`, `--pid`.
    package var pidFile: String?
    /// `--ports_file_dir`.
    package var portsFileDirectory: String?
    /// `-t`: check the configuration and exit.
    package var isConfigurationCheck = false
    /// `-sl`, `--signal`: accepted, not supported.
    package var signal: String?
    /// `-v`, `--version`, or a trailing `version`.
    package var isVersionRequested = false
    /// `-h`, `--help`, or a trailing `help`.
    package var isHelpRequested = false
    /// `--help_tls`.
    package var isTLSHelpRequested = false

    /// `-l`, `--log`.
    package var logFile: String?
    /// `-T`, `--logtime`.
    package var logTimestamps: Bool?
    /// `--logtime_utc`.
    package var logTimestampsUTC: Bool?
    /// `--log_size_limit`.
    package var logSizeLimit: Int64?
    /// `-s`, `--syslog`: accepted, not supported.
    package var syslog: Bool?
    /// `-r`, `--remote_syslog`: accepted, not supported.
    package var remoteSyslog: String?
    /// `-D`, `--debug`, `-DV`, `-DVV`.
    package var debug: Bool?
    /// `-V`, `--trace`, `-DV`, `-VV`, `-DVV`.
    package var trace: Bool?
    /// `-VV`, `-DVV`.
    package var traceVerbose: Bool?
    /// `--max_traced_msg_len`.
    package var maxTracedMessageLength: Int?

    /// `-js`, `--jetstream`.
    package var jetStream: Bool?
    /// `-sd`, `--store_dir`.
    package var storeDirectory: String?

    /// `--user`.
    package var username: String?
    /// `--pass`.
    package var password: String?
    /// `--auth`.
    package var token: String?

    /// `--tls`: accepted, not supported yet.
    package var tls: Bool?
    /// `--tlsverify`: accepted, not supported yet.
    package var tlsVerify: Bool?
    /// `--tlscert`: accepted, not supported yet.
    package var tlsCertificateFile: String?
    /// `--tlskey`: accepted, not supported yet.
    package var tlsKeyFile: String?
    /// `--tlscacert`: accepted, not supported yet.
    package var tlsCACertificateFile: String?

    /// `--routes`: accepted, not supported.
    package var routes: String?
    /// `--cluster`, `--cluster_listen`: accepted, not supported.
    package var clusterListen: String?
    /// `--cluster_name`: accepted, not supported.
    package var clusterName: String?
    /// `--cluster_advertise`: accepted, not supported.
    package var clusterAdvertise: String?
    /// `--no_advertise`: accepted, not supported.
    package var noAdvertise: Bool?
    /// `--connect_retries`: accepted, not supported.
    package var connectRetries: Int?
    /// `--profile`: accepted, not supported.
    package var profilingPort: Int?

    /// `--event_loops`: how many event loop threads to run (Outpost only).
    package var eventLoopCount: Int?

    /// Flags that were accepted but have no effect in Outpost.
    package var warnings: [ConfigWarning] = []

    /// Creates an empty set: no flags given.
    package init() {}
}

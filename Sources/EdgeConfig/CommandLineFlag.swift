/// One flag of the command line: its names (all equivalent, with one or two dashes), the kind
/// of value it takes, and the setting it changes.
struct CommandLineFlag: Sendable {
    /// What a flag takes, as in Go's `flag` package.
    enum Kind: Sendable {
        /// Takes no value (`-js`), or one after `=` (`-js=false`).
        case bool
        /// An integer, in Go's `strconv.ParseInt(text, 0, 64)` syntax (`4222`, `0x10`).
        case integer
        /// Any text.
        case string
    }

    /// What the flag sets in ``CommandLineFlags``.
    enum Setting: Sendable {
        case configFile, port, host, serverName, clientAdvertise, httpPort, httpsPort, pidFile, portsFileDirectory
        case checkConfiguration, signal, showVersion, showHelp, showTLSHelp
        case logFile, logTimestamps, logTimestampsUTC, logSizeLimit, syslog, remoteSyslog
        case debug, trace, traceVerbose, debugAndTrace, debugAndTraceVerbose, maxTracedMessageLength
        case jetStream, storeDirectory
        case username, password, token
        case tls, tlsVerify, tlsCertificate, tlsKey, tlsCACertificate
        case routes, clusterListen, clusterName, clusterAdvertise, noAdvertise, connectRetries
        case profilingPort
        case eventLoops
    }

    let names: [String]
    let kind: Kind
    let setting: Setting
}

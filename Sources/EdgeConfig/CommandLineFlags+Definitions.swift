extension CommandLineFlags {
    /// Every flag, with the names nats-server's `ConfigureOptions` (`server/opts.go`) defines,
    /// plus Outpost's `event_loops`.
    static let definitions: [CommandLineFlag] = [
        CommandLineFlag(names: ["h", "help"], kind: .bool, setting: .showHelp),
        CommandLineFlag(names: ["v", "version"], kind: .bool, setting: .showVersion),
        CommandLineFlag(names: ["help_tls"], kind: .bool, setting: .showTLSHelp),
        CommandLineFlag(names: ["c", "config"], kind: .string, setting: .configFile),
        CommandLineFlag(names: ["t"], kind: .bool, setting: .checkConfiguration),
        CommandLineFlag(names: ["p", "port"], kind: .integer, setting: .port),
        CommandLineFlag(names: ["a", "addr", "net"], kind: .string, setting: .host),
        CommandLineFlag(names: ["n", "name", "server_name"], kind: .string, setting: .serverName),
        CommandLineFlag(names: ["client_advertise"], kind: .string, setting: .clientAdvertise),
        CommandLineFlag(names: ["m", "http_port"], kind: .integer, setting: .httpPort),
        CommandLineFlag(names: ["ms", "https_port"], kind: .integer, setting: .httpsPort),
        CommandLineFlag(names: ["P", "pid"], kind: .string, setting: .pidFile),
        CommandLineFlag(names: ["ports_file_dir"], kind: .string, setting: .portsFileDirectory),
        CommandLineFlag(names: ["sl", "signal"], kind: .string, setting: .signal),
        CommandLineFlag(names: ["l", "log"], kind: .string, setting: .logFile),
        CommandLineFlag(names: ["T", "logtime"], kind: .bool, setting: .logTimestamps),
        CommandLineFlag(names: ["logtime_utc"], kind: .bool, setting: .logTimestampsUTC),
        CommandLineFlag(names: ["log_size_limit"], kind: .integer, setting: .logSizeLimit),
        CommandLineFlag(names: ["s", "syslog"], kind: .bool, setting: .syslog),
        CommandLineFlag(names: ["r", "remote_syslog"], kind: .string, setting: .remoteSyslog),
        CommandLineFlag(names: ["D", "debug"], kind: .bool, setting: .debug),
        CommandLineFlag(names: ["V", "trace"], kind: .bool, setting: .trace),
        CommandLineFlag(names: ["VV"], kind: .bool, setting: .traceVerbose),
        CommandLineFlag(names: ["DV"], kind: .bool, setting: .debugAndTrace),
        CommandLineFlag(names: ["DVV"], kind: .bool, setting: .debugAndTraceVerbose),
        CommandLineFlag(names: ["max_traced_msg_len"], kind: .integer, setting: .maxTracedMessageLength),
        CommandLineFlag(names: ["js", "jetstream"], kind: .bool, setting: .jetStream),
        CommandLineFlag(names: ["sd", "store_dir"], kind: .string, setting: .storeDirectory),
        CommandLineFlag(names: ["user"], kind: .string, setting: .username),
        CommandLineFlag(names: ["pass"], kind: .string, setting: .password),
        CommandLineFlag(names: ["auth"], kind: .string, setting: .token),
        CommandLineFlag(names: ["tls"], kind: .bool, setting: .tls),
        CommandLineFlag(names: ["tlsverify"], kind: .bool, setting: .tlsVerify),
        CommandLineFlag(names: ["tlscert"], kind: .string, setting: .tlsCertificate),
        CommandLineFlag(names: ["tlskey"], kind: .string, setting: .tlsKey),
        CommandLineFlag(names: ["tlscacert"], kind: .string, setting: .tlsCACertificate),
        CommandLineFlag(names: ["routes"], kind: .string, setting: .routes),
        CommandLineFlag(names: ["cluster", "cluster_listen"], kind: .string, setting: .clusterListen),
        CommandLineFlag(names: ["cluster_name"], kind: .string, setting: .clusterName),
        CommandLineFlag(names: ["cluster_advertise"], kind: .string, setting: .clusterAdvertise),
        CommandLineFlag(names: ["no_advertise"], kind: .bool, setting: .noAdvertise),
        CommandLineFlag(names: ["connect_retries"], kind: .integer, setting: .connectRetries),
        CommandLineFlag(names: ["profile"], kind: .integer, setting: .profilingPort),
        CommandLineFlag(names: ["event_loops"], kind: .integer, setting: .eventLoops),
    ]

    /// The flags by each of their names (names are case-sensitive: `-v` is not `-V`).
    static let flagsByName: [String: CommandLineFlag] = {
        var byName: [String: CommandLineFlag] = [:]
        for flag in definitions {
            for name in flag.names {
                precondition(byName[name] == nil, "flag -\(name) defined twice")
                byName[name] = flag
            }
        }
        return byName
    }()
}

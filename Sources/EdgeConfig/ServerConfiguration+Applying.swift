extension ServerConfiguration {
    /// This configuration with the command-line flags applied: every flag that was given wins
    /// over the file, the others leave the file's values alone (nats-server parses its flags a
    /// second time after the file for the same effect).
    ///
    /// Flags Outpost does not support (cluster, TLS, syslog, profiling) change nothing here;
    /// ``CommandLineFlags/warnings`` reports them.
    package func applying(_ flags: CommandLineFlags) -> ServerConfiguration {
        var configuration = self
        if let port = flags.port { configuration.port = port }
        if let host = flags.host { configuration.host = host }
        if let serverName = flags.serverName { configuration.serverName = serverName }
        if let clientAdvertise = flags.clientAdvertise { configuration.clientAdvertise = clientAdvertise }
        if let httpPort = flags.httpPort { configuration.monitoring.httpPort = httpPort }
        if let httpsPort = flags.httpsPort { configuration.monitoring.httpsPort = httpsPort }
        if let pidFile = flags.pidFile { configuration.pidFile = pidFile }
        if let directory = flags.portsFileDirectory { configuration.portsFileDirectory = directory }
        if let logFile = flags.logFile { configuration.logging.file = logFile }
        if let timestamps = flags.logTimestamps { configuration.logging.hasTimestamps = timestamps }
        if let utc = flags.logTimestampsUTC { configuration.logging.isTimestampUTC = utc }
        if let limit = flags.logSizeLimit { configuration.logging.fileSizeLimitBytes = limit }
        if let debug = flags.debug { configuration.logging.isDebugEnabled = debug }
        if let trace = flags.trace { configuration.logging.isTraceEnabled = trace }
        if let verbose = flags.traceVerbose { configuration.logging.isTraceVerbose = verbose }
        if let length = flags.maxTracedMessageLength { configuration.logging.maxTracedMessageLength = length }
        if let jetStream = flags.jetStream { configuration.jetStream.isEnabled = jetStream }
        if let directory = flags.storeDirectory { configuration.jetStream.storeDirectory = directory }
        if let username = flags.username { configuration.authorization.username = username }
        if let password = flags.password { configuration.authorization.password = password }
        if let token = flags.token { configuration.authorization.token = token }
        if let eventLoops = flags.eventLoopCount { configuration.eventLoopCount = eventLoops }
        // `--tls` turns TLS on (`--tlsverify` too, and requires client certificates); the
        // file names come from the flags where given, else from the file's `tls` block.
        if flags.tls == true || flags.tlsVerify == true {
            var tls = configuration.tlsSettings ?? TLSSettings()
            if let file = flags.tlsCertificateFile { tls.certificateFile = file }
            if let file = flags.tlsKeyFile { tls.keyFile = file }
            if let file = flags.tlsCACertificateFile { tls.caFile = file }
            if flags.tlsVerify == true { tls.verify = true }
            if configuration.tlsSettings == nil { tls.keyPath = "--tls" }
            configuration.tlsSettings = tls
        }
        return configuration
    }
}

extension CommandLineFlags {
    /// The help text, nats-server's with Outpost's name and additions, for `-h`.
    package static let usage = """

        Usage: outpost [options]

        Server Options:
            -a, --addr, --net <host>         Bind to host address (default: 0.0.0.0)
            -p, --port <port>                Use port for clients (default: 4222)
            -n, --name
                --server_name <server_name>  Server name (default: auto)
            -P, --pid <file>                 File to store PID
            -m, --http_port <port>           Use port for http monitoring
            -ms,--https_port <port>          Use port for https monitoring (not supported yet)
            -c, --config <file>              Configuration file
            -t                               Test configuration and exit
                --ports_file_dir <dir>       Creates a ports file in the specified directory (<executable_name>_<pid>.ports).
                --event_loops <number>       Number of event loop threads (default: one per core)

        Logging Options:
            -l, --log <file>                 File to redirect log output
            -T, --logtime                    Timestamp log entries (default: true)
                --logtime_utc                Timestamps in UTC
            -D, --debug                      Enable debugging output
            -V, --trace                      Trace the raw protocol
            -VV                              Verbose trace (traces system account as well)
            -DV                              Debug and trace
            -DVV                             Debug and verbose trace (traces system account as well)
                --log_size_limit <limit>     Logfile size limit (default: auto)
                --max_traced_msg_len <len>   Maximum printable length for traced messages (default: unlimited)

        JetStream Options:
            -js, --jetstream                 Enable JetStream functionality
            -sd, --store_dir <dir>           Set the storage directory

        Authorization Options:
                --user <user>                User required for connections
                --pass <password>            Password required for connections
                --auth <token>               Authorization token required for connections

        \(tlsOptions)
        Accepted for compatibility with nats-server, without effect (a warning is printed):
            -s, --syslog, -r, --remote_syslog, -sl, --signal, --profile, --client_advertise,
            --routes, --cluster, --cluster_listen, --cluster_name, --cluster_advertise,
            --no_advertise, --connect_retries

        Common Options:
            -h, --help                       Show this message
            -v, --version                    Show version
                --help_tls                   TLS help

        Subcommands:
            outpost bench <mode> [options]   Load-test a NATS server (outpost bench --help)

        """

    /// The TLS flags, also printed alone by `--help_tls`.
    package static let tlsOptions = """
        TLS Options:
                --tls                        Enable TLS, do not verify clients (default: false)
                --tlscert <file>             Server certificate file
                --tlskey <file>              Private key for server certificate
                --tlsverify                  Enable TLS, verify client certificates
                --tlscacert <file>           Client certificate CA for verification
            (TLS 1.2 and later, BoringSSL's default ciphers and curves; a tls block in the
            configuration file sets the rest)

        """
}

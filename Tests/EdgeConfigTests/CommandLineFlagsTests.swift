import Testing

@testable import EdgeConfig

/// Go `flag`-style command lines, as nats-server parses them.
@Suite("CommandLineFlags")
struct CommandLineFlagsTests {
    static func parse(_ arguments: [String]) throws(ConfigError) -> CommandLineFlags {
        try CommandLineFlags.parse(arguments)
    }

    static func error(_ arguments: [String]) -> ConfigError? {
        do {
            _ = try parse(arguments)
            return nil
        } catch {
            return error
        }
    }

    @Test(
        "a value after a space or '=', with one or two dashes",
        arguments: [["-p", "4333"], ["--port", "4333"], ["-p=4333"], ["--port=4333"], ["-port", "4333"], ["--p=4333"]]
    )
    func valueForms(arguments: [String]) throws {
        #expect(try Self.parse(arguments).port == 4333)
    }

    @Test("short and long names of string flags")
    func stringFlags() throws {
        let flags = try Self.parse([
            "-c", "a.conf", "-a", "127.0.0.1", "-n", "edge", "-sd=/var/lib/outpost", "-l", "out.log", "-P", "pid",
            "--user", "u", "-pass", "p", "-auth=t", "--ports_file_dir", "/run", "--client_advertise", "x:1",
        ])
        #expect(flags.configFile == "a.conf")
        #expect(flags.host == "127.0.0.1")
        #expect(flags.serverName == "edge")
        #expect(flags.storeDirectory == "/var/lib/outpost")
        #expect(flags.logFile == "out.log")
        #expect(flags.pidFile == "pid")
        #expect(flags.username == "u")
        #expect(flags.password == "p")
        #expect(flags.token == "t")
        #expect(flags.portsFileDirectory == "/run")
        #expect(flags.clientAdvertise == "x:1")
        for (spelling, expected) in [("--addr", "h1"), ("--net", "h2"), ("--server_name", "s"), ("--name", "n")] {
            let parsed = try Self.parse([spelling, expected])
            #expect(parsed.host == expected || parsed.serverName == expected, "\(spelling)")
        }
        #expect(try Self.parse(["--config", "b.conf"]).configFile == "b.conf")
        #expect(try Self.parse(["-config=c.conf"]).configFile == "c.conf")
        #expect(try Self.parse(["--store_dir", "/d"]).storeDirectory == "/d")
    }

    @Test("integer flags")
    func integerFlags() throws {
        let flags = try Self.parse([
            "-m", "8222", "-ms=8443", "--max_traced_msg_len", "128", "--log_size_limit", "1000", "--event_loops", "3",
        ])
        #expect(flags.httpPort == 8222)
        #expect(flags.httpsPort == 8443)
        #expect(flags.maxTracedMessageLength == 128)
        #expect(flags.logSizeLimit == 1000)
        #expect(flags.eventLoopCount == 3)
        #expect(try Self.parse(["-p", "-1"]).port == -1)
        #expect(try Self.parse(["-p", "0x10"]).port == 16)
        #expect(try Self.parse(["--http_port=9000"]).httpPort == 9000)
    }

    @Test("boolean flags take no value, or one after '='")
    func booleanFlags() throws {
        let flags = try Self.parse(["-js", "-D", "-V", "-t", "-c", "x.conf", "-T=false", "--logtime_utc"])
        #expect(flags.jetStream == true)
        #expect(flags.debug == true)
        #expect(flags.trace == true)
        #expect(flags.isConfigurationCheck)
        #expect(flags.logTimestamps == false)
        #expect(flags.logTimestampsUTC == true)
        #expect(try Self.parse(["--jetstream=0"]).jetStream == false)
        #expect(try Self.parse(["--debug=True"]).debug == true)
        #expect(try Self.parse([]).debug == nil)
    }

    @Test("-DV, -VV and -DVV set several switches; -DV=false clears them")
    func combinedSwitches() throws {
        let debugTrace = try Self.parse(["-DV"])
        #expect(debugTrace.debug == true && debugTrace.trace == true && debugTrace.traceVerbose == nil)
        let verbose = try Self.parse(["-VV"])
        #expect(verbose.trace == true && verbose.traceVerbose == true && verbose.debug == nil)
        let all = try Self.parse(["-DVV"])
        #expect(all.debug == true && all.trace == true && all.traceVerbose == true)
        let off = try Self.parse(["-D", "-DV=false"])
        #expect(off.debug == false && off.trace == false)
    }

    @Test("unknown flags and bad values are errors worded as Go's flag package")
    func errors() {
        #expect(Self.error(["-xyz"])?.description == "flag provided but not defined: -xyz")
        #expect(Self.error(["--xyz=1"])?.description == "flag provided but not defined: -xyz")
        #expect(Self.error(["-p"])?.description == "flag needs an argument: -p")
        #expect(Self.error(["-p", "abc"])?.description == "invalid value \"abc\" for flag -p: parse error")
        #expect(
            Self.error(["-p", "99999999999999999999"])?.description
                == "invalid value \"99999999999999999999\" for flag -p: value out of range"
        )
        #expect(Self.error(["-T=maybe"])?.description == "invalid boolean value \"maybe\" for -T: parse error")
        #expect(Self.error(["---p"])?.description == "bad flag syntax: ---p")
        #expect(Self.error(["foo"])?.description == "unrecognized command: \"foo\"")
        #expect(Self.error(["-t"])?.description == "must specify [-c, --config] option to check configuration file syntax")
        #expect(Self.error(["-V", "true"])?.description == "unrecognized command: \"true\"")
        #expect(Self.error(["-xyz"])?.code == .flag)
    }

    @Test("flags end at '--' or the first argument that is not a flag")
    func endOfFlags() throws {
        let flags = try Self.parse(["-p", "1", "version"])
        #expect(flags.port == 1)
        #expect(flags.isVersionRequested)
        #expect(try Self.parse(["help"]).isHelpRequested)
        #expect(try Self.parse(["-h"]).isHelpRequested)
        #expect(try Self.parse(["--version"]).isVersionRequested)
        #expect(try Self.parse(["-v"]).isVersionRequested)
        #expect(try Self.parse(["--", "version"]).isVersionRequested)
        // `-V` is trace, `-v` is version: names are case-sensitive.
        #expect(try Self.parse(["-V"]).isVersionRequested == false)
    }

    @Test("cluster, syslog and signal flags are accepted with a warning; TLS flags without")
    func unsupportedFlags() throws {
        let flags = try Self.parse([
            "--routes", "nats://a:6222", "--cluster", "nats://0.0.0.0:6222", "--cluster_name", "c",
            "--cluster_advertise", "x", "--no_advertise", "--connect_retries", "3", "--cluster_listen", "y",
            "--tls", "--tlscert", "c.pem", "-s", "-sl", "stop", "--profile", "6060",
        ])
        #expect(flags.routes == "nats://a:6222")
        #expect(flags.clusterListen == "y")
        #expect(flags.connectRetries == 3)
        #expect(flags.tlsCertificateFile == "c.pem")
        #expect(flags.signal == "stop")
        let keys = flags.warnings.compactMap(\.key)
        #expect(
            keys == [
                "--routes", "--cluster", "--cluster_name", "--cluster_advertise", "--no_advertise", "--connect_retries",
                "--cluster_listen", "-s", "-sl", "--profile",
            ])
        #expect(flags.warnings.first?.description == "--routes: not supported: Outpost does not cluster; connect it to a cluster as a leaf")
        #expect(flags.warnings.allSatisfy { $0.code == .unsupported })
    }

    @Test("every flag named in the usage text is defined")
    func usageMatchesDefinitions() throws {
        for name in [
            "-a", "--addr", "--net", "-p", "--port", "-n", "--name", "--server_name", "-P", "--pid", "-m",
            "--http_port", "-ms", "--https_port", "-c", "--config", "-l", "--log", "-T", "--logtime", "-D", "--debug",
            "-V", "--trace", "-VV", "-DV", "-DVV", "-js", "--jetstream", "-sd", "--store_dir", "--user", "--pass",
            "--auth", "--event_loops", "-h", "--help", "-v", "--version", "--tls", "--routes", "--cluster",
        ] {
            #expect(CommandLineFlags.usage.contains(name), "\(name)")
            let bare = String(name.drop(while: { $0 == "-" }))
            #expect(CommandLineFlags.flagsByName[bare] != nil, "\(name)")
        }
    }
}

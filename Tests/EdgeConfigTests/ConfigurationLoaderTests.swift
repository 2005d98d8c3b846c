import Testing

@testable import EdgeConfig

/// Mapping files (and flags) onto ``ServerConfiguration``.
@Suite("ConfigurationLoader")
struct ConfigurationLoaderTests {
    static func load(_ text: String, flags: [String] = []) throws -> LoadedConfiguration {
        try ConfigurationLoader.load(text: text, file: "outpost.conf", flags: CommandLineFlags.parse(flags))
    }

    static func errors(_ text: String) -> ConfigErrorList? {
        do {
            _ = try ConfigurationLoader.load(text: text, file: "outpost.conf")
            return nil
        } catch {
            return error
        }
    }

    @Test("defaults are nats-server's")
    func defaults() throws {
        let configuration = try ConfigurationLoader.load(path: nil, readFile: { _ in "" }, environment: { _ in nil }).configuration
        #expect(configuration.host == "0.0.0.0")
        #expect(configuration.port == 4222)
        #expect(configuration.maxPayloadBytes == 1_048_576)
        #expect(configuration.maxControlLineBytes == 4096)
        #expect(configuration.maxConnections == 65_536)
        #expect(configuration.maxPendingBytes == 67_108_864)
        #expect(configuration.maxSubscriptions == 0)
        #expect(configuration.pingInterval == .seconds(120))
        #expect(configuration.pingMaxOutstanding == 2)
        #expect(configuration.writeDeadline == .seconds(10))
        #expect(configuration.lameDuckDuration == .seconds(120))
        #expect(configuration.lameDuckGracePeriod == .seconds(10))
        #expect(configuration.logging.hasTimestamps)
        #expect(!configuration.logging.isDebugEnabled)
        #expect(!configuration.monitoring.isEnabled)
        #expect(configuration.monitoring.basePath == "/")
        #expect(!configuration.jetStream.isEnabled)
        #expect(configuration.jetStream.maxMemoryBytes == -1)
        #expect(configuration.jetStream.syncInterval == .seconds(120))
        #expect(!configuration.authorization.isEnabled)
        #expect(configuration == ServerConfiguration())
    }

    @Test("allow_non_tls is read, not ignored; a value that is not a boolean is an error")
    func allowNonTLS() throws {
        #expect(try Self.load("allow_non_tls: true\n").configuration.allowNonTLS)
        #expect(try !Self.load("port: 4222\n").configuration.allowNonTLS)
        let loaded = try Self.load("allow_non_tls: true\n")
        #expect(loaded.warnings.isEmpty, "\(loaded.warnings)")
        #expect(Self.errors("allow_non_tls: [1]\n") != nil)
    }

    @Test("client listener and limits")
    func clientSettings() throws {
        let loaded = try Self.load(
            """
            listen: 127.0.0.1:4333
            server_name: edge-1
            max_payload: 2MB
            max_control_line: 2KB
            max_connections: 100
            max_subs: 50
            max_sub_tokens: 16
            max_pending: 32MB
            write_deadline: "2s"
            ping_interval: "30s"
            ping_max: 5
            lame_duck_duration: "1m"
            lame_duck_grace_period: "5s"
            no_header_support: true
            disable_sublist_cache: yes
            max_closed_clients: 5
            """
        )
        let configuration = loaded.configuration
        #expect(loaded.warnings.isEmpty)
        #expect(configuration.host == "127.0.0.1")
        #expect(configuration.port == 4333)
        #expect(configuration.serverName == "edge-1")
        #expect(configuration.maxPayloadBytes == 2 << 20)
        #expect(configuration.maxControlLineBytes == 2048)
        #expect(configuration.maxConnections == 100)
        #expect(configuration.maxSubscriptions == 50)
        #expect(configuration.maxSubscriptionTokens == 16)
        #expect(configuration.maxPendingBytes == 32 << 20)
        #expect(configuration.writeDeadline == .seconds(2))
        #expect(configuration.pingInterval == .seconds(30))
        #expect(configuration.pingMaxOutstanding == 5)
        #expect(configuration.lameDuckDuration == .seconds(60))
        #expect(configuration.lameDuckGracePeriod == .seconds(5))
        #expect(configuration.isHeaderSupportDisabled)
        #expect(configuration.isSubjectIndexCacheDisabled)
        #expect(configuration.maxClosedClients == 5)
    }

    @Test("host/net/port, aliases, random port, listen with a port only")
    func hostAndPort() throws {
        #expect(try Self.load("net: 10.0.0.1\nport: -1").configuration.port == -1)
        #expect(try Self.load("host: 10.0.0.1").configuration.host == "10.0.0.1")
        #expect(try Self.load("net: 10.0.0.2").configuration.host == "10.0.0.2")
        let portOnly = try Self.load("listen: 4555").configuration
        #expect(portOnly.port == 4555 && portOnly.host == "0.0.0.0")
        let colonPort = try Self.load("listen: \":4556\"").configuration
        #expect(colonPort.port == 4556 && colonPort.host == "0.0.0.0")
        #expect(try Self.load("listen: \"[::1]:4557\"").configuration.host == "::1")
        #expect(try Self.load("PORT: 4222\nmax_conn: 3").configuration.maxConnections == 3)
        // nats-server 2.12: an explicit 0 means no client may connect.
        #expect(try Self.load("max_connections: 0").configuration.maxConnections == -1)
    }

    @Test("logging and process settings")
    func loggingSettings() throws {
        let configuration = try Self.load(
            """
            debug: true
            trace_verbose: true
            logtime: false
            logtime_utc: true
            log_file: "/var/log/outpost.log"
            log_size_limit: 10MB
            logfile_max_num: 3
            max_traced_msg_len: 64
            pid_file: /run/outpost.pid
            ports_file_dir: /run
            """
        ).configuration
        #expect(configuration.logging.isDebugEnabled)
        #expect(configuration.logging.isTraceEnabled)
        #expect(configuration.logging.isTraceVerbose)
        #expect(!configuration.logging.hasTimestamps)
        #expect(configuration.logging.isTimestampUTC)
        #expect(configuration.logging.file == "/var/log/outpost.log")
        #expect(configuration.logging.fileSizeLimitBytes == 10 << 20)
        #expect(configuration.logging.fileCountMax == 3)
        #expect(configuration.logging.maxTracedMessageLength == 64)
        #expect(configuration.pidFile == "/run/outpost.pid")
        #expect(configuration.portsFileDirectory == "/run")
    }

    @Test("monitoring: ports and host:port forms")
    func monitoring() throws {
        let byPort = try Self.load("http_port: 8222\nhttps_port: 8443\nhttp_base_path: /nats").configuration.monitoring
        #expect(byPort.httpPort == 8222 && byPort.httpsPort == 8443 && byPort.basePath == "/nats")
        #expect(try Self.load("monitor_port: 8333").configuration.monitoring.httpPort == 8333)
        let byAddress = try Self.load("http: 127.0.0.1:8222").configuration.monitoring
        #expect(byAddress.host == "127.0.0.1" && byAddress.httpPort == 8222)
        let https = try Self.load("https: \"0.0.0.0:8443\"").configuration.monitoring
        #expect(https.httpsPort == 8443 && https.httpPort == 0)
    }

    @Test("durations: Go strings, or integers read as seconds with a warning")
    func durations() throws {
        let loaded = try Self.load("ping_interval: \"1h2m3.5s\"\nwrite_deadline: 5")
        #expect(loaded.configuration.pingInterval == .seconds(3723.5))
        #expect(loaded.configuration.writeDeadline == .seconds(5))
        let warning = try #require(loaded.warnings.first)
        #expect(warning.code == .deprecated)
        #expect(warning.key == "write_deadline")
        #expect(warning.position == ConfigPosition(file: "outpost.conf", line: 2, column: 1))
        #expect(try Self.load("ping_interval: \"300ms\"").configuration.pingInterval == .milliseconds(300))
        #expect(try Self.load("ping_interval: \"2us\"").configuration.pingInterval == .microseconds(2))
    }

    @Test("unknown keys are errors worded as nats-server's, with their position")
    func unknownKeys() throws {
        let list = try #require(Self.errors("port: 4222\n  monitoring_port: 8222\nprot: 1"))
        #expect(
            list.errors.map(\.description) == [
                "outpost.conf:2:3: unknown field \"monitoring_port\"",
                "outpost.conf:3:1: unknown field \"prot\"",
            ])
        #expect(list.errors.allSatisfy { $0.code == .unknownField })
        let nested = try #require(Self.errors("jetstream { max_memory: 1GB }"))
        #expect(nested.errors.first?.description == "outpost.conf:1:13: jetstream: unknown field \"max_memory\"")
    }

    @Test("top-level entries used as variables are not unknown fields")
    func variableDefinitions() throws {
        let loaded = try Self.load("PASS: secret\nauthorization { user: a, password: $PASS }")
        #expect(loaded.configuration.authorization.password == "secret")
        #expect(Self.errors("UNUSED: 1")?.errors.first?.message == "unknown field \"UNUSED\"")
    }

    @Test("leafnodes: listen, authorization, remotes with URL credentials and deny lists")
    func leafNodes() throws {
        let loaded = try Self.load(
            """
            leafnodes {
              listen: "127.0.0.1:7422"
              reconnect: "2s"
              authorization { user: leafu, password: leafp, timeout: 3 }
              remotes [
                { urls: ["nats-leaf://u:p%40ss@hub1:7000", "nats://hub2", "leaf://hub3:7001"], deny_imports: "secret.>", deny_exports: ["private.>", "x.*"] }
                { url: "nats-leaf://[::1]:7423", tls { ca_file: ca.pem } }
              ]
            }
            """
        )
        let leafNodes = try #require(loaded.configuration.leafNodeSettings)
        #expect(leafNodes.host == "127.0.0.1" && leafNodes.port == 7422)
        #expect(leafNodes.reconnectInterval == .seconds(2))
        #expect(leafNodes.users == [LeafUser(username: "leafu", password: "leafp")])
        #expect(leafNodes.authTimeout == .seconds(3))
        #expect(leafNodes.remotes.count == 2)
        #expect(
            leafNodes.remotes[0].urls == [
                LeafRemoteURL(host: "hub1", port: 7000, user: "u", password: "p@ss"),
                LeafRemoteURL(host: "hub2", port: 7422),
                LeafRemoteURL(host: "hub3", port: 7001),
            ])
        #expect(leafNodes.remotes[0].denyImports == ["secret.>"])
        #expect(leafNodes.remotes[0].denyExports == ["private.>", "x.*"])
        #expect(leafNodes.remotes[1].urls == [LeafRemoteURL(host: "::1", port: 7423)])
        #expect(loaded.warnings.isEmpty)
        #expect(leafNodes.remotes[1].tls?.caFile == "ca.pem")
        #expect(leafNodes.remotes[1].tls?.keyPath == "leafnodes.remotes[1].tls")

        let tlsURL = try Self.load("leafnodes { remotes [ { url: \"tls://hub:7422\" } ] }")
        #expect(tlsURL.configuration.leafNodeSettings?.remotes.first?.urls == [LeafRemoteURL(host: "hub", port: 7422, requiresTLS: true)])

        let bad = try #require(Self.errors("leafnodes { remotes [ { url: \"wss://hub:7422\" }, { deny_imports: [\"a..b\"] } ] }"))
        #expect(
            bad.errors.map(\.description) == [
                "outpost.conf:1:25: leafnodes.remotes[0].url: invalid leafnode remote url: scheme \"wss\" is not supported yet (Outpost's leafnode links are TCP, plain or TLS)",
                "outpost.conf:1:67: leafnodes.remotes[1].deny_imports: invalid subject \"a..b\"",
                "outpost.conf:1:50: leafnodes.remotes[1]: remote leafnode entry requires at least one url",
            ])
    }

    @Test("keys nats-server knows but Outpost ignores produce a warning naming the key")
    func unsupportedKeys() throws {
        let loaded = try Self.load(
            """
            cluster { port: 6222 }
            gateway { name: a }
            leafnodes { remotes: [ { url: "nats://hub:7422" } ] }
            accounts { A: { users: [ { user: x } ] } }
            tls { cert_file: a.pem }
            websocket { port: 8080, no_tls: true, compression: true }
            mqtt { port: 1883 }
            operator: op.jwt
            resolver: MEMORY
            syslog: true
            prof_port: 6060
            client_advertise: "x:4222"
            """
        )
        let keys = loaded.warnings.compactMap(\.key)
        #expect(
            keys == [
                "cluster", "gateway", "websocket.compression", "mqtt", "operator", "resolver", "syslog",
                "prof_port", "client_advertise",
            ])
        #expect(loaded.warnings.allSatisfy { $0.code == .unsupported })
        #expect(
            loaded.warnings[0].description
                == "outpost.conf:1:1: cluster: not supported: Outpost does not cluster; connect it to a cluster as a leaf"
        )
        let configuration = loaded.configuration
        #expect(configuration.cluster?.mapValue?["port"]?.integerValue == 6222)
        #expect(configuration.leafNodes?.mapValue?["remotes"]?.arrayValue?.count == 1)
        #expect(configuration.tlsSettings?.certificateFile == "a.pem")
        #expect(configuration.accounts != nil && configuration.websocket != nil && configuration.mqtt != nil)
        #expect(configuration.operator?.stringValue == "op.jwt")
        #expect(configuration.resolver?.stringValue == "MEMORY")
        #expect(configuration.unsupportedSettings["syslog"]?.boolValue == true)
        #expect(configuration.clientAdvertise == "x:4222")
    }

    @Test("bad values are errors naming file, line, column and key; all of them are reported")
    func badValues() throws {
        let list = try #require(
            Self.errors(
                """
                port: "abc"
                max_payload: 3GB
                debug: 1
                ping_interval: "5x"
                lame_duck_duration: "10s"
                lame_duck_grace_period: "-1s"
                listen: "localhost"
                http: "a:b"
                max_sub_tokens: 300
                server_name: "two words"
                jetstream: maybe
                system_account: 5
                server_tags: [a, 5 ]
                """
            )
        )
        #expect(
            list.errors.map(\.description) == [
                "outpost.conf:1:1: port: expected an integer, got a string",
                "outpost.conf:2:1: max_payload: value is too big",
                "outpost.conf:3:1: debug: expected a boolean, got an integer",
                "outpost.conf:4:1: ping_interval: error parsing ping_interval: time: unknown unit \"x\" in duration \"5x\"",
                "outpost.conf:5:1: lame_duck_duration: invalid lame_duck_duration of 10s, minimum is 30 seconds",
                "outpost.conf:6:1: lame_duck_grace_period: invalid lame_duck_grace_period, needs to be positive",
                "outpost.conf:7:1: listen: could not parse address string \"localhost\"",
                "outpost.conf:8:1: http: could not parse port \"b\"",
                "outpost.conf:9:1: max_sub_tokens: value is too big",
                "outpost.conf:10:1: server_name: server name cannot contain spaces",
                "outpost.conf:11:1: jetstream: Expected 'enabled' or 'disabled' for string value, got 'maybe'",
                "outpost.conf:12:1: system_account: system account name must be a string",
                "outpost.conf:13:18: server_tags: error parsing tags: expected a string, got an integer",
            ])
        #expect(list.description.split(separator: "\n").count == 13)
    }

    @Test("cross-setting checks of validateOptions")
    func crossChecks() throws {
        let payload = try #require(Self.errors("max_payload: 2MB\nmax_pending: 1MB"))
        #expect(
            payload.errors.map(\.description) == [
                "outpost.conf:1:1: max_payload: max_payload (2097152) cannot be higher than max_pending (1048576)"
            ])
        let lameDuck = try #require(Self.errors("lame_duck_duration: \"30s\"\nlame_duck_grace_period: \"30s\""))
        #expect(
            lameDuck.errors.first?.message
                == "lame duck grace period (30s) should be strictly lower than lame duck duration (30s)"
        )
        let big = try Self.load("max_payload: 16MB\nmax_pending: 64MB")
        #expect(big.warnings.first?.code == .discouraged)
        #expect(big.warnings.first?.message.hasPrefix("Maximum payloads over 8.00 MB") == true)
    }

    @Test("authorization: single user, token, users with permissions")
    func authorization() throws {
        let single = try Self.load("authorization { user: admin, password: s3cret, timeout: 3 }").configuration.authorization
        #expect(single.username == "admin" && single.password == "s3cret" && single.timeout == .seconds(3))
        #expect(try Self.load("authorization { token: abc }").configuration.authorization.token == "abc")
        #expect(try Self.load("authorization { token: abc, timeout: 0.5 }").configuration.authorization.timeout == .milliseconds(500))
        #expect(try Self.load("authorization { timeout: \"1.5s\" }").configuration.authorization.timeout == .milliseconds(1500))
        let loaded = try Self.load(
            """
            authorization {
              default_permissions = { publish = "SANDBOX.*", subscribe = ["PUBLIC.>", "_INBOX.>"] }
              users = [
                { user: alice, password: pw, permissions: {
                    publish: { allow: ["req.>"], deny: "req.admin" }
                    subscribe: "orders workers"
                    allow_responses: { max: 3, expires: "1m" }
                } }
                { user: bob, password: pw2, allowed_connection_types: ["standard", "WEBSOCKET"] }
                { nkey: UDXU4RCSJNZOIQHZNWXHXORDPRTGNJAHAHFRGZNEEJCPQTT2M7NLCNF4 }
                { user: carol, permissions: { publish: ">", allow_responses: true } }
              ]
            }
            """
        )
        let users = loaded.configuration.authorization.users
        #expect(users.count == 4)
        let alice = try #require(users.first?.permissions)
        #expect(alice.publish == SubjectPermission(allow: ["req.>"], deny: ["req.admin"]))
        #expect(alice.subscribe == SubjectPermission(allow: ["orders workers"]))
        #expect(alice.allowResponses == ResponsePermission(maxMessages: 3, expires: .seconds(60)))
        // Bob has no permissions of his own: the block's defaults apply.
        #expect(users[1].permissions?.publish?.allow == ["SANDBOX.*"])
        #expect(users[1].allowedConnectionTypes == ["STANDARD", "WEBSOCKET"])
        #expect(users[2].nkey == "UDXU4RCSJNZOIQHZNWXHXORDPRTGNJAHAHFRGZNEEJCPQTT2M7NLCNF4")
        #expect(users[3].permissions?.allowResponses == ResponsePermission())
        #expect(users[3].permissions?.publish?.allow == [">"])
        #expect(users[0].position == ConfigPosition(file: "outpost.conf", line: 4, column: 5))
    }

    @Test("allow_responses turns a missing publish list into 'nothing allowed'")
    func allowResponsesClosesPublish() throws {
        let loaded = try Self.load("authorization { users: [ { user: a, permissions: { allow_responses: true } } ] }")
        #expect(loaded.configuration.authorization.users.first?.permissions?.publish == SubjectPermission(allow: []))
    }

    @Test("authorization errors are worded as nats-server's")
    func authorizationErrors() throws {
        func messages(_ text: String) -> [String] { Self.errors(text)?.errors.map(\.message) ?? [] }
        #expect(messages("authorization { user: a, password: b, token: c }") == ["Cannot have a user/pass and token"])
        #expect(messages("authorization { user: a, users: [] }") == ["Can not have a single user/pass and a users array"])
        #expect(messages("authorization { token: a, users: [] }") == ["Can not have a token and a users array"])
        #expect(messages("authorization { users: [ {password: x} ] }") == ["User entry requires a user"])
        #expect(messages("authorization { users: [ {user: a}, {user: a} ] }") == ["Duplicate user \"a\" detected"])
        #expect(messages("authorization { users: [ {nkey: UBAD} ] }") == ["Not a valid public nkey for a user"])
        #expect(
            messages("authorization { users: [ {nkey: UDXU4RCSJNZOIQHZNWXHXORDPRTGNJAHAHFRGZNEEJCPQTT2M7NLCNF4, user: x} ] }")
                == ["Nkey users do not take usernames or passwords"]
        )
        #expect(messages("authorization { users: {user: a} }") == ["Expected users field to be an array, got a map"])
        #expect(
            messages("authorization { users: [ {user: a, permissions: { pub: \"a..b\" }} ] }") == [
                "subject \"a..b\" is not a valid subject"
            ])
        #expect(
            messages("authorization { users: [ {user: a, permissions: { sub: \"a b\" }} ] }").isEmpty
        )
        #expect(
            messages("authorization { users: [ {user: a, permissions: { pub: \"a b\" }} ] }") == ["subject \"a b\" is not a valid subject"])
        #expect(
            messages("authorization { users: [ {user: a, permissions: { bogus: x }} ] }") == ["Unknown field \"bogus\" parsing permissions"]
        )
        #expect(
            messages("authorization { users: [ {user: a, permissions: { pub: { permit: x } }} ] }")
                == ["Unknown field name \"permit\" parsing subject permissions, only 'allow' or 'deny' are permitted"]
        )
        #expect(
            messages("authorization { users: [ {user: a, allowed_connection_types: [bogus]} ] }") == ["unknown connection type \"bogus\""])
        #expect(messages("authorization { timeout: [a] }") == ["error parsing authorization config, 'timeout' wrong type"])
        #expect(messages("authorization { colour: red }") == ["unknown field \"colour\""])
        let list = try #require(Self.errors("\n  authorization {\n    users: [ {user: a}, {user: a} ]\n  }"))
        #expect(list.errors.first?.description.hasPrefix("outpost.conf:3:25: authorization: Duplicate user") == true)
    }

    @Test("a high authorization timeout is a warning")
    func authorizationTimeoutWarning() throws {
        let loaded = try Self.load("authorization { timeout: 120 }")
        #expect(loaded.warnings.first?.key == "authorization.timeout")
        #expect(loaded.warnings.first?.message.hasPrefix("timeout of 2m0s is high") == true)
    }

    @Test("no_auth_user must name a configured user")
    func noAuthUser() throws {
        #expect(try Self.load("no_auth_user: a\nauthorization { users: [ {user: a} ] }").configuration.noAuthUser == "a")
        #expect(try Self.load("no_auth_user: x\naccounts { A { users: [ {user: x} ] } }").configuration.noAuthUser == "x")
        #expect(
            Self.errors("no_auth_user: b\nauthorization { users: [ {user: a} ] }")?.errors.first?.message
                == "no_auth_user: \"b\" not present as user or nkey in authorization block or account configuration"
        )
        #expect(
            Self.errors("no_auth_user: b")?.errors.first?.message
                == "no_auth_user: \"b\" present, but users/nkeys are not defined"
        )
    }

    @Test("jetstream: boolean, enabled/disabled, or a block")
    func jetStream() throws {
        #expect(try Self.load("jetstream: true").configuration.jetStream.isEnabled)
        #expect(try Self.load("jetstream: enabled").configuration.jetStream.isEnabled)
        #expect(try Self.load("jetstream: Disable").configuration.jetStream.isEnabled == false)
        let block = try Self.load(
            """
            jetstream {
              store_dir: "/data/js"
              max_memory_store: 256MB
              max_file: "10G"
              domain: edge
              sync_interval: "30s"
              strict: false
            }
            """
        ).configuration.jetStream
        #expect(block.isEnabled)
        #expect(block.storeDirectory == "/data/js")
        #expect(block.maxMemoryBytes == 256 << 20)
        #expect(block.maxFileBytes == 10 << 30)
        #expect(block.domain == "edge")
        #expect(block.syncInterval == .seconds(30))
        #expect(!block.isStrict)
        #expect(try Self.load("jetstream { enabled: false, max_mem: 1G }").configuration.jetStream.isEnabled == false)
        #expect(try Self.load("jetstream { sync_interval: always }").configuration.jetStream.isSyncAlways)
        #expect(try Self.load("jetstream { max_mem_store: 1024 }").configuration.jetStream.maxMemoryBytes == 1024)
        #expect(try Self.load("store_dir: /top\njetstream: true").configuration.jetStream.storeDirectory == "/top")
        #expect(try Self.load("jetstream { store: /s }").configuration.jetStream.storeDirectory == "/s")
    }

    @Test("jetstream sync: kept raw for Outpost, applied as sync_interval when it has that form")
    func jetStreamSync() throws {
        let custom = try Self.load("jetstream { sync: batched }").configuration.jetStream
        #expect(custom.sync?.stringValue == "batched")
        #expect(custom.syncInterval == .seconds(120))
        let interval = try Self.load("jetstream { sync: \"10s\" }").configuration.jetStream
        #expect(interval.sync?.stringValue == "10s")
        #expect(interval.syncInterval == .seconds(10))
        #expect(try Self.load("jetstream { sync: always }").configuration.jetStream.isSyncAlways)
    }

    @Test("jetstream errors and unsupported keys")
    func jetStreamErrors() throws {
        func messages(_ text: String) -> [String] { Self.errors(text)?.errors.map(\.message) ?? [] }
        #expect(messages("store_dir: /a\njetstream { store_dir: /b }") == ["Duplicate 'store_dir' configuration"])
        #expect(messages("jetstream { max_mem: \"1X\" }") == ["max_mem_store sizes defined as strings must end in K, M, G, T"])
        #expect(messages("jetstream { max_file: \"xG\" }") == ["max_file_store strconv.ParseInt: parsing \"x\": invalid syntax"])
        #expect(messages("jetstream { max_file: [a] }") == ["max_file_store must be int64 or string"])
        #expect(messages("jetstream: 5") == ["Expected map, bool or string to define JetStream, got an integer"])
        #expect(messages("jetstream { domain: \"a.b\" }") == ["invalid domain name: may not contain ., * or >"])
        #expect(messages("jetstream { domain: \"a b\" }") == ["invalid domain name: derived \"$JS.a b.API\" is not a valid subject"])
        let loaded = try Self.load("jetstream { cipher: aes, key: secret, limits: { max_ack_pending: 10 } }")
        #expect(loaded.warnings.compactMap(\.key) == ["jetstream.cipher", "jetstream.key", "jetstream.limits"])
        #expect(loaded.configuration.jetStream.unsupportedSettings["cipher"]?.stringValue == "aes")
    }

    @Test("server_tags and system_account")
    func tagsAndSystemAccount() throws {
        #expect(try Self.load("server_tags: [\"az:1\", edge]").configuration.serverTags == ["az:1", "edge"])
        #expect(try Self.load("server_tags: single").configuration.serverTags == ["single"])
        #expect(try Self.load("system_account: SYS").configuration.systemAccount == "SYS")
        #expect(try Self.load("system: SYS2").configuration.systemAccount == "SYS2")
    }

    @Test("keys are case-insensitive, as in nats-server")
    func caseInsensitiveKeys() throws {
        let configuration = try Self.load("PORT: 4999\nJetStream { Max_Mem: 1K }").configuration
        #expect(configuration.port == 4999)
        #expect(configuration.jetStream.maxMemoryBytes == 1000)
    }

    @Test("flags win over the file")
    func flagsOverride() throws {
        let loaded = try Self.load(
            "port: 4222\nhost: 10.0.0.1\ndebug: true\nlogtime: true\njetstream { store_dir: /file }\nauthorization { user: a, password: b }",
            flags: [
                "-p", "5222", "-a=127.0.0.1", "-D=false", "-T=false", "-sd", "/flag", "--pass", "c", "-js=false",
                "-m", "8222", "-n", "flagged", "--event_loops", "2",
            ]
        )
        let configuration = loaded.configuration
        #expect(configuration.port == 5222)
        #expect(configuration.host == "127.0.0.1")
        #expect(!configuration.logging.isDebugEnabled)
        #expect(!configuration.logging.hasTimestamps)
        #expect(configuration.jetStream.storeDirectory == "/flag")
        #expect(!configuration.jetStream.isEnabled)
        #expect(configuration.authorization.username == "a")
        #expect(configuration.authorization.password == "c")
        #expect(configuration.monitoring.httpPort == 8222)
        #expect(configuration.serverName == "flagged")
        #expect(configuration.eventLoopCount == 2)
        // Flags that were not given leave the file alone.
        let untouched = try Self.load("port: 4333\ndebug: true", flags: ["-V"]).configuration
        #expect(untouched.port == 4333 && untouched.logging.isDebugEnabled && untouched.logging.isTraceEnabled)
    }

    @Test("applying flags to defaults, without a file")
    func applyingFlags() throws {
        let flags = try CommandLineFlags.parse(["-js", "-DV", "--user", "u", "--auth", "t"])
        let configuration = ServerConfiguration().applying(flags)
        #expect(configuration.jetStream.isEnabled)
        #expect(configuration.logging.isDebugEnabled && configuration.logging.isTraceEnabled)
        #expect(configuration.authorization.username == "u" && configuration.authorization.token == "t")
        #expect(ServerConfiguration().applying(CommandLineFlags()) == ServerConfiguration())
    }

    @Test("load(path:) reads through the injected reader, includes and environment")
    func loadFromPath() throws {
        let files = [
            "/etc/outpost/outpost.conf": "include auth.conf\nport: $OUTPOST_PORT",
            "/etc/outpost/auth.conf": "authorization { token: $TOKEN }",
        ]
        let environment = ["OUTPOST_PORT": "4888", "TOKEN": "s3cret"]
        let flags = try CommandLineFlags.parse(["-c", "/etc/outpost/outpost.conf", "--cluster_name", "x"])
        let loaded = try ConfigurationLoader.load(
            path: flags.configFile, flags: flags,
            readFile: { path in
                guard let text = files[path] else { throw ConfigError(.include, "open \(path): no such file or directory") }
                return text
            },
            environment: { environment[$0] }
        )
        #expect(loaded.configuration.port == 4888)
        #expect(loaded.configuration.authorization.token == "s3cret")
        #expect(loaded.configuration.configurationFile == "/etc/outpost/outpost.conf")
        // Flag warnings come with the file's.
        #expect(loaded.warnings.compactMap(\.key) == ["--cluster_name"])
        do {
            _ = try ConfigurationLoader.load(
                path: "/missing.conf",
                readFile: { path in
                    throw ConfigError(.include, "open \(path): no such file or directory")
                }, environment: { _ in nil })
            Issue.record("expected an error")
        } catch {
            #expect(error.errors.first?.description == "error opening config file: open /missing.conf: no such file or directory")
        }
    }

    @Test("a syntax error is reported alone, as the reference stops at the first one")
    func syntaxErrorStops() throws {
        let list = try #require(Self.errors("port: 1\nmax_payload: [1, 2]\nbogus: 1"))
        #expect(list.errors.count == 1)
        #expect(list.errors.first?.code == .syntax)
    }

    @Test("an empty file gives a warning")
    func emptyFile() throws {
        let loaded = try Self.load("# nothing\n")
        #expect(loaded.warnings.first?.message == "config has no values or is empty")
    }
}

@Suite("TLS blocks")
struct TLSBlockTests {
    @Test("tls: files, verify, timeout in seconds or as a duration, unknown keys refused")
    func tlsBlock() throws {
        let loaded = try ConfigurationLoaderTests.load(
            """
            tls { cert_file: s.pem, key_file: k.pem, ca_file: ca.pem, verify: true, timeout: 0.5, handshake_first: true }
            leafnodes { port: 7422, tls { cert_file: l.pem, key_file: lk.pem, timeout: "3s" } }
            """
        )
        let tls = try #require(loaded.configuration.tlsSettings)
        #expect(tls.certificateFile == "s.pem" && tls.keyFile == "k.pem" && tls.caFile == "ca.pem")
        #expect(tls.verify && tls.handshakeFirst && tls.timeout == .milliseconds(500))
        #expect(tls.position?.line == 1 && tls.keyPath == "tls")
        let leafTLS = try #require(loaded.configuration.leafNodeSettings?.tls)
        #expect(leafTLS.certificateFile == "l.pem" && leafTLS.timeout == .seconds(3) && leafTLS.keyPath == "leafnodes.tls")

        let bad = try #require(ConfigurationLoaderTests.errors("tls { cert_file: a.pem, verfy: true }"))
        #expect(bad.errors.map(\.description) == ["outpost.conf:1:25: tls: error parsing tls config, unknown field [\"verfy\"]"])
    }

    @Test(
        "cipher_suites, curve_preferences and min_version: Go's names to IANA numbers; unknown or unavailable names are errors at their place"
    )
    func tlsAlgorithms() throws {
        let loaded = try ConfigurationLoaderTests.load(
            """
            tls {
              cert_file: s.pem, key_file: k.pem
              cipher_suites: ["TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384", "TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305", "TLS_AES_128_GCM_SHA256"]
              curve_preferences: ["X25519", "CurveP384"]
              min_version: "1.3"
            }
            """)
        let tls = try #require(loaded.configuration.tlsSettings)
        #expect(tls.cipherSuites == [0xC02C, 0xCCA8, 0x1301])
        #expect(tls.curves == [0x1D, 0x18])
        #expect(tls.minimumVersion == "1.3")
        #expect(loaded.warnings.isEmpty, "\(loaded.warnings)")

        let cases: [(String, String)] = [
            (
                #"tls { cert_file: s.pem, key_file: k.pem, cipher_suites: ["TLS_BOGUS"] }"#,
                #"outpost.conf:1:58: tls.cipher_suites: unrecognized cipher TLS_BOGUS"#
            ),
            (
                #"tls { cert_file: s.pem, key_file: k.pem, curve_preferences: ["CurveBogus"] }"#,
                #"outpost.conf:1:62: tls.curve_preferences: unrecognized curve preference CurveBogus"#
            ),
            (
                #"tls { cert_file: s.pem, key_file: k.pem, cipher_suites: "TLS_AES_128_GCM_SHA256" }"#,
                "tls.cipher_suites: expected an array of names"
            ),
            (#"tls { cert_file: s.pem, key_file: k.pem, min_version: "1.1" }"#, "tls.min_version: unsupported TLS version 1.1"),
        ]
        for (text, expected) in cases {
            let errors = try #require(ConfigurationLoaderTests.errors(text), "\(text)")
            #expect(errors.errors.contains { $0.description.contains(expected) }, "\(errors.errors.map(\.description))")
        }
        // A suite nats-server knows and BoringSSL dropped is left out, with a warning.
        let narrowed = try ConfigurationLoaderTests.load(
            #"tls { cert_file: s.pem, key_file: k.pem, cipher_suites: ["TLS_RSA_WITH_RC4_128_SHA", "TLS_RSA_WITH_AES_128_GCM_SHA256"] }"#)
        #expect(narrowed.configuration.tlsSettings?.cipherSuites == [0x9C])
        #expect(
            narrowed.warnings.contains { $0.description.contains("cipher TLS_RSA_WITH_RC4_128_SHA is not available") },
            "\(narrowed.warnings)")
    }

    @Test("--tls, --tlscert, --tlskey, --tlsverify make a tls block or override the file's")
    func tlsFlags() throws {
        var flags = CommandLineFlags()
        flags.tls = true
        flags.tlsCertificateFile = "c.pem"
        flags.tlsKeyFile = "k.pem"
        flags.tlsVerify = true
        let applied = ServerConfiguration().applying(flags)
        #expect(applied.tlsSettings?.certificateFile == "c.pem" && applied.tlsSettings?.keyFile == "k.pem")
        #expect(applied.tlsSettings?.verify == true && applied.tlsSettings?.keyPath == "--tls")
        #expect(ServerConfiguration().applying(CommandLineFlags()).tlsSettings == nil)
    }
}

@Suite("Refusals that keep a server closed")
struct FailClosedConfigurationTests {
    @Test(
        "verify_and_map outside the client port, WebSocket-only credentials, import cycles and unknown leafnode accounts are errors, not warnings"
    )
    func refusals() throws {
        let cases: [(String, String)] = [
            (
                "websocket { port: 8080, tls { cert_file: a.pem, key_file: b.pem, verify_and_map: true } }",
                "websocket.tls.verify_and_map: not supported yet"
            ),
            (
                "leafnodes { port: 7422, tls { cert_file: a.pem, key_file: b.pem, verify_and_map: true } }",
                "leafnodes.tls.verify_and_map: not supported yet"
            ),
            ("websocket { port: 8080, no_tls: true, authorization { token: x } }", "websocket.authorization: not supported yet"),
            (
                """
                accounts {
                  A: { exports: [ { stream: "x.>" } ], imports: [ { stream: { account: B, subject: "x.>" } } ] }
                  B: { exports: [ { stream: "x.>" } ], imports: [ { stream: { account: A, subject: "x.>" } } ] }
                }
                """, "stream import of \"x.>\" from \"B\" forms a cycle"
            ),
            (
                "leafnodes { remotes [ { url: \"nats-leaf://hub:7422\", account: SENSROS } ] }",
                "leafnode remote account \"SENSROS\" is not defined in accounts"
            ),
        ]
        for (text, expected) in cases {
            let errors = try #require(ConfigurationLoaderTests.errors(text), "\(text)")
            #expect(errors.errors.contains { $0.description.contains(expected) }, "\(errors.errors.map(\.description))")
        }
    }

    @Test("an account's default_permissions apply to its users without their own")
    func accountDefaultPermissions() throws {
        let loaded = try ConfigurationLoaderTests.load(
            """
            accounts { A: { default_permissions: { publish: "a.>" }, users: [ { user: u, password: p }, { user: v, password: p, permissions: { publish: ">" } } ] } }
            """)
        let users = try #require(loaded.configuration.accountSettings.first?.users)
        #expect(users[0].permissions?.publish?.allow == ["a.>"])
        #expect(users[1].permissions?.publish?.allow == [">"])
    }
}

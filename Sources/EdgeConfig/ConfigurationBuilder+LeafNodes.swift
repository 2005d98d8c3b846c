/// The `leafnodes` block (`parseLeafNodes`, `parseRemoteLeafNodes` in nats-server's
/// `server/opts.go`).
extension ConfigurationBuilder {
    mutating func processLeafNodes(_ value: ConfigValue, key: String, at: ConfigPosition) {
        guard let block = map(value, key: key, at: at) else { return }
        var settings = LeafNodeSettings()
        for entry in block.entries {
            let path = "\(key).\(entry.key)"
            let value = entry.value
            let position = entry.keyPosition
            switch entry.key.lowercased() {
            case "listen":
                switch value.kind {
                case .integer(let port):
                    settings.port = Int(port)
                case .string(let text):
                    guard let hostPort = HostPort(parsing: text) else {
                        fail(.invalidValue, "could not parse address string \"\(text)\"", at: position, key: path)
                        continue
                    }
                    settings.host = hostPort.host.isEmpty ? nil : hostPort.host
                    settings.port = hostPort.port
                default:
                    fail(.invalidType, "expected port or host:port, got \(value.kind.typeName)", at: position, key: path)
                }
            case "port":
                if let port = integer(value, key: path, at: position) { settings.port = Int(port) }
            case "host", "net":
                settings.host = string(value, key: path, at: position)
            case "advertise":
                settings.advertise = string(value, key: path, at: position)
            case "authorization":
                processLeafAuthorization(value, key: path, at: position, into: &settings)
            case "remotes":
                settings.remotes = leafRemotes(value, key: path, at: position)
            case "reconnect", "reconnect_delay", "reconnect_interval":
                settings.reconnectInterval = duration(value, key: path, at: position)
            case "no_advertise":
                _ = bool(value, key: path, at: position)
            case "tls":
                settings.tls = tlsSettings(value, key: path, at: position)
            case "compression", "min_version", "isolate_leafnode_interest", "write_deadline", "tls_handshake_first":
                warn(.unsupported, "not supported yet: ignored", at: position, key: path)
            default:
                guard !entry.isReferencedAsVariable else { continue }
                fail(.unknownField, "unknown field \"\(entry.key)\"", at: position, key: key)
            }
        }
        if let port = settings.port, !(0...65535).contains(port) && port != -1 {
            fail(.invalidValue, "invalid leafnode port \(port)", at: at, key: key)
        }
        configuration.leafNodeSettings = settings
        positions["leafnodes"] = at
    }

    private mutating func processLeafAuthorization(
        _ value: ConfigValue, key: String, at: ConfigPosition, into settings: inout LeafNodeSettings
    ) {
        guard let block = map(value, key: key, at: at) else { return }
        var single: (user: String?, password: String?) = (nil, nil)
        for entry in block.entries {
            let path = "\(key).\(entry.key)"
            switch entry.key.lowercased() {
            case "user", "username":
                single.user = string(entry.value, key: path, at: entry.keyPosition)
            case "pass", "password":
                single.password = string(entry.value, key: path, at: entry.keyPosition)
            case "timeout":
                settings.authTimeout = authorizationTimeout(entry.value, key: path, at: entry.keyPosition)
            case "users":
                guard let elements = entry.value.arrayValue else {
                    fail(
                        .invalidType, "Expected users field to be an array, got \(entry.value.kind.typeName)", at: entry.keyPosition,
                        key: path)
                    continue
                }
                for (index, element) in elements.enumerated() {
                    guard let fields = element.mapValue else {
                        fail(
                            .invalidType, "Expected user entry to be a map/struct, got \(element.kind.typeName)", at: element.position,
                            key: "\(path)[\(index)]")
                        continue
                    }
                    var name: String?
                    var password: String?
                    var nkey: String?
                    var account: String?
                    var accountPosition: ConfigPosition?
                    for field in fields.entries {
                        let fieldPath = "\(path)[\(index)].\(field.key)"
                        switch field.key.lowercased() {
                        case "user", "username": name = string(field.value, key: fieldPath, at: field.keyPosition)
                        case "pass", "password": password = string(field.value, key: fieldPath, at: field.keyPosition)
                        case "nkey": nkey = string(field.value, key: fieldPath, at: field.keyPosition)
                        case "account":
                            account = string(field.value, key: fieldPath, at: field.keyPosition)
                            accountPosition = field.keyPosition
                        default:
                            fail(.unknownField, "unknown field \"\(field.key)\"", at: field.keyPosition, key: "\(path)[\(index)]")
                        }
                    }
                    if let nkey {
                        guard NKeyValidation.isValidPublicKey(nkey, kind: .user) else {
                            fail(.invalidValue, "Not a valid public nkey for a user", at: element.position, key: "\(path)[\(index)]")
                            continue
                        }
                        settings.nkeys.append(nkey)
                        if account != nil {
                            fail(
                                .invalidValue, "not supported yet: an nkey leafnode user cannot bind an account",
                                at: accountPosition ?? element.position, key: "\(path)[\(index)].account")
                        }
                        continue
                    }
                    guard let name else {
                        fail(.invalidValue, "User entry requires a user", at: element.position, key: "\(path)[\(index)]")
                        continue
                    }
                    settings.users.append(LeafUser(username: name, password: password ?? "", account: account))
                }
            case "account":
                warn(
                    .unsupported, "not supported yet: accounts are ignored, the link uses the global account", at: entry.keyPosition,
                    key: path)
            case "nkey":
                if let nkey = string(entry.value, key: path, at: entry.keyPosition) {
                    if NKeyValidation.isValidPublicKey(nkey, kind: .user) {
                        settings.nkeys.append(nkey)
                    } else {
                        fail(.invalidValue, "Not a valid public nkey for a user", at: entry.keyPosition, key: path)
                    }
                }
            default:
                guard !entry.isReferencedAsVariable else { continue }
                fail(.unknownField, "unknown field \"\(entry.key)\"", at: entry.keyPosition, key: key)
            }
        }
        if let user = single.user {
            settings.users.append(LeafUser(username: user, password: single.password ?? ""))
        }
    }

    private mutating func leafRemotes(_ value: ConfigValue, key: String, at: ConfigPosition) -> [LeafRemoteSettings] {
        guard let elements = value.arrayValue else {
            fail(.invalidType, "Expected remotes field to be an array, got \(value.kind.typeName)", at: at, key: key)
            return []
        }
        var remotes: [LeafRemoteSettings] = []
        for (index, element) in elements.enumerated() {
            let path = "\(key)[\(index)]"
            guard let fields = element.mapValue else {
                fail(
                    .invalidType, "Expected remote leafnode entry to be a map/struct, got \(element.kind.typeName)", at: element.position,
                    key: path)
                continue
            }
            var remote = LeafRemoteSettings(position: element.position)
            var namesURL = false
            for entry in fields.entries {
                let fieldPath = "\(path).\(entry.key)"
                let position = entry.keyPosition
                switch entry.key.lowercased() {
                case "url":
                    namesURL = true
                    if let text = string(entry.value, key: fieldPath, at: position) {
                        remoteURL(text, key: fieldPath, at: position, into: &remote)
                    }
                case "urls":
                    namesURL = true
                    guard let items = entry.value.arrayValue else {
                        fail(
                            .invalidType, "Expected urls field to be an array, got \(entry.value.kind.typeName)", at: position,
                            key: fieldPath)
                        continue
                    }
                    for item in items {
                        if let text = string(item, key: fieldPath, at: item.position) {
                            remoteURL(text, key: fieldPath, at: item.position, into: &remote)
                        }
                    }
                case "account", "local":
                    remote.account = string(entry.value, key: fieldPath, at: position)
                case "deny_imports", "deny_import":
                    remote.denyImports = subjectList(entry.value, key: fieldPath, at: position)
                case "deny_exports", "deny_export":
                    remote.denyExports = subjectList(entry.value, key: fieldPath, at: position)
                case "store_and_forward", "store_forward":
                    remote.storeAndForward = storeAndForward(entry.value, key: fieldPath, at: position)
                case "credentials", "creds":
                    remote.credentialsPath = string(entry.value, key: fieldPath, at: position)
                    remote.credentialsPosition = position
                case "nkey", "seed":
                    remote.nkeySeed = string(entry.value, key: fieldPath, at: position)
                    remote.nkeyPosition = position
                case "tls":
                    remote.tls = tlsSettings(entry.value, key: fieldPath, at: position)
                case "hub", "ws_compression", "ws_no_masking", "compression",
                    "first_info_timeout", "jetstream_cluster_migrate", "local_isolation", "request_isolation", "name",
                    "disabled", "proxy":
                    warn(.unsupported, "not supported yet: ignored", at: position, key: fieldPath)
                default:
                    guard !entry.isReferencedAsVariable else { continue }
                    fail(.unknownField, "unknown field \"\(entry.key)\"", at: position, key: path)
                }
            }
            if remote.urls.isEmpty {
                // A URL that was given but is wrong has its own error already.
                if !namesURL { fail(.invalidValue, "remote leafnode entry requires at least one url", at: element.position, key: path) }
                continue
            }
            remotes.append(remote)
        }
        return remotes
    }

    private mutating func storeAndForward(_ value: ConfigValue, key: String, at: ConfigPosition) -> StoreAndForwardSettings? {
        guard let block = map(value, key: key, at: at) else { return nil }
        var settings = StoreAndForwardSettings()
        for entry in block.entries {
            let path = "\(key).\(entry.key)"
            let position = entry.keyPosition
            switch entry.key.lowercased() {
            case "subjects", "subject":
                settings.subjects = subjectList(entry.value, key: path, at: position)
            case "max_bytes":
                settings.maxBytes = storageSize(entry.value, label: "max_bytes", key: path, at: position) ?? 0
            case "max_msgs", "max_messages":
                settings.maxMessages = integer(entry.value, key: path, at: position) ?? 0
            case "max_age":
                settings.maxAge = duration(entry.value, key: path, at: position) ?? .zero
            case "rate_limit":
                settings.rateLimit = storageSize(entry.value, label: "rate_limit", key: path, at: position) ?? 0
            case "discard":
                switch string(entry.value, key: path, at: position)?.lowercased() {
                case "old": settings.discardNew = false
                case "new": settings.discardNew = true
                case nil: break
                case let other?: fail(.invalidValue, "discard must be \"old\" or \"new\", got \"\(other)\"", at: position, key: path)
                }
            default:
                guard !entry.isReferencedAsVariable else { continue }
                fail(.unknownField, "unknown field \"\(entry.key)\"", at: position, key: key)
            }
        }
        if settings.subjects.isEmpty {
            fail(.invalidValue, "store_and_forward needs at least one subject", at: at, key: key)
            return nil
        }
        if settings.maxBytes < 0 || settings.maxMessages < 0 || settings.rateLimit < 0 {
            fail(.invalidValue, "store_and_forward limits cannot be negative", at: at, key: key)
            return nil
        }
        return settings
    }

    private mutating func remoteURL(_ text: String, key: String, at: ConfigPosition, into remote: inout LeafRemoteSettings) {
        switch LeafRemoteURL.parse(text) {
        case .success(let url): remote.urls.append(url)
        case .failure(let error): fail(.invalidValue, "invalid leafnode remote url: \(error.text)", at: at, key: key)
        }
    }

    /// A subject or a list of subjects (`deny_imports: "a.>"` or `["a.>", "b"]`), each valid.
    private mutating func subjectList(_ value: ConfigValue, key: String, at: ConfigPosition) -> [String] {
        let items: [ConfigValue]
        if let array = value.arrayValue { items = array } else { items = [value] }
        var subjects: [String] = []
        for item in items {
            guard let subject = string(item, key: key, at: item.position) else { continue }
            guard isValidSubjectPattern(subject) else {
                fail(.invalidValue, "invalid subject \"\(subject)\"", at: item.position, key: key)
                continue
            }
            subjects.append(subject)
        }
        return subjects
    }

    /// Tokens separated by dots, none empty, `>` only last (EdgeConfig does not depend on Subjects).
    private func isValidSubjectPattern(_ subject: String) -> Bool {
        let tokens = subject.split(separator: ".", omittingEmptySubsequences: false)
        for (index, token) in tokens.enumerated() {
            if token.isEmpty || token.contains(where: { $0 == " " || $0 == "\t" }) { return false }
            if token == ">" && index != tokens.count - 1 { return false }
        }
        return !tokens.isEmpty
    }
}

extension ConfigurationBuilder {
    /// An account's `jetstream`: `enabled`/`disabled`, a bool, or a map of limits
    /// (nats-server `parseJetStreamForAccount`).
    mutating func accountJetStream(_ value: ConfigValue, key: String, at: ConfigPosition) -> AccountJetStreamLimits? {
        switch value.kind {
        case .bool(let isEnabled):
            return isEnabled ? AccountJetStreamLimits() : nil
        case .string(let text):
            switch text.lowercased() {
            case "enabled", "enable": return AccountJetStreamLimits()
            case "disabled", "disable": return nil
            default:
                fail(.invalidValue, "Expected 'enabled' or 'disabled' for string value, got '\(text)'", at: at, key: key)
                return nil
            }
        case .map(let block):
            var limits = AccountJetStreamLimits()
            for entry in block.entries {
                let path = "\(key).\(entry.key)"
                switch entry.key.lowercased() {
                case "max_memory", "max_mem", "mem", "memory":
                    if let size = storageSize(entry.value, label: "max_memory", key: path, at: entry.keyPosition) {
                        limits.maxMemory = size
                    }
                case "max_file", "max_store", "max_disk", "store", "disk":
                    if let size = storageSize(entry.value, label: "max_file", key: path, at: entry.keyPosition) { limits.maxStorage = size }
                case "max_streams", "streams":
                    if let count = integer(entry.value, key: path, at: entry.keyPosition) { limits.maxStreams = Int(count) }
                case "max_consumers", "consumers":
                    if let count = integer(entry.value, key: path, at: entry.keyPosition) { limits.maxConsumers = Int(count) }
                case "max_ack_pending":
                    if let count = integer(entry.value, key: path, at: entry.keyPosition) { limits.maxAckPending = Int(count) }
                case "memory_max_stream_bytes", "mem_max_stream_bytes":
                    if let size = storageSize(entry.value, label: "memory_max_stream_bytes", key: path, at: entry.keyPosition) {
                        limits.memoryMaxStreamBytes = size
                    }
                case "store_max_stream_bytes", "disk_max_stream_bytes":
                    if let size = storageSize(entry.value, label: "store_max_stream_bytes", key: path, at: entry.keyPosition) {
                        limits.storageMaxStreamBytes = size
                    }
                case "max_bytes_required", "max_stream_bytes", "max_bytes":
                    if let required = bool(entry.value, key: path, at: entry.keyPosition) { limits.maxBytesRequired = required }
                case "cluster_traffic":
                    // nats-server 2.10+, about clustered traffic accounting: nothing here to apply.
                    fail(.invalidValue, "not supported yet: Outpost does not cluster", at: entry.keyPosition, key: path)
                default:
                    guard !entry.isReferencedAsVariable else { continue }
                    fail(.unknownField, "unknown field \"\(entry.key)\"", at: entry.keyPosition, key: key)
                }
            }
            return limits
        default:
            fail(.invalidType, "Expected map, bool or string to define JetStream, got \(value.kind.typeName)", at: at, key: key)
            return nil
        }
    }

    /// The `accounts` block: a map of account names to `users`, `exports`, `imports`.
    mutating func processAccounts(_ value: ConfigValue, key: String, at: ConfigPosition) {
        guard let block = value.mapValue else {
            fail(.invalidType, "Expected accounts to be a map, got \(value.kind.typeName)", at: at, key: key)
            return
        }
        var accounts: [AccountSettings] = []
        for entry in block.entries {
            let path = "\(key).\(entry.key)"
            var account = AccountSettings(name: entry.key)
            account.position = entry.keyPosition
            var defaults: UserPermissions?
            guard let fields = entry.value.mapValue else {
                fail(.invalidType, "Expected account to be a map, got \(entry.value.kind.typeName)", at: entry.keyPosition, key: path)
                continue
            }
            for field in fields.entries {
                let fieldPath = "\(path).\(field.key)"
                switch field.key.lowercased() {
                case "users":
                    account.users = users(field.value, key: fieldPath, at: field.keyPosition)
                case "exports":
                    account.exports = accountExports(field.value, key: fieldPath, at: field.keyPosition)
                case "imports":
                    account.imports = accountImports(field.value, key: fieldPath, at: field.keyPosition)
                case "default_permissions":
                    defaults = permissions(field.value, key: fieldPath, at: field.keyPosition)
                case "jetstream":
                    account.jetStream = accountJetStream(field.value, key: fieldPath, at: field.keyPosition)
                case "limits", "mappings", "nkey":
                    warn(.unsupported, "not supported yet: ignored", at: field.keyPosition, key: fieldPath)
                default:
                    guard !field.isReferencedAsVariable else { continue }
                    fail(.unknownField, "unknown field \"\(field.key)\"", at: field.keyPosition, key: path)
                }
            }
            if let defaults {
                for index in account.users.indices where account.users[index].permissions == nil {
                    account.users[index].permissions = defaults
                }
            }
            accounts.append(account)
        }
        configuration.accountSettings = accounts
        // An import whose messages land where another import picks them up and carries them
        // back (A to B and B to A on overlapping subjects, or an account onto itself) would
        // send them round forever.
        for account in accounts {
            for (index, item) in account.imports.enumerated() {
                // Where this import's messages appear in `account`, and what picks them up there.
                let landing = item.isService ? item.subject : (item.prefix.map { "\($0).\(item.subject)" } ?? item.to ?? item.subject)
                let listened = item.isService ? (item.to ?? item.subject) : item.subject
                let loops =
                    item.account == account.name
                    || (accounts.first { $0.name == item.account }?.imports ?? []).contains { back in
                        guard back.account == account.name, back.isService == item.isService else { return false }
                        let backListened = back.isService ? (back.to ?? back.subject) : back.subject
                        let backLanding =
                            back.isService ? back.subject : (back.prefix.map { "\($0).\(back.subject)" } ?? back.to ?? back.subject)
                        return item.isService
                            ? SubjectSyntax.intersects(backListened, landing) && SubjectSyntax.intersects(backLanding, listened)
                            : SubjectSyntax.intersects(back.subject, landing) && SubjectSyntax.intersects(backLanding, listened)
                    }
                if loops {
                    fail(
                        .invalidValue,
                        "\(item.isService ? "service" : "stream") import of \"\(item.subject)\" from \"\(item.account)\" forms a cycle",
                        at: item.position, key: "\(key).\(account.name).imports[\(index)]")
                }
            }
        }
        // Every import names an account that exists and an export that covers it.
        for account in accounts {
            for (index, item) in account.imports.enumerated() {
                let path = "\(key).\(account.name).imports[\(index)]"
                guard let exporter = accounts.first(where: { $0.name == item.account }) else {
                    fail(.invalidValue, "import from unknown account \"\(item.account)\"", at: item.position, key: path)
                    continue
                }
                let covering = exporter.exports.first { export in
                    export.isService == item.isService && SubjectSyntax.isSubset(item.subject, of: export.subject)
                        && (export.accounts == nil || export.accounts!.contains(account.name))
                }
                if covering == nil {
                    fail(
                        .invalidValue,
                        "\(item.isService ? "service" : "stream") import of \"\(item.subject)\" is not exported by account \"\(item.account)\" to \"\(account.name)\"",
                        at: item.position, key: path)
                }
            }
        }
    }

    private mutating func accountExports(_ value: ConfigValue, key: String, at: ConfigPosition) -> [AccountExport] {
        guard let elements = value.arrayValue else {
            fail(.invalidType, "Expected exports to be an array, got \(value.kind.typeName)", at: at, key: key)
            return []
        }
        var exports: [AccountExport] = []
        for (index, element) in elements.enumerated() {
            let path = "\(key)[\(index)]"
            guard let fields = element.mapValue else {
                fail(.invalidType, "Expected an export to be a map, got \(element.kind.typeName)", at: element.position, key: path)
                continue
            }
            var subject: String?
            var isService = false
            var accounts: [String]?
            for field in fields.entries {
                switch field.key.lowercased() {
                case "stream": subject = string(field.value, key: "\(path).stream", at: field.keyPosition)
                case "service":
                    subject = string(field.value, key: "\(path).service", at: field.keyPosition)
                    isService = true
                case "accounts":
                    accounts = (field.value.arrayValue ?? []).compactMap { string($0, key: "\(path).accounts", at: $0.position) }
                case "response", "response_type", "threshold", "response_threshold", "latency", "account_token_position", "advertise":
                    warn(.unsupported, "not supported yet: ignored", at: field.keyPosition, key: "\(path).\(field.key)")
                default:
                    fail(.unknownField, "unknown field \"\(field.key)\"", at: field.keyPosition, key: path)
                }
            }
            guard let subject, SubjectSyntax.isValid(subject) else {
                fail(.invalidValue, "an export needs a valid \"stream\" or \"service\" subject", at: element.position, key: path)
                continue
            }
            exports.append(AccountExport(subject: subject, isService: isService, accounts: accounts, position: element.position))
        }
        return exports
    }

    private mutating func accountImports(_ value: ConfigValue, key: String, at: ConfigPosition) -> [AccountImport] {
        guard let elements = value.arrayValue else {
            fail(.invalidType, "Expected imports to be an array, got \(value.kind.typeName)", at: at, key: key)
            return []
        }
        var imports: [AccountImport] = []
        for (index, element) in elements.enumerated() {
            let path = "\(key)[\(index)]"
            guard let fields = element.mapValue else {
                fail(.invalidType, "Expected an import to be a map, got \(element.kind.typeName)", at: element.position, key: path)
                continue
            }
            var source: (account: String, subject: String)?
            var isService = false
            var to: String?
            var prefix: String?
            for field in fields.entries {
                let fieldPath = "\(path).\(field.key)"
                switch field.key.lowercased() {
                case "stream", "service":
                    isService = field.key.lowercased() == "service"
                    guard let origin = field.value.mapValue,
                        let account = origin["account"].flatMap({ string($0, key: "\(fieldPath).account", at: field.keyPosition) }),
                        let subject = origin["subject"].flatMap({ string($0, key: "\(fieldPath).subject", at: field.keyPosition) })
                    else {
                        fail(.invalidValue, "expected { account: NAME, subject: SUBJECT }", at: field.keyPosition, key: fieldPath)
                        continue
                    }
                    source = (account, subject)
                case "to", "local_subject": to = string(field.value, key: fieldPath, at: field.keyPosition)
                case "prefix": prefix = string(field.value, key: fieldPath, at: field.keyPosition)
                case "share", "allow_trace":
                    warn(.unsupported, "not supported yet: ignored", at: field.keyPosition, key: fieldPath)
                default:
                    fail(.unknownField, "unknown field \"\(field.key)\"", at: field.keyPosition, key: path)
                }
            }
            guard let source, SubjectSyntax.isValid(source.subject) else {
                fail(.invalidValue, "an import needs a \"stream\" or \"service\" with a valid subject", at: element.position, key: path)
                continue
            }
            imports.append(
                AccountImport(
                    account: source.account, subject: source.subject, isService: isService, to: to, prefix: prefix,
                    position: element.position))
        }
        return imports
    }
}

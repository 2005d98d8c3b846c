/// The `jetstream` setting (`parseJetStream` in nats-server's `server/opts.go`).
extension ConfigurationBuilder {
    mutating func processJetStream(_ value: ConfigValue, key: String, at: ConfigPosition) {
        switch value.kind {
        case .bool(let isEnabled):
            configuration.jetStream.isEnabled = isEnabled
        case .string(let text):
            switch text.lowercased() {
            case "enabled", "enable": configuration.jetStream.isEnabled = true
            case "disabled", "disable": configuration.jetStream.isEnabled = false
            default:
                fail(.invalidValue, "Expected 'enabled' or 'disabled' for string value, got '\(text)'", at: at, key: key)
            }
        case .map(let block):
            processJetStreamBlock(block, key: key)
            positions["jetstream"] = at
        default:
            fail(.invalidType, "Expected map, bool or string to define JetStream, got \(value.kind.typeName)", at: at, key: key)
        }
    }

    private mutating func processJetStreamBlock(_ block: ConfigMap, key: String) {
        var isEnabled = true
        for entry in block.entries {
            let path = "\(key).\(entry.key)"
            let value = entry.value
            let at = entry.keyPosition
            let lowercased = entry.key.lowercased()
            switch lowercased {
            case "store", "store_dir", "storedir":
                if let directory = string(value, key: path, at: at) { setStoreDirectory(directory, at: at, key: path) }
            case "sync_interval":
                configuration.jetStream.isSyncConfigured = true
                applySyncInterval(value, key: path, at: at)
            case "sync":
                configuration.jetStream.isSyncConfigured = true
                // Outpost's own sync policy; nats-server reads `sync` as `sync_interval`, so the
                // value is applied that way too when it has that form.
                configuration.jetStream.sync = value
                if let text = value.stringValue, text.lowercased() == "always" {
                    configuration.jetStream.isSyncAlways = true
                } else if let text = value.stringValue, case .success(let interval) = GoDuration.parse(text) {
                    configuration.jetStream.syncInterval = interval
                }
            case "max_memory_store", "max_mem_store", "max_mem":
                if let size = storageSize(value, label: "max_mem_store", key: path, at: at) {
                    configuration.jetStream.maxMemoryBytes = size
                }
            case "max_file_store", "max_file":
                if let size = storageSize(value, label: "max_file_store", key: path, at: at) {
                    configuration.jetStream.maxFileBytes = size
                }
            case "sqlite_cache", "sqlite_cache_size":
                if let size = storageSize(value, label: "sqlite_cache", key: path, at: at) {
                    if size < 64 * 1024 {
                        fail(.invalidValue, "sqlite_cache must be at least 64KB, got \(size) bytes", at: at, key: path)
                    } else {
                        configuration.jetStream.sqliteCacheBytes = size
                    }
                }
            case "domain":
                if let domain = string(value, key: path, at: at) {
                    configuration.jetStream.domain = domain
                    positions["jetstream.domain"] = at
                }
            case "enable", "enabled":
                if let flag = bool(value, key: path, at: at) { isEnabled = flag }
            case "strict":
                guard let flag = value.boolValue else {
                    fail(.invalidType, "Expected 'true' or 'false' for bool value, got \(value.kind.typeName)", at: at, key: path)
                    continue
                }
                configuration.jetStream.isStrict = flag
            case "key", "ek", "encryption_key", "prev_key", "prev_ek", "prev_encryption_key", "cipher", "tpm":
                configuration.jetStream.unsupportedSettings[lowercased] = value
                warn(.unsupported, "not supported: Outpost does not encrypt stored streams", at: at, key: path)
            case "extension_hint", "limits", "unique_tag", "max_outstanding_catchup", "max_buffered_size",
                "max_buffered_msgs", "request_queue_limit", "meta_compact", "meta_compact_size", "meta_compact_sync",
                "max_concurrent_io":
                configuration.jetStream.unsupportedSettings[lowercased] = value
                warn(.unsupported, "not supported yet: ignored", at: at, key: path)
            default:
                guard !entry.isReferencedAsVariable else { continue }
                fail(.unknownField, "unknown field \"\(entry.key)\"", at: at, key: key)
            }
        }
        configuration.jetStream.isEnabled = isEnabled
    }

    /// `"always"`, or a duration as `parseDuration` reads it.
    private mutating func applySyncInterval(_ value: ConfigValue, key: String, at: ConfigPosition) {
        if let text = value.stringValue, text.lowercased() == "always" {
            configuration.jetStream.isSyncAlways = true
            configuration.jetStream.syncInterval = ServerDefaults.jetStreamSyncInterval
            return
        }
        if let interval = duration(value, key: key, at: at) {
            configuration.jetStream.syncInterval = interval
        }
    }

    /// An integer size, or a string with one power-of-two suffix `K`, `M`, `G` or `T`
    /// (nats-server `getStorageSize`; `"1G"` is 1 GiB; an empty string is 0).
    mutating func storageSize(_ value: ConfigValue, label: String, key: String, at: ConfigPosition) -> Int64? {
        switch value.kind {
        case .integer(let size):
            return size
        case .string(let text):
            if text.isEmpty { return 0 }
            let suffix = text.unicodeScalars.last!
            let numberText = String(text.unicodeScalars.dropLast())
            guard let number = Int64(numberText) else {
                fail(.invalidValue, "\(label) strconv.ParseInt: parsing \"\(numberText)\": invalid syntax", at: at, key: key)
                return nil
            }
            let shift: Int64
            switch suffix {
            case "K": shift = 10
            case "M": shift = 20
            case "G": shift = 30
            case "T": shift = 40
            default:
                fail(.invalidValue, "\(label) sizes defined as strings must end in K, M, G, T", at: at, key: key)
                return nil
            }
            let (size, overflow) = number.multipliedReportingOverflow(by: 1 << shift)
            guard !overflow else {
                fail(.invalidValue, "\(label) \(text) is out of range", at: at, key: key)
                return nil
            }
            return size
        default:
            fail(.invalidType, "\(label) must be int64 or string", at: at, key: key)
            return nil
        }
    }
}

extension ConfigurationBuilder {
    /// A `tls { }` block. Files are only named here; the server reads them at start and names
    /// this block's position when one cannot be used.
    mutating func tlsSettings(_ value: ConfigValue, key: String, at: ConfigPosition) -> TLSSettings? {
        guard let block = value.mapValue else {
            fail(.invalidType, "Expected tls to be a map/struct, got \(value.kind.typeName)", at: at, key: key)
            return nil
        }
        var settings = TLSSettings()
        settings.position = at
        settings.keyPath = key
        for entry in block.entries {
            let path = "\(key).\(entry.key)"
            let position = entry.keyPosition
            switch entry.key.lowercased() {
            case "cert_file":
                settings.certificateFile = string(entry.value, key: path, at: position)
            case "key_file":
                settings.keyFile = string(entry.value, key: path, at: position)
            case "ca_file":
                settings.caFile = string(entry.value, key: path, at: position)
            case "verify":
                settings.verify = bool(entry.value, key: path, at: position) ?? false
            case "verify_and_map":
                settings.verifyAndMap = bool(entry.value, key: path, at: position) ?? false
                if settings.verifyAndMap && key != "tls" {
                    // Only the client port maps certificates to users; accepting it elsewhere
                    // without mapping would let any certificate holder in as anyone.
                    fail(.invalidValue, "not supported yet: Outpost maps certificates to users on the client port only (the top-level tls block)", at: position, key: path)
                }
            case "timeout":
                settings.timeout = tlsTimeout(entry.value, key: path, at: position) ?? settings.timeout
            case "handshake_first", "first", "handshake_first_fallback":
                settings.handshakeFirst = bool(entry.value, key: path, at: position) ?? false
            case "insecure":
                settings.insecure = bool(entry.value, key: path, at: position) ?? false
            case "server_name":
                settings.serverName = string(entry.value, key: path, at: position)
            case "pinned_certs", "cert_match", "cert_match_by", "ocsp_peer":
                fail(.invalidValue, "not supported yet: Outpost would not enforce it", at: position, key: path)
            case "cipher_suites", "curve_preferences", "min_version", "connection_rate_limit",
                "verify_cert_and_check_known_urls", "cert_store", "ca_certs_match", "certs", "cert_match_skip_invalid":
                warn(.unsupported, "not supported yet: ignored (Outpost uses its TLS library's defaults)", at: position, key: path)
            default:
                guard !entry.isReferencedAsVariable else { continue }
                fail(.unknownField, "error parsing tls config, unknown field [\"\(entry.key)\"]", at: position, key: key)
            }
        }
        return settings
    }

    /// `timeout`: seconds as a number (fractions allowed), or a duration string.
    private mutating func tlsTimeout(_ value: ConfigValue, key: String, at: ConfigPosition) -> Duration? {
        switch value.kind {
        case .integer(let seconds) where seconds > 0: return .seconds(seconds)
        case .float(let seconds) where seconds > 0: return .milliseconds(Int64(seconds * 1000))
        case .string: return duration(value, key: key, at: at)
        default:
            fail(.invalidValue, "expected a positive number of seconds, got \(value.kind.typeName)", at: at, key: key)
            return nil
        }
    }
}

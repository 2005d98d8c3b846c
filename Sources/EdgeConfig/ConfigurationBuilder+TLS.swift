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
                if settings.verifyAndMap && key.lowercased() != "tls" {
                    // Only the client port maps certificates to users; accepting it elsewhere
                    // without mapping would let any certificate holder in as anyone.
                    fail(
                        .invalidValue,
                        "not supported yet: Outpost maps certificates to users on the client port only (the top-level tls block)",
                        at: position, key: path)
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
            case "cipher_suites":
                settings.cipherSuites = tlsNames(
                    entry.value, key: path, at: position, table: TLSAlgorithmNames.cipherSuites, unknown: "unrecognized cipher"
                ) { name in
                    TLSAlgorithmNames.unavailableCipherSuites.contains(name)
                        ? "cipher \(name) is not available in Outpost's TLS library (BoringSSL dropped it as insecure): left out" : nil
                }
            case "curve_preferences":
                settings.curves = tlsNames(
                    entry.value, key: path, at: position, table: TLSAlgorithmNames.curves, unknown: "unrecognized curve preference",
                    unavailable: { _ in nil })
            case "min_version":
                if let version = string(entry.value, key: path, at: position) {
                    if version == "1.2" || version == "1.3" {
                        settings.minimumVersion = version
                    } else {
                        fail(.invalidValue, "unsupported TLS version \(version): 1.2 or 1.3", at: entry.value.position, key: path)
                    }
                }
            case "connection_rate_limit",
                "verify_cert_and_check_known_urls", "cert_store", "ca_certs_match", "certs", "cert_match_skip_invalid":
                warn(.unsupported, "not supported yet: ignored (Outpost uses its TLS library's defaults)", at: position, key: path)
            default:
                guard !entry.isReferencedAsVariable else { continue }
                fail(.unknownField, "error parsing tls config, unknown field [\"\(entry.key)\"]", at: position, key: key)
            }
        }
        return settings
    }

    /// `cipher_suites` or `curve_preferences`: an array of names, each looked up in `table`
    /// (nats-server's words for a name it does not know, an error; `unavailable` for one it
    /// knows that Outpost cannot offer, a warning: leaving an allowed suite out only narrows
    /// what is allowed).
    private mutating func tlsNames(
        _ value: ConfigValue, key: String, at: ConfigPosition, table: [String: UInt16], unknown: String, unavailable: (String) -> String?
    ) -> [UInt16]? {
        guard let items = value.arrayValue else {
            fail(.invalidType, "expected an array of names, got \(value.kind.typeName)", at: at, key: key)
            return nil
        }
        var numbers: [UInt16] = []
        for item in items {
            guard let name = string(item, key: key, at: item.position) else { continue }
            if let number = table[name] {
                numbers.append(number)
            } else if let reason = unavailable(name) {
                warn(.unsupported, reason, at: item.position, key: key)
            } else {
                fail(.invalidValue, "\(unknown) \(name)", at: item.position, key: key)
            }
        }
        return numbers
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

extension ConfigurationBuilder {
    /// The `websocket` block; nats-server's checks: a port, and TLS unless `no_tls` says so.
    mutating func webSocketSettings(_ value: ConfigValue, key: String, at: ConfigPosition) -> WebSocketSettings? {
        guard let block = value.mapValue else {
            fail(.invalidType, "Expected websocket to be a map/struct, got \(value.kind.typeName)", at: at, key: key)
            return nil
        }
        var settings = WebSocketSettings()
        settings.position = at
        for entry in block.entries {
            let path = "\(key).\(entry.key)"
            let position = entry.keyPosition
            switch entry.key.lowercased() {
            case "listen":
                if let text = string(entry.value, key: path, at: position) {
                    guard let parsed = HostPort(parsing: text) else {
                        fail(.invalidValue, "could not parse address string \"\(text)\"", at: position, key: path)
                        continue
                    }
                    settings.host = parsed.host
                    settings.port = parsed.port
                }
            case "host", "net":
                settings.host = string(entry.value, key: path, at: position)
            case "port":
                if let port = entry.value.integerValue {
                    settings.port = Int(port)
                } else {
                    fail(.invalidType, "expected a port number, got \(entry.value.kind.typeName)", at: position, key: path)
                }
            case "tls":
                settings.tls = tlsSettings(entry.value, key: path, at: position)
            case "no_tls":
                settings.noTLS = bool(entry.value, key: path, at: position) ?? false
            case "same_origin":
                settings.sameOrigin = bool(entry.value, key: path, at: position) ?? false
            case "allowed_origins", "allowed_origin", "allow_origins", "allow_origin", "origins", "origin":
                if let text = entry.value.stringValue {
                    settings.allowedOrigins = [text]
                } else if let list = entry.value.arrayValue {
                    settings.allowedOrigins = list.compactMap { element in string(element, key: path, at: element.position) }
                } else {
                    fail(
                        .invalidType, "expected a string or an array of strings, got \(entry.value.kind.typeName)", at: position, key: path)
                }
            case "handshake_timeout":
                if let duration = duration(entry.value, key: path, at: position) { settings.handshakeTimeout = duration }
            case "compression":
                if bool(entry.value, key: path, at: position) == true {
                    warn(
                        .unsupported, "not supported yet: frames are sent uncompressed (clients are told in the handshake)", at: position,
                        key: path)
                }
            case "no_auth_user", "authorization", "jwt_cookie", "username", "user", "password", "pass",
                "token", "user_cookie", "pass_cookie", "token_cookie":
                // Ignoring WebSocket-only credentials would open the port to anyone.
                fail(
                    .invalidValue, "not supported yet: WebSocket clients authenticate with the server's authorization block", at: position,
                    key: path)
            case "advertise", "headers":
                warn(.unsupported, "not supported yet: ignored", at: position, key: path)
            default:
                guard !entry.isReferencedAsVariable else { continue }
                fail(.unknownField, "unknown field \"\(entry.key)\"", at: position, key: key)
            }
        }
        if settings.tls == nil && !settings.noTLS {
            fail(.invalidValue, "websocket requires TLS configuration", at: at, key: key)
            return nil
        }
        return settings
    }
}

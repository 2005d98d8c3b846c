/// The `authorization` block (`parseAuthorization`, `parseUsers`, `parseUserPermissions` in
/// nats-server's `server/opts.go`).
extension ConfigurationBuilder {
    mutating func processAuthorization(_ value: ConfigValue, key: String, at: ConfigPosition) {
        guard let block = map(value, key: key, at: at) else { return }
        var authorization = AuthorizationConfiguration()
        for entry in block.entries {
            let path = "\(key).\(entry.key)"
            let value = entry.value
            let position = entry.keyPosition
            switch entry.key.lowercased() {
            case "user", "username":
                authorization.username = string(value, key: path, at: position)
            case "pass", "password":
                authorization.password = string(value, key: path, at: position)
            case "token":
                authorization.token = string(value, key: path, at: position)
            case "timeout":
                authorization.timeout = authorizationTimeout(value, key: path, at: position)
            case "users":
                authorization.hasUsersList = true
                authorization.users = users(value, key: path, at: position)
            case "default_permission", "default_permissions", "permissions":
                authorization.defaultPermissions = permissions(value, key: path, at: position)
            case "auth_callout", "auth_hook":
                authorization.authCallout = value
                warn(.unsupported, "not supported yet: authorization callouts are ignored", at: position, key: path)
            case "proxy_required":
                warn(.unsupported, "not supported yet: ignored", at: position, key: path)
            default:
                guard !entry.isReferencedAsVariable else { continue }
                fail(.unknownField, "unknown field \"\(entry.key)\"", at: position, key: key)
            }
        }
        if let defaults = authorization.defaultPermissions {
            for index in authorization.users.indices where authorization.users[index].permissions == nil {
                authorization.users[index].permissions = defaults
            }
        }
        // The same combinations nats-server refuses, reported at the block.
        if (authorization.username != nil || authorization.password != nil) && authorization.token != nil {
            fail(.invalidValue, "Cannot have a user/pass and token", at: at, key: key)
        }
        if authorization.hasUsersList {
            if authorization.username != nil {
                fail(.invalidValue, "Can not have a single user/pass and a users array", at: at, key: key)
            }
            if authorization.token != nil {
                fail(.invalidValue, "Can not have a token and a users array", at: at, key: key)
            }
        }
        var seen: Set<String> = []
        for user in authorization.users {
            if let name = user.username, !seen.insert(name).inserted {
                fail(.invalidValue, "Duplicate user \"\(name)\" detected", at: user.position ?? at, key: key)
            }
            if let nkey = user.nkey, !seen.insert(nkey).inserted {
                fail(.invalidValue, "Duplicate nkey \"\(nkey)\" detected", at: user.position ?? at, key: key)
            }
        }
        configuration.authorization = authorization
        positions["authorization"] = at
    }

    /// Seconds (integer or float) or, since nats-server 2.12, a duration string.
    mutating func authorizationTimeout(_ value: ConfigValue, key: String, at: ConfigPosition) -> Duration? {
        let timeout: Duration
        switch value.kind {
        case .integer(let seconds):
            timeout = .seconds(seconds)
        case .float(let seconds):
            timeout = .nanoseconds(Int64((seconds * 1_000_000_000).rounded()))
        case .string(let text):
            switch GoDuration.parse(text) {
            case .success(let duration): timeout = duration
            case .failure(let error):
                fail(.invalidValue, "error parsing authorization config, 'timeout' \(error)", at: at, key: key)
                return nil
            }
        default:
            fail(.invalidType, "error parsing authorization config, 'timeout' wrong type", at: at, key: key)
            return nil
        }
        if timeout > ServerDefaults.authorizationTimeoutWarning {
            warn(
                .discouraged,
                "timeout of \(GoDuration.format(timeout)) is high, consider keeping it under 60 seconds. possibly caused by unquoted duration; use '1m' instead of 1m, for example",
                at: at, key: key
            )
        }
        // nats-server treats 0 as "use the default".
        return timeout == .zero ? nil : timeout
    }

    mutating func users(_ value: ConfigValue, key: String, at: ConfigPosition) -> [AuthorizedUser] {
        guard let elements = value.arrayValue else {
            fail(.invalidType, "Expected users field to be an array, got \(value.kind.typeName)", at: at, key: key)
            return []
        }
        var users: [AuthorizedUser] = []
        for (index, element) in elements.enumerated() {
            let path = "\(key)[\(index)]"
            guard let fields = element.mapValue else {
                fail(.invalidType, "Expected user entry to be a map/struct, got \(element.kind.typeName)", at: element.position, key: path)
                continue
            }
            var user = AuthorizedUser(position: element.position)
            for entry in fields.entries {
                let fieldPath = "\(path).\(entry.key)"
                switch entry.key.lowercased() {
                case "nkey":
                    user.nkey = string(entry.value, key: fieldPath, at: entry.keyPosition)
                case "user", "username":
                    user.username = string(entry.value, key: fieldPath, at: entry.keyPosition)
                case "pass", "password":
                    user.password = string(entry.value, key: fieldPath, at: entry.keyPosition)
                case "permission", "permissions", "authorization":
                    user.permissions = permissions(entry.value, key: fieldPath, at: entry.keyPosition)
                case "allowed_connection_types", "connection_types", "clients":
                    user.allowedConnectionTypes = connectionTypes(entry.value, key: fieldPath, at: entry.keyPosition)
                case "proxy_required":
                    warn(.unsupported, "not supported yet: ignored", at: entry.keyPosition, key: fieldPath)
                default:
                    guard !entry.isReferencedAsVariable else { continue }
                    fail(.unknownField, "unknown field \"\(entry.key)\"", at: entry.keyPosition, key: path)
                }
            }
            if let nkey = user.nkey {
                if !NKeyValidation.isValidPublicKey(nkey, kind: .user) {
                    fail(.invalidValue, "Not a valid public nkey for a user", at: element.position, key: path)
                    continue
                }
                if user.username != nil || user.password != nil {
                    fail(.invalidValue, "Nkey users do not take usernames or passwords", at: element.position, key: path)
                    continue
                }
            } else if user.username == nil {
                fail(.invalidValue, "User entry requires a user", at: element.position, key: path)
                continue
            }
            users.append(user)
        }
        return users
    }

    /// Connection types a user may connect with, upper-cased; unknown ones are errors.
    private mutating func connectionTypes(_ value: ConfigValue, key: String, at: ConfigPosition) -> [String]? {
        let names: [String]
        switch value.kind {
        case .string(let name):
            names = [name]
        case .array(let elements):
            var collected: [String] = []
            for element in elements {
                guard let name = element.stringValue else {
                    fail(
                        .invalidType, "error parsing allowed connection types: unsupported type in array \(element.kind.typeName)",
                        at: element.position, key: key
                    )
                    continue
                }
                collected.append(name)
            }
            names = collected
        default:
            fail(.invalidType, "error parsing allowed connection types: unsupported type \(value.kind.typeName)", at: at, key: key)
            return nil
        }
        let known = ["STANDARD", "WEBSOCKET", "LEAFNODE", "LEAFNODE_WS", "MQTT", "MQTT_WS", "IN_PROCESS"]
        var types: [String] = []
        for name in names {
            let upper = name.uppercased()
            guard known.contains(upper) else {
                fail(.invalidValue, "unknown connection type \"\(name)\"", at: at, key: key)
                continue
            }
            if !types.contains(upper) { types.append(upper) }
        }
        return types
    }

    /// A `permissions` block.
    mutating func permissions(_ value: ConfigValue, key: String, at: ConfigPosition) -> UserPermissions? {
        guard let block = value.mapValue else {
            fail(.invalidType, "Expected permissions to be a map/struct, got \(value.kind.typeName)", at: at, key: key)
            return nil
        }
        var permissions = UserPermissions()
        for entry in block.entries {
            let path = "\(key).\(entry.key)"
            switch entry.key.lowercased() {
            case "pub", "publish", "import":
                permissions.publish = subjectPermission(entry.value, allowsQueues: false, key: path, at: entry.keyPosition)
            case "sub", "subscribe", "export":
                permissions.subscribe = subjectPermission(entry.value, allowsQueues: true, key: path, at: entry.keyPosition)
            case "publish_allow_responses", "allow_responses":
                if let flag = entry.value.boolValue {
                    permissions.allowResponses = flag ? ResponsePermission() : nil
                } else {
                    permissions.allowResponses = responsePermission(entry.value, key: path, at: entry.keyPosition)
                }
            default:
                guard !entry.isReferencedAsVariable else { continue }
                fail(.unknownField, "Unknown field \"\(entry.key)\" parsing permissions", at: entry.keyPosition, key: key)
            }
        }
        if permissions.allowResponses != nil {
            // nats-server: allowing responses turns off the blanket publish allow.
            var publish = permissions.publish ?? SubjectPermission()
            if publish.allow == nil { publish.allow = [] }
            permissions.publish = publish
        }
        return permissions
    }

    /// `publish`/`subscribe`: a subject, a list of subjects, or `{ allow: ..., deny: ... }`.
    private mutating func subjectPermission(
        _ value: ConfigValue, allowsQueues: Bool, key: String, at: ConfigPosition
    ) -> SubjectPermission? {
        guard let block = value.mapValue else {
            guard let subjects = permissionSubjects(value, allowsQueues: allowsQueues, key: key, at: at) else { return nil }
            return SubjectPermission(allow: subjects)
        }
        if block.isEmpty { return nil }
        var permission = SubjectPermission()
        for entry in block.entries {
            switch entry.key.lowercased() {
            case "allow":
                permission.allow = permissionSubjects(entry.value, allowsQueues: allowsQueues, key: "\(key).allow", at: entry.keyPosition)
            case "deny":
                permission.deny = permissionSubjects(entry.value, allowsQueues: allowsQueues, key: "\(key).deny", at: entry.keyPosition)
            default:
                guard !entry.isReferencedAsVariable else { continue }
                fail(
                    .unknownField,
                    "Unknown field name \"\(entry.key)\" parsing subject permissions, only 'allow' or 'deny' are permitted",
                    at: entry.keyPosition, key: key
                )
            }
        }
        return permission
    }

    private mutating func permissionSubjects(
        _ value: ConfigValue, allowsQueues: Bool, key: String, at: ConfigPosition
    ) -> [String]? {
        var subjects: [String] = []
        switch value.kind {
        case .string(let subject):
            subjects = [subject]
        case .array(let elements):
            for element in elements {
                guard let subject = element.stringValue else {
                    fail(.invalidType, "Subject in permissions array cannot be cast to string", at: element.position, key: key)
                    return nil
                }
                subjects.append(subject)
            }
        default:
            fail(
                .invalidType,
                "Expected subject permissions to be a subject, or array of subjects, got \(value.kind.typeName)",
                at: at, key: key
            )
            return nil
        }
        for subject in subjects where !SubjectSyntax.isValid(subject) {
            // A subscribe permission may name a queue group: "subject queue".
            let parts = subject.split(whereSeparator: { $0 == " " || $0 == "\t" || $0 == "\n" || $0 == "\r" })
            if !allowsQueues || parts.count != 2 {
                fail(.invalidValue, "subject \"\(subject)\" is not a valid subject", at: at, key: key)
                return nil
            }
            if !SubjectSyntax.isValid(String(parts[0])) {
                fail(.invalidValue, "subject \"\(parts[0])\" is not a valid subject", at: at, key: key)
                return nil
            }
            if !SubjectSyntax.isValid(String(parts[1])) {
                fail(.invalidValue, "queue \"\(parts[1])\" is not a valid queue", at: at, key: key)
                return nil
            }
        }
        return subjects
    }

    /// `allow_responses { max: 1, expires: "1m" }`; 0 means the default for either.
    private mutating func responsePermission(_ value: ConfigValue, key: String, at: ConfigPosition) -> ResponsePermission? {
        guard let block = value.mapValue else {
            fail(.invalidType, "error parsing response permissions, expected a boolean or a map", at: at, key: key)
            return nil
        }
        var permission = ResponsePermission()
        for entry in block.entries {
            let path = "\(key).\(entry.key)"
            switch entry.key.lowercased() {
            case "max", "max_msgs", "max_messages", "max_responses":
                guard let count = integer(entry.value, key: path, at: entry.keyPosition) else { return nil }
                if count != 0 { permission.maxMessages = Int(count) }
            case "expires", "expiration", "ttl":
                guard let text = entry.value.stringValue else {
                    fail(.invalidType, "error parsing expires, not a duration string", at: entry.keyPosition, key: path)
                    return nil
                }
                switch GoDuration.parse(text) {
                case .success(let expires):
                    if expires != .zero { permission.expires = expires }
                case .failure(let error):
                    fail(.invalidValue, "error parsing expires: \(error)", at: entry.keyPosition, key: path)
                    return nil
                }
            default:
                guard !entry.isReferencedAsVariable else { continue }
                fail(.unknownField, "Unknown field \"\(entry.key)\" parsing permissions", at: entry.keyPosition, key: key)
            }
        }
        return permission
    }
}

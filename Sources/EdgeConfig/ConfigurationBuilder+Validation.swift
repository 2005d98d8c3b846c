/// Checks across settings, made after the flags are applied, as nats-server's
/// `validateOptions` runs after the configuration and flags are merged.
extension ConfigurationBuilder {
    mutating func validate() {
        validateLeafAccounts()
        let configuration = configuration
        if configuration.lameDuckGracePeriod >= configuration.lameDuckDuration {
            fail(
                .invalidValue,
                "lame duck grace period (\(GoDuration.format(configuration.lameDuckGracePeriod))) should be strictly lower than lame duck duration (\(GoDuration.format(configuration.lameDuckDuration)))",
                at: positions["lame_duck_grace_period"] ?? positions["lame_duck_duration"],
                key: "lame_duck_grace_period"
            )
        }
        if Int64(configuration.maxPayloadBytes) > configuration.maxPendingBytes {
            fail(
                .invalidValue,
                "max_payload (\(configuration.maxPayloadBytes)) cannot be higher than max_pending (\(configuration.maxPendingBytes))",
                at: positions["max_payload"] ?? positions["max_pending"], key: "max_payload"
            )
        }
        if configuration.maxPayloadBytes > ServerDefaults.maxPayloadWarningBytes {
            warn(
                .discouraged, "Maximum payloads over 8.00 MB are generally discouraged and could lead to poor performance",
                at: positions["max_payload"], key: "max_payload"
            )
        }
        if let serverName = configuration.serverName, serverName.contains(" ") {
            fail(.invalidValue, "server name cannot contain spaces", at: nil, key: "server_name")
        }
        if let domain = configuration.jetStream.domain, !domain.isEmpty {
            let subject = "$JS.\(domain).API"
            if !SubjectSyntax.isValid(subject) {
                fail(
                    .invalidValue, "invalid domain name: derived \"\(subject)\" is not a valid subject",
                    at: positions["jetstream.domain"], key: "jetstream.domain"
                )
            } else if !SubjectSyntax.isValidName(domain) {
                fail(
                    .invalidValue, "invalid domain name: may not contain ., * or >", at: positions["jetstream.domain"],
                    key: "jetstream.domain")
            }
        }
        validateNoAuthUser()
    }

    /// `no_auth_user` must name a user of `authorization` or of an account (`validateNoAuthUser`).
    /// A remote bound to an account that does not exist would otherwise fall back to `$G` and
    /// expose it to the hub.
    private mutating func validateLeafAccounts() {
        let known = Set(configuration.accountSettings.map(\.name)).union(["$G"])
        for (index, remote) in (configuration.leafNodeSettings?.remotes ?? []).enumerated() {
            guard let account = remote.account, !known.contains(account) else { continue }
            fail(
                .invalidValue, "leafnode remote account \"\(account)\" is not defined in accounts", at: remote.position,
                key: "leafnodes.remotes[\(index)].account")
        }
        for user in configuration.leafNodeSettings?.users ?? [] {
            guard let account = user.account, !known.contains(account) else { continue }
            fail(
                .invalidValue, "leafnode user \"\(user.username)\" names account \"\(account)\", which is not defined in accounts", at: nil,
                key: "leafnodes.authorization.users")
        }
    }

    private mutating func validateNoAuthUser() {
        guard let noAuthUser = configuration.noAuthUser, !noAuthUser.isEmpty else { return }
        let at = positions["no_auth_user"]
        if configuration.operator != nil {
            return fail(.invalidValue, "no_auth_user not compatible with Trusted Operator", at: at, key: "no_auth_user")
        }
        var names = configuration.authorization.users.compactMap { $0.username ?? $0.nkey }
        names += accountUserNames()
        guard configuration.authorization.hasUsersList || !names.isEmpty else {
            return fail(
                .invalidValue, "no_auth_user: \"\(noAuthUser)\" present, but users/nkeys are not defined", at: at, key: nil
            )
        }
        if !names.contains(noAuthUser) {
            fail(
                .invalidValue,
                "no_auth_user: \"\(noAuthUser)\" not present as user or nkey in authorization block or account configuration",
                at: at, key: nil
            )
        }
    }

    /// User names and nkeys declared in the raw `accounts` block.
    private func accountUserNames() -> [String] {
        guard let accounts = configuration.accounts?.mapValue else { return [] }
        var names: [String] = []
        for account in accounts.entries {
            guard let block = account.value.mapValue else { continue }
            for field in block.entries where field.key.lowercased() == "users" {
                for user in field.value.arrayValue ?? [] {
                    guard let fields = user.mapValue else { continue }
                    for entry in fields.entries {
                        switch entry.key.lowercased() {
                        case "user", "username", "nkey":
                            if let name = entry.value.stringValue { names.append(name) }
                        default:
                            continue
                        }
                    }
                }
            }
        }
        return names
    }
}

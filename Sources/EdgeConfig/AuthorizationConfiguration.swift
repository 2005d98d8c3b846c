/// The `authorization { ... }` block: one user, one token, or a list of users.
///
/// | key | type | meaning |
/// | --- | --- | --- |
/// | `user`, `username` | string | single user (also `--user`) |
/// | `password`, `pass` | string | its password (also `--pass`) |
/// | `token` | string | token instead of a user (also `--auth`) |
/// | `timeout` | seconds or duration string | time allowed to authenticate (default 2s) |
/// | `users` | array of maps | `user`/`password` or `nkey`, `permissions`, `allowed_connection_types` |
/// | `permissions`, `default_permissions` | map | for users without their own |
/// | `auth_callout` | map | kept raw, not supported yet |
package struct AuthorizationConfiguration: Hashable, Sendable {
    /// The single user's name.
    package var username: String?
    /// The single user's password.
    package var password: String?
    /// The token.
    package var token: String?
    /// The authentication timeout; nil for the default (``ServerDefaults/authorizationTimeout``).
    package var timeout: Duration?
    /// The users, in order; nkey users have ``AuthorizedUser/nkey`` set.
    package var users: [AuthorizedUser] = []
    /// Whether a `users` list was written at all (even empty), which forbids `user` and `token`.
    package var hasUsersList = false
    /// `default_permissions`, already applied to users that have none.
    package var defaultPermissions: UserPermissions?
    /// `auth_callout` as written; Outpost does not act on it yet.
    package var authCallout: ConfigValue?

    /// Creates an empty configuration: no authentication.
    package init() {}

    /// Whether any form of authentication is configured.
    package var isEnabled: Bool {
        username != nil || token != nil || !users.isEmpty
    }
}

/// One entry of `authorization { users: [ ... ] }`: a user with a password, or an nkey.
package struct AuthorizedUser: Hashable, Sendable {
    /// `user` (also `username`); nil for an nkey user.
    package var username: String?
    /// `password` (also `pass`): plain text or a bcrypt hash (`$2a$...`).
    package var password: String?
    /// `nkey`: a public user nkey (`U...`); nil for a username user.
    package var nkey: String?
    /// `permissions` (also `permission`, `authorization`), or the block's default permissions.
    package var permissions: UserPermissions?
    /// `allowed_connection_types` in upper case (`STANDARD`, `WEBSOCKET`, `LEAFNODE`, ...);
    /// nil for all.
    package var allowedConnectionTypes: [String]?
    /// Where the entry was written.
    package var position: ConfigPosition?

    /// Creates a user.
    package init(
        username: String? = nil, password: String? = nil, nkey: String? = nil, permissions: UserPermissions? = nil,
        allowedConnectionTypes: [String]? = nil, position: ConfigPosition? = nil
    ) {
        self.username = username
        self.password = password
        self.nkey = nkey
        self.permissions = permissions
        self.allowedConnectionTypes = allowedConnectionTypes
        self.position = position
    }
}

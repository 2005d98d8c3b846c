/// A hub's permissions for a leafnode link, as its INFO carries them: `{"import":{"allow":[...],
/// "deny":[...]},"export":{...}}` (nats-server `sendPermsAndAccountInfo`: import is the link
/// user's subscribe permissions, export its publish permissions).
package struct LeafHubPermissions: Decodable, Equatable, Sendable {
    package struct Lists: Decodable, Equatable, Sendable {
        /// `nil`: no allow list (everything not denied); empty: nothing.
        package var allow: [String]?
        package var deny: [String]?

        package init(allow: [String]?, deny: [String]?) {
            self.allow = allow
            self.deny = deny
        }
    }

    package var `import`: Lists?
    package var export: Lists?

    package init(import: Lists?, export: Lists?) {
        self.import = `import`
        self.export = export
    }
}

/// What a user may publish and subscribe to (nats-server `Permissions`), from a `permissions`
/// block:
///
/// ```text
/// permissions {
///   publish   { allow: ["req.>"], deny: ["req.admin"] }   # or just a subject / list of subjects
///   subscribe: "_INBOX.>"                                  # queue groups: "orders workers"
///   allow_responses: { max: 1, expires: "1m" }             # or true
/// }
/// ```
package struct UserPermissions: Hashable, Sendable {
    /// `publish` (also `pub`, `import`).
    package var publish: SubjectPermission?
    /// `subscribe` (also `sub`, `export`); entries may name a queue group after a space.
    package var subscribe: SubjectPermission?
    /// `allow_responses` (also `publish_allow_responses`).
    package var allowResponses: ResponsePermission?

    /// Creates permissions.
    package init(
        publish: SubjectPermission? = nil, subscribe: SubjectPermission? = nil, allowResponses: ResponsePermission? = nil
    ) {
        self.publish = publish
        self.subscribe = subscribe
        self.allowResponses = allowResponses
    }
}

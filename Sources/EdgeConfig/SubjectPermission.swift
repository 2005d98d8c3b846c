/// Allowed and denied subjects for publishing or subscribing (nats-server `SubjectPermission`).
///
/// `allow == nil` means everything not denied is allowed; `allow == []` allows nothing (which
/// is what `allow_responses` turns a missing publish list into).
package struct SubjectPermission: Hashable, Sendable {
    /// Subjects (wildcards allowed) that may be used; nil for no restriction.
    package var allow: [String]?
    /// Subjects that may not be used, even if allowed.
    package var deny: [String]?

    /// Creates a permission.
    package init(allow: [String]? = nil, deny: [String]? = nil) {
        self.allow = allow
        self.deny = deny
    }
}

/// One `key: value` pair of a ``ConfigMap``.
package struct ConfigMapEntry: Hashable, Sendable {
    /// The key exactly as written (quotes removed; case kept).
    package var key: String
    /// Where the key starts. nats-server reports errors about a setting at its key.
    package var keyPosition: ConfigPosition
    /// The value.
    package var value: ConfigValue
    /// Whether a `$key` reference used this entry as a variable.
    ///
    /// nats-server does not report such top-level entries as unknown fields: they are variable
    /// definitions (`conf/parse.go` marks the token `usedVariable`; `server/opts.go` skips it).
    package var isReferencedAsVariable: Bool

    /// Creates an entry.
    package init(
        key: String, keyPosition: ConfigPosition, value: ConfigValue, isReferencedAsVariable: Bool = false
    ) {
        self.key = key
        self.keyPosition = keyPosition
        self.value = value
        self.isReferencedAsVariable = isReferencedAsVariable
    }
}

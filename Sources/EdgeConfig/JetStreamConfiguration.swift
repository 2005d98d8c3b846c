/// The `jetstream` setting: `true`/`false`, `"enabled"`/`"disabled"`, or a block.
///
/// | key | type | default |
/// | --- | --- | --- |
/// | `store_dir`, `store`, `storedir` | string | the system temporary directory (server's choice) |
/// | `max_memory_store`, `max_mem_store`, `max_mem` | size, or string `"512M"` | -1 (dynamic) |
/// | `max_file_store`, `max_file` | size, or string `"10G"` | -1 (dynamic) |
/// | `domain` | string | none |
/// | `sync_interval` | `"always"` or duration | 2m |
/// | `sync` | Outpost's own sync policy; also read as `sync_interval` when it fits | none |
/// | `enabled`, `enable` | bool | true when a block is given |
/// | `strict` | bool | true |
package struct JetStreamConfiguration: Hashable, Sendable {
    /// Whether JetStream runs.
    package var isEnabled = false
    /// Where streams are stored.
    package var storeDirectory: String?
    /// Memory storage limit in bytes; -1 for dynamic.
    package var maxMemoryBytes: Int64 = ServerDefaults.jetStreamStorageDynamic
    /// File storage limit in bytes; -1 for dynamic.
    package var maxFileBytes: Int64 = ServerDefaults.jetStreamStorageDynamic
    /// The JetStream domain.
    package var domain: String?
    /// `sqlite_cache` (Outpost only): SQLite's page cache in bytes; nil for the default (2 MiB).
    package var sqliteCacheBytes: Int64?
    /// How often stored data is synced to disk.
    package var syncInterval: Duration = ServerDefaults.jetStreamSyncInterval
    /// `sync_interval: always`: sync after every write.
    package var isSyncAlways = false
    /// `sync` or `sync_interval` was written in the file. Outpost's default, unlike
    /// nats-server's two minutes, is to make every acknowledged write durable.
    package var isSyncConfigured = false
    /// The `sync` value as written, for Outpost's own sync policy (nats-server reads `sync` as
    /// an alias of `sync_interval`; the loader does too when the value fits that form).
    package var sync: ConfigValue?
    /// `strict`: reject unknown fields in JetStream API requests.
    package var isStrict = true
    /// Keys nats-server knows that Outpost ignores (`cipher`, `limits`, ...), as written.
    package var unsupportedSettings: [String: ConfigValue] = [:]

    /// Creates a disabled configuration with the defaults.
    package init() {}
}

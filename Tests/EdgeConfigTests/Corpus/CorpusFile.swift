/// One real configuration file of ``ReferenceCorpus`` and what the reference server said
/// about it.
struct CorpusFile: Sendable {
    /// `nats-server/<path in repo>` or `nats.py/<path in repo>`.
    let path: String
    /// Whether `nats-server -t -c` accepted it.
    let isAcceptedByReference: Bool
    /// The first line the reference printed.
    let referenceMessage: String
    /// The file, verbatim.
    let text: String
}

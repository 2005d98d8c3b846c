import Testing

@testable import EdgeConfig

/// The real configuration files, through the whole loader: what nats-server accepts loads
/// without errors (warnings for what Outpost ignores), and what it rejects fails for the same
/// reason.
@Suite("Corpus through the loader")
struct CorpusLoadingTests {
    static func load(_ path: String) -> Result<LoadedConfiguration, ConfigErrorList> {
        Result { () throws(ConfigErrorList) -> LoadedConfiguration in
            try ConfigurationLoader.load(
                path: path,
                readFile: { path in
                    guard let file = ReferenceCorpus.filesByPath[path] else {
                        throw ConfigError(.include, "open \(path): no such file or directory")
                    }
                    return file.text
                },
                environment: { _ in nil }
            )
        }
    }

    /// Files the reference accepts that Outpost refuses on purpose, with the reason (a setting
    /// that would be unsafe to ignore). None at present.
    static let refusedOnPurpose: [String: String] = [:]

    @Test(
        "files the reference accepts load without errors (or are refused for a stated reason)",
        arguments: CorpusParsingTests.acceptedFiles.map(\.path))
    func acceptedFileLoads(path: String) {
        let result = Self.load(path)
        if let reason = Self.refusedOnPurpose[path] {
            guard case .failure(let list) = result else {
                Issue.record("\(path) should be refused for \(reason)")
                return
            }
            #expect(list.errors.allSatisfy { $0.description.contains(reason) }, "\(list)")
        } else if case .failure(let list) = result {
            Issue.record("\(list)")
        }
    }

    @Test("files that configure what Outpost ignores say so in warnings")
    func warningsForIgnoredBlocks() throws {
        guard case .success(let loaded) = Self.load("nats-server/test/configs/srv_a.conf") else {
            Issue.record("srv_a.conf did not load")
            return
        }
        #expect(loaded.warnings.contains { $0.key == "cluster" && $0.code == .unsupported })
        #expect(loaded.configuration.cluster != nil)
    }

    struct Rejection: Sendable, CustomTestStringConvertible {
        let path: String
        /// Text every one of which must appear in our error list.
        let expected: [String]
        var testDescription: String { path }
    }

    static let rejections: [Rejection] = [
        Rejection(
            path: "nats-server/server/configs/malformed_listen_address.conf",
            expected: ["Expected a top-level value to end with a new line, comment or EOF, but got 'f' instead."]
        ),
        Rejection(
            path: "nats-server/server/configs/malformed_cluster_address.conf",
            expected: [#"Expected a map value terminator "," or a map terminator "}", but got 'f' instead."#]
        ),
        Rejection(path: "nats-server/server/configs/reload/invalid.conf", expected: ["Expected value but found new line"]),
        Rejection(
            // nats-server 2.10+ reads the enclosing braces as a block, hence "block-level" where
            // the 2.9 binary said "top-level".
            path: "nats.py/nats-server/tests/configs/invalid.conf",
            expected: ["value to end with a new line, comment or EOF, but got '\"' instead."]
        ),
        Rejection(
            path: "nats-server/server/configs/include_bad_conf_check_a.conf",
            expected: ["nats-server/server/configs/include_bad_conf_check_b.conf:10:19: unknown field \"monitoring_port\""]
        ),
        Rejection(
            path: "nats-server/server/configs/include_conf_check_b.conf",
            expected: ["include_conf_check_b.conf:2:1: unknown field \"monitoring_port\""]
        ),
        Rejection(
            path: "nats-server/test/configs/auths.conf",
            expected: ["unknown field \"BENCH\"", "unknown field \"NEW_STYLE\"", "unknown field \"NS_PUB\""]
        ),
        Rejection(
            path: "nats-server/server/configs/multiple_errors.conf",
            expected: ["Cannot have a user/pass and token", "unknown field \"monitoring\""]
        ),
        Rejection(path: "nats-server/server/configs/gws.conf", expected: ["gws.conf:1:1: unknown field \"gateways\""]),
        Rejection(path: "nats-server/conf/includes/users.conf", expected: ["unknown field \"users\""]),
        Rejection(
            path: "nats-server/conf/includes/passwords.conf",
            expected: ["passwords.conf:2:1: unknown field \"ALICE_PASS\"", "passwords.conf:3:1: unknown field \"BOB_PASS\""]
        ),
        Rejection(
            path: "nats-server/server/configs/reload/reload.conf",
            expected: ["error parsing include file 'platform.conf', open nats-server/server/configs/reload/platform.conf"]
        ),
    ]

    @Test("files the reference rejects are rejected for the same reason", arguments: rejections)
    func rejectedFile(_ rejection: Rejection) throws {
        let file = try #require(ReferenceCorpus.filesByPath[rejection.path])
        #expect(!file.isAcceptedByReference)
        switch Self.load(rejection.path) {
        case .success:
            Issue.record("loaded, but nats-server says: \(file.referenceMessage)")
        case .failure(let list):
            let text = list.description
            for expected in rejection.expected {
                #expect(text.contains(expected), "\(text)")
            }
        }
    }

    @Test("every rejected corpus file has an expectation")
    func rejectionsCovered() {
        let rejected = Set(ReferenceCorpus.files.filter { !$0.isAcceptedByReference }.map(\.path))
        #expect(rejected == Set(Self.rejections.map(\.path)).union(["nats-server/server/configs/include_bad_conf_check_b.conf"]))
    }
}

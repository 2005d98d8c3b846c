import Testing

@testable import EdgeConfig

/// Every real configuration file of the corpus that nats-server accepts must parse.
@Suite("Corpus of real nats-server configuration files")
struct CorpusParsingTests {
    static let acceptedFiles = ReferenceCorpus.files.filter(\.isAcceptedByReference)

    static func parser() -> ConfigParser {
        ConfigParser(
            readFile: { path in
                guard let file = ReferenceCorpus.filesByPath[path] else {
                    throw ConfigError(.include, "open \(path): no such file or directory")
                }
                return file.text
            },
            environment: { _ in nil }
        )
    }

    @Test("the corpus is large enough to mean something")
    func corpusSize() {
        #expect(Self.acceptedFiles.count >= 30)
        #expect(ReferenceCorpus.files.count > Self.acceptedFiles.count)
    }

    @Test("files the reference accepts parse", arguments: acceptedFiles.map(\.path))
    func acceptedFileParses(path: String) throws {
        let map = try Self.parser().parse(file: path)
        #expect(!map.isEmpty)
    }
}

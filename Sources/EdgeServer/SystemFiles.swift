#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

/// The few file operations the executable needs (configuration includes, pid and ports files),
/// on plain POSIX calls to keep Foundation out of the binary.
package enum SystemFiles {
    package struct FileError: Error, CustomStringConvertible {
        package let path: String
        package let reason: String
        package var description: String { "\(path): \(reason)" }
    }

    package static func readText(_ path: String) throws(FileError) -> String {
        let descriptor = open(path, O_RDONLY | O_CLOEXEC)
        guard descriptor >= 0 else { throw FileError(path: path, reason: String(cString: strerror(errno))) }
        defer { close(descriptor) }
        var bytes: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 64 * 1024)
        while true {
            let count = chunk.withUnsafeMutableBytes { read(descriptor, $0.baseAddress, $0.count) }
            if count < 0 {
                if errno == EINTR { continue }
                throw FileError(path: path, reason: String(cString: strerror(errno)))
            }
            if count == 0 { break }
            bytes.append(contentsOf: chunk[..<count])
            // A configuration file has no business being this large.
            if bytes.count > 16 * 1024 * 1024 { throw FileError(path: path, reason: "file larger than 16 MiB") }
        }
        return String(decoding: bytes, as: UTF8.self)
    }

    package static func writeText(_ text: String, to path: String) throws(FileError) {
        let descriptor = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o644)
        guard descriptor >= 0 else { throw FileError(path: path, reason: String(cString: strerror(errno))) }
        defer { close(descriptor) }
        var text = text
        let ok = text.withUTF8 { bytes in write(descriptor, bytes.baseAddress, bytes.count) == bytes.count }
        if !ok { throw FileError(path: path, reason: String(cString: strerror(errno))) }
    }

    /// `mkdir -p`: each missing directory of `path`, mode 0755.
    package static func makeDirectories(_ path: String) throws(FileError) {
        var current = path.hasPrefix("/") ? "" : "."
        for component in path.split(separator: "/") {
            current += "/" + component
            if mkdir(current, 0o755) != 0 && errno != EEXIST {
                throw FileError(path: current, reason: String(cString: strerror(errno)))
            }
        }
    }

    package static func remove(_ path: String) {
        unlink(path)
    }

    package static func environment(_ name: String) -> String? {
        getenv(name).map { String(cString: $0) }
    }

    package static func standardError(_ text: String) {
        var text = text
        text.withUTF8 { bytes in _ = write(2, bytes.baseAddress, bytes.count) }
    }

    package static func standardOutput(_ text: String) {
        var text = text
        text.withUTF8 { bytes in _ = write(1, bytes.baseAddress, bytes.count) }
    }
}

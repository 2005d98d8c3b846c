#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

/// The server's id, made once and kept in the store directory (`<store_dir>/server-identity`),
/// so that a board keeps its identity across restarts while boards flashed from one SD-card
/// image get their own: the file records the machine's `/etc/machine-id`, and an identity
/// copied from another machine (the image was made after a first start) is replaced, with a
/// log line. Without `server_name` in the configuration the id is also the name, as in
/// nats-server, so two boards never present the same name to a hub (nats-server issue #4939,
/// "Duplicate Remote LeafNode Connection").
enum PersistentIdentity {
    struct Loaded {
        let serverID: String
        /// Why a new identity was made, for the log (nil: the kept one was used).
        let createdBecause: String?
    }

    static let fileName = "server-identity"

    /// Reads the identity in `directory`, or makes and saves one. Never fails the start: when
    /// the file cannot be written, the identity of this run is still returned, with the reason.
    static func load(directory: String, machineID: String? = currentMachineID()) -> Loaded {
        let path = directory + "/" + fileName
        var reason = "first start"
        if let text = try? SystemFiles.readText(path) {
            let fields = parse(text)
            if let id = fields["server_id"], isServerID(id) {
                if fields["machine_id"] == machineID { return Loaded(serverID: id, createdBecause: nil) }
                reason = "the store was made on another machine (machine-id differs)"
            } else {
                reason = "\(path) is not readable as an identity"
            }
        }
        let id = ServerIdentity.randomServerID()
        var text = "# Outpost's identity on this machine; delete the file to get a new one.\nserver_id: \(id)\n"
        if let machineID { text += "machine_id: \(machineID)\n" }
        do throws(SystemFiles.FileError) {
            try SystemFiles.makeDirectories(directory)
            try SystemFiles.writeText(text, to: path + ".tmp")
            guard rename(path + ".tmp", path) == 0 else {
                throw SystemFiles.FileError(path: path, reason: String(cString: strerror(errno)))
            }
        } catch {
            return Loaded(serverID: id, createdBecause: "\(reason); not saved: \(error)")
        }
        return Loaded(serverID: id, createdBecause: reason)
    }

    static func currentMachineID() -> String? {
        for path in ["/etc/machine-id", "/var/lib/dbus/machine-id"] {
            if let text = try? SystemFiles.readText(path) {
                let id = text.filter { !$0.isWhitespace }
                if !id.isEmpty { return id }
            }
        }
        return nil
    }

    private static func parse(_ text: String) -> [String: String] {
        var fields: [String: String] = [:]
        for line in text.split(separator: "\n") where !line.hasPrefix("#") {
            guard let colon = line.firstIndex(of: ":") else { continue }
            let key = line[..<colon].trimmingCharacters(in: " \t")
            fields[key] = line[line.index(after: colon)...].trimmingCharacters(in: " \t")
        }
        return fields
    }

    private static func isServerID(_ text: String) -> Bool {
        text.count == 56 && text.hasPrefix("N") && text.allSatisfy { ("A"..."Z").contains($0) || ("2"..."7").contains($0) }
    }
}

extension Substring {
    fileprivate func trimmingCharacters(in set: String) -> String {
        var text = self
        while let first = text.first, set.contains(first) { text = text.dropFirst() }
        while let last = text.last, set.contains(last) { text = text.dropLast() }
        return String(text)
    }
}

/// Path arithmetic for `include` statements, with the semantics of Go's `path/filepath`
/// (`Dir`, `Join`, `Clean`) on POSIX systems, so includes resolve as in nats-server.
///
/// nats-server joins an include path to the directory of the including file even when the
/// include path is absolute (`filepath.Join("conf", "/etc/x.conf")` is `conf/etc/x.conf`);
/// Outpost does the same so the same files are found.
enum ConfigPath {
    /// The directory part of `path`: `"configs/a.conf"` gives `"configs"`, `"a.conf"` gives `"."`.
    static func directory(of path: String) -> String {
        guard let slash = path.lastIndex(of: "/") else { return "." }
        let directory = String(path[...slash])
        return clean(directory)
    }

    /// Joins the non-empty parts with `/` and cleans the result; empty if all parts are empty.
    static func join(_ parts: String...) -> String {
        let nonEmpty = parts.filter { !$0.isEmpty }
        guard !nonEmpty.isEmpty else { return "" }
        return clean(nonEmpty.joined(separator: "/"))
    }

    /// The shortest equivalent path: no repeated `/`, no `.` elements, `..` resolved against the
    /// element before it where there is one.
    static func clean(_ path: String) -> String {
        guard !path.isEmpty else { return "." }
        let isRooted = path.hasPrefix("/")
        var elements: [Substring] = []
        for element in path.split(separator: "/", omittingEmptySubsequences: true) {
            switch element {
            case ".":
                continue
            case "..":
                if let last = elements.last, last != ".." {
                    elements.removeLast()
                } else if !isRooted {
                    elements.append(element)
                }
            default:
                elements.append(element)
            }
        }
        let joined = elements.joined(separator: "/")
        if isRooted { return "/" + joined }
        return joined.isEmpty ? "." : joined
    }
}

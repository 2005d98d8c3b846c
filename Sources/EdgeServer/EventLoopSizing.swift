#if canImport(Glibc)
import Glibc
#endif

/// How many event loops to run: one per CPU this process may run on, as Go's GOMAXPROCS does
/// (it reads the affinity mask, not the machine's core count), so a server pinned with
/// `taskset -c 0` runs one loop instead of fighting itself for one core.
package enum EventLoopSizing {
    package static func cpusAvailable() -> Int {
        if let allowed = allowedCPUCount() { return allowed }
        let online = sysconf(Int32(_SC_NPROCESSORS_ONLN))
        return online > 0 ? online : 1
    }

    /// Counts the CPUs in `Cpus_allowed_list` of `/proc/self/status` (the affinity mask that
    /// `taskset` and cgroups' cpusets set), e.g. `0-3,6` → 5.
    static func allowedCPUCount() -> Int? {
        let descriptor = open("/proc/self/status", O_RDONLY | O_CLOEXEC)
        guard descriptor >= 0 else { return nil }
        defer { close(descriptor) }
        var bytes: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 4096)
        while true {
            let count = chunk.withUnsafeMutableBytes { read(descriptor, $0.baseAddress, $0.count) }
            if count <= 0 { break }
            bytes.append(contentsOf: chunk[..<count])
        }
        let text = String(decoding: bytes, as: UTF8.self)
        guard let line = text.split(separator: "\n").first(where: { $0.hasPrefix("Cpus_allowed_list:") }) else { return nil }
        return countCPUs(inList: line.dropFirst("Cpus_allowed_list:".count))
    }

    /// `0-3,6` → 5; `nil` when the list does not parse.
    static func countCPUs(inList list: Substring) -> Int? {
        var total = 0
        for part in list.split(separator: ",") {
            let bounds = part.split(separator: "-").map { Int($0.trimmingCharacters(in: " \t")) }
            if bounds.count == 1, bounds[0] != nil {
                total += 1
            } else if bounds.count == 2, let low = bounds[0], let high = bounds[1], high >= low {
                total += high - low + 1
            } else {
                return nil
            }
        }
        return total > 0 ? total : nil
    }
}

extension Substring {
    fileprivate func trimmingCharacters(in set: String) -> Substring {
        var result = self
        while let first = result.first, set.contains(first) { result.removeFirst() }
        while let last = result.last, set.contains(last) { result.removeLast() }
        return result
    }
}

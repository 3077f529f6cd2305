import Foundation

#if canImport(Glibc)
import Glibc
#endif

/// The standard process metrics of Prometheus client libraries (`process_*`, as client_golang
/// and client_python name them), read from `/proc/self` at each scrape. Empty where there is no
/// `/proc` (then the families are absent, as those clients do).
enum ProcessMetrics {
    static func render() -> String {
        guard let stat = try? String(contentsOfFile: "/proc/self/stat", encoding: .utf8),
            let fields = statFields(stat)
        else { return "" }
        let ticks = Double(sysconf(Int32(_SC_CLK_TCK)))
        let pageSize = Double(sysconf(Int32(_SC_PAGESIZE)))
        // Fields after the command (field 2), counted from field 3: utime 14, stime 15,
        // starttime 22, vsize 23, rss 24.
        func field(_ number: Int) -> Double { Double(fields[number - 3]) ?? 0 }
        var lines: [String] = []
        func family(_ name: String, _ type: String, _ help: String, _ value: Double) {
            lines.append("# HELP \(name) \(help)")
            lines.append("# TYPE \(name) \(type)")
            lines.append("\(name) \(format(value))")
        }
        family("process_cpu_seconds_total", "counter", "Total user and system CPU time spent in seconds.", (field(14) + field(15)) / ticks)
        family("process_resident_memory_bytes", "gauge", "Resident memory size in bytes.", field(24) * pageSize)
        family("process_virtual_memory_bytes", "gauge", "Virtual memory size in bytes.", field(23))
        if let boot = bootTime() {
            family("process_start_time_seconds", "gauge", "Start time of the process since unix epoch in seconds.", boot + field(22) / ticks)
        }
        if let open = try? FileManager.default.contentsOfDirectory(atPath: "/proc/self/fd") {
            // The directory listing holds one descriptor of its own while it reads.
            family("process_open_fds", "gauge", "Number of open file descriptors.", Double(max(0, open.count - 1)))
        }
        var limit = rlimit()
        if getrlimit(Int32(RLIMIT_NOFILE.rawValue), &limit) == 0 {
            family("process_max_fds", "gauge", "Maximum number of open file descriptors.", Double(limit.rlim_cur))
        }
        return lines.joined(separator: "\n") + "\n"
    }

    /// The fields after `(comm)`: the command may hold spaces and parentheses.
    static func statFields(_ stat: String) -> [Substring]? {
        guard let close = stat.lastIndex(of: ")") else { return nil }
        let fields = stat[stat.index(after: close)...].split(separator: " ")
        return fields.count >= 22 ? fields : nil
    }

    private static func bootTime() -> Double? {
        guard let text = try? String(contentsOfFile: "/proc/stat", encoding: .utf8) else { return nil }
        return text.split(separator: "\n").first { $0.hasPrefix("btime ") }.flatMap { Double($0.dropFirst(6)) }
    }

    private static func format(_ value: Double) -> String {
        value == value.rounded() && abs(value) < 1e15 ? String(Int64(value)) : String(value)
    }
}

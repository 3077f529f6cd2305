import Foundation

/// This process's resident memory, from `/proc/self/status` (Linux).
public enum ProcessMemory {
    /// Current resident set size in bytes (`VmRSS`).
    public static var residentBytes: Int? { field("VmRSS") }
    /// Peak resident set size in bytes (`VmHWM`).
    public static var peakResidentBytes: Int? { field("VmHWM") }

    private static func field(_ name: String) -> Int? {
        guard let text = try? String(contentsOfFile: "/proc/self/status", encoding: .utf8) else { return nil }
        for line in text.split(separator: "\n") where line.hasPrefix(name + ":") {
            let digits = line.split(separator: " ").compactMap { Int($0) }.first
            return digits.map { $0 * 1024 }
        }
        return nil
    }
}

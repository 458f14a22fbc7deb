import Foundation

/// Where and when the figures were taken, printed with every report.
struct MachineInfo {
    var architecture: String
    var cpuModel: String
    var cores: Int
    var date: String

    static func current() -> MachineInfo {
        #if arch(x86_64)
            let architecture = "x86_64"
        #elseif arch(arm64)
            let architecture = "aarch64"
        #else
            let architecture = "unknown"
        #endif
        var cpuModel = "unknown CPU"
        if let cpuinfo = try? String(contentsOfFile: "/proc/cpuinfo", encoding: .utf8),
            let line = cpuinfo.split(separator: "\n").first(where: { $0.hasPrefix("model name") }),
            let colon = line.firstIndex(of: ":")
        {
            cpuModel = line[line.index(after: colon)...].trimmingCharacters(in: .whitespaces)
        }
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.timeZone = TimeZone(identifier: "UTC")
        formatter.dateFormat = "yyyy-MM-dd HH:mm 'UTC'"
        return MachineInfo(
            architecture: architecture, cpuModel: cpuModel,
            cores: ProcessInfo.processInfo.activeProcessorCount, date: formatter.string(from: Date()))
    }

    /// One line: `x86_64, AMD EPYC, 2 cores, 2026-11-24 18:30 UTC`.
    var summary: String { "\(architecture), \(cpuModel), \(cores) cores, \(date)" }
}

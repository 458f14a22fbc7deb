import Foundation

/// Settings the long-running tests read from the environment, so CI and the
/// sanitizer runs can lengthen, shorten or loosen them without a rebuild.
public enum TestEnvironment {
    /// The integer `name` is set to, or `value` when it is unset or not a number.
    public static func integer(_ name: String, default value: Int) -> Int {
        ProcessInfo.processInfo.environment[name].flatMap { Int($0) } ?? value
    }
}

extension ResidentMemory {
    /// The resident-memory growth, in bytes, a run that should stay flat may
    /// show: `ASYNCIFY_SOAK_RSS_SLACK_MB` (default 32 MB, for what the suites
    /// running beside it allocate; the sanitizer runs allow more).
    public static var allowedGrowth: Int {
        TestEnvironment.integer("ASYNCIFY_SOAK_RSS_SLACK_MB", default: 32) << 20
    }
}

import Foundation

/// The committed guest programs and qemu-riscv64's recorded outputs for them
/// (`Examples/riscv/guest/build.sh` makes both).
enum GuestPrograms {
    static let directory = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("guest")

    static let names = ["hello", "sieve", "crc32", "fib", "harts", "isa"]

    static func elfPath(_ name: String) -> String {
        directory.appendingPathComponent("bin/\(name).elf").path
    }

    static func elf(_ name: String) throws -> [UInt8] {
        Array(try Data(contentsOf: URL(fileURLWithPath: elfPath(name))))
    }

    /// qemu's stdout and exit code, as recorded by build.sh.
    static func expected(_ name: String) throws -> (stdout: [UInt8], exitCode: Int) {
        let base = directory.appendingPathComponent("expected")
        let stdout = Array(try Data(contentsOf: base.appendingPathComponent("\(name).stdout")))
        let codeText = try String(
            contentsOf: base.appendingPathComponent("\(name).exitcode"), encoding: .utf8)
        guard let code = Int(codeText.trimmingCharacters(in: .whitespacesAndNewlines)) else {
            throw CocoaError(.fileReadCorruptFile)
        }
        return (stdout, code)
    }
}

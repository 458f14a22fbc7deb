import Foundation
import Testing

@testable import SwitchBench

/// Builds Benchmarks/native-switch-check/switch_check.c (freestanding, no libc)
/// for each architecture the assembly switch supports and runs it: natively on
/// x86_64, under qemu-aarch64 for AArch64. The check fails unless every
/// callee-saved register survives a switch to a worker that clobbers them all.
@Suite(.serialized) struct AssemblySwitchCheckTests {
    static let repository = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .deletingLastPathComponent().deletingLastPathComponent()

    /// Cross-compiles the check for `triple` into a temporary file.
    static func build(triple: String, clang: URL) throws -> URL {
        let output = FileManager.default.temporaryDirectory
            .appendingPathComponent("switch-check-\(triple)-\(getpid())")
        _ = try runProcess(
            clang,
            [
                "--target=\(triple)", "-O2", "-ffreestanding", "-nostdlib", "-static", "-fuse-ld=lld",
                "-I", repository.appendingPathComponent("Benchmarks/NativeSwitch").path,
                repository.appendingPathComponent("Benchmarks/native-switch-check/switch_check.c").path,
                "-o", output.path,
            ])
        return output
    }

    @Test func x86_64SwitchPreservesCalleeSavedRegisters() throws {
        #if arch(x86_64) && os(Linux)
            guard let clang = findExecutable("clang") else {
                print("skipped: clang not installed")
                return
            }
            let binary = try Self.build(triple: "x86_64-linux-gnu", clang: clang)
            defer { try? FileManager.default.removeItem(at: binary) }
            #expect(try runProcess(binary, []) == "ok\n")
        #else
            print("skipped: needs an x86_64 Linux host")
        #endif
    }

    @Test func aarch64SwitchPreservesCalleeSavedRegistersUnderQemu() throws {
        guard let qemu = findExecutable("qemu-aarch64") else {
            print("skipped: qemu-aarch64 not installed")
            return
        }
        guard let clang = findExecutable("clang") else {
            print("skipped: clang not installed")
            return
        }
        let binary = try Self.build(triple: "aarch64-linux-gnu", clang: clang)
        defer { try? FileManager.default.removeItem(at: binary) }
        #expect(try runProcess(qemu, [binary.path]) == "ok\n")
    }
}

// `asyncify run --engine native --dump-native FILE`: the machine code is
// written and reads back as x86-64 code to an independent disassembler.

import Foundation
import TestSupport
import Testing

@Suite struct DumpNativeTests {
    /// fib(20) runs natively, FILE holds the instance's code, and objdump
    /// decodes all of it (no `(bad)` bytes: the code has no data in it) with
    /// every function listed on standard error starting on an instruction
    /// with the prologue the compiler's register convention calls for: the
    /// call-depth count in r15 (which also bounds the native stack) taken down
    /// by one, and a branch to the trap when it runs out.
    @Test func dumpNativeWritesDisassemblableCode() throws {
        #if !(arch(x86_64) && os(Linux))
            print("skipped: needs an x86-64 Linux host")
            return
        #endif
        let directory = try ExternalTool.temporaryDirectory("dump-native")
        defer { try? FileManager.default.removeItem(at: directory) }
        let file = directory.appendingPathComponent("fib.bin").path
        let result = try CLI.run([
            "run", CLITests.fib, "--engine", "native", "--invoke", "fib", "i64:20", "--dump-native", file,
        ])
        #expect(result.status == 0, "\(result)")
        #expect(result.standardOutput == "i64:6765\n", "\(result)")
        let bytes = try [UInt8](Data(contentsOf: URL(fileURLWithPath: file)))
        #expect(bytes.count > 32)
        #expect(result.standardError.contains("\(bytes.count) bytes of x86-64 code"), "\(result)")
        // "  function N at 0xOFFSET" lines.
        let offsets = result.standardError.split(separator: "\n").compactMap { line -> Int? in
            guard line.hasPrefix("  function "), let at = line.range(of: " at 0x") else { return nil }
            return Int(line[at.upperBound...], radix: 16)
        }
        #expect(!offsets.isEmpty, "\(result)")
        guard let objdump = ExternalTool.findOrSkip("objdump") else { return }
        let listing = try ExternalTool.run(
            objdump, ["-D", "-b", "binary", "-m", "i386:x86-64", "-M", "intel", file]
        ).stdoutText
        #expect(!listing.contains("(bad)"), "\(listing.prefix(4000))")
        // Instruction lines: "   1c:\t49 83 ef 01          \tsub    r15,0x1".
        var instructions: [Int: String] = [:]
        var order: [Int] = []
        for line in listing.split(separator: "\n") {
            let fields = line.split(separator: "\t", omittingEmptySubsequences: false)
            guard fields.count >= 3, fields[0].hasSuffix(":"),
                let address = Int(fields[0].dropLast().trimmingCharacters(in: .whitespaces), radix: 16)
            else { continue }
            instructions[address] = fields[2].split(separator: " ").joined(separator: " ")
            order.append(address)
        }
        #expect(order.last.map { $0 < bytes.count } == true)
        for offset in offsets {
            let first = instructions[offset]
            #expect(
                first == "sub r15,0x1",
                "function at 0x\(String(offset, radix: 16)): \(first ?? "no instruction")")
            if let k = order.firstIndex(of: offset), k + 1 < order.count {
                let second = instructions[order[k + 1]] ?? ""
                #expect(second.hasPrefix("jb "), "\(second)")
            }
        }
    }

    /// A program (an emcc-built fiber program run by the Asyncify host) dumps its
    /// instance's code after it exits, with the address it ran at (to match a
    /// profiler's addresses to the bytes); its output is unchanged.
    @Test func dumpNativeAfterAProgram() throws {
        #if !(arch(x86_64) && os(Linux))
            print("skipped: needs an x86-64 Linux host")
            return
        #endif
        let programs = "Tests/AsyncifyHostTests/Programs/"
        let directory = try ExternalTool.temporaryDirectory("dump-native-program")
        defer { try? FileManager.default.removeItem(at: directory) }
        let file = directory.appendingPathComponent("fibers.bin").path
        let result = try CLI.run([
            "run", programs + "fibers.wasm", "--engine", "native", "--dump-native", file,
        ])
        let nodeOutput = try String(
            contentsOf: CLI.packageRoot.appendingPathComponent(programs + "fibers.node.out"), encoding: .utf8)
        #expect(result.standardOutput == nodeOutput, "\(result)")
        let bytes = try [UInt8](Data(contentsOf: URL(fileURLWithPath: file)))
        #expect(bytes.count > 32)
        #expect(result.standardError.contains("\(bytes.count) bytes of x86-64 code, run at 0x"), "\(result)")
        #expect(result.standardError.contains("  function "), "\(result)")
    }
}

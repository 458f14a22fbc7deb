// The command-line tool from the outside: exit statuses (0 success, 1 failure,
// 2 usage error), usage errors on standard error, and one run of each
// subcommand with an output known independently of our code (fib(20) = 6765,
// node's output for the fiber program, the spec README's command counts).

import Foundation
import SpecSuiteSupport
import TestSupport
import Testing

@Suite struct CLITests {
    static let fib = "Benchmarks/wasm/fib.wasm"

    // MARK: Usage errors

    @Test func noCommandPrintsTheUsageAndExitsTwo() throws {
        let result = try CLI.run([])
        #expect(result.status == 2, "\(result)")
        #expect(result.standardError.contains("usage: asyncify"), "\(result)")
        #expect(result.standardOutput.isEmpty, "\(result)")
    }

    @Test(arguments: [["--help"], ["spec", "--help"], ["tb", "run", "--help"]])
    func helpGoesToStandardOutputAndExitsZero(_ arguments: [String]) throws {
        let result = try CLI.run(arguments)
        #expect(result.status == 0, "\(arguments): \(result)")
        #expect(result.standardOutput.hasPrefix("usage: asyncify"), "\(arguments): \(result)")
    }

    @Test func unknownCommandIsNamedAndExitsTwo() throws {
        let result = try CLI.run(["frobnicate"])
        #expect(result.status == 2, "\(result)")
        #expect(result.standardError.contains("frobnicate"), "\(result)")
    }

    @Test(arguments: [
        ["validate"], ["print"], ["spec", "a", "b"], ["tb"], ["tb", "run"], ["bench-interp", "--bogus", "1"],
    ])
    func missingOrExtraArgumentsExitTwo(_ arguments: [String]) throws {
        let result = try CLI.run(arguments)
        #expect(result.status == 2, "\(arguments): \(result)")
        #expect(result.standardError.contains("usage"), "\(arguments): \(result)")
    }

    @Test func unknownTBRunOptionExitsTwo() throws {
        let result = try CLI.run(["tb", "run", "Examples/tb/collatz.tb", "--frobnicate"])
        #expect(result.status == 2, "\(result)")
        #expect(result.standardError.contains("--frobnicate"), "\(result)")
    }

    // MARK: Failures

    @Test func missingFileExitsOne() throws {
        for arguments in [["validate", "no-such.wasm"], ["tb", "run", "no-such.tb"]] {
            let result = try CLI.run(arguments)
            #expect(result.status == 1, "\(arguments): \(result)")
            #expect(result.standardError.contains("no-such"), "\(arguments): \(result)")
        }
    }

    @Test func tbParseErrorNamesLineAndColumn() throws {
        let directory = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let file = directory.appendingPathComponent("bad.tb")
        try Data("movi r1, 1\nfrob r1\n".utf8).write(to: file)
        let result = try CLI.run(["tb", "check", file.path])
        #expect(result.status == 1, "\(result)")
        #expect(result.standardError.contains("bad.tb:2:"), "\(result)")
    }

    /// Without a suite where SpecSuiteLocation looks, `spec` says where it
    /// looked and how to get one.
    @Test func specWithoutSuiteSaysHowToGetIt() throws {
        let result = try CLI.run(["spec"], environment: ["WASM_SPEC_DIR": "/nonexistent"])
        #expect(result.status == 1, "\(result)")
        #expect(result.standardError.contains("wasm-spec not found at /nonexistent"), "\(result)")
        #expect(result.standardError.contains("scripts/get-wasm-spec.sh"), "\(result)")
    }

    // MARK: One run of each subcommand

    /// forward.wast holds 1 module and 4 assert_return (the suite's README table).
    @Test func specRunsOneScript() throws {
        guard let suite = SpecSuiteTestSupport.directory else { return }
        let result = try CLI.run(["spec", suite + "/core/forward"])
        #expect(result.status == 0, "\(result)")
        #expect(result.standardOutput.hasSuffix("spec: 5 passed, 0 failed, 0 skipped\n"), "\(result)")
    }

    @Test func validatePrintsValid() throws {
        let result = try CLI.run(["validate", Self.fib])
        #expect(result.status == 0, "\(result)")
        #expect(result.standardOutput == "valid\n", "\(result)")
    }

    @Test func printGivesTheTextFormat() throws {
        let result = try expectSuccess(["print", Self.fib], printing: ["(export \"fib\""])
        #expect(result.standardOutput.hasPrefix("(module"), "\(result)")
    }

    @Test func runInvokesAnExport() throws {
        let result = try CLI.run(["run", Self.fib, "--invoke", "fib", "i64:20"])
        #expect(result.status == 0, "\(result)")
        #expect(result.standardOutput == "i64:6765\n", "\(result)")
    }

    /// An emcc-built fiber program: the same output and exit code as under node.
    @Test func runExecutesAnEmscriptenProgramAsNodeDoes() throws {
        let programs = "Tests/AsyncifyHostTests/Programs/"
        let nodeOutput = try String(
            contentsOf: CLI.packageRoot.appendingPathComponent(programs + "fibers.node.out"), encoding: .utf8)
        let nodeExit = try String(
            contentsOf: CLI.packageRoot.appendingPathComponent(programs + "fibers.node.exit"), encoding: .utf8
        )
        let result = try CLI.run(["run", programs + "fibers.wasm"])
        #expect(result.standardOutput == nodeOutput, "\(result)")
        #expect("\(result.status)" == nodeExit.trimmingCharacters(in: .whitespacesAndNewlines), "\(result)")
    }

    /// Our Asyncify pass on the fiber program's pre-Asyncify module (with the
    /// import list emcc gave Binaryen): the result runs as node ran emcc's build.
    @Test func instrumentMakesARunnableProgram() throws {
        let programs = "Tests/AsyncifyTransformTests/Programs/"
        let directory = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let output = directory.appendingPathComponent("fibers.wasm").path
        let instrument = try CLI.run([
            "instrument", programs + "fibers.pre.wasm", "-o", output, "--imports",
            "@" + programs + "fibers.imports",
        ])
        #expect(instrument.status == 0, "\(instrument)")
        let nodeOutput = try String(
            contentsOf: CLI.packageRoot.appendingPathComponent(
                "Tests/AsyncifyHostTests/Programs/fibers.node.out"),
            encoding: .utf8)
        let run = try CLI.run(["run", output])
        #expect(run.status == 0, "\(run)")
        #expect(run.standardOutput == nodeOutput, "\(run)")
    }

    @Test func instrumentWithoutOutputIsAUsageError() throws {
        let result = try CLI.run(["instrument", "Tests/AsyncifyTransformTests/Programs/fibers.pre.wasm"])
        #expect(result.status == 2, "\(result)")
        #expect(result.standardError.contains("usage: asyncify instrument"), "\(result)")
    }

    /// Without wasmkit or node their columns are skipped with a note; our own columns still run.
    @Test func benchInterpWithoutWasmKitOrNodeSkipsTheirColumns() throws {
        try expectSuccess(
            [
                "bench-interp", "--wasmkit", "/nonexistent/wasmkit", "--node", "/nonexistent/node", "--runs",
                "1",
                "--only", "fib",
            ],
            printing: [
                "skipped: wasmkit not installed", "skipped: node not installed",
                "| fib(30), recursive i64 calls |",
                "(our result: i64:832040)",
            ])
    }

    @Test func tbCheckPrintsTextThatParsesToItself() throws {
        let first = try CLI.run(["tb", "check", "Examples/tb/collatz.tb"])
        #expect(first.status == 0, "\(first)")
        let directory = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let canonical = directory.appendingPathComponent("canonical.tb")
        try Data(first.standardOutput.utf8).write(to: canonical)
        let second = try CLI.run(["tb", "check", canonical.path])
        #expect(second.standardOutput == first.standardOutput, "\(second)")
    }

    @Test func tbCompileWritesAValidModule() throws {
        let directory = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let output = directory.appendingPathComponent("collatz.wasm").path
        let compile = try CLI.run(["tb", "compile", "Examples/tb/collatz.tb", "-o", output])
        #expect(compile.status == 0, "\(compile)")
        let validate = try CLI.run(["validate", output])
        #expect(validate.standardOutput == "valid\n", "\(validate)")
    }

    /// The module imports the shared memory and the unwinding check (docs/TBModules.md).
    @Test func tbPrintShowsTheModuleShape() throws {
        try expectSuccess(
            ["tb", "print", "Examples/tb/loop-helpers.tb"],
            printing: ["(import \"env\" \"memory\"", "(import \"helper\" \"u\"", "(export \"start\""])
    }

    /// The reference interpreter agrees with the Collatz facts in collatz.tb.
    @Test func tbInterpRunsOnTheReferenceInterpreter() throws {
        let result = try expectSuccess(
            ["tb", "interp", "Examples/tb/collatz.tb"], printing: ["r2 = 0x6f\n", "r3 = 0x2410\n"])
        #expect(result.standardOutput.hasPrefix("result 0x0, next_tb 0x0\n"), "\(result)")
    }

    @Test func tbBenchQuickRuns() throws {
        let result = try expectSuccess(["tb", "bench", "--quick"], printing: ["workload IR interpreter"])
        #expect(!result.standardOutput.contains("MISMATCH"), "\(result)")
    }

    // MARK: Helpers

    func temporaryDirectory() throws -> URL { try ExternalTool.temporaryDirectory("asyncify-cli") }

    /// Runs `asyncify arguments...` and expects exit status 0 and every one of
    /// `fragments` in its standard output.
    @discardableResult
    func expectSuccess(
        _ arguments: [String], printing fragments: [String], sourceLocation: SourceLocation = #_sourceLocation
    ) throws -> CLIResult {
        let result = try CLI.run(arguments)
        #expect(result.status == 0, "\(result)", sourceLocation: sourceLocation)
        for fragment in fragments {
            #expect(
                result.standardOutput.contains(fragment), "\(fragment) missing: \(result)",
                sourceLocation: sourceLocation)
        }
        return result
    }
}

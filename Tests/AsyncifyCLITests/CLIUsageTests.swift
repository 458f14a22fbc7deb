// The command line as a newcomer meets it: --help on every command,
// --flag=value, misspelt options and commands, `run` without --invoke, WAT
// where a binary is expected, and files that do not exist.

import Foundation
import Testing

@Suite struct CLIUsageTests {
    /// (module (func (export "add") (param i32 i32) (result i32) local.get 0 local.get 1 i32.add)),
    /// as wat2wasm encodes it.
    static let addModule: [UInt8] = [
        0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00, 0x01, 0x07, 0x01, 0x60, 0x02, 0x7f, 0x7f, 0x01, 0x7f,
        0x03, 0x02, 0x01, 0x00, 0x07, 0x07, 0x01, 0x03, 0x61, 0x64, 0x64, 0x00, 0x00, 0x0a, 0x09, 0x01, 0x07,
        0x00, 0x20, 0x00, 0x20, 0x01, 0x6a, 0x0b,
    ]

    /// A scratch folder holding add.wasm and its text form add.wat.
    static func scratch() throws -> URL {
        let directory = FileManager.default.temporaryDirectory
            .appendingPathComponent("asyncify-cli-usage-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        try Data(addModule).write(to: directory.appendingPathComponent("add.wasm"))
        try ".pc 0x1000\n        movi r1, 5\n        exit_tb 0\n"
            .write(to: directory.appendingPathComponent("t.tb"), atomically: true, encoding: .utf8)
        try
            ";; two numbers\n(module (func (export \"add\") (param i32 i32) (result i32)\n  local.get 0 local.get 1 i32.add))\n"
            .write(to: directory.appendingPathComponent("add.wat"), atomically: true, encoding: .utf8)
        return directory
    }

    @Test(arguments: [
        ["spec"], ["validate"], ["print"], ["run"], ["bench-interp"], ["tb"], ["tb", "run"], ["tb", "check"],
        ["tb", "emit"], ["tb", "print"], ["tb", "interp"], ["tb", "bench"], ["run", "-h"],
    ])
    func everyCommandAnswersHelp(_ command: [String]) throws {
        let arguments = command.last == "-h" ? command : command + ["--help"]
        let result = try CLI.run(arguments)
        #expect(result.status == 0, "\(result)")
        let name = command[0]
        #expect(result.standardOutput.hasPrefix("usage: asyncify \(name)"), "\(result)")
        #expect(!result.standardError.contains("cannot read"), "\(result)")
    }

    @Test func topLevelHelpGoesToStandardOutput() throws {
        let result = try CLI.run(["--help"])
        #expect(result.status == 0)
        #expect(result.standardOutput.contains("commands:"))
    }

    @Test func aMisspeltCommandIsAUsageErrorWithASuggestion() throws {
        let result = try CLI.run(["vaildate", "x.wasm"])
        #expect(result.status == 2)
        #expect(result.standardError.contains("unknown command \"vaildate\" (did you mean \"validate\"?)"))
    }

    @Test func flagEqualsValueWorksLikeFlagSpaceValue() throws {
        let directory = try Self.scratch()
        defer { try? FileManager.default.removeItem(at: directory) }
        let spaced = try CLI.run(["run", "add.wasm", "--invoke", "add", "i32:2", "i32:40"], in: directory)
        let joined = try CLI.run(["run", "add.wasm", "--invoke=add", "i32:2", "i32:40"], in: directory)
        #expect(spaced.status == 0 && joined.status == 0, "\(joined)")
        #expect(spaced.standardOutput == "i32:42\n")
        #expect(joined.standardOutput == spaced.standardOutput)
    }

    @Test func aMisspeltOptionIsAUsageErrorNotAProgramArgument() throws {
        let program = CLI.packageRoot.appendingPathComponent("Tests/AsyncifyHostTests/Programs/fibers.wasm")
            .path
        let misspelt = try CLI.run(["run", program, "--invok", "main"])
        #expect(misspelt.status == 2, "\(misspelt)")
        #expect(misspelt.standardOutput.isEmpty, "the program must not run")
        #expect(misspelt.standardError.contains("unknown option --invok (did you mean --invoke?)"))
        // After `--` the same words are the program's, and it runs.
        let passed = try CLI.run(["run", program, "--", "--invok", "main"])
        #expect(passed.status == 0, "\(passed)")
        #expect(!passed.standardOutput.isEmpty)
    }

    @Test(arguments: [
        ["spec", "--verbos"], ["bench-interp", "--run", "3"], ["tb", "emit", "t.tb", "--wasm"],
        ["tb", "run", "t.tb", "--engin", "ir"],
    ])
    func unknownOptionsOfOtherCommandsAreUsageErrors(_ arguments: [String]) throws {
        let directory = try Self.scratch()
        defer { try? FileManager.default.removeItem(at: directory) }
        let result = try CLI.run(arguments, in: directory)
        #expect(result.status == 2, "\(result)")
        #expect(result.standardError.contains("unknown option"), "\(result)")
    }

    @Test func runWithoutInvokeListsTheExports() throws {
        let directory = try Self.scratch()
        defer { try? FileManager.default.removeItem(at: directory) }
        let result = try CLI.run(["run", "add.wasm"], in: directory)
        #expect(result.status == 2, "\(result)")
        #expect(result.standardError.contains("--invoke NAME"))
        #expect(result.standardError.contains("add (i32, i32) -> (i32)"))
    }

    @Test(arguments: ["run", "validate", "print"])
    func textWhereABinaryIsExpectedSuggestsWat2wasm(_ command: String) throws {
        let directory = try Self.scratch()
        defer { try? FileManager.default.removeItem(at: directory) }
        let result = try CLI.run([command, "add.wat"], in: directory)
        #expect(result.status == 1, "\(result)")
        #expect(result.standardError.contains("wat2wasm add.wat -o add.wasm"), "\(result)")
    }

    @Test(arguments: [
        ["run", "missing.wasm"], ["validate", "missing.wasm"], ["print", "missing.wasm"],
        ["tb", "run", "missing.tb"],
    ])
    func aMissingFileSaysWhy(_ arguments: [String]) throws {
        let directory = try Self.scratch()
        defer { try? FileManager.default.removeItem(at: directory) }
        let result = try CLI.run(arguments, in: directory)
        #expect(result.status == 1, "\(result)")
        #expect(
            result.standardError.contains("cannot read \(arguments.last!): No such file or directory"),
            "\(result)")
    }

    @Test func aDirectoryIsNotAModule() throws {
        let directory = try Self.scratch()
        defer { try? FileManager.default.removeItem(at: directory) }
        let result = try CLI.run(["validate", "."], in: directory)
        #expect(result.status == 1)
        #expect(result.standardError.contains("Is a directory"), "\(result)")
    }

    /// A TB for `tb run`, written to a scratch folder as `name`.
    static func tbFile(_ name: String, _ text: String) throws -> URL {
        let directory = try scratch()
        try text.write(to: directory.appendingPathComponent(name), atomically: true, encoding: .utf8)
        return directory
    }

    @Test func tbRunChecksACallAgainstItsHelperAtTheLine() throws {
        let directory = try Self.tbFile(
            "short.tb", ".pc 0x1000\n  movi r1, 1\n  call h_mix r3 <- r1\n  exit_tb 0\n")
        defer { try? FileManager.default.removeItem(at: directory) }
        let result = try CLI.run(["tb", "run", "short.tb"], in: directory)
        #expect(result.status == 1, "\(result)")
        #expect(result.standardError.contains("short.tb:3:"), "\(result)")
        #expect(result.standardError.contains("h_mix(2 arguments) -> value passes 1 argument"), "\(result)")
        #expect(result.standardOutput.isEmpty, "nothing may run")
    }

    @Test func tbRunNamesTheHelpersItHasForAnUnknownOne() throws {
        let directory = try Self.tbFile("typo.tb", ".pc 0x1000\n  call h_max r3 <- r1, r2\n  exit_tb 0\n")
        defer { try? FileManager.default.removeItem(at: directory) }
        let result = try CLI.run(["tb", "run", "typo.tb"], in: directory)
        #expect(result.status == 1, "\(result)")
        #expect(result.standardError.contains("helper 'h_max' is not registered (did you mean 'h_mix'?)"))
        for helper in ["h_mix", "h_sink", "h_six", "h_const"] {
            #expect(result.standardError.contains("\(helper)("), "\(result)")
        }
    }

    @Test func tbUsageListsTheHelpers() throws {
        let result = try CLI.run(["tb", "run", "--help"])
        for helper in ["h_mix(a, b)", "h_sink(a)", "h_six(a, b, c, d, e, f)", "h_const()"] {
            #expect(result.standardOutput.contains(helper), "\(result)")
        }
    }

    /// The instance-globals mode corrupts several fibers suspended in one TB by
    /// design; the run goes on, with a warning (and none for one fiber).
    @Test(arguments: [1, 2])
    func instanceGlobalsModeWarnsWithSeveralFibers(_ fibers: Int) throws {
        let yield = CLI.packageRoot.appendingPathComponent("Examples/tb/yield.tb").path
        let result = try CLI.run([
            "tb", "run", yield, "--fibers", "\(fibers)", "--yield-every", "1", "--mode", "instance-globals",
        ])
        #expect(result.status == 0, "\(result)")
        #expect(
            result.standardError.contains("warning: --mode instance-globals") == (fibers > 1), "\(result)")
    }
}

// The spec suite through the WasmSpec runner: every script's commands pass
// (decode, validate, assert_malformed, assert_invalid, and on the interpreter
// instantiation, actions and assertions).

import Foundation
import SpecSuiteSupport
import Testing
import WasmBinary
import WasmInterpreter
import WasmSpec

@Suite struct SpecSuiteTests {
    @Test(arguments: SpecSuiteTestSupport.files)
    func scriptHasNoFailures(_ file: SpecFile) {
        // Every command kind: execution runs on the interpreter.
        let result = SpecRunner(execution: SpecExecutor.execution).run(file: file)
        #expect(result.failed == 0, "\(result): \(result.failures.prefix(5))")
        #expect(result.passed > 0 || result.skipped > 0)
    }

    /// The same scripts with execution on the native tier (x86-64 Linux only).
    @Test(arguments: SpecSuiteTestSupport.files)
    func scriptHasNoFailuresOnTheNativeEngine(_ file: SpecFile) {
        #if arch(x86_64) && os(Linux)
            let result = SpecRunner(execution: SpecExecutor.execution(engine: .native)).run(file: file)
            #expect(result.failed == 0, "\(result): \(result.failures.prefix(5))")
            #expect(result.passed > 0 || result.skipped > 0)
        #else
            print("skipped: the native engine needs an x86-64 Linux host")
        #endif
    }

    /// The README's table of command counts is an independent record of what
    /// the scripts hold: the reader must see every command with its kind.
    @Test func readerSeesEveryCommandTheReadmeCounts() throws {
        let files = SpecSuiteTestSupport.files
        guard !files.isEmpty else { return }
        #expect(files.count == 104)
        var counts: [String: Int] = [:]
        var binaryMalformed = 0
        for file in files {
            for command in try SpecScript(contentsOf: file.path).commands {
                counts[command.typeName, default: 0] += 1
                if case .assertMalformed(let module, _) = command.kind, !module.isText {
                    binaryMalformed += 1
                }
            }
        }
        #expect(counts.values.reduce(0, +) == 29_695)
        #expect(counts["assert_return"] == 22_264)
        #expect(counts["assert_trap"] == 2_653)
        #expect(counts["assert_invalid"] == 1_640)
        #expect(counts["assert_malformed"] == 1_510)
        #expect(binaryMalformed == 881)
        #expect(counts["module"] == 1_237)
        #expect(counts["action"] == 241)
        #expect(counts["assert_unlinkable"] == 83)
        #expect(counts["assert_uninstantiable"] == 34)
        #expect(counts["register"] == 18)
        #expect(counts["assert_exhaustion"] == 15)
    }

    @Test func valuesKeepBitPatternsAndNaNClasses() {
        #expect(SpecValue(type: "i32", value: "4294967295") == .i32(UInt32.max))
        #expect(SpecValue(type: "f32", value: "1065353216") == .f32(bits: 0x3F80_0000))
        #expect(SpecValue(type: "f64", value: "nan:arithmetic") == .arithmeticNaN(.f64))
        #expect(SpecValue(type: "externref", value: "7") == .externReference(7))
        #expect(SpecValue(type: "funcref", value: "null") == .null(.funcref))
        #expect(SpecValue(type: "i32", value: "-1") == nil)
        #expect(SpecValue(type: "v128", value: "0") == nil)
    }

    @Test func namesKeepTheirByteOrderMark() throws {
        let file = SpecSuiteTestSupport.files.first { $0.name == "core/names" }
        guard let file else { return }
        let fields = try SpecScript(contentsOf: file.path).commands.compactMap { command -> String? in
            if case .assertReturn(.invoke(_, let field, _), _) = command.kind { return field }
            return nil
        }
        #expect(fields.contains("\u{FEFF}"))
    }

    /// The execution hook sees exactly the commands the runner cannot decide:
    /// validated modules (with their model) and the actions and assertions.
    @Test func executionHookReceivesModulesAndActions() {
        let file = SpecSuiteTestSupport.files.first { $0.name == "core/linking" }
        guard let file else { return }
        let baseline = SpecRunner().run(file: file)
        final class Log: @unchecked Sendable {
            var modules = 0
            var others = 0
        }
        let log = Log()
        let runner = SpecRunner(
            execution: SpecExecution { _ in
                { command, module in
                    if module != nil { log.modules += 1 } else { log.others += 1 }
                    if case .assertTrap = command.kind { return .failed("no interpreter") }
                    return .passed
                }
            })
        let result = runner.run(file: file)
        // linking.wast: 21 modules, 12 unlinkable, 7 uninstantiable; 9 registers,
        // 65 assert_return and 18 assert_trap (README table).
        #expect(log.modules == 21 + 12 + 7)
        #expect(log.others == 9 + 65 + 18)
        #expect(result.failed == 18)
        #expect(result.skipped == 0)
        #expect(result.passed == baseline.passed + 9 + 65)
    }
}

extension SpecSuiteTests {
    /// The validator does not just reject the invalid modules, it rejects them
    /// for the spec's reason (the script's `text`). The one exception is
    /// select.wast:324, `select (result)`: wabt encodes an empty type list as
    /// the untyped `select`, so the binary has a type mismatch instead of an
    /// arity error.
    @Test func validatorGivesTheSpecReasonForEveryInvalidModule() {
        let files = SpecSuiteTestSupport.files
        guard !files.isEmpty else { return }
        var mismatches: [String] = []
        for file in files {
            for mismatch in SpecRunner().run(file: file).reasonMismatches
            where mismatch.command == "assert_invalid" {
                mismatches.append("\(file.name):\(mismatch.line)")
            }
        }
        #expect(mismatches == ["core/select:324"])
    }
}

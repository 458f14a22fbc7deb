// `asyncify spec <dir> [--verbose]`: runs the module-level commands of every
// script of a converted spec suite (decode, validate, assert_malformed,
// assert_invalid); one line per script, then a total line.

import Foundation
import WasmSpec

enum SpecSuiteCommand {
    static func main(_ arguments: [String]) -> Int32 {
        let verbose = arguments.contains("--verbose")
        let paths = arguments.filter { $0 != "--verbose" }
        guard paths.count == 1, let directory = paths.first else {
            return Usage.fail("usage: asyncify spec <dir> [--verbose]")
        }
        let suite = SpecSuite(directory: directory)
        guard !suite.files.isEmpty else {
            return Usage.error("no spec scripts (<suite>/<name>/<name>.json) in \(directory)")
        }
        let runner = SpecRunner()
        var passed = 0
        var failed = 0
        var skipped = 0
        for file in suite.files {
            let result = runner.run(file: file)
            print(result)
            for failure in result.failures.prefix(verbose ? Int.max : 10) { print("  FAIL \(failure)") }
            if !verbose && result.failures.count > 10 {
                print("  ... \(result.failures.count - 10) more failures")
            }
            for note in result.notes { print("  skip \(note)") }
            if verbose {
                for mismatch in result.reasonMismatches { print("  note \(mismatch)") }
            }
            passed += result.passed
            failed += result.failed
            skipped += result.skipped
        }
        print("spec: \(passed) passed, \(failed) failed, \(skipped) skipped")
        return failed == 0 ? 0 : 1
    }
}

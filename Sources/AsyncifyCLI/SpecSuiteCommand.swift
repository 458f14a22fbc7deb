// `asyncify spec [dir] [--verbose]` (or one script's folder or JSON file): runs every command of every
// script of a converted spec suite (decode, validate, assert_malformed,
// assert_invalid here; instantiation and actions on the engine --engine picks); one line per script, then a
// total line.
// Without a directory the suite is looked for where SpecSuiteLocation says
// (WASM_SPEC_DIR, else beside the package). `--compile-stats` measures the
// engine's compile throughput instead (CompileStats.swift).

import Foundation
import WasmInterpreter
import WasmSpec

enum SpecSuiteCommand {
    static let usage =
        "usage: asyncify spec [suite dir | script dir | script.json] [--engine native|interpreter] [--verbose]\n"
        + "       asyncify spec --compile-stats [--engine native|interpreter] [dir | file.wasm]..."

    static func main(_ arguments: [String]) -> Int32 {
        let verbose = arguments.contains("--verbose")
        let compileStats = arguments.contains("--compile-stats")
        var paths = arguments.filter { $0 != "--verbose" && $0 != "--compile-stats" }
        var engine = Store.Engine.automatic
        if let k = paths.firstIndex(of: "--engine") {
            let name = k + 1 < paths.count ? paths[k + 1] : ""
            switch name {
            case "native": engine = .native
            case "interpreter": engine = .interpreter
            case "automatic": engine = .automatic
            default:
                return Usage.fail(
                    "--engine takes native, interpreter or automatic (got \"\(name)\")\n\(usage)")
            }
            paths.removeSubrange(k...min(k + 1, paths.count - 1))
        }
        if let option = paths.first(where: { $0.hasPrefix("-") }) {
            return Usage.unknownOption(
                option, of: "spec", known: ["--engine", "--compile-stats", "--verbose", "--help"],
                usage: usage)
        }
        if compileStats { return CompileStats.main(paths: paths, engine: engine) }
        guard paths.count <= 1 else { return Usage.fail(usage) }
        let directory = SpecSuiteLocation.directory(explicit: paths.first)
        var suite = SpecSuite(directory: directory)
        if suite.files.isEmpty, let single = singleScript(directory) { suite.files = [single] }
        guard !suite.files.isEmpty else {
            if paths.isEmpty { return Usage.error(SpecSuiteLocation.missingMessage(directory)) }
            return Usage.error("no spec scripts (<suite>/<name>/<name>.json) in \(directory)")
        }
        let runner = SpecRunner(execution: SpecExecutor.execution(engine: engine))
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

    /// One script given directly: `<name>.json` or its folder `<name>/`.
    private static func singleScript(_ path: String) -> SpecFile? {
        let trimmed = path.hasSuffix("/") ? String(path.dropLast()) : path
        let name = (trimmed as NSString).lastPathComponent
        let json = trimmed.hasSuffix(".json") ? trimmed : "\(trimmed)/\(name).json"
        guard FileManager.default.fileExists(atPath: json) else { return nil }
        let script = ((json as NSString).lastPathComponent as NSString).deletingPathExtension
        let suite =
            (((json as NSString).deletingLastPathComponent as NSString).deletingLastPathComponent as NSString)
            .lastPathComponent
        return SpecFile(name: "\(suite)/\(script)", path: json)
    }
}

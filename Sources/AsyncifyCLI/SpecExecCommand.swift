// `asyncify spec-exec DIR|FILE.json ...`: runs every command of spec scripts
// (decode, validate, instantiate, actions and assertions) on the interpreter.

import Foundation
import WasmBinary
import WasmSpec

enum SpecExecCommand {
    static func main(_ arguments: [String]) -> Int32 {
        var files: [String] = []
        for argument in arguments {
            var isDirectory: ObjCBool = false
            if FileManager.default.fileExists(atPath: argument, isDirectory: &isDirectory),
                isDirectory.boolValue
            {
                let enumerator = FileManager.default.enumerator(atPath: argument)
                while let entry = enumerator?.nextObject() as? String {
                    if entry.hasSuffix(".json") && !entry.hasSuffix("manifest.json") {
                        files.append("\(argument)/\(entry)")
                    }
                }
            } else {
                files.append(argument)
            }
        }
        var passed = 0
        var failed = 0
        var skipped = 0
        for file in files.sorted() {
            let r = SpecScriptExecution.run(scriptAt: file)
            passed += r.passed
            failed += r.failures.count
            skipped += r.skipped
            for f in r.failures.prefix(8) { print(f) }
            if r.failures.count > 8 { print("... \(r.failures.count - 8) more in \(file)") }
        }
        print("spec-exec: \(passed) passed, \(failed) failed, \(skipped) skipped")
        return failed == 0 ? 0 : 1
    }
}

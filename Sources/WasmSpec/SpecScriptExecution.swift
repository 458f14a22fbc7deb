// Executes the commands of one JSON spec script that need the interpreter
// (module instantiation, register, action, assert_return, assert_trap,
// assert_exhaustion, assert_uninstantiable, assert_unlinkable). Commands
// about decoding and validation only are passed to `moduleCheck`.

import Foundation
import WasmBinary
import WasmInterpreter

/// The outcome of running the execution commands of one script.
public struct SpecExecutionResult: Sendable {
    /// Commands that behaved as the script expects.
    public var passed = 0
    /// Commands that did not, with a message each (`file:line: ...`).
    public var failures: [String] = []
    /// The subset of ``failures`` from `assert_invalid` and `assert_malformed`
    /// (decoder and validator matters, not execution).
    public var rejectionFailures: [String] = []
    /// Commands not run (text modules).
    public var skipped = 0
}

/// Runs a script's commands against the interpreter.
public enum SpecScriptExecution {
    /// Loads, decodes (and validates, via `prepare`) a module file of the script.
    public typealias Prepare = (_ path: String) throws -> Module

    /// Runs every command of the JSON script at `path`. `prepare` turns a
    /// `.wasm` path into a module (decode + validate); `check` handles
    /// `assert_invalid` / `assert_malformed` and returns nil on success or a failure message.
    public static func run(
        scriptAt path: String, prepare: Prepare,
        check: (_ command: [String: Any], _ directory: String) -> String?
    ) -> SpecExecutionResult {
        var result = SpecExecutionResult()
        let directory = (path as NSString).deletingLastPathComponent
        guard let data = FileManager.default.contents(atPath: path),
            let json = try? JSONSerialization.jsonObject(with: escapingByteOrderMarks(data))
                as? [String: Any],
            let commands = json["commands"] as? [[String: Any]]
        else {
            result.failures.append("\(path): cannot read the script")
            return result
        }
        let executor = SpecExecutor()
        let file = (path as NSString).lastPathComponent
        var currentFailed = false
        for command in commands {
            let type = command["type"] as? String ?? ""
            let line = command["line"] as? Int ?? 0
            func fail(_ message: String) { result.failures.append("\(file):\(line): \(type): \(message)") }
            let filename = (command["filename"] as? String).map { "\(directory)/\($0)" }
            let isText = command["module_type"] as? String == "text"
            switch type {
            case "module":
                do {
                    guard let filename else { throw SpecValueError(description: "no filename") }
                    try executor.instantiate(try prepare(filename), name: command["name"] as? String)
                    currentFailed = false
                    result.passed += 1
                } catch {
                    currentFailed = true
                    fail("\(error)")
                }
            case "register":
                do {
                    try executor.register(
                        command["as"] as? String ?? "", instanceName: command["name"] as? String)
                    result.passed += 1
                } catch { fail("\(error)") }
            case "action", "assert_return", "assert_trap", "assert_exhaustion":
                if currentFailed && command["action"].flatMap({ ($0 as? [String: Any])?["module"] }) == nil {
                    fail("skipped: the current module failed to instantiate")
                    continue
                }
                if let message = runAction(command, executor) { fail(message) } else { result.passed += 1 }
            case "assert_uninstantiable", "assert_unlinkable":
                if isText {
                    result.skipped += 1
                    continue
                }
                do {
                    guard let filename else { throw SpecValueError(description: "no filename") }
                    let module = try prepare(filename)
                    do {
                        try executor.instantiate(module, name: nil)
                        fail("instantiation succeeded")
                    } catch let error as LinkError {
                        if type == "assert_unlinkable" {
                            result.passed += 1
                        } else {
                            fail("link error \(error)")
                        }
                    } catch let trap as Trap {
                        if type == "assert_uninstantiable" {
                            result.passed += 1
                        } else {
                            fail("trap \(trap)")
                        }
                    } catch {
                        fail("\(error)")
                    }
                } catch { fail("module did not load: \(error)") }
            case "assert_invalid", "assert_malformed":
                if isText {
                    result.skipped += 1
                    continue
                }
                if let message = check(command, directory) {
                    fail(message)
                    result.rejectionFailures.append(result.failures[result.failures.count - 1])
                } else {
                    result.passed += 1
                }
            default:
                fail("unknown command")
            }
        }
        return result
    }

    /// Decodes and validates the module file at `path`.
    public static func loadValidModule(_ path: String) throws -> Module {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw SpecValueError(description: "cannot read \(path)")
        }
        let module = try Module(decoding: [UInt8](data))
        try module.validate()
        return module
    }

    /// The standard check of `assert_malformed` (decoding must fail) and
    /// `assert_invalid` (decoding must succeed and validation fail) for binary modules.
    public static func checkRejection(_ command: [String: Any], _ directory: String) -> String? {
        let type = command["type"] as? String ?? ""
        guard let filename = command["filename"] as? String,
            let data = FileManager.default.contents(atPath: "\(directory)/\(filename)")
        else { return "cannot read the module" }
        let module: Module
        do {
            module = try Module(decoding: [UInt8](data))
        } catch {
            // A data index without a data count section is a binary-format error
            // for our decoder, while the suite files it under assert_invalid.
            if type == "assert_invalid" && error.reason == .dataCountRequired { return nil }
            return type == "assert_malformed" ? nil : "decoding failed: \(error)"
        }
        if type == "assert_malformed" { return "decoded although malformed" }
        do {
            try module.validate()
            return "validated although invalid (expected \"\(command["text"] as? String ?? "")\")"
        } catch {
            return nil
        }
    }

    /// Runs a script with the standard decoder and validator.
    public static func run(scriptAt path: String) -> SpecExecutionResult {
        run(scriptAt: path, prepare: loadValidModule, check: checkRejection)
    }

    /// Foundation's JSON parser on Linux drops a raw U+FEFF at the start of a
    /// string (names.wast has an export called just that); the escaped form survives.
    static func escapingByteOrderMarks(_ data: Data) -> Data {
        let bytes = [UInt8](data)
        var out: [UInt8] = []
        out.reserveCapacity(bytes.count)
        var k = 0
        while k < bytes.count {
            if k + 2 < bytes.count, bytes[k] == 0xEF, bytes[k + 1] == 0xBB, bytes[k + 2] == 0xBF {
                out += Array("\\ufeff".utf8)
                k += 3
            } else {
                out.append(bytes[k])
                k += 1
            }
        }
        return Data(out)
    }

    /// Runs the action of an `action`/`assert_*` command; nil when it behaved as expected.
    static func runAction(_ command: [String: Any], _ executor: SpecExecutor) -> String? {
        let type = command["type"] as? String ?? ""
        guard let action = command["action"] as? [String: Any] else { return "no action" }
        let module = action["module"] as? String
        let field = action["field"] as? String ?? ""
        do {
            let arguments = try (action["args"] as? [[String: Any]] ?? []).map {
                try SpecValues.value(type: $0["type"] as? String ?? "", value: $0["value"] as? String)
            }
            let results: [Value]
            do {
                if action["type"] as? String == "get" {
                    results = try executor.get(module: module, field: field)
                } else {
                    results = try executor.invoke(module: module, field: field, arguments: arguments)
                }
            } catch let trap as Trap {
                switch type {
                case "assert_trap":
                    let text = command["text"] as? String ?? ""
                    return text.hasPrefix(trap.description) || trap.description.hasPrefix(text)
                        ? nil : "trapped with \"\(trap)\", expected \"\(text)\""
                case "assert_exhaustion":
                    return trap.reason == .callStackExhausted
                        ? nil : "trapped with \"\(trap)\", expected exhaustion"
                default: return "\(field): unexpected trap \"\(trap)\""
                }
            }
            switch type {
            case "assert_trap", "assert_exhaustion":
                return "\(field) returned \(results), expected a trap"
            case "assert_return":
                let expected = try (command["expected"] as? [[String: Any]] ?? []).map {
                    try SpecValues.expectation(
                        type: $0["type"] as? String ?? "", value: $0["value"] as? String)
                }
                guard expected.count == results.count, zip(expected, results).allSatisfy({ $0.matches($1) })
                else {
                    return "\(field)\(arguments) returned \(results), expected \(expected)"
                }
                return nil
            default:
                return nil
            }
        } catch {
            return "\(field): \(error)"
        }
    }
}

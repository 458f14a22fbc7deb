// `asyncify instrument in.wasm -o out.wasm [--imports a.b,c.d*] ...`: the
// Asyncify pass, with the options of Binaryen's `--asyncify` pass arguments.

import AsyncifyTransform
import Foundation

enum InstrumentCommand {
    static let usage = """
        usage: asyncify instrument <in.wasm> -o <out.wasm> [options]
          --imports LIST       imports that may unwind, as module.name (default: every import)
          --ignore-indirect    indirect calls never unwind
          --only LIST          instrument only these functions (names from the name section)
          --remove LIST        never instrument these functions
          --add LIST           also instrument these functions
          --propagate-add      callers of add-listed functions are instrumented too
          --no-overflow-check  do not check the buffer end before each frame push (Binaryen's behaviour)
          --asserts            trap when a call the analysis assumed cannot unwind does (asyncify-asserts)
          --no-inline          do not inline single-caller and one-instruction functions first
          --time               print how long decoding, instrumenting and encoding took
        A LIST is comma-separated; entries may end in '*'; @FILE reads the list from a file
        (commas or newlines), as Binaryen's response files do.
        """

    static func main(_ arguments: [String]) -> Int32 {
        var input: String?
        var output: String?
        var options = AsyncifyTransform.Options()
        var printsTime = false
        var k = 0
        func list(_ option: String) throws -> [String] {
            k += 1
            guard k < arguments.count else { throw UsageFailure(message: "\(option) needs a list") }
            return try parseList(arguments[k])
        }
        do {
            while k < arguments.count {
                let argument = arguments[k]
                switch argument {
                case "-o":
                    k += 1
                    guard k < arguments.count else {
                        return Usage.fail("instrument: -o needs a file\n\(usage)")
                    }
                    output = arguments[k]
                case "--imports": options.asyncImports = try list(argument)
                case "--only": options.onlyList = try list(argument)
                case "--remove": options.removeList = try list(argument)
                case "--add": options.addList = try list(argument)
                case "--ignore-indirect": options.ignoreIndirect = true
                case "--propagate-add": options.propagateAddList = true
                case "--no-overflow-check": options.checksOverflow = false
                case "--asserts": options.asserts = true
                case "--no-inline": options.inlines = false
                case "--time": printsTime = true
                default:
                    if argument.hasPrefix("-") {
                        return Usage.unknownOption(
                            argument, of: "instrument",
                            known: [
                                "-o", "--imports", "--only", "--remove", "--add", "--ignore-indirect",
                                "--propagate-add", "--no-overflow-check", "--asserts", "--no-inline",
                                "--time",
                            ], usage: usage)
                    }
                    guard input == nil else {
                        return Usage.fail("instrument: one input module only\n\(usage)")
                    }
                    input = argument
                }
                k += 1
            }
        } catch let failure as UsageFailure {
            return Usage.fail("instrument: \(failure.message)\n\(usage)")
        } catch {
            return Usage.error("instrument: \(error)")
        }
        guard let input, let output else { return Usage.fail(usage) }
        let bytes: [UInt8]
        do {
            bytes = try CommandLineSupport.readModule(input)
        } catch {
            return Usage.error("instrument: \(error)")
        }
        let start = ContinuousClock.now
        let result: [UInt8]
        do {
            result = try AsyncifyTransform.instrument(bytes: bytes, options: options)
        } catch {
            return Usage.error("instrument: \(input): \(error)")
        }
        let elapsed = ContinuousClock.now - start
        do {
            try Data(result).write(to: URL(fileURLWithPath: output))
        } catch {
            return Usage.error("instrument: cannot write \(output): \(error)")
        }
        if printsTime {
            let ms = Double(elapsed.components.seconds) * 1e3 + Double(elapsed.components.attoseconds) / 1e15
            print("instrumented \(bytes.count) -> \(result.count) bytes in \(String(format: "%.2f", ms)) ms")
        }
        return 0
    }

    struct UsageFailure: Error { var message: String }

    /// A comma-separated list, or `@file` with commas or newlines.
    static func parseList(_ argument: String) throws -> [String] {
        try AsyncifyTransform.Options.readList(argument)
    }
}

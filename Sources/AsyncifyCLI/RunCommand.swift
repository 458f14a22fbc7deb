// `asyncify run m.wasm --invoke NAME [i32:1 i64:30 f64:2.5 ...]`: decodes,
// validates and instantiates a module on the interpreter, calls one export
// and prints its results, one per line (`i64:832040`).

import Foundation
import WasmBinary
import WasmInterpreter

enum RunCommand {
    static let usage = "usage: asyncify run <module.wasm> [--invoke NAME] [TYPE:VALUE ...]"

    static func main(_ arguments: [String]) -> Int32 {
        var path: String?
        var name: String?
        var values: [String] = []
        var k = 0
        while k < arguments.count {
            let argument = arguments[k]
            if argument == "--invoke", k + 1 < arguments.count {
                name = arguments[k + 1]
                k += 2
                continue
            }
            if argument == "-h" || argument == "--help" {
                print(usage)
                return 0
            }
            if path == nil { path = argument } else { values.append(argument) }
            k += 1
        }
        guard let path else {
            FileHandle.standardError.write(Data((usage + "\n").utf8))
            return 2
        }
        do {
            let module = try loadModule(path)
            let instance = try Instance(module: module, store: Store(), imports: Imports())
            let function = name ?? "_start"
            let results = try instance.call(function, try values.map(parseValue))
            for result in results { print(result) }
            return 0
        } catch {
            FileHandle.standardError.write(Data("asyncify run: \(error)\n".utf8))
            return 1
        }
    }

    /// Reads and decodes a binary module.
    static func loadModule(_ path: String) throws -> Module {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw InvocationError("cannot read \(path)")
        }
        let module = try Module(decoding: [UInt8](data))
        try module.validate()
        return module
    }

    /// Parses `i32:1`, `i64:-5`, `f32:2.5`, `f64:nan` the way `wasmkit run` takes them.
    static func parseValue(_ text: String) throws -> Value {
        let parts = text.split(separator: ":", maxSplits: 1).map(String.init)
        guard parts.count == 2 else { throw InvocationError("argument \(text) is not TYPE:VALUE") }
        let (type, literal) = (parts[0], parts[1])
        switch type {
        case "i32":
            if let v = Int32(literal) { return Value(v) }
            if let v = UInt32(literal) { return .i32(v) }
        case "i64":
            if let v = Int64(literal) { return Value(v) }
            if let v = UInt64(literal) { return .i64(v) }
        case "f32":
            if let v = Float(literal) { return Value(v) }
        case "f64":
            if let v = Double(literal) { return Value(v) }
        default: break
        }
        throw InvocationError("cannot parse \(text) (expected i32:, i64:, f32: or f64: and a number)")
    }
}

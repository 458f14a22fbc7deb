// `asyncify run m.wasm --invoke NAME [i32:1 i64:30 f64:2.5 ...]`: decodes,
// validates and instantiates a module on the interpreter, calls one export
// and prints its results, one per line (`i64:832040`).
// `asyncify run prog.wasm [-- ARGS...]`: a WASI / Emscripten program, see
// RunProgramCommand.swift. Options go before `--`, the program's arguments
// after it; an option this command does not know is a usage error (exit 2),
// so a misspelt `--invok` is not handed to the program.

import Foundation
import WasmBinary
import WasmInterpreter

enum RunCommand {
    static let usage = """
        usage: asyncify run <module.wasm> [--engine E] [--invoke NAME] [TYPE:VALUE ...]
               asyncify run <program.wasm> [--engine E] [-- ARGS...]
          --engine E      interpreter, native (x86-64 Linux) or automatic (the default)
          --invoke NAME   call export NAME with the TYPE:VALUE arguments (i32:1 i64:-5 f32:2.5 f64:nan)
                          and print its results; without it, a WASI or Asyncify program runs from _start
                          with ARGS (everything after --) as its arguments
          --dump-native FILE  on the native engine, after the call or the program: write the instance's
                          machine code to FILE and list where each function starts (for objdump -b binary
                          -mi386:x86-64)
        """

    /// What the command line asked for.
    struct Request {
        var path: String
        var export: String?
        var values: [String] = []
        var programArguments: [String] = []
        var engine = Store.Engine.automatic
        var dumpNative: String?
    }

    /// Parses the arguments, or returns the usage error's exit status.
    static func parse(_ arguments: [String]) -> Result<Request, ExitStatus> {
        var path: String?
        var export: String?
        var values: [String] = []
        var engine = Store.Engine.automatic
        var dumpNative: String?
        var k = 0
        while k < arguments.count {
            let argument = arguments[k]
            k += 1
            if argument == "--" {
                guard let path else { return .failure(ExitStatus(Usage.fail(usage))) }
                return .success(
                    Request(
                        path: path, export: export, values: values, programArguments: Array(arguments[k...]),
                        engine: engine, dumpNative: dumpNative))
            }
            if argument == "--engine" {
                switch k < arguments.count ? arguments[k] : "" {
                case "native": engine = .native
                case "interpreter": engine = .interpreter
                case "automatic": engine = .automatic
                default:
                    return .failure(
                        ExitStatus(
                            Usage.fail("run: --engine takes interpreter, native or automatic\n\(usage)")))
                }
                k += 1
            } else if argument == "--dump-native" {
                guard k < arguments.count else {
                    return .failure(ExitStatus(Usage.fail("run: --dump-native needs a FILE")))
                }
                dumpNative = arguments[k]
                k += 1
            } else if argument == "--invoke" {
                guard k < arguments.count else {
                    return .failure(ExitStatus(Usage.fail("run: --invoke needs a NAME")))
                }
                export = arguments[k]
                k += 1
            } else if argument.hasPrefix("-") && argument.count > 1 {
                return .failure(
                    ExitStatus(
                        Usage.unknownOption(
                            argument, of: "run",
                            known: ["--invoke", "--engine", "--dump-native", "--help", "--"],
                            usage: usage
                        )))
            } else if path == nil {
                path = argument
            } else {
                values.append(argument)
            }
        }
        guard let path else { return .failure(ExitStatus(Usage.fail(usage))) }
        return .success(
            Request(path: path, export: export, values: values, engine: engine, dumpNative: dumpNative))
    }

    /// An exit status as an error, for `Result`.
    struct ExitStatus: Error {
        var code: Int32
        init(_ code: Int32) { self.code = code }
    }

    static func main(_ arguments: [String]) -> Int32 {
        let request: Request
        switch parse(arguments) {
        case .success(let parsed): request = parsed
        case .failure(let status): return status.code
        }
        let module: Module
        do {
            module = try loadModule(request.path)
        } catch {
            return Usage.error("run: \(error)")
        }
        let name = request.export ?? "_start"
        guard let export = module.exports.first(where: { $0.name == name }),
            case .function = export.descriptor
        else {
            return Usage.fail(
                missingExport(name, in: module, path: request.path, explicit: request.export != nil))
        }
        if request.export == nil && RunProgramCommand.isProgram(module) {
            // Positional arguments before `--` are the program's too, as before `--` existed.
            return RunProgramCommand.main(
                module, path: request.path, arguments: request.values + request.programArguments,
                engine: request.engine, dumpNative: request.dumpNative)
        }
        guard request.programArguments.isEmpty else {
            return Usage.fail(
                "run: arguments after -- are for a WASI or Asyncify program; \(request.path) is neither")
        }
        do {
            let instance = try Instance(
                module: module, store: Store(configuration: .init(engine: request.engine)), imports: Imports()
            )
            let results = try instance.call(name, try request.values.map(parseValue))
            for result in results { print(result) }
            if let file = request.dumpNative { try dumpNativeCode(of: instance, to: file) }
            return 0
        } catch {
            FileHandle.standardError.write(Data("asyncify run: \(error)\n".utf8))
            return 1
        }
    }

    /// Writes the instance's machine code to `file` and lists the function offsets on stderr.
    static func dumpNativeCode(of instance: Instance, to file: String) throws {
        guard let code = instance.nativeCode else {
            throw CommandLineSupport.Failure(
                .notNative, "--dump-native: the call did not run on the native engine; pass --engine native")
        }
        try Data(code.bytes).write(to: URL(fileURLWithPath: file))
        var listing =
            "\(file): \(code.bytes.count) bytes of x86-64 code, run at 0x\(String(code.address, radix: 16))\n"
        for (index, offset) in code.functions.sorted(by: { $0.offset < $1.offset }) {
            listing += "  function \(index) at 0x\(String(offset, radix: 16))\n"
        }
        FileHandle.standardError.write(Data(listing.utf8))
    }

    /// What to say when export `name` does not exist: the function exports to
    /// pick from with `--invoke`, with their types.
    static func missingExport(_ name: String, in module: Module, path: String, explicit: Bool) -> String {
        let functions = module.exports.compactMap { export -> String? in
            guard case .function(let index) = export.descriptor, let type = functionType(index, in: module)
            else {
                return nil
            }
            let parameters = type.parameters.map { "\($0)" }.joined(separator: ", ")
            let results = type.results.map { "\($0)" }.joined(separator: ", ")
            return "  \(export.name) (\(parameters)) -> (\(results))"
        }
        let what =
            explicit
            ? "run: \(path) exports no function \"\(name)\""
            : "run: \(path) exports no \"_start\", so it is not a program: choose an export with --invoke NAME"
        if functions.isEmpty { return what + "; it exports no functions" }
        return what + "; its function exports:\n" + functions.joined(separator: "\n")
    }

    /// The type of function `index` (imports first, then the module's own).
    static func functionType(_ index: UInt32, in module: Module) -> FunctionType? {
        let imported = module.imports.compactMap { entry -> UInt32? in
            if case .function(let type) = entry.descriptor { return type }
            return nil
        }
        let typeIndices = imported + module.functions
        guard Int(index) < typeIndices.count, Int(typeIndices[Int(index)]) < module.types.count else {
            return nil
        }
        return module.types[Int(typeIndices[Int(index)])]
    }

    /// Reads, decodes and validates a binary module.
    static func loadModule(_ path: String) throws -> Module {
        let bytes = try CommandLineSupport.readModule(path)
        let module: Module
        do {
            module = try Module(decoding: bytes)
            try module.validate()
        } catch {
            throw CommandLineSupport.Failure(.invalidModule, "\(path): \(error)")
        }
        return module
    }

    /// Parses `i32:1`, `i64:-5`, `f32:2.5`, `f64:nan` the way `wasmkit run` takes them.
    static func parseValue(_ text: String) throws -> Value {
        let parts = text.split(separator: ":", maxSplits: 1).map(String.init)
        guard parts.count == 2 else {
            throw CommandLineSupport.Failure(
                .badArgumentValue, "argument \(text) is not TYPE:VALUE (e.g. i32:1)")
        }
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
        throw CommandLineSupport.Failure(
            .badArgumentValue, "cannot parse \(text) (expected i32:, i64:, f32: or f64: and a number)")
    }
}

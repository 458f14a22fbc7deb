// Runs the execution side of spec scripts on the interpreter: instantiating
// modules against the `spectest` host module and registered instances, and
// performing actions. `SpecRunner` decodes and validates; it hands the rest
// to the session made by ``SpecExecutor/execution``.

import WasmBinary
import WasmInterpreter

extension SpecValue {
    /// The value as an interpreter argument; nil for expected-only patterns.
    public var interpreterValue: Value? {
        switch self {
        case .i32(let v): .i32(v)
        case .i64(let v): .i64(v)
        case .f32(let bits): .f32(bits)
        case .f64(let bits): .f64(bits)
        case .null(.funcref): .funcref(nil)
        case .null(.externref): .externref(nil)
        case .externReference(let n): n < UInt64.max ? .externref(n) : nil
        case .canonicalNaN, .arithmeticNaN, .anyReference: nil
        }
    }

    /// Whether an actual result satisfies this expected value (floats bit for
    /// bit; NaN classes as the spec defines them).
    public func matches(_ actual: Value) -> Bool {
        switch (self, actual) {
        case (.canonicalNaN(.f32), .f32(let bits)): return bits & 0x7FFF_FFFF == 0x7FC0_0000
        case (.canonicalNaN(.f64), .f64(let bits)): return bits & ~(1 << 63) == 0x7FF8_0000_0000_0000
        case (.arithmeticNaN(.f32), .f32(let bits)): return bits & 0x7FC0_0000 == 0x7FC0_0000
        case (.arithmeticNaN(.f64), .f64(let bits)):
            return bits & 0x7FF8_0000_0000_0000 == 0x7FF8_0000_0000_0000
        case (.anyReference(.funcref), .funcref(let f)): return f != nil
        case (.anyReference(.externref), .externref(let r)): return r != nil
        default: return interpreterValue.map { $0 == actual } ?? false
        }
    }
}

/// The store, registered modules and named instances of one spec script.
public final class SpecExecutor {
    /// The store all of the script's modules live in.
    public let store: Store
    /// The imports available to the next module: `spectest` plus everything registered.
    public private(set) var imports: Imports
    /// Instances by their script name (`$M1`).
    public private(set) var named: [String: Instance] = [:]
    /// The most recently instantiated module.
    public private(set) var current: Instance?
    /// Whether the last `module` command failed (its actions then fail too).
    var currentFailed = false

    /// A fresh executor with the `spectest` host module, running on `engine`.
    public init(engine: Store.Engine = .automatic) {
        store = Store(configuration: .init(maximumCallDepth: 20_000, engine: engine))
        imports = Imports()
        SpecExecutor.defineSpectest(&imports, store: store)
    }

    /// The execution hook for ``SpecRunner``: one executor per script.
    public static let execution = SpecExecution { _ in
        let executor = SpecExecutor()
        return { command, module in executor.run(command, module) }
    }

    /// The execution hook for ``SpecRunner`` on a chosen engine.
    public static func execution(engine: Store.Engine) -> SpecExecution {
        SpecExecution { _ in
            let executor = SpecExecutor(engine: engine)
            return { command, module in executor.run(command, module) }
        }
    }

    /// Instantiates `module`; on success it becomes the current module (and `name` refers to it).
    @discardableResult
    public func instantiate(_ module: Module, name: String?) throws -> Instance {
        let instance = try Instance(module: module, store: store, imports: imports)
        current = instance
        if let name { named[name] = instance }
        return instance
    }

    /// `register`: makes the exports of `name` (or the current module) importable as `moduleName`.
    public func register(_ moduleName: String, instanceName: String?) throws {
        imports.define(module: moduleName, exportsOf: try instance(instanceName))
    }

    /// The named instance, or the current one.
    ///
    /// - Throws: ``SpecScriptError`` (``SpecScriptError/Reason/unknownModule``) for a
    ///   name the script never gave a module, or when no module was instantiated yet.
    ///   Its `path` is empty: the runner reports it under the script's name.
    public func instance(_ name: String?) throws(SpecScriptError) -> Instance {
        if let name {
            guard let instance = named[name] else {
                let known = named.keys.sorted().joined(separator: ", ")
                throw SpecScriptError(
                    .unknownModule, path: "",
                    "unknown module \(name) (the script named \(known.isEmpty ? "no modules" : known) before it)"
                )
            }
            return instance
        }
        guard let current else {
            throw SpecScriptError(.unknownModule, path: "", "no module instantiated yet")
        }
        return current
    }

    /// Performs an `invoke` or `get`.
    public func perform(_ action: SpecAction) throws -> [Value] {
        switch action {
        case .invoke(let module, let field, let arguments):
            let values = try arguments.map { argument in
                guard let value = argument.interpreterValue else {
                    throw SpecScriptError(
                        .notAnArgumentValue, path: "",
                        "\(argument) is an expected-result pattern, not an argument value")
                }
                return value
            }
            return try instance(module).call(field, values)
        case .get(let module, let field):
            return [try instance(module).exportedGlobal(field).value]
        }
    }

    /// Runs one command the ``SpecRunner`` hands over.
    public func run(_ command: SpecCommand, _ module: Module?) -> SpecOutcome {
        switch command.kind {
        case .module(_, let name):
            guard let module else { return .failed("no module") }
            do {
                try instantiate(module, name: name)
                currentFailed = false
                return .passed
            } catch {
                currentFailed = true
                return .failed("instantiation failed: \(error)")
            }
        case .assertUnlinkable(_, let text), .assertUninstantiable(_, let text):
            guard let module else { return .failed("no module") }
            let wantsLinkError: Bool
            if case .assertUnlinkable = command.kind { wantsLinkError = true } else { wantsLinkError = false }
            do {
                try instantiate(module, name: nil)
                return .failed("instantiation succeeded, expected \"\(text)\"")
            } catch let error as LinkError {
                return wantsLinkError ? .passed : .failed("link error \(error), expected a trap \"\(text)\"")
            } catch let trap as Trap {
                return wantsLinkError ? .failed("trap \(trap), expected a link error \"\(text)\"") : .passed
            } catch {
                return .failed("\(error)")
            }
        case .register(let module, let name):
            do {
                try register(name, instanceName: module)
                return .passed
            } catch {
                return .failed("\(error)")
            }
        case .action(let action, _):
            return perform(action, command) { _ in nil }
        case .assertReturn(let action, let expected):
            return perform(action, command) { results in
                guard results.count == expected.count, zip(expected, results).allSatisfy({ $0.matches($1) })
                else {
                    return "\(action) returned \(results), expected \(expected)"
                }
                return nil
            }
        case .assertTrap(let action, let text), .assertExhaustion(let action, let text):
            let exhaustion: Bool
            if case .assertExhaustion = command.kind { exhaustion = true } else { exhaustion = false }
            do {
                let results = try perform(action)
                return .failed("\(action) returned \(results), expected a trap \"\(text)\"")
            } catch let trap as Trap {
                let matches =
                    exhaustion
                    ? trap.reason == .callStackExhausted
                    : text.hasPrefix(trap.description) || trap.description.hasPrefix(text)
                return matches ? .passed : .failed("\(action) trapped \"\(trap)\", expected \"\(text)\"")
            } catch {
                return .failed("\(action): \(error)")
            }
        case .assertInvalid, .assertMalformed:
            return .skipped
        }
    }

    private func perform(_ action: SpecAction, _ command: SpecCommand, check: ([Value]) -> String?)
        -> SpecOutcome
    {
        if currentFailed && action.module == nil {
            return .failed("the current module failed to instantiate")
        }
        do {
            let results = try perform(action)
            return check(results).map { .failed($0) } ?? .passed
        } catch {
            return .failed("\(action): unexpected \(error)")
        }
    }

    static func defineSpectest(_ imports: inout Imports, store: Store) {
        func printer(_ name: String, _ parameters: [ValueType]) {
            let f = Function(store: store, type: FunctionType(parameters: parameters, results: [])) { _, _ in
                []
            }
            imports.define(module: "spectest", name: name, .function(f))
        }
        printer("print", [])
        printer("print_i32", [.i32])
        printer("print_i64", [.i64])
        printer("print_f32", [.f32])
        printer("print_f64", [.f64])
        printer("print_i32_f32", [.i32, .f32])
        printer("print_f64_f64", [.f64, .f64])
        let globals: [(String, Value)] = [
            ("global_i32", .i32(666)), ("global_i64", .i64(666)),
            ("global_f32", Value(Float(666.6))), ("global_f64", Value(666.6)),
        ]
        for (name, value) in globals {
            if let g = try? Global(
                store: store, type: GlobalType(valueType: value.type, isMutable: false), value: value)
            {
                imports.define(module: "spectest", name: name, .global(g))
            }
        }
        // 10 elements and 1 page are far below any store's limits.
        if let table = try? Table(
            store: store, type: TableType(elementType: .funcref, limits: Limits(min: 10, max: 20)))
        {
            imports.define(module: "spectest", name: "table", .table(table))
        }
        if let memory = try? Memory(store: store, type: Limits(min: 1, max: 2)) {
            imports.define(module: "spectest", name: "memory", .memory(memory))
        }
    }
}

// Runs the execution side of spec scripts: instantiating modules against the
// `spectest` host module and registered instances, and performing actions.
// The script reader and the module-level commands live elsewhere in this
// target; this file only needs the interpreter.

import WasmBinary
import WasmInterpreter

/// An expected result of an `assert_return`.
public enum SpecExpectation: Equatable, CustomStringConvertible {
    /// Exactly this value (floats bit for bit).
    case value(Value)
    /// Any canonical NaN of the type (either sign).
    case canonicalNaN(ValueType)
    /// Any NaN of the type with the quiet bit set.
    case arithmeticNaN(ValueType)
    /// Any non-null reference of the type (`ref.func`, `ref.extern` without a number).
    case anyReference(ValueType)

    /// Whether `actual` satisfies the expectation.
    public func matches(_ actual: Value) -> Bool {
        switch (self, actual) {
        case (.value(let e), _): return e == actual
        case (.canonicalNaN(.f32), .f32(let bits)): return bits & 0x7FFF_FFFF == 0x7FC0_0000
        case (.canonicalNaN(.f64), .f64(let bits)): return bits & ~(1 << 63) == 0x7FF8_0000_0000_0000
        case (.arithmeticNaN(.f32), .f32(let bits)): return bits & 0x7FC0_0000 == 0x7FC0_0000
        case (.arithmeticNaN(.f64), .f64(let bits)):
            return bits & 0x7FF8_0000_0000_0000 == 0x7FF8_0000_0000_0000
        case (.anyReference(.funcref), .funcref(let f)): return f != nil
        case (.anyReference(.externref), .externref(let r)): return r != nil
        default: return false
        }
    }

    public var description: String {
        switch self {
        case .value(let v): v.description
        case .canonicalNaN(let t): "\(t):nan:canonical"
        case .arithmeticNaN(let t): "\(t):nan:arithmetic"
        case .anyReference(let t): "\(t):non-null"
        }
    }
}

/// A spec script value that could not be understood.
public struct SpecValueError: Error, CustomStringConvertible {
    /// What was wrong.
    public var description: String
}

/// Parses the `{"type": T, "value": S}` values of the JSON scripts.
public enum SpecValues {
    /// An argument value.
    public static func value(type: String, value: String?) throws(SpecValueError) -> Value {
        switch try expectation(type: type, value: value) {
        case .value(let v): return v
        default: throw SpecValueError(description: "\(type) \(value ?? "") is not a concrete value")
        }
    }

    /// An expected result.
    public static func expectation(type: String, value: String?) throws(SpecValueError) -> SpecExpectation {
        func bad() -> SpecValueError { SpecValueError(description: "bad \(type) value \(value ?? "nil")") }
        switch type {
        case "i32":
            guard let v = value.flatMap({ UInt32($0) }) else { throw bad() }
            return .value(.i32(v))
        case "i64":
            guard let v = value.flatMap({ UInt64($0) }) else { throw bad() }
            return .value(.i64(v))
        case "f32", "f64":
            let t: ValueType = type == "f32" ? .f32 : .f64
            if value == "nan:canonical" { return .canonicalNaN(t) }
            if value == "nan:arithmetic" { return .arithmeticNaN(t) }
            if t == .f32 {
                guard let v = value.flatMap({ UInt32($0) }) else { throw bad() }
                return .value(.f32(v))
            }
            guard let v = value.flatMap({ UInt64($0) }) else { throw bad() }
            return .value(.f64(v))
        case "externref":
            guard let value else { return .anyReference(.externref) }
            if value == "null" { return .value(.externref(nil)) }
            guard let n = UInt64(value), n < UInt64.max else { throw bad() }
            return .value(.externref(n))
        case "funcref":
            if value == "null" { return .value(.funcref(nil)) }
            return .anyReference(.funcref)
        default:
            throw SpecValueError(description: "unsupported value type \(type)")
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

    /// A fresh executor with the `spectest` host module.
    public init() {
        store = Store(configuration: .init(maximumCallDepth: 20_000))
        imports = Imports()
        SpecExecutor.defineSpectest(&imports, store: store)
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
    public func instance(_ name: String?) throws -> Instance {
        if let name {
            guard let instance = named[name] else { throw InvocationError("unknown module \(name)") }
            return instance
        }
        guard let current else { throw InvocationError("no module instantiated yet") }
        return current
    }

    /// `invoke`: calls an export.
    public func invoke(module: String?, field: String, arguments: [Value]) throws -> [Value] {
        try instance(module).call(field, arguments)
    }

    /// `get`: reads an exported global.
    public func get(module: String?, field: String) throws -> [Value] {
        [try instance(module).exportedGlobal(field).value]
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
        let table = Table(
            store: store, type: TableType(elementType: .funcref, limits: Limits(min: 10, max: 20)))
        imports.define(module: "spectest", name: "table", .table(table))
        let memory = Memory(store: store, type: Limits(min: 1, max: 2))
        imports.define(module: "spectest", name: "memory", .memory(memory))
    }
}

// Runs one module on both execution engines and compares everything a
// caller can observe: each call's results or trap reason (NaN-aware: any NaN
// equals any NaN, as the spec allows), the memory's size and bytes, every
// exported global, and which table slots are null. Shared by the
// differential tests (Tests/WasmNativeTests) and the libFuzzer target
// (Fuzz/NativeDifferential.swift).

import WasmBinary
import WasmInterpreter

/// A module and the calls to make on it, with the store's limits.
public struct DifferentialCase {
    /// The module (valid by construction).
    public var module: Module
    /// Exported function names and their arguments (type, bit pattern), in call order.
    public var calls: [(name: String, arguments: [(ValueType, UInt64)])]
    /// Fuel given before each call (both stores then meter), or nil for unmetered stores.
    public var fuel: UInt64?
    /// The stores' `maximumCallDepth`.
    public var maximumCallDepth: Int
    /// The module's work budget (its global `budget`) set before each call.
    public var budget: UInt32

    /// A random case: a module from `generator`, two rounds of calls of every
    /// function, and now and then fuel metering or a shallow call-depth limit.
    public static func random<R>(_ generator: inout RandomWasmModuleGenerator<R>) -> DifferentialCase {
        let module = generator.makeModule()
        var calls: [(name: String, arguments: [(ValueType, UInt64)])] = []
        for _ in 0..<2 {
            for k in 0..<generator.signatures.count { calls.append(("f\(k)", generator.arguments(k))) }
        }
        let fuel: UInt64? = generator.chance(25) ? UInt64(5 + generator.below(300)) : nil
        return DifferentialCase(
            module: module, calls: calls, fuel: fuel, maximumCallDepth: generator.pick([24, 1000, 1000]),
            budget: UInt32(50 + generator.below(200)))
    }
}

/// What one engine did with a ``DifferentialCase``.
public struct EngineObservation: Equatable, CustomStringConvertible {
    /// Instantiation's outcome, then each call's.
    public var events: [String] = []
    /// The memory's bytes at the end.
    public var memory: [UInt8] = []
    /// Exported globals (name=value) at the end.
    public var globals: [String] = []
    /// The table's slots at the end: "f" for a function, "-" for null.
    public var table: String = ""

    /// The events, globals and table, one per line (the memory as its size).
    public var description: String {
        (events + globals + ["table \(table)", "memory \(memory.count) bytes"]).joined(separator: "\n")
    }
}

/// Runs cases on both engines.
public enum EngineDifferential {
    /// Runs `testCase` on a fresh store of `engine`.
    public static func observe(_ testCase: DifferentialCase, engine: Store.Engine) -> EngineObservation {
        var observation = EngineObservation()
        let store = Store(
            configuration: Store.Configuration(
                maximumCallDepth: testCase.maximumCallDepth, valueStackSlots: 1 << 16, maximumMemoryPages: 8,
                maximumTableElements: 1024, fuelMetering: testCase.fuel != nil, engine: engine))
        let instance: Instance
        do {
            instance = try Instance(module: testCase.module, store: store)
            observation.events.append("instantiated")
        } catch {
            observation.events.append("instantiate: \(describe(error))")
            return observation
        }
        for (name, arguments) in testCase.calls {
            do {
                try instance.exportedGlobal("budget").set(.i32(testCase.budget))
                store.fuel = testCase.fuel
                let values = arguments.map { value($0.0, $0.1) }
                let results = try instance.exportedFunction(name).call(values)
                observation.events.append("\(name): " + results.map(text).joined(separator: " "))
            } catch {
                observation.events.append("\(name): \(describe(error))")
            }
        }
        if let memory = try? instance.exportedMemory() {
            observation.memory = memory.withUnsafeMutableBytes { Array($0) }
        }
        for (name, export) in instance.exports.sorted(by: { $0.key < $1.key }) {
            if case .global(let global) = export {
                observation.globals.append("\(name)=\(text(global.value))")
            }
        }
        if let table = try? instance.exportedTable("table") {
            observation.table = String(
                (0..<table.count).map { k -> Character in
                    guard case .funcref(let f) = try? table.element(at: k) else { return "?" }
                    return f == nil ? "-" : "f"
                })
        }
        return observation
    }

    /// Runs `testCase` on both engines: what the interpreter observed, and
    /// nil when the native tier observed the same, else the first difference.
    public static func compare(_ testCase: DifferentialCase) -> (
        interpreter: EngineObservation, difference: String?
    ) {
        let interpreted = observe(testCase, engine: .interpreter)
        let native = observe(testCase, engine: .native)
        return (interpreted, difference(interpreted, native))
    }

    /// Nil when both engines observe the same; else the first difference.
    public static func difference(_ testCase: DifferentialCase) -> String? { compare(testCase).difference }

    static func difference(_ interpreted: EngineObservation, _ native: EngineObservation) -> String? {
        if interpreted == native { return nil }
        for (k, (a, b)) in zip(interpreted.events, native.events).enumerated() where a != b {
            return "event \(k): interpreter \(a) | native \(b)"
        }
        if interpreted.events.count != native.events.count { return "event counts differ" }
        if interpreted.globals != native.globals {
            return "globals: interpreter \(interpreted.globals) | native \(native.globals)"
        }
        if interpreted.table != native.table {
            return "table: interpreter \(interpreted.table) | native \(native.table)"
        }
        if interpreted.memory.count != native.memory.count {
            return "memory size: interpreter \(interpreted.memory.count) | native \(native.memory.count)"
        }
        let first = zip(interpreted.memory, native.memory).enumerated().first { $0.element.0 != $0.element.1 }
        return "memory differs first at byte \(first?.offset ?? -1)"
    }

    static func value(_ type: ValueType, _ bits: UInt64) -> Value {
        switch type {
        case .i32: .i32(UInt32(truncatingIfNeeded: bits))
        case .i64: .i64(bits)
        case .f32: .f32(UInt32(truncatingIfNeeded: bits))
        case .f64: .f64(bits)
        case .funcref: .funcref(nil)
        case .externref: .externref(nil)
        }
    }

    /// A value with NaNs shown as `nan` (payload and sign are the engine's choice).
    static func text(_ value: Value) -> String {
        switch value {
        case .f32(let bits): Float(bitPattern: bits).isNaN ? "f32:nan" : "f32:0x" + String(bits, radix: 16)
        case .f64(let bits): Double(bitPattern: bits).isNaN ? "f64:nan" : "f64:0x" + String(bits, radix: 16)
        default: value.description
        }
    }

    static func describe(_ error: any Error) -> String {
        if let trap = error as? Trap { return "trap \(trap.reason)" }
        return "error \(type(of: error)): \(error)"
    }
}

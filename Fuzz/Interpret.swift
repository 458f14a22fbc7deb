// libFuzzer target: the interpreter on validated modules.
//
// Built by scripts/fuzz.sh (swiftc -sanitize=fuzzer,address), not by SwiftPM.
// The corpus is seeded with the spec suite's modules; libFuzzer mutates them.
// An input that decodes and validates is instantiated with dummy imports
// (functions returning zeros; modules importing anything else are skipped) and
// every exported function is called with zero arguments.
//
// The interpreter has no fuel counter, so termination is bounded by the
// module's shape instead: modules with a `loop` or `call_indirect`, or a
// function with more than two direct calls, are skipped, and the store allows
// a call depth of 12. Without loops every body runs each instruction at most
// once, so one export runs at most 2^12 bodies. Memory and tables are capped
// so that `memory.grow`/`table.grow` stay small.
//
// Oracle: no crash, no hang, no sanitizer report; every failure is a thrown
// error (Trap, LinkError, InvocationError), and the store keeps serving calls
// after a trap (the remaining exports are still called).
import Foundation
import WasmBinary
import WasmInterpreter

let maximumPages: UInt64 = 16
let maximumTableElements: UInt64 = 4096
let allSizes = getenv("FUZZ_INTERP_ALL_SIZES") != nil

func isBounded(_ module: Module) -> Bool {
    for code in module.codes {
        var calls = 0
        for instruction in code.body {
            switch instruction {
            case .loop, .callIndirect: return false
            case .call:
                calls += 1
                if calls > 2 { return false }
            default: break
            }
        }
    }
    return true
}

func outcome(_ function: Function, _ arguments: [Value]) -> String {
    do {
        return "\(try function.call(arguments))"
    } catch let trap as Trap {
        return "trap \(trap)"
    } catch {
        return "error \(error)"
    }
}

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzOneInput(_ start: UnsafePointer<UInt8>?, _ count: Int) -> CInt {
    guard count <= 16 * 1024 else { return 0 }
    let module: Module
    do {
        module = try Module(decoding: Array(UnsafeBufferPointer(start: start, count: count)))
        try Validator.validate(module)
    } catch {
        return 0
    }
    guard isBounded(module) else { return 0 }
    // The interpreter does not yet check initial sizes against the store's limits
    // (it allocates them whole; see Tests/WasmInterpreterTests/FuzzRegressionTests):
    // skip such modules so the fuzzer can look past that known problem.
    // Set FUZZ_INTERP_ALL_SIZES=1 to fuzz them anyway.
    if !allSizes {
        for memory in module.memories where memory.min > maximumPages { return 0 }
        for table in module.tables where table.limits.min > maximumTableElements { return 0 }
    }
    let store = Store(
        configuration: Store.Configuration(
            maximumCallDepth: 12, valueStackSlots: 1 << 16, maximumMemoryPages: 16, maximumTableElements: 4096
        ))
    var imports = Imports()
    for entry in module.imports {
        guard case .function(let typeIndex) = entry.descriptor, Int(typeIndex) < module.types.count else {
            return 0
        }
        let type = module.types[Int(typeIndex)]
        let function = Function(store: store, type: type) { _, _ in type.results.map(Value.zero) }
        imports.define(module: entry.module, name: entry.name, .function(function))
    }
    let instance: Instance
    do {
        instance = try Instance(module: module, store: store, imports: imports)
    } catch {
        _ = "\(error)"
        return 0
    }
    for export in module.exports {
        guard case .function = export.descriptor, let function = try? instance.exportedFunction(export.name)
        else {
            continue
        }
        _ = outcome(function, function.type.parameters.map(Value.zero))
    }
    return 0
}

// Small hand-built modules for the engine tests (the interpreter's and the
// native tier's suites build their cases the same way).

import WasmBinary

/// Builds a module with one exported function per (name, type, locals, body).
///
/// `types` come first in the type section (for imported functions and
/// `call_indirect`); a `memory`, if given, is exported as "memory".
public func makeModule(
    _ functions: [(String, FunctionType, [ValueType], [Instruction])], memory: MemoryType? = nil,
    imports: [Import] = [], types extra: [FunctionType] = []
) -> Module {
    var module = Module()
    module.types = extra
    module.imports = imports
    let importedFunctions = imports.filter { if case .function = $0.descriptor { true } else { false } }.count
    for (name, type, locals, body) in functions {
        module.types.append(type)
        let functionIndex = UInt32(module.functions.count + importedFunctions)
        module.functions.append(UInt32(module.types.count - 1))
        module.codes.append(
            FunctionBody(locals: locals.map { LocalGroup(count: 1, type: $0) }, body: body + [.end]))
        module.exports.append(Export(name: name, descriptor: .function(functionIndex)))
    }
    if let memory {
        module.memories = [memory]
        module.exports.append(Export(name: "memory", descriptor: .memory(0)))
    }
    return module
}

/// `fib(n: i64) -> i64`, recursively (function 0 calls itself).
public let fibBody: [Instruction] = [
    .localGet(0), .i64Const(2), .numeric(.i64LtU),
    .if(.value(.i64)),
    .localGet(0),
    .else,
    .localGet(0), .i64Const(1), .numeric(.i64Sub), .call(functionIndex: 0),
    .localGet(0), .i64Const(2), .numeric(.i64Sub), .call(functionIndex: 0),
    .numeric(.i64Add),
    .end,
]

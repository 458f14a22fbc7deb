// The module exports a fiber swap calls (the four `asyncify_start/stop_*`,
// `stackSave`, `stackRestore`, `emscripten_stack_set_limits`) are tiny
// functions over a few globals. Calling one through the interpreter costs far
// more than what it does, so the host recognises their exact bodies at
// instantiation and then does the same thing itself on the globals' cells.
//
// Only bodies that match the shapes Binaryen's Asyncify pass and Emscripten's
// stack library emit, instruction for instruction, are taken over; anything
// else (another toolchain version, a hand-written module) is called as before.
// The effect on the module's state is identical either way: the same globals
// get the same values, and the "position > end" check that makes Binaryen's
// functions trap `unreachable` raises the same overflow error.

import WasmBinary
import WasmInterpreter

/// Global cells behind the module's trivial Asyncify and stack exports.
struct DirectExports {
    /// Whether the host uses what it recognised (off: every export is called).
    var enabled = true
    private var foundAsyncify: (state: UnsafeMutablePointer<UInt64>, data: UnsafeMutablePointer<UInt64>)?
    private var foundStackPointer: UnsafeMutablePointer<UInt64>?
    private var foundStackLimits: (base: UnsafeMutablePointer<UInt64>, end: UnsafeMutablePointer<UInt64>)?

    /// `__asyncify_state` (i32) and `__asyncify_data` (a pointer), if all four
    /// `asyncify_start/stop_*` exports have Binaryen's bodies over them.
    var asyncify: (state: UnsafeMutablePointer<UInt64>, data: UnsafeMutablePointer<UInt64>)? {
        enabled ? foundAsyncify : nil
    }
    /// `__stack_pointer`, if `stackSave` and `stackRestore` read and write it.
    var stackPointer: UnsafeMutablePointer<UInt64>? { enabled ? foundStackPointer : nil }
    /// `__stack_base` and `__stack_end`, if `emscripten_stack_set_limits` sets them.
    var stackLimits: (base: UnsafeMutablePointer<UInt64>, end: UnsafeMutablePointer<UInt64>)? {
        enabled ? foundStackLimits : nil
    }

    /// Whether every export a swap calls was recognised (whether or not enabled).
    var coversSwap: Bool { foundAsyncify != nil && foundStackPointer != nil && foundStackLimits != nil }

    init() {}

    /// Recognises the exports of `instance` (made from `module`).
    init(module: Module, instance: Instance, is64: Bool) {
        let recogniser = Recogniser(module: module, instance: instance, is64: is64)
        foundAsyncify = recogniser.asyncifyGlobals()
        foundStackPointer = recogniser.stackPointer()
        foundStackLimits = recogniser.stackLimits()
    }

    /// Matches export bodies against the expected instruction sequences.
    struct Recogniser {
        let module: Module
        let instance: Instance
        let is64: Bool

        var pointerType: ValueType { is64 ? .i64 : .i32 }

        /// The body of the exported function `name` (without its final `end`),
        /// if it is defined in the module, declares no locals and has type
        /// `parameters -> results`.
        func body(_ name: String, _ parameters: [ValueType], _ results: [ValueType]) -> [Instruction]? {
            guard
                let export = module.exports.first(where: { $0.name == name }),
                case .function(let index) = export.descriptor
            else { return nil }
            let importCount = module.imports.count {
                if case .function = $0.descriptor { true } else { false }
            }
            let defined = Int(index) - importCount
            guard defined >= 0, defined < module.codes.count, defined < module.functions.count,
                Int(module.functions[defined]) < module.types.count
            else { return nil }
            let type = module.types[Int(module.functions[defined])]
            let code = module.codes[defined]
            guard type.parameters == parameters, type.results == results, code.locals.isEmpty,
                code.body.last == .end
            else { return nil }
            return Array(code.body.dropLast())
        }

        /// The cell of mutable global `index` if it has type `type`.
        func cell(_ index: UInt32, _ type: ValueType) -> UnsafeMutablePointer<UInt64>? {
            guard let global = instance.global(at: Int(index)), global.type.isMutable,
                global.type.valueType == type
            else { return nil }
            return global.rawStorage
        }

        /// Binaryen's `asyncify_start_unwind`/`_start_rewind` (with a pointer
        /// parameter) and `asyncify_stop_unwind`/`_stop_rewind` (without):
        ///
        ///     i32.const S  global.set $state  [local.get 0  global.set $data]
        ///     global.get $data  load  global.get $data  load offset=P  gt_u
        ///     if  unreachable  end
        ///
        /// Returns `(state, data)` when all four agree on the globals.
        func asyncifyGlobals() -> (state: UnsafeMutablePointer<UInt64>, data: UnsafeMutablePointer<UInt64>)? {
            let exports: [(name: String, state: Int32, setsData: Bool)] = [
                ("asyncify_start_unwind", 1, true), ("asyncify_stop_unwind", 0, false),
                ("asyncify_start_rewind", 2, true), ("asyncify_stop_rewind", 0, false),
            ]
            var globals: (state: UInt32, data: UInt32)?
            for (name, stateValue, setsData) in exports {
                guard let code = body(name, setsData ? [pointerType] : [], []),
                    let found = matchAsyncifyBody(code, state: stateValue, setsData: setsData),
                    globals == nil || globals! == found
                else { return nil }
                globals = found
            }
            guard let globals, globals.state != globals.data, let state = cell(globals.state, .i32),
                let data = cell(globals.data, pointerType)
            else { return nil }
            return (state, data)
        }

        func matchAsyncifyBody(_ code: [Instruction], state: Int32, setsData: Bool) -> (
            state: UInt32, data: UInt32
        )? {
            var k = 0
            func next() -> Instruction? {
                guard k < code.count else { return nil }
                defer { k += 1 }
                return code[k]
            }
            guard next() == .i32Const(state), case .globalSet(let stateGlobal)? = next() else { return nil }
            var dataGlobal: UInt32?
            if setsData {
                guard next() == .localGet(0), case .globalSet(let g)? = next() else { return nil }
                dataGlobal = g
            }
            let load: LoadOp = is64 ? .i64Load : .i32Load
            let compare: NumericOp = is64 ? .i64GtU : .i32GtU
            guard case .globalGet(let g1)? = next(), case .load(load, let position)? = next(),
                case .globalGet(let g2)? = next(), case .load(load, let end)? = next(),
                next() == .numeric(compare), case .if(.empty)? = next(), next() == .unreachable,
                next() == .end, k == code.count,
                g1 == g2, dataGlobal == nil || dataGlobal == g1,
                position.offset == 0, end.offset == (is64 ? 8 : 4)
            else { return nil }
            return (stateGlobal, g1)
        }

        /// `stackSave` (`global.get $sp`) and `stackRestore` (`local.get 0
        /// global.set $sp`) over the same global.
        func stackPointer() -> UnsafeMutablePointer<UInt64>? {
            guard let save = body("stackSave", [], [pointerType]),
                let restore = body("stackRestore", [pointerType], []),
                save.count == 1, case .globalGet(let g) = save[0],
                restore == [.localGet(0), .globalSet(g)]
            else { return nil }
            return cell(g, pointerType)
        }

        /// `emscripten_stack_set_limits(base, end)`: `local.get 0 global.set
        /// $base local.get 1 global.set $end`.
        func stackLimits() -> (base: UnsafeMutablePointer<UInt64>, end: UnsafeMutablePointer<UInt64>)? {
            guard let code = body("emscripten_stack_set_limits", [pointerType, pointerType], []),
                code.count == 4, code[0] == .localGet(0), case .globalSet(let base) = code[1],
                code[2] == .localGet(1), case .globalSet(let end) = code[3], base != end,
                let baseCell = cell(base, pointerType), let endCell = cell(end, pointerType)
            else { return nil }
            return (baseCell, endCell)
        }
    }
}

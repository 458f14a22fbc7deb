// Random modules for the differential tests: a handful of functions of one
// type `(i32 depth, i64, f64) -> i32` that call each other directly and
// through a table (bounded by the depth argument, so recursion ends), an
// async import `env.sleep(i32) -> i32` used inside expressions (so values sit
// on the operand stack across it), counted loops, if/else, br_if out of
// value-carrying blocks, multi-value blocks, select, and locals of every
// numeric type; optionally loops and blocks with parameters around the calls.

import TestSupport
import WasmBinary

struct RandomModuleGenerator {
    var random: SplitMix64
    let functionCount: Int
    private var budget = 0
    private var loopDepth = 0
    /// Type index of `[] -> [i32, i64]` (a multi-value block).
    private var pairType: UInt32 = 0
    /// Type index of ``functionType`` (for `call_indirect`).
    private var functionTypeIndex: UInt32 = 0
    /// Type index of `[i32] -> [i32]` (loops and blocks with a parameter).
    private var parameterType: UInt32 = 0
    /// Whether expressions include loops and blocks with parameters (which Binaryen 108 cannot read).
    let structuredParameters: Bool

    static let functionType = FunctionType(parameters: [.i32, .i64, .f64], results: [.i32])
    /// Locals after the parameters: i32, i32, i64, f32, f64, then one i32 loop counter per loop depth.
    static let localTypes: [ValueType] = [.i32, .i64, .f64, .i32, .i32, .i64, .f32, .f64]
    static let counterBase: UInt32 = 8
    static let maximumLoopDepth = 2

    init(seed: UInt64, functionCount: Int = 4, structuredParameters: Bool = false) {
        random = SplitMix64(seed: seed)
        self.functionCount = functionCount
        self.structuredParameters = structuredParameters
    }

    mutating func module() -> Module {
        var module = Module()
        let sleep = module.addImportedFunction(
            module: "env", name: "sleep", type: FunctionType(parameters: [.i32], results: [.i32]))
        precondition(sleep == 0)
        module.memories.append(Limits(min: 1))
        module.addExport("memory", .memory(0))
        pairType = module.addType(FunctionType(parameters: [], results: [.i32, .i64]))
        functionTypeIndex = module.addType(Self.functionType)
        if structuredParameters {
            parameterType = module.addType(FunctionType(parameters: [.i32], results: [.i32]))
        }
        module.tables.append(TableType(elementType: .funcref, limits: Limits(min: UInt64(functionCount))))
        for _ in 0..<functionCount {
            var body: [Instruction] = []
            budget = 40
            for _ in 0..<int(1...4) { body += statement() }
            body += expression(.i32)
            // Fold every local into the result so that restoring them matters.
            for (k, t) in Self.localTypes.enumerated() where k != 0 && k < 8 {
                body += [.localGet(UInt32(k))] + toI32(t) + [.numeric(.i32Xor)]
            }
            body.append(.end)
            let locals = [
                LocalGroup(count: 2, type: .i32), LocalGroup(count: 1, type: .i64),
                LocalGroup(count: 1, type: .f32),
                LocalGroup(count: 1, type: .f64),
                LocalGroup(count: UInt32(Self.maximumLoopDepth), type: .i32),
            ]
            _ = module.addFunction(type: Self.functionType, body: FunctionBody(locals: locals, body: body))
        }
        module.elements.append(
            ElementSegment(
                mode: .active(tableIndex: 0, offset: [.i32Const(0), .end]), type: .funcref,
                initializers: .functionIndices((1...UInt32(functionCount)).map { $0 })))
        module.addExport("run", .function(UInt32(functionCount)))
        return module
    }

    private mutating func int(_ range: ClosedRange<Int>) -> Int { Int.random(in: range, using: &random) }

    private func locals(of type: ValueType) -> [UInt32] {
        Self.localTypes.enumerated().filter { $0.element == type }.map { UInt32($0.offset) }
    }

    private mutating func statement() -> [Instruction] {
        budget -= 1
        let choice = budget <= 0 ? 0 : int(0...5)
        switch choice {
        case 1 where loopDepth < Self.maximumLoopDepth:
            let counter = Self.counterBase + UInt32(loopDepth)
            loopDepth += 1
            var body: [Instruction] = [.i32Const(Int32(int(1...3))), .localSet(counter), .loop(.empty)]
            for _ in 0..<int(1...2) { body += statement() }
            body += [
                .localGet(counter), .i32Const(1), .numeric(.i32Sub), .localTee(counter), .brIf(depth: 0),
                .end,
            ]
            loopDepth -= 1
            return body
        case 2:
            var body = expression(.i32) + [.if(.empty)]
            body += statement()
            if int(0...1) == 0 { body += [.else] + statement() }
            return body + [.end]
        default:
            let type = [ValueType.i32, .i64, .f32, .f64][int(0...3)]
            let targets = locals(of: type).filter { $0 != 0 }
            return expression(type) + [.localSet(targets[int(0...(targets.count - 1))])]
        }
    }

    private mutating func expression(_ type: ValueType) -> [Instruction] {
        budget -= 1
        let choice = budget <= 0 ? int(0...1) : int(0...(structuredParameters ? 13 : 11))
        switch choice {
        case 12 where loopDepth < Self.maximumLoopDepth:
            // A counted loop whose parameter carries an accumulator through each iteration
            // (`br_if 0` passes it back to the loop's head).
            let counter = Self.counterBase + UInt32(loopDepth)
            loopDepth += 1
            var body = expression(.i32) + [.i32Const(Int32(int(1...3))), .localSet(counter)]
            body += [.loop(.typeIndex(parameterType))] + expression(.i32) + [.numeric(.i32Add)]
            body += [
                .localGet(counter), .i32Const(1), .numeric(.i32Sub), .localTee(counter), .brIf(depth: 0),
                .end,
            ]
            loopDepth -= 1
            return body + fromI32(type)
        case 13:
            // A block taking its operand from the stack.
            return expression(.i32) + [.block(.typeIndex(parameterType))] + expression(.i32)
                + [.numeric(.i32Xor), .end] + fromI32(type)
        case 0: return constant(type)
        case 1:
            let candidates = locals(of: type)
            return [.localGet(candidates[int(0...(candidates.count - 1))])]
        case 2, 3:
            return expression(type) + expression(type) + [binary(type)]
        case 4, 5:
            // The async import, in the middle of an expression.
            return expression(.i32) + [.call(functionIndex: 0)] + fromI32(type)
        case 6:
            // A direct or indirect call while depth > 0.
            let target = int(0...(functionCount - 1))
            var call: [Instruction] = [.localGet(0), .i32Const(1), .numeric(.i32Sub)]
            call += expression(.i64) + expression(.f64)
            if int(0...1) == 0 {
                call.append(.call(functionIndex: UInt32(1 + target)))
            } else {
                call += [
                    .i32Const(Int32(target)), .callIndirect(typeIndex: functionTypeIndex, tableIndex: 0),
                ]
            }
            return [.localGet(0), .if(.value(.i32))] + call + [.else] + constant(.i32) + [.end]
                + fromI32(type)
        case 7:
            return expression(type) + expression(type) + expression(.i32) + [.select]
        case 8:
            return expression(.i32) + [.if(.value(type))] + expression(type) + [.else] + expression(type) + [
                .end
            ]
        case 9:
            // br_if out of a block carrying a value.
            return [.block(.value(type))] + expression(type) + expression(.i32) + [.brIf(depth: 0), .drop]
                + expression(type) + [.end]
        case 10:
            // A multi-value block: [i32, i64], folded into the requested type.
            return [.block(.typeIndex(pairType))] + expression(.i32) + expression(.i64) + [.end]
                + [.numeric(.i32WrapI64), .numeric(.i32Add)] + fromI32(type)
        default:
            let targets = locals(of: type).filter { $0 != 0 }
            return expression(type) + [.localTee(targets[int(0...(targets.count - 1))])]
        }
    }

    private mutating func constant(_ type: ValueType) -> [Instruction] {
        switch type {
        case .i64: [.i64Const(Int64(int(-50...50)))]
        case .f32: [.f32Const(bits: Float(int(-8...8)).bitPattern)]
        case .f64: [.f64Const(bits: Double(int(-8...8)).bitPattern)]
        default: [.i32Const(Int32(int(-50...50)))]
        }
    }

    private func binary(_ type: ValueType) -> Instruction {
        switch type {
        case .i64: .numeric(.i64Add)
        case .f32: .numeric(.f32Add)
        case .f64: .numeric(.f64Mul)
        default: .numeric(.i32Add)
        }
    }

    private func fromI32(_ type: ValueType) -> [Instruction] {
        switch type {
        case .i64: [.numeric(.i64ExtendI32S)]
        case .f32: [.numeric(.f32ConvertI32S)]
        case .f64: [.numeric(.f64ConvertI32S)]
        default: []
        }
    }

    private func toI32(_ type: ValueType) -> [Instruction] {
        switch type {
        case .i64: [.numeric(.i32WrapI64)]
        case .f32: [.numeric(.i32ReinterpretF32)]
        case .f64: [.numeric(.i64ReinterpretF64), .numeric(.i32WrapI64)]
        default: []
        }
    }
}

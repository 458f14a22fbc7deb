// Branches on constants folded, and the code they make unreachable dropped,
// before the analysis (Binaryen's `-O2` does this with precompute and DCE
// before emcc's `--asyncify`). It matters beyond size: libc's exit path, for
// one, runs its atexit handlers in a loop behind `br_if (0 <= 0)`; the
// `call_indirect` in that dead loop makes the function, and every caller,
// possibly unwinding. Folded: an i32 comparison, `eqz` or bitwise operation of
// constants right before it (as a chain of operands pushed together), then
// `br_if` and `if` on a constant. Dropped: what follows `br`, `br_table`,
// `return` and `unreachable` up to the end of their block (or its `else`).
//
// A body whose structure does not balance is left alone (validation reports it).

import WasmBinary

enum ConstantBranches {
    /// Folds in every defined function; returns whether any body changed.
    static func run(_ module: inout Module) -> Bool {
        var changed = false
        var codes = module.codes
        module.codes = []
        for f in codes.indices where mayFold(codes[f].body) {
            if let body = fold(codes[f].body) {
                codes[f].body = body
                changed = true
            }
        }
        module.codes = codes
        return changed
    }

    /// A cheap first look: is there a branch on a constant at all?
    private static func mayFold(_ body: [Instruction]) -> Bool {
        var previousIsConstant = false
        for instruction in body {
            switch instruction {
            case .brIf, .if: if previousIsConstant { return true }
            default: break
            }
            if case .i32Const = instruction {
                previousIsConstant = true
            } else if case .numeric(let op) = instruction, previousIsConstant,
                op == .i32Eqz || fold(op, 0, 0) != nil
            {
                previousIsConstant = true
            } else {
                previousIsConstant = false
            }
        }
        return false
    }

    /// The value of `op` on constants (nil: not folded; traps and shifts are left alone).
    private static func fold(_ op: NumericOp, _ a: Int32, _ b: Int32) -> Int32? {
        func bit(_ value: Bool) -> Int32 { value ? 1 : 0 }
        switch op {
        case .i32Eq: return bit(a == b)
        case .i32Ne: return bit(a != b)
        case .i32LtS: return bit(a < b)
        case .i32LtU: return bit(UInt32(bitPattern: a) < UInt32(bitPattern: b))
        case .i32GtS: return bit(a > b)
        case .i32GtU: return bit(UInt32(bitPattern: a) > UInt32(bitPattern: b))
        case .i32LeS: return bit(a <= b)
        case .i32LeU: return bit(UInt32(bitPattern: a) <= UInt32(bitPattern: b))
        case .i32GeS: return bit(a >= b)
        case .i32GeU: return bit(UInt32(bitPattern: a) >= UInt32(bitPattern: b))
        case .i32And: return a & b
        case .i32Or: return a | b
        case .i32Xor: return a ^ b
        default: return nil
        }
    }

    private enum Frame {
        case plain
        /// An `if` on a nonzero constant, now a `block`: its `else` arm is dropped.
        case thenKept
        /// An `if` on zero, now a `block`: its `then` arm is dropped, its `else` dropped.
        case elseKept
    }

    /// The folded body, or nil when nothing changed or the structure does not balance.
    static func fold(_ body: [Instruction]) -> [Instruction]? {
        var out: [Instruction] = []
        out.reserveCapacity(body.count)
        var frames: [Frame] = []
        var skipping = false
        var skipDepth = 0
        var changed = false
        func constant(at offset: Int) -> Int32? {
            guard out.count >= offset, case .i32Const(let c) = out[out.count - offset] else { return nil }
            return c
        }
        for instruction in body {
            if skipping {
                switch instruction {
                case .block, .loop, .if:
                    skipDepth += 1
                    continue
                case .end, .else:
                    if skipDepth > 0 {
                        if case .end = instruction { skipDepth -= 1 }
                        continue
                    }
                    skipping = false  // handled below
                default: continue
                }
            }
            switch instruction {
            case .numeric(let op):
                if op == .i32Eqz, let a = constant(at: 1) {
                    out[out.count - 1] = .i32Const(a == 0 ? 1 : 0)
                    changed = true
                    continue
                }
                if let b = constant(at: 1), let a = constant(at: 2), let value = fold(op, a, b) {
                    out.removeLast()
                    out[out.count - 1] = .i32Const(value)
                    changed = true
                    continue
                }
            case .brIf(let depth):
                if let c = constant(at: 1) {
                    out.removeLast()
                    changed = true
                    if c != 0 {
                        out.append(.br(depth: depth))
                        skipping = true
                        skipDepth = 0
                    }
                    continue
                }
            case .if(let type):
                if let c = constant(at: 1) {
                    out.removeLast()
                    out.append(.block(type))
                    changed = true
                    if c != 0 {
                        frames.append(.thenKept)
                    } else {
                        frames.append(.elseKept)
                        skipping = true
                        skipDepth = 0
                    }
                    continue
                }
                frames.append(.plain)
            case .block, .loop:
                frames.append(.plain)
            case .else:
                guard let frame = frames.last else { return nil }
                switch frame {
                case .plain: break
                case .thenKept:
                    skipping = true
                    skipDepth = 0
                    continue
                case .elseKept: continue
                }
            case .end:
                if !frames.isEmpty { frames.removeLast() }
            case .br, .brTable, .return, .unreachable:
                out.append(instruction)
                skipping = true
                skipDepth = 0
                continue
            default: break
            }
            out.append(instruction)
        }
        // The final `end` closed no frame: what remains open did not balance.
        guard changed && frames.isEmpty && !skipping, case .end = out.last else { return nil }
        return out
    }
}

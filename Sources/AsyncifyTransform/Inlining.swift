// Inlining before the analysis, as Binaryen's `-O2` does before emcc's
// `--asyncify`: a function with a single call site, and a function whose body
// is one instruction, is copied into its callers (and then removed by
// ``UnusedFunctions``). Every instrumented function pays a prelude, an
// epilogue and a frame, so merging a chain of single-caller functions (libc's
// fputs, fwrite, __fwritex, say) into one saves most of that, and the analysis
// sees the merged bodies.
//
// The flat body is spliced in place of the `call`. The arguments go to new
// locals of the caller, or stay on the stack when the callee reads its
// parameters in order first and never again. The callee's other locals are
// zeroed when it may read them before writing them: the copy may run again, in
// a loop, where a fresh call would have started from zero. A `block` with the
// callee's results wraps the copy when it returns early: `return` becomes a
// branch to that block, and branches to the function's own label reach it
// unchanged (same relative depth). All copies in one caller share their new
// locals, since each copy writes or zeroes a local before it reads it.
//
// Left alone: functions the outside can reach (exports, tables, `ref.func`,
// globals, the start function), recursion, functions with reference-typed
// locals, and everything when a function list is given (the lists name the
// input's functions, and a merged function would change what they mean).

import WasmBinary

enum Inlining {
    /// Callers are kept below this many locals (coalescing gives up at 4,096, and the
    /// instrumenter adds its own).
    static let maximumCallerLocals = 1_024
    /// Larger single-caller functions stay, so that no body grows without bound
    /// (liveness costs instructions times locals).
    static let maximumCalleeSize = 20_000

    /// What ``UnusedFunctions`` needs after a run.
    struct Outcome {
        let importCount: Int
        /// Per defined function: its direct call sites in the module now.
        let callCount: [Int]
        /// Per defined function: reachable from outside the code.
        let pinned: [Bool]
        /// Per defined function: copied into some caller (its body is validated there).
        let spliced: [Bool]
    }

    /// Inlines into every defined function of `module`; nil when nothing changed. Bodies
    /// need not be validated yet: a body whose structure or local indices are out of range
    /// is neither inlined nor changed, and validation later reports it.
    ///
    /// - Parameter analysis: The analysis of `module` as it is: a function that may unwind is
    ///   inlined only into a caller whose one possibly-unwinding call it is, so that the merged
    ///   frame is no larger than the two it replaces (a frame holds what is live after any of
    ///   the function's unwinding calls; merging a callee into a caller with other such calls
    ///   would make every unwind through those calls save the callee's locals too).
    static func run(_ module: inout Module, analysis: CallGraphAnalysis) -> Outcome? {
        if module.customSections.contains(where: { $0.name == "linking" || $0.name.hasPrefix("reloc.") }) {
            return nil
        }
        var inliner = Inliner(module: module, analysis: analysis)
        module.codes = []  // the inliner's copy is then the only one, changed in place
        inliner.run()
        module.codes = inliner.codes
        inliner.codes = []
        module.types = inliner.types.types
        guard inliner.spliced.contains(true) else { return nil }
        return Outcome(
            importCount: inliner.importCount, callCount: inliner.callCount, pinned: inliner.pinned,
            spliced: inliner.spliced)
    }
}

/// What splicing one callee needs, computed once from its (already inlined-into) body.
private struct InlinePlan {
    /// The body without its final `end` (and without the parameter reads when the arguments
    /// stay on the stack), `return` turned into a branch to the wrapping block.
    var body: [Instruction]
    var localTypes: [ValueType]
    var parameterCount: Int
    var parametersOnStack: Bool
    /// Per callee local: whether any instruction reads it.
    var read: [Bool]
    /// Per callee local: its slot among the caller's new locals of its type (-1: none needed).
    var slot: [Int]
    /// Slots needed per type (indexed as ``Inliner/typeOrder``).
    var need: [Int]
    /// Callee locals to zero before the body.
    var zeroed: [Int]
    /// The callee's results, when the body needs a block to return from.
    var wrapper: [ValueType]?

    /// Whether the copy is no larger than the call (one plain instruction, arguments in place).
    var isTiny: Bool {
        guard parametersOnStack && wrapper == nil && zeroed.isEmpty && need.allSatisfy({ $0 == 0 }) else {
            return false
        }
        if body.isEmpty { return true }
        guard body.count == 1 else { return false }
        switch body[0] {
        case .block, .loop, .if, .else, .end, .br, .brIf, .brTable, .return: return false
        default: return true
        }
    }
}

private struct Inliner {
    let importCount: Int
    var codes: [FunctionBody]
    var types: TypeTable
    let functionTypes: [UInt32]
    /// Per defined function: reachable from outside the code (never inlined, never removed).
    var pinned: [Bool]
    /// Per defined function: whether it may unwind.
    let unwinding: [Bool]
    /// Per defined function: its calls that may unwind.
    var unwindingCalls: [Int]
    /// Per defined function: direct call sites in the module's bodies (kept current).
    var callCount: [Int]
    var plans: [InlinePlan?]
    var planned: [Bool]
    var spliced: [Bool]
    /// 0 not visited, 1 being expanded, 2 done.
    var state: [UInt8]

    static let typeOrder: [ValueType] = [.i32, .i64, .f32, .f64, .funcref, .externref]

    init(module: Module, analysis: CallGraphAnalysis) {
        unwinding = analysis.instrumented
        importCount = module.imports.reduce(0) { count, entry in
            if case .function = entry.descriptor { return count + 1 }
            return count
        }
        codes = module.codes
        types = TypeTable(module.types)
        functionTypes = module.functions
        pinned = UnusedFunctions.roots(of: module, importCount: importCount, scanningBodies: false)
        let n = module.codes.count
        callCount = [Int](repeating: 0, count: n)
        unwindingCalls = callCount
        for (f, code) in module.codes.enumerated() {
            for instruction in code.body {
                switch instruction {
                case .call(let target):
                    if Int(target) >= importCount && Int(target) - importCount < n {
                        callCount[Int(target) - importCount] += 1
                    }
                case .refFunc(let target):
                    if Int(target) >= importCount && Int(target) - importCount < n {
                        pinned[Int(target) - importCount] = true
                    }
                default: break
                }
                if analysis.mayUnwind(instruction, inDefined: f) { unwindingCalls[f] += 1 }
            }
        }
        plans = [InlinePlan?](repeating: nil, count: n)
        planned = [Bool](repeating: false, count: n)
        spliced = planned
        state = [UInt8](repeating: 0, count: n)
    }

    /// The defined index a call instruction targets, if it is a defined function that may be inlined.
    private func candidate(_ instruction: Instruction, in caller: Int) -> Int? {
        guard case .call(let target) = instruction, Int(target) >= importCount else { return nil }
        let callee = Int(target) - importCount
        guard callee < codes.count, callee != caller, !pinned[callee], callee < functionTypes.count,
            Int(functionTypes[callee]) < types.types.count
        else { return nil }
        return callee
    }

    mutating func run() {
        // Depth-first, callees before callers, with an explicit stack (call chains may be long).
        // From what the outside reaches first, so that of two functions calling each other the
        // one called from outside keeps the other inlined.
        let order = codes.indices.filter { pinned[$0] } + codes.indices.filter { !pinned[$0] }
        for root in order where state[root] == 0 {
            var stack: [(function: Int, scanned: Bool)] = [(root, false)]
            while let (f, scanned) = stack.popLast() {
                if state[f] == 2 { continue }
                if !scanned {
                    if state[f] == 1 { continue }
                    state[f] = 1
                    stack.append((f, true))
                    for instruction in codes[f].body {
                        if let callee = candidate(instruction, in: f), state[callee] == 0 {
                            stack.append((callee, false))
                        }
                    }
                    continue
                }
                expand(f)
                state[f] = 2
            }
        }
    }

    private func parameterCount(_ f: Int) -> Int {
        guard f < functionTypes.count, Int(functionTypes[f]) < types.types.count else { return 0 }
        return types.types[Int(functionTypes[f])].parameters.count
    }

    /// Whether `callee` (already expanded) is copied into its call sites in `caller`.
    private mutating func inlines(_ callee: Int, into caller: Int) -> InlinePlan? {
        guard state[callee] == 2 else { return nil }
        let size = codes[callee].body.count
        let single =
            callCount[callee] == 1 && size <= Inlining.maximumCalleeSize
            && (!unwinding[callee] || unwindingCalls[caller] == 1)
        guard single || size <= parameterCount(callee) + 2 else { return nil }
        if !planned[callee] {
            plans[callee] = plan(callee)
            planned[callee] = true
        }
        guard let plan = plans[callee] else { return nil }
        return single || plan.isTiny ? plan : nil
    }

    /// Splices the inlined callees into `caller`'s body; returns whether it changed.
    private mutating func expand(_ caller: Int) {
        let code = codes[caller]
        var sites: [(position: Int, callee: Int)] = []
        var localCount = Int(code.locals.reduce(0) { $0 + UInt64($1.count) })
        if caller < functionTypes.count, Int(functionTypes[caller]) < types.types.count {
            localCount += types.types[Int(functionTypes[caller])].parameters.count
        } else {
            return
        }
        var need = [Int](repeating: 0, count: Inliner.typeOrder.count)
        for (p, instruction) in code.body.enumerated() {
            guard let callee = candidate(instruction, in: caller), let plan = inlines(callee, into: caller)
            else { continue }
            var total = localCount
            var merged = need
            for t in 0..<merged.count {
                merged[t] = max(merged[t], plan.need[t])
                total += merged[t]
            }
            guard total <= Inlining.maximumCallerLocals else { continue }
            need = merged
            sites.append((p, callee))
        }
        guard !sites.isEmpty else { return }

        // New locals after the caller's, one run per type, the caller's last type first so
        // that its run continues.
        var order = Inliner.typeOrder.indices.filter { need[$0] > 0 }
        if let last = code.locals.last?.type, let t = Inliner.typeOrder.firstIndex(of: last),
            let at = order.firstIndex(of: t)
        {
            order.remove(at: at)
            order.insert(t, at: 0)
        }
        var base = [Int](repeating: 0, count: Inliner.typeOrder.count)
        var locals = code.locals
        var next = localCount
        for t in order {
            base[t] = next
            next += need[t]
            let type = Inliner.typeOrder[t]
            if let last = locals.last, last.type == type {
                locals[locals.count - 1].count += UInt32(need[t])
            } else {
                locals.append(LocalGroup(count: UInt32(need[t]), type: type))
            }
        }

        var out: [Instruction] = []
        out.reserveCapacity(code.body.count + sites.count * 8)
        var previous = 0
        for site in sites {
            out.append(contentsOf: code.body[previous..<site.position])
            previous = site.position + 1
            let plan = plans[site.callee]!
            splice(plan, base: base, into: &out)
            for instruction in plan.body {
                if case .call(let target) = instruction, Int(target) >= importCount,
                    Int(target) - importCount < callCount.count
                {
                    callCount[Int(target) - importCount] += 1
                }
            }
            callCount[site.callee] -= 1
            spliced[site.callee] = true
            if callCount[site.callee] == 0 { plans[site.callee] = nil }  // used up: free it
        }
        out.append(contentsOf: code.body[previous...])
        codes[caller] = FunctionBody(locals: locals, body: out)
    }

    private mutating func splice(_ plan: InlinePlan, base: [Int], into out: inout [Instruction]) {
        var map = [UInt32](repeating: 0, count: plan.localTypes.count)
        for i in 0..<map.count where plan.slot[i] >= 0 {
            map[i] = UInt32(base[Inliner.typeOrder.firstIndex(of: plan.localTypes[i])!] + plan.slot[i])
        }
        if !plan.parametersOnStack {
            for p in (0..<plan.parameterCount).reversed() {
                out.append(plan.read[p] ? .localSet(map[p]) : .drop)
            }
        }
        for i in plan.zeroed {
            out.append(FrameLayout.zero(plan.localTypes[i]))
            out.append(.localSet(map[i]))
        }
        if let results = plan.wrapper { out.append(.block(types.blockType(results: results))) }
        for instruction in plan.body {
            switch instruction {
            case .localGet(let i): out.append(.localGet(map[Int(i)]))
            case .localSet(let i): out.append(.localSet(map[Int(i)]))
            case .localTee(let i): out.append(.localTee(map[Int(i)]))
            default: out.append(instruction)
            }
        }
        if plan.wrapper != nil { out.append(.end) }
    }

    /// The plan for splicing `f`, or nil when its body is malformed or it must stay a call.
    private func plan(_ f: Int) -> InlinePlan? {
        guard f < functionTypes.count, Int(functionTypes[f]) < types.types.count else { return nil }
        let type = types.types[Int(functionTypes[f])]
        let code = codes[f]
        var localTypes = type.parameters
        for group in code.locals {
            guard localTypes.count + Int(group.count) <= Inlining.maximumCallerLocals else { return nil }
            localTypes += [ValueType](repeating: group.type, count: Int(group.count))
        }
        if localTypes.contains(where: \.isReference) { return nil }
        let body = code.body
        guard body.last == .end else { return nil }
        let parameterCount = type.parameters.count

        // Structure and local indices; whether anything leaves through the function's label.
        var depth: UInt32 = 0
        var needsBlock = false
        var read = [Bool](repeating: false, count: localTypes.count)
        var referenced = read
        var parameterReferences = 0
        for (p, instruction) in body.enumerated() {
            switch instruction {
            case .block, .loop, .if: depth += 1
            case .else: guard depth > 0 else { return nil }
            case .end:
                if depth == 0 { guard p == body.count - 1 else { return nil } } else { depth -= 1 }
            case .return: needsBlock = true
            case .br(let d), .brIf(let d):
                guard d <= depth else { return nil }
                if d == depth { needsBlock = true }
            case .brTable(let targets, let defaultTarget):
                for d in targets + [defaultTarget] {
                    guard d <= depth else { return nil }
                    if d == depth { needsBlock = true }
                }
            case .localGet(let i), .localSet(let i), .localTee(let i):
                guard Int(i) < localTypes.count else { return nil }
                referenced[Int(i)] = true
                if case .localGet = instruction { read[Int(i)] = true }
                if Int(i) < parameterCount { parameterReferences += 1 }
            default: break
            }
        }
        guard depth == 0 else { return nil }

        // The arguments stay on the stack when the body starts by reading the parameters in
        // order and never touches them again (no block: a block cannot take them in).
        var onStack = !needsBlock && parameterReferences == parameterCount && body.count > parameterCount
        if onStack {
            for p in 0..<parameterCount where body[p] != .localGet(UInt32(p)) { onStack = false }
        }

        // Locals a straight-line prefix writes before reading need no zeroing.
        var decided = [Bool](repeating: false, count: localTypes.count)
        var zeroed: [Int] = []
        prefix: for instruction in body {
            switch instruction {
            case .localGet(let i):
                if !decided[Int(i)] {
                    decided[Int(i)] = true
                    if Int(i) >= parameterCount { zeroed.append(Int(i)) }
                }
            case .localSet(let i), .localTee(let i): decided[Int(i)] = true
            case .br, .brIf, .brTable, .if, .else, .return, .unreachable: break prefix
            default: continue
            }
        }
        for i in parameterCount..<localTypes.count where read[i] && !decided[i] { zeroed.append(i) }
        zeroed.sort()

        var slot = [Int](repeating: -1, count: localTypes.count)
        var need = [Int](repeating: 0, count: Inliner.typeOrder.count)
        for i in 0..<localTypes.count where referenced[i] && !(onStack && i < parameterCount) {
            let t = Inliner.typeOrder.firstIndex(of: localTypes[i])!
            slot[i] = need[t]
            need[t] += 1
        }

        var spliced: [Instruction] = []
        spliced.reserveCapacity(body.count)
        depth = 0
        for instruction in body[(onStack ? parameterCount : 0)..<(body.count - 1)] {
            switch instruction {
            case .block, .loop, .if: depth += 1
            case .end: depth -= 1
            case .return:
                spliced.append(.br(depth: depth))
                continue
            default: break
            }
            spliced.append(instruction)
        }
        return InlinePlan(
            body: spliced, localTypes: localTypes, parameterCount: parameterCount, parametersOnStack: onStack,
            read: read, slot: slot, need: need, zeroed: zeroed, wrapper: needsBlock ? type.results : nil)
    }
}

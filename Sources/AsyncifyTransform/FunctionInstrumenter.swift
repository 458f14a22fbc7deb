// Instruments one function (see the protocol comment in AsyncifyTransform.swift).
//
// The body is a sequence of items per control level: plain instructions, and
// blocks/loops/ifs. An item is "hot" if it is a possibly-unwinding call or a
// construct containing one (in reachable code). In a level with hot items
// H1..Hn, the cold runs before H1 and between hot items run under
// `if state == normal`; H1..Hn-1 run under `if normal || index < end` (a
// rewind whose target is later skips them); Hn and the cold run after it need
// no guard, because a rewind that reaches them resumes inside Hn.
//
// Operand stack values: before each hot item, everything on this level's
// part of the stack that a rewind cannot rebuild is spilled to locals (one
// per level, stack position and type; pool B), and reloaded after the guard,
// so a rewind that skipped the code producing them finds them restored from
// the frame. Values a rewind does rebuild (reloaded before an earlier hot item
// and untouched since) simply stay on the stack. The stack on entry to a
// skipped run goes to a second pool (A) so the skip does not clobber pool B.

import WasmBinary

struct FunctionInstrumenter {
    private let module: Module
    private let defined: Int
    private let functionIndex: UInt32
    private let analysis: CallGraphAnalysis
    private let runtime: RuntimeLayout
    private let options: AsyncifyTransform.Options
    private let body: [Instruction]
    private let resultTypes: [ValueType]
    private let typing: FunctionTyper.Typing
    private var types = TypeTable([])

    // Structure of the original body, by position.
    private var endOf: [Int]
    private var elseOf: [Int]
    private var live: [Bool]
    private var callNumber: [Int32]
    private var rangeEnd: [Int32]
    /// Per position, the index of its probe in the typing, -1 for none.
    private var probeOf: [Int32]

    // Locals.
    private var localTypes: [ValueType]
    private let originalLocalCount: Int
    /// Spill locals by ``tempKey(pool:level:position:type:)``.
    private var temps: [Int: UInt32] = [:]
    private let indexLocal: UInt32
    private let pointerLocal: UInt32

    // Output.
    private var out: [Instruction] = []
    private var outLevel = 0
    private var originalFrameLevel: [Int] = []
    /// Positions in `out` of the guards normal execution always enters, ascending.
    private var alwaysTaken: [Int] = []
    private var callSites: [(position: Int, rewindTemps: [UInt32])] = []
    private var pathTemps: [[UInt32]] = []
    /// Ranges of `out` a rewind skips or reaches only once it is over (see ``LocalCoalescing``).
    private var rewindSkipped: [Range<Int>] = []
    /// Constants re-emitted at calls (see ``constantMarker``).
    private var constants: [Instruction] = []

    init(
        module: Module, definedIndex: Int, analysis: CallGraphAnalysis, runtime: RuntimeLayout,
        typer: inout FunctionTyper, options: AsyncifyTransform.Options
    ) throws(AsyncifyTransformError) {
        self.module = module
        defined = definedIndex
        functionIndex = UInt32(analysis.importCount + definedIndex)
        self.analysis = analysis
        self.runtime = runtime
        self.options = options
        let code = module.codes[definedIndex]
        body = code.body
        let type = module.types[Int(module.functions[definedIndex])]
        resultTypes = type.results
        localTypes = type.parameters
        for group in code.locals { localTypes += [ValueType](repeating: group.type, count: Int(group.count)) }
        originalLocalCount = localTypes.count
        indexLocal = UInt32(localTypes.count)
        pointerLocal = indexLocal + 1
        localTypes += [.i32, runtime.pointer]

        // One forward scan: matching ends, reachability, call numbers, ranges.
        let n = body.count
        endOf = [Int](repeating: -1, count: n)
        elseOf = [Int](repeating: -1, count: n)
        live = [Bool](repeating: false, count: n)
        callNumber = [Int32](repeating: -1, count: n)
        rangeEnd = [Int32](repeating: -1, count: n)
        var frames: [(start: Int, live: Bool, deadTail: Bool, firstCall: Int32)] = [(-1, true, false, 0)]
        var calls: Int32 = 0
        var probes: [Int] = []
        for (p, instruction) in body.enumerated() {
            let top = frames[frames.count - 1]
            let reachable = top.live && !top.deadTail
            live[p] = reachable
            switch instruction {
            case .block, .loop, .if:
                frames.append((p, reachable, false, calls))
            case .else:
                // The body is not validated yet (the typer below does it): no crash on a stray else.
                if top.start >= 0 { elseOf[top.start] = p }
                frames[frames.count - 1].deadTail = false
                live[p] = top.live
            case .end:
                live[p] = top.live
                if frames.count > 1 {
                    frames.removeLast()
                    endOf[top.start] = p
                    if calls > top.firstCall {
                        rangeEnd[top.start] = calls
                        probes.append(top.start)
                    }
                }
            case .br, .brTable, .return, .unreachable:
                if reachable { frames[frames.count - 1].deadTail = true }
            case .call, .callIndirect:
                if reachable && analysis.mayUnwind(instruction, inDefined: definedIndex) {
                    callNumber[p] = calls
                    calls += 1
                    probes.append(p)
                }
            default: break
            }
        }
        probes.sort()
        probeOf = [Int32](repeating: -1, count: n)
        for (i, p) in probes.enumerated() { probeOf[p] = Int32(i) }
        do {
            typing = try typer.type(definedFunction: definedIndex, probes: probes)
        } catch {
            throw AsyncifyTransformError(
                .invalidModule, "function \(Self.name(functionIndex, analysis)) does not validate: \(error)")
        }
    }

    private static func name(_ f: UInt32, _ analysis: CallGraphAnalysis) -> String {
        CallGraphAnalysis.describe(f, analysis.names)
    }

    // MARK: Driver

    mutating func run(types table: inout TypeTable) throws(AsyncifyTransformError) -> FunctionBody {
        types = table
        defer { table = types }
        // block $unwind (result i32) / block $body ([] -> results)
        out.reserveCapacity(body.count * 2 + 16)
        open(.block(.value(.i32)))
        open(.block(types.blockType(results: resultTypes)))
        originalFrameLevel = [1]
        let end = try emitSequence(start: 0, base: 0, prefix: [], level: 0)
        precondition(end == body.count - 1, "the function body ends at its final end")
        close()
        out.append(.return)
        close()

        // The frame: locals live after an unwinding call, with the stack values rewinds reload
        // (read, for liveness, right after their call).
        let extraUses = callSites.map { (position: $0.position + 1, locals: $0.rewindTemps) }
        let liveness = Liveness(
            out, localCount: localTypes.count, alwaysTaken: alwaysTaken, extraUses: extraUses)
        let frameSets = callSites.map { site in
            liveness.liveAfter(site.position).filter { $0 != Int(indexLocal) && $0 != Int(pointerLocal) }
        }
        var frameLocals = Self.sortedUnion(frameSets, count: localTypes.count)
        for x in frameLocals where FrameLayout.byteSize(localTypes[x]) == nil {
            let what =
                x < originalLocalCount
                ? "local \(x) (\(localTypes[x]))"
                : "an operand stack value of type \(localTypes[x]) (spilled to local \(x))"
            throw AsyncifyTransformError(
                .referenceLiveAcrossCall,
                "function \(Self.name(functionIndex, analysis)) keeps \(what) live across a call that may "
                    + "unwind; references cannot be saved to linear memory. Keep it in a table instead, or "
                    + "exclude the function with the remove-list",
                function: functionIndex)
        }
        var index = indexLocal
        var pointer = pointerLocal
        var coalescing: LocalCoalescing?
        if localTypes.count > originalLocalCount + 2 && localTypes.count <= LocalCoalescing.maximumLocals {
            let coalesced = LocalCoalescing(
                code: out, localTypes: localTypes, parameterCount: Self.parameterCount(module, defined),
                liveness: liveness, frameSets: frameSets, rewindSkipped: rewindSkipped,
                pinned: [index, pointer])
            localTypes = coalesced.types
            frameLocals = Self.sortedUnion(
                [frameLocals.map { Int(coalesced.mapping[$0]) }], count: localTypes.count)
            index = coalesced.mapping[Int(index)]
            pointer = coalesced.mapping[Int(pointer)]
            coalescing = coalesced
        }
        let frame = FrameLayout(locals: frameLocals, localTypes: localTypes)
        let size = frame.size
        guard size <= UInt64(options.maximumFrameSize) else {
            throw AsyncifyTransformError(
                .functionTooLarge,
                "function \(Self.name(functionIndex, analysis)) needs a \(size)-byte frame, above the limit of "
                    + "\(options.maximumFrameSize); raise maximumFrameSize", function: functionIndex)
        }
        guard localTypes.count <= options.maximumLocals else {
            throw AsyncifyTransformError(
                .functionTooLarge,
                "function \(Self.name(functionIndex, analysis)) would have \(localTypes.count) locals, above the "
                    + "limit of \(options.maximumLocals); split it or raise maximumLocals",
                function: functionIndex)
        }

        var locals: [LocalGroup] = []
        for type in localTypes[type(of: self).parameterCount(module, defined)...] {
            if let last = locals.last, last.type == type {
                locals[locals.count - 1].count += 1
            } else {
                locals.append(LocalGroup(count: 1, type: type))
            }
        }
        // Prelude, body and epilogue go straight into one array: no intermediate copies of the
        // body, whose instructions are costly to copy and destroy.
        var body: [Instruction] = []
        body.reserveCapacity(out.count + 16 + 3 * (frameLocals.count + 2) + resultTypes.count)
        frame.appendPrelude(to: &body, runtime: runtime, index: index, pointer: pointer)
        if let coalescing {
            coalescing.appendRewritten(out, to: &body)
        } else {
            body += out
        }
        out = []
        frame.appendEpilogue(to: &body, runtime: runtime, pointer: pointer, results: resultTypes)
        return FunctionBody(locals: locals, body: body)
    }

    /// The distinct locals of `sets`, ascending (each below `count`).
    private static func sortedUnion(_ sets: [[Int]], count: Int) -> [Int] {
        var member = [Bool](repeating: false, count: count)
        for set in sets {
            for x in set { member[x] = true }
        }
        return member.indices.filter { member[$0] }
    }

    private static func parameterCount(_ module: Module, _ defined: Int) -> Int {
        module.types[Int(module.functions[defined])].parameters.count
    }

    // MARK: Sequences

    /// Emits the items of one control level from `start` to its `else` or `end` (not emitted);
    /// returns the position of that `else`/`end`.
    ///
    /// - Parameters:
    ///   - base: Absolute operand stack height at the level's start, below its parameters.
    ///   - prefix: Locals holding the level's parameters (the construct itself was emitted without them).
    private mutating func emitSequence(
        start: Int, base: Int, prefix: [(local: UInt32, type: ValueType)], level: Int
    )
        throws(AsyncifyTransformError) -> Int
    {
        if pathTemps.count <= level { pathTemps.append([]) }
        var stack: [ValueType] = prefix.map(\.type)
        var sources: [UInt32] = prefix.map(\.local)
        var realCount = prefix.count
        for entry in prefix { out.append(.localGet(entry.local)) }
        var i = start
        while true {
            // The cold run [i, p).
            var p = i
            var low = Int.max
            while !isLevelEnd(p) && live[p] && !isHot(p) {
                low = min(low, Int(typing.lowWater[p]) - base)
                p = nextItem(p)
            }
            if isLevelEnd(p) || !live[p] {
                // After the level's last hot item: a rewind gets here only once it is over.
                let trailStart = out.count
                copy(i..<p)
                if out.count > trailStart { rewindSkipped.append(trailStart..<out.count) }
                while !isLevelEnd(p) { p = nextItem(p) }
                return p
            }
            let h = p
            guard probeOf[h] >= 0, let full = Optional(typing.stacks[Int(probeOf[h])]) else {
                preconditionFailure("every hot item is probed")
            }
            var values: [ValueType] = []
            for entry in full[base...] {
                guard let entry else { preconditionFailure("a reachable hot item has a typed stack") }
                values.append(entry)
            }
            let (inputs, itemOutputs) = signature(h)
            let guarded = hasLaterHot(after: h)
            let below = values.count - inputs
            let isCall = callNumber[h] >= 0
            let limit = (guarded || !isCall) ? below : values.count
            var keep = min(realCount, limit, stack.count)
            if i < h { keep = min(keep, max(0, low)) }
            if i == h && realCount == stack.count {
                // Every value is one a rewind rebuilds: move the ones above `keep` straight to pool B.
                for pos in (keep..<values.count).reversed() {
                    let t = temp(pool: 1, level: level, position: pos, type: values[pos])
                    out.append(.localSet(t))
                    setSource(&sources, pos, t)
                }
            } else {
                // Constants pushed right before a call are its top arguments: re-emit them at
                // the call instead of keeping them in locals (and frames), as Binaryen's
                // optimised output does. They lie above `low`, hence above `keep`.
                var constants = 0
                if isCall {
                    while constants < inputs && h - constants > i && Self.isConstant(body[h - constants - 1])
                    {
                        constants += 1
                    }
                }
                for pos in (keep..<stack.count).reversed() {
                    out.append(.localSet(temp(pool: 0, level: level, position: pos, type: stack[pos])))
                }
                let guardStart = out.count
                openGuard([.globalGet(runtime.stateGlobal), .numeric(.i32Eqz)], .empty)
                for pos in keep..<stack.count {
                    out.append(.localGet(temp(pool: 0, level: level, position: pos, type: stack[pos])))
                }
                copy(i..<h - constants)
                for pos in (keep..<values.count - constants).reversed() {
                    let t = temp(pool: 1, level: level, position: pos, type: values[pos])
                    out.append(.localSet(t))
                    setSource(&sources, pos, t)
                }
                for k in 0..<constants {
                    setSource(&sources, values.count - constants + k, constantSource(body[h - constants + k]))
                }
                close()
                if out.count == guardStart + 4 {
                    // Nothing to skip: drop the empty guard.
                    // The guard was the last one opened.
                    if alwaysTaken.last == guardStart + 2 { alwaysTaken.removeLast() }
                    out.removeLast(4)
                } else {
                    rewindSkipped.append(guardStart..<out.count)
                }
            }
            if keep < below {
                for pos in keep..<below { out.append(.localGet(sources[pos])) }
            }
            pathTemps[level] = Array(sources[0..<values.count])
            let inputTemps = Array(sources[below..<values.count])
            // A call whose one result is dropped or stored right away takes that instruction
            // along: the result then need not cross the guard (nor a local) only to be consumed.
            var outputs = itemOutputs
            var consumer: Instruction?
            if isCall && outputs.count == 1 && !isLevelEnd(nextItem(h)) && live[nextItem(h)] {
                switch body[nextItem(h)] {
                case .drop, .localSet, .globalSet:
                    consumer = body[nextItem(h)]
                    outputs = []
                default: break
                }
            }
            if guarded {
                openGuard(
                    [
                        .globalGet(runtime.stateGlobal), .numeric(.i32Eqz), .localGet(indexLocal),
                        .i32Const(rangeEnd(h)), .numeric(.i32LtU), .numeric(.i32Or),
                    ], types.blockType(results: outputs))
                try emitItem(h, inputTemps: inputTemps, kept: 0, level: level)
                if let consumer { out.append(consumer) }
                if !outputs.isEmpty {
                    out.append(.else)
                    out += outputs.map(FrameLayout.zero)
                }
                close()
            } else {
                try emitItem(h, inputTemps: inputTemps, kept: max(0, keep - below), level: level)
                if let consumer { out.append(consumer) }
            }
            stack = Array(values[0..<below]) + outputs
            sources = Array(sources[0..<below])
            realCount = below
            i = nextItem(h)
            if consumer != nil { i += 1 }
        }
    }

    /// Emits hot item `h` with its inputs in `inputTemps` (the first `kept` already on the stack).
    private mutating func emitItem(_ h: Int, inputTemps: [UInt32], kept: Int, level: Int)
        throws(AsyncifyTransformError)
    {
        let instruction = body[h]
        if callNumber[h] >= 0 {
            for t in inputTemps[kept...] { out.append(load(t)) }
            out.append(instruction)
            var rewindTemps: [UInt32] = []
            for l in 0...level { rewindTemps += pathTemps[l].filter { $0 < Self.constantMarker } }
            callSites.append((out.count - 1, rewindTemps))
            // `br_if` with the index as its value: two bytes shorter than an `if` around a `br`.
            // It tests the state for nonzero rather than for 1: a call returns in the normal state
            // or unwinding, never rewinding (a rewind ends in the import it resumes, which stops it).
            out += [
                .i32Const(callNumber[h]), .globalGet(runtime.stateGlobal), .brIf(depth: UInt32(outLevel - 1)),
                .drop,
            ]
            return
        }
        let blockType: BlockType
        switch instruction {
        case .block(let t), .loop(let t), .if(let t): blockType = t
        default: preconditionFailure("a hot item is a call or a construct")
        }
        let (parameters, results) = types.signature(blockType)
        let prefix = Array(zip(inputTemps.prefix(parameters.count), parameters)).map {
            (local: $0.0, type: $0.1)
        }
        let stripped = types.blockType(results: results)
        switch instruction {
        case .block: out.append(.block(stripped))
        case .loop where !parameters.isEmpty:
            // A branch back to the loop carries new parameter values on the stack, so the loop
            // keeps its type and its head moves them into the parameter locals each iteration;
            // the body then reads them from there like a block's.
            for entry in prefix { out.append(.localGet(entry.local)) }
            out.append(.loop(blockType))
            for entry in prefix.reversed() { out.append(.localSet(entry.local)) }
        case .loop: out.append(.loop(stripped))
        default:
            out.append(.localGet(inputTemps[inputTemps.count - 1]))
            out.append(.if(stripped))
        }
        originalFrameLevel.append(outLevel)
        outLevel += 1
        let base = Int(typing.heights[h]) - inputTemps.count
        var end = try emitSequence(start: h + 1, base: base, prefix: prefix, level: level + 1)
        if case .else = body[end] {
            out.append(.else)
            end = try emitSequence(start: end + 1, base: base, prefix: prefix, level: level + 1)
        } else if case .if = instruction, !results.isEmpty {
            // An if without else passes its parameters through; now they come from their locals.
            out.append(.else)
            for entry in prefix { out.append(.localGet(entry.local)) }
        }
        out.append(.end)
        originalFrameLevel.removeLast()
        outLevel -= 1
    }

    // MARK: Helpers

    private func isLevelEnd(_ p: Int) -> Bool {
        switch body[p] {
        case .else, .end: true
        default: false
        }
    }

    private func nextItem(_ p: Int) -> Int {
        switch body[p] {
        case .block, .loop, .if: endOf[p] + 1
        default: p + 1
        }
    }

    private func isHot(_ p: Int) -> Bool { callNumber[p] >= 0 || (rangeEnd[p] >= 0 && live[p]) }

    private func rangeEnd(_ h: Int) -> Int32 { callNumber[h] >= 0 ? callNumber[h] + 1 : rangeEnd[h] }

    private func hasLaterHot(after h: Int) -> Bool {
        var p = nextItem(h)
        while !isLevelEnd(p) && live[p] {
            if isHot(p) { return true }
            p = nextItem(p)
        }
        return false
    }

    /// Inputs popped and outputs pushed by hot item `h` (an `if`'s condition counts as an input).
    private func signature(_ h: Int) -> (inputs: Int, outputs: [ValueType]) {
        switch body[h] {
        case .call(let f):
            let type = functionType(f)
            return (type.parameters.count, type.results)
        case .callIndirect(let t, _):
            let type = module.types[Int(t)]
            return (type.parameters.count + 1, type.results)
        case .block(let bt), .loop(let bt):
            let (parameters, results) = types.signature(bt)
            return (parameters.count, results)
        case .if(let bt):
            let (parameters, results) = types.signature(bt)
            return (parameters.count + 1, results)
        default:
            preconditionFailure("a hot item is a call or a construct")
        }
    }

    private func functionType(_ f: UInt32) -> FunctionType {
        if Int(f) < analysis.importCount {
            var seen = 0
            for entry in module.imports {
                if case .function(let t) = entry.descriptor {
                    if seen == Int(f) { return module.types[Int(t)] }
                    seen += 1
                }
            }
        }
        return module.types[Int(module.functions[Int(f) - analysis.importCount])]
    }

    /// Sources at or above this value stand for `constants[source - constantMarker]`.
    private static let constantMarker: UInt32 = 0x8000_0000

    private static func isConstant(_ instruction: Instruction) -> Bool {
        switch instruction {
        case .i32Const, .i64Const, .f32Const, .f64Const: true
        default: false
        }
    }

    private mutating func constantSource(_ instruction: Instruction) -> UInt32 {
        constants.append(instruction)
        return Self.constantMarker + UInt32(constants.count - 1)
    }

    /// The instruction that pushes a source's value.
    private func load(_ source: UInt32) -> Instruction {
        source >= Self.constantMarker ? constants[Int(source - Self.constantMarker)] : .localGet(source)
    }

    private mutating func temp(pool: UInt8, level: Int, position: Int, type: ValueType) -> UInt32 {
        // One integer key (hashing one word is cheaper than a struct's four fields); levels and
        // stack positions are far below 2^27 in any body an engine accepts.
        let key = level << 36 | position << 9 | Int(pool) << 8 | Int(type.rawValue)
        if let t = temps[key] { return t }
        let t = UInt32(localTypes.count)
        localTypes.append(type)
        temps[key] = t
        return t
    }

    private func setSource(_ sources: inout [UInt32], _ position: Int, _ local: UInt32) {
        while sources.count <= position { sources.append(UInt32.max) }
        sources[position] = local
    }

    private mutating func open(_ instruction: Instruction) {
        out.append(instruction)
        outLevel += 1
    }

    private mutating func openGuard(
        _ condition: [Instruction], _ type: BlockType, alwaysTaken taken: Bool = true
    ) {
        out += condition
        if taken { alwaysTaken.append(out.count) }
        open(.if(type))
    }

    private mutating func close() {
        out.append(.end)
        outLevel -= 1
    }

    /// Copies original instructions, renumbering branch depths for the labels added around them.
    private mutating func copy(_ range: Range<Int>) {
        for p in range {
            let instruction = body[p]
            switch instruction {
            case .block, .loop, .if:
                out.append(instruction)
                originalFrameLevel.append(outLevel)
                outLevel += 1
            case .end:
                out.append(instruction)
                originalFrameLevel.removeLast()
                outLevel -= 1
            case .br(let d): out.append(.br(depth: remap(d)))
            case .brIf(let d): out.append(.brIf(depth: remap(d)))
            case .brTable(let targets, let d):
                out.append(.brTable(targets: targets.map { remap($0) }, defaultTarget: remap(d)))
            case .call, .callIndirect:
                out.append(instruction)
                if options.asserts { out += Asserts.stillNormal(stateGlobal: runtime.stateGlobal) }
            default: out.append(instruction)
            }
        }
    }

    private func remap(_ depth: UInt32) -> UInt32 {
        UInt32(outLevel - 1 - originalFrameLevel[originalFrameLevel.count - 1 - Int(depth)])
    }
}

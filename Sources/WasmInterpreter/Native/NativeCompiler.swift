// The native tier's compiler: a template JIT over the translator's
// register-style code. Every internal instruction becomes a short x86-64
// sequence on the frame slots at rbx (the interpreter's frame layout, so
// both engines share host calls, results and the value stack); branches
// become jumps between the instructions' labels. No instruction runs on the
// interpreter. A few whose work is a runtime service rather than arithmetic
// call the Swift function the interpreter calls for them too (see
// `callRuntime`): memory.grow (reallocates or remaps the memory), memory.init,
// data.drop, elem.drop, table.init/copy/grow/fill (they read or free the
// instance's segments or reallocate a table) and the atomic notify and wait
// (see NativeHelpers.runtime).
//
// An instance is compiled as a whole on its first native call, into one
// block of code memory (in the store's code arena, shared with other small
// instances) that lives as long as the instance.

import WasmBinary
import WasmNative

/// The machine code of one instance and the instructions its runtime calls read.
final class NativeInstanceCode {
    let memory: CodeMemory
    /// Copies of the instructions passed to `NativeHelpers.runtime` (the
    /// translated code they came from may be freed by `Instance.compact()`).
    let runtimeOperands: [UnsafeMutablePointer<Inst>]

    init(memory: CodeMemory, runtimeOperands: [UnsafeMutablePointer<Inst>]) {
        self.memory = memory
        self.runtimeOperands = runtimeOperands
    }

    deinit {
        for operand in runtimeOperands { operand.deallocate() }
    }
}

/// Not copyable: it owns its assembler's code buffer.
struct NativeCompiler: ~Copyable {
    var a = X86Assembler()
    let context: UnsafeMutablePointer<InstanceContext>
    let memoryState: UnsafeMutablePointer<MemoryState>
    let exec: UnsafeMutablePointer<ExecutionState>
    var functionLabels: [UnsafeMutablePointer<FunctionEntry>: Label] = [:]
    /// Second entry points past the memory-register load, for the functions that
    /// load them: a direct call from a function whose r12/r13 are current enters there.
    var memoryReadyLabels: [UnsafeMutablePointer<FunctionEntry>: Label] = [:]
    /// The address of the store's NativeContext, which r14 holds whenever this code runs
    /// (an instance's functions run only in its own store; see `absolute`).
    let nativeContext: UInt
    var runtimeOperands: [UnsafeMutablePointer<Inst>] = []
    // Per function:
    var instLabels: [Label] = []
    var trapLabels: [(Trap.Reason, Label)] = []
    var exitLabel: Label
    var usesMemory = false
    /// Whether the instance's memory is a memory64 (its addresses are i64 values).
    var memoryIs64 = false
    /// The cache register of each slot (see NativeCompiler+Registers.swift).
    var pinnedBySlot: [Reg?] = []
    /// The cached slots and their registers, by slot (what spills and reloads walk).
    var cachedSlots: [(UInt32, Reg)] = []
    /// The result slot of the instruction being compiled, and whether its template wrote it through the cache.
    var currentResult = UInt32.max
    var resultWritten = false
    /// The cache registers (bits by register number) whose value the frame does not hold yet.
    var dirty: UInt16 = 0
    /// The cache registers of slots that some instruction of the function writes.
    var writtenRegisters: UInt16 = 0
    /// Per instruction: whether something jumps to it.
    var isBranchTarget: [Bool] = []
    /// The global cell and end whose checked address rax holds after the instruction being
    /// compiled (see `pointerFromGlobal`), and the one it held after the previous
    /// instruction when that falls through into this one with nothing jumping here.
    var raxHeldAfter: (cell: UInt64, end: UInt64)?
    var raxHeldBefore: (cell: UInt64, end: UInt64)?

    init(
        storage: InstanceStorage, exec: UnsafeMutablePointer<ExecutionState>,
        nativeContext: UnsafeMutablePointer<NativeContext>?
    ) {
        self.nativeContext = nativeContext.map { UInt(bitPattern: $0) } ?? 0
        context = storage.context
        memoryState = storage.context.pointee.memory
        self.exec = exec
        exitLabel = a.newLabel()
        memoryIs64 = memoryState.pointee.is64
    }

    /// Compiles every function defined by the instance `entry` belongs to.
    static func compileInstance(of entry: UnsafeMutablePointer<FunctionEntry>, store: Store) throws {
        guard let storage = entry.pointee.context.pointee.instance?.takeUnretainedValue() else {
            throw TranslationError(description: "function has no instance")
        }
        if storage.native != nil { return }
        let defined = storage.functions.filter {
            $0.pointee.hostIndex < 0 && $0.pointee.context == storage.context && $0.pointee.definedIndex >= 0
        }
        for e in defined where e.pointee.code == nil { try storage.translate(e) }
        var compiler = NativeCompiler(
            storage: storage, exec: store.exec, nativeContext: store.nativeEngine?.context)
        for e in defined {
            compiler.functionLabels[e] = compiler.a.newLabel()
            let code = e.pointee.code.unsafelyUnwrapped
            if (0..<e.pointee.codeCount).contains(where: { NativeCompiler.uses(code[$0].op) }) {
                compiler.memoryReadyLabels[e] = compiler.a.newLabel()
            }
        }
        for e in defined { compiler.compileFunction(e) }
        let memory: CodeMemory
        do {
            memory = try compiler.a.withFinishedCode { (code) throws(CodeMemoryError) in
                try store.codeArena.place(bytes: code)
            }
        } catch {
            throw NativeEngineError(reason: .executableMemory(error.description))
        }
        storage.native = NativeInstanceCode(memory: memory, runtimeOperands: compiler.runtimeOperands)
        for e in defined {
            e.pointee.native = memory.address(compiler.a.offset(of: compiler.functionLabels[e]!)!)
        }
    }

    // MARK: Frame and operands

    func slot(_ index: UInt32) -> Mem { Mem(.rbx, Int32(index) * 8) }

    /// Whether `op` reads r12/r13 (the memory base and size). Only functions with such an
    /// instruction load them, at entry and after whatever may grow or move the memory.
    static func uses(_ op: Op) -> Bool {
        switch op {
        case .memorySize, .memoryGrow, .memoryCopy, .memoryFill, .instanceOperation,
            .atomic, .i32LoadGlobal, .i32AddImmAtGlobal, .i32LoadIndirect32, .i32StoreIndirect32:
            true
        default: Op.i32Load.rawValue <= op.rawValue && op.rawValue <= Op.i64Store32.rawValue
        }
    }

    mutating func trap(_ reason: Trap.Reason) -> Label {
        if let found = trapLabels.first(where: { $0.0 == reason }) { return found.1 }
        let label = a.newLabel()
        trapLabels.append((reason, label))
        return label
    }

    /// Loads r12/r13 in a function that uses them. Between such loads nothing moves the
    /// memory (every call, helper and runtime instruction is followed by one), so they are
    /// current everywhere in the function: see `memoryReadyLabels`.
    mutating func reloadMemory() {
        guard usesMemory else { return }
        let state = UInt64(UInt(bitPattern: memoryState))
        a.mov(.r12, absolute(state + UInt64(NativeEngine.Layout.memoryBase)))
        a.mov(.r13, absolute(state + UInt64(NativeEngine.Layout.memorySize)))
    }

    /// The memory operand of the fixed address `address` (a global's cell, the memory's
    /// state): relative to r14 when the store's NativeContext is within a 32-bit
    /// displacement of it, which saves loading a 64-bit address into `scratch` first
    /// (Asyncify tests and bumps its globals several times per frame); else `[scratch]`.
    /// Both the context and these cells stay put while the instance lives.
    mutating func absolute(_ address: UInt64, via scratch: Reg = .rax) -> Mem {
        if nativeContext != 0 && !NativeCompiler.farAddresses {
            let distance = Int64(bitPattern: address &- UInt64(nativeContext))
            if distance >= Int64(Int32.min) && distance <= Int64(Int32.max) {
                return Mem(.r14, Int32(distance))
            }
        }
        a.mov(scratch, imm: address)
        return Mem(scratch)
    }

    /// Test hook: while set (for the current task), `absolute` addresses every cell
    /// through a scratch register, as when the cells are far from the context.
    @TaskLocal static var farAddresses = false

    /// Calls a Swift helper with `(context, argument, rbx + fpOffset slots, instance context)`
    /// and leaves compiled code if it returns an exit code. Function bodies do not keep rsp
    /// 16-byte aligned (each Wasm call costs only its return address), so the call aligns it
    /// here and restores it after: this is the only way compiled code may call Swift or C.
    mutating func callHelper(_ helper: NativeHelpers.Helper, argument: UInt64, fpOffset: UInt32 = 0) {
        // Swift code (a host function re-entering Wasm) reads the call depth from the context.
        a.mov(Mem(.r14, NativeEngine.Layout.depthLeft), .r15)
        a.mov(.rax, .rsp)
        a.alu(.and, .rsp, imm: -16)
        a.push(.rax)
        a.push(.rax)
        a.mov(.rdi, .r14)
        a.mov(.rsi, imm: argument)
        if fpOffset == 0 { a.mov(.rdx, .rbx) } else { a.lea(.rdx, slot(fpOffset)) }
        a.mov(.rcx, imm: UInt64(UInt(bitPattern: context)))
        a.mov(.rax, imm: NativeHelpers.address(helper))
        a.call(.rax)
        a.mov(.rsp, Mem(.rsp))
        a.test(.rax, .rax, q: false)
        a.j(.ne, exitLabel)
    }

    /// Calls the runtime function of `inst` (see the file comment), which may
    /// move the memory and writes its result to the frame. The caller has
    /// written the dirty cache registers back (the function reads the frame).
    mutating func callRuntime(_ inst: Inst) {
        let operand = UnsafeMutablePointer<Inst>.allocate(capacity: 1)
        operand.initialize(to: inst)
        runtimeOperands.append(operand)
        callHelper(NativeHelpers.runtime, argument: UInt64(UInt(bitPattern: operand)))
        reloadMemory()
        reloadCache()
    }

    // MARK: Functions

    mutating func compileFunction(_ entry: UnsafeMutablePointer<FunctionEntry>) {
        let e = entry.pointee
        let code = e.code.unsafelyUnwrapped
        let firstLabel = a.newLabels(e.codeCount)
        instLabels = (0..<e.codeCount).map { firstLabel.advanced(by: $0) }
        trapLabels = []
        exitLabel = a.newLabel()
        raxHeldAfter = nil
        usesMemory = (0..<e.codeCount).contains { NativeCompiler.uses(code[$0].op) }
        chooseCachedSlots(code, count: e.codeCount, frameSize: e.frameSize)
        findBranchTargets(code, count: e.codeCount)
        a.bind(functionLabels[entry]!)
        if let ready = memoryReadyLabels[entry] {
            reloadMemory()
            a.bind(ready)
        }
        // Prologue: check the call depth (which also bounds the native stack, see
        // NativeEngine.invoke) and the value stack, zero the locals.
        a.alu(.sub, .r15, imm: 1)
        a.j(.b, trap(.callStackExhausted))
        a.lea(.rax, Mem(.rbx, Int32(e.frameSize) * 8))
        a.alu(.cmp, .rax, Mem(.r14, NativeEngine.Layout.stackEnd))
        a.j(.a, trap(.callStackExhausted))
        if e.localCount > 0 {
            // A cached local that some instruction writes starts dirty in its register
            // (see loadCacheAtEntry): its frame copy is written before anything reads it.
            if e.localCount <= 16 {
                var raxIsZero = false
                for k in 0..<e.localCount where !startsDirty(UInt32(e.parameterCount + k)) {
                    if !raxIsZero { a.alu(.xor, .rax, .rax, q: false) }
                    raxIsZero = true
                    a.mov(slot(UInt32(e.parameterCount + k)), .rax)
                }
            } else {
                a.alu(.xor, .rax, .rax, q: false)
                a.lea(.rdi, slot(UInt32(e.parameterCount)))
                a.mov(.rcx, imm: UInt64(e.localCount))
                let loop = a.newLabel()
                a.bind(loop)
                a.mov(Mem(.rdi), .rax)
                a.alu(.add, .rdi, imm: 8)
                a.alu(.sub, .rcx, imm: 1)
                a.j(.ne, loop)
            }
        }
        loadCacheAtEntry(parameters: e.parameterCount, locals: e.localCount)
        for k in 0..<e.codeCount {
            a.bind(instLabels[k])
            if isBranchTarget[k] { dirty = writtenRegisters }
            raxHeldBefore = isBranchTarget[k] ? nil : raxHeldAfter
            raxHeldAfter = nil
            let op = code[k].op
            currentResult = code[k].a
            resultWritten = false
            compile(code + k, index: k)
            // A template that wrote its result to the frame only: refresh the slot's register.
            if !resultWritten && !NativeCompiler.leavesSlotA(op), let r = pinned(currentResult) {
                a.mov(r, slot(currentResult))
                dirty &= ~NativeCompiler.bit(r)
            }
        }
        for (reason, label) in trapLabels {
            a.bind(label)
            a.mov(.rax, imm: UInt64(NativeExit.code(reason)))
            a.jmp(Mem(.r14, NativeEngine.Layout.exitStub))
        }
        a.bind(exitLabel)
        a.jmp(Mem(.r14, NativeEngine.Layout.exitStub))
    }

    mutating func epilogue() {
        a.alu(.add, .r15, imm: 1)
        a.ret()
    }

    func target(_ index: Int, _ inst: Inst) -> Label {
        let t = index + Int(Int64(bitPattern: inst.imm))
        // The dirty-register tracking assumes nothing at a target: it must know every one.
        precondition(isBranchTarget[t], "native compiler: branch target \(t) not found by the pre-pass")
        return instLabels[t]
    }

    mutating func compile(_ pointer: UnsafeMutablePointer<Inst>, index k: Int) {
        let i = pointer.pointee
        switch i.op {
        case .unreachable:
            a.jmp(trap(i.x == 0 ? .unreachable : .outOfBoundsMemoryAccess))
        case .fuel:
            let fuel = absolute(UInt64(UInt(bitPattern: exec)) + UInt64(NativeEngine.Layout.fuel))
            a.alu(.cmp, fuel, imm: 0)
            a.j(.le, trap(.fuelExhausted))
            a.alu(.sub, fuel, imm: 1)
        case .br:
            // A branch to the next instruction (left by the translator's block ends) is a no-op.
            if Int64(bitPattern: i.imm) != 1 { a.jmp(target(k, i)) }
        case .brIf, .brIfNot:
            compareSlot(i.b, imm: 0, q: true)
            a.j(i.op == .brIf ? .ne : .e, target(k, i))
        case .brTable:
            load(.rax, i.b, q: false)
            a.mov(.rcx, imm: UInt64(i.c))
            a.alu(.cmp, .rax, .rcx, q: false)
            a.cmov(.a, .rax, .rcx, q: false)
            let table = a.newLabel()
            a.lea(.rcx, table)
            a.lea(.rax, Mem(.rax, index: .rax, scale: 4))
            a.alu(.add, .rax, .rcx)
            a.jmp(.rax)
            a.bind(table)
            for e in (k + 1)...(k + 1 + Int(i.c)) {
                // Each entry is a 5-byte jump: to a `br`'s target, or onto an entry that returns.
                let entry = pointer[e - k]
                a.jmp(entry.op == .br ? target(e, entry) : instLabels[e])
            }
        case .copy:
            if let r = pinned(i.b) {
                store(i.a, r)
            } else {
                load(.rax, i.b)
                store(i.a, .rax)
            }
        case .const:
            storeConstant(i.imm, i.a)
        case .select:
            load(.rax, i.b)
            load(.rcx, i.c)
            compareSlot(UInt32(truncatingIfNeeded: i.imm), imm: 0, q: true)
            a.cmov(.e, .rax, .rcx)
            store(i.a, .rax)
        case .globalGet:
            let d = pinned(i.a) ?? .rcx
            a.mov(d, absolute(i.imm))
            store(i.a, d)
        case .globalSet:
            let value = pinned(i.b) ?? .rcx
            if value == .rcx { a.mov(.rcx, slot(i.b)) }
            a.mov(absolute(i.imm), value)
        case .ret1:
            load(.rax, i.b)
            a.mov(slot(0), .rax)
            epilogue()
        case .ret:
            // The results go to the frame's first slots from the cache or the frame (the
            // frame copy of a cached result may be stale). A single result also leaves in
            // rax (see compileCall), the last one loaded.
            for n in 0..<i.c where i.b != 0 || pinned(n) != nil || i.c == 1 {
                load(.rax, i.b + n)
                a.mov(slot(n), .rax)
            }
            epilogue()
        case .call:
            compileCall(i)
        case .callIndirect:
            spill()
            callHelper(NativeHelpers.resolveIndirect, argument: UInt64(UInt(bitPattern: pointer)))
            let done = a.newLabel()
            a.mov(.rax, Mem(.r14, NativeEngine.Layout.callee))
            a.test(.rax, .rax)
            a.j(.e, done)
            a.lea(.rbx, slot(i.b))
            a.call(.rax)
            a.lea(.rbx, Mem(.rbx, -Int32(i.b) * 8))
            a.bind(done)
            reloadMemory()
            reloadCache()
        case .memorySize:
            a.mov(.rax, .r13)
            a.shift(.shr, .rax, imm: 16)
            a.mov(slot(i.a), .rax)
        case .memoryGrow, .memoryCopy, .memoryFill, .instanceOperation, .atomic, .tableOperation:
            // Not cache-aware: they read their operands in the frame.
            spill()
            switch i.op {
            case .tableOperation: if !compileTable(i) { callRuntime(i) }
            case .atomic: if !compileAtomic(i) { callRuntime(i) }
            case .memoryFill, .memoryCopy:
                _ = compileBulk(i)
                reloadCache()
            default: callRuntime(i)
            }
        default:
            if compileMemory(i, index: k) || compileNumeric(i, index: k) { break }
            // Not cache-aware (see NativeCompiler+Registers.swift): these read their operands
            // in the frame, so it must be current.
            spill()
            // Every other instruction has a template: a missing one is a compiler bug, not a fallback.
            if !compileFloat(i, index: k) { preconditionFailure("native tier: no template for \(i.op)") }
        }
    }

    mutating func storeConstant(_ value: UInt64, _ index: UInt32) {
        let m = slot(index)
        if let r = pinned(index) {
            a.mov(r, imm: value)
            store(index, r)
            return
        }
        let s = Int64(bitPattern: value)
        if s >= Int64(Int32.min) && s <= Int64(Int32.max) {
            a.mov(m, imm: Int32(s))
        } else {
            a.mov(.rax, imm: value)
            a.mov(m, .rax)
        }
    }

    mutating func compileCall(_ i: Inst) {
        let callee = UnsafeMutablePointer<FunctionEntry>(bitPattern: UInt(i.imm)).unsafelyUnwrapped
        // The callee reads its arguments; the slots above them are dead (the callee's frame).
        spill(below: i.b + UInt32(callee.pointee.parameterCount))
        // After it, the slots above its results are dead.
        let live = i.b + UInt32(callee.pointee.resultCount)
        if callee.pointee.hostIndex >= 0 {
            callHelper(NativeHelpers.callHost, argument: i.imm, fpOffset: i.b)
        } else if let label = functionLabels[callee] {
            a.lea(.rbx, slot(i.b))
            // Same instance, same memory: r12/r13 are current here if this function uses them.
            a.call(usesMemory ? memoryReadyLabels[callee] ?? label : label)
            a.lea(.rbx, Mem(.rbx, -Int32(i.b) * 8))
            // The callee's `ret`/`ret1` left a single result in rax too: a cached result
            // slot takes it from there, not through a store-to-load round trip.
            if callee.pointee.resultCount == 1, let r = pinned(i.b) {
                a.mov(r, .rax)
                dirty &= ~NativeCompiler.bit(r)
                reloadMemory()
                reloadCache(below: live, except: i.b)
                return
            }
        } else {
            // A Wasm function of another instance: compiled on its first call.
            let ready = a.newLabel()
            a.mov(.rax, imm: i.imm)
            a.mov(.rax, Mem(.rax, NativeEngine.Layout.entryNative))
            a.test(.rax, .rax)
            a.j(.ne, ready)
            callHelper(NativeHelpers.compile, argument: i.imm)
            a.mov(.rax, imm: i.imm)
            a.mov(.rax, Mem(.rax, NativeEngine.Layout.entryNative))
            a.bind(ready)
            a.lea(.rbx, slot(i.b))
            a.call(.rax)
            a.lea(.rbx, Mem(.rbx, -Int32(i.b) * 8))
        }
        reloadMemory()
        reloadCache(below: live)
    }
}

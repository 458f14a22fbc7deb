// The native tier's run time: the per-store context that compiled code
// reaches through r14, the entry trampoline, and the Swift helpers compiled
// code calls for what it does not do inline.
//
// Register convention inside compiled code (all callee-saved in the System V
// ABI, so Swift helpers preserve them):
//   rbx  frame pointer: the current function's slots (the same value stack
//        and slot layout as the interpreter, so both engines share one ABI
//        for host functions and results)
//   r12  linear memory base, r13 its size in bytes (reloaded after anything
//        that may grow or move the memory)
//   r14  the store's NativeContext
//   r15  Wasm calls left before `call stack exhausted` (a register, not the
//        context's depthLeft, so a call and its return are no memory
//        read-modify-write chain; stored to the context before every call
//        into Swift, where a host function may re-enter Wasm). It is also
//        the native stack check: a Wasm call takes at most
//        `stackBytesPerCall` of native stack, and each entry from Swift
//        caps the count at what the stack has room for (see `invoke`)
// A trap or a host error leaves compiled code by restoring the stack pointer
// saved by the trampoline and returning a code to Swift: nothing unwinds
// through Swift frames.

import CNativeStack
import WasmBinary
import WasmNative

/// What compiled code reads through r14.
struct NativeContext {
    /// The stack pointer to restore when leaving compiled code early.
    var exitRsp: UInt = 0
    /// The trampoline's exit path (eax holds the trap code).
    var exitStub: UInt = 0
    /// Wasm calls left before `call stack exhausted`.
    var depthLeft: Int = 0
    /// The lowest native stack address Wasm frames may use (`invoke` turns it into a call count).
    var stackLimit: UInt = 0
    /// One past the value stack (frames must fit below it).
    var stackEnd: UnsafeMutablePointer<UInt64>
    /// The store's execution state (fuel, host depth, value stack top).
    var exec: UnsafeMutablePointer<ExecutionState>
    /// A callee resolved by a `call_indirect` helper (0: the helper already made a host call).
    var callee: UInt = 0
}

/// Codes compiled code returns to Swift: 0 success, 1... a trap reason, ``hostErrorCode`` an error in Swift.
enum NativeExit {
    static let reasons: [Trap.Reason] = [
        .unreachable, .integerOverflow, .integerDivideByZero, .invalidConversionToInteger,
        .outOfBoundsMemoryAccess, .outOfBoundsTableAccess, .indirectCallTypeMismatch, .undefinedElement,
        .uninitializedElement, .callStackExhausted, .unalignedAtomic, .expectedSharedMemory,
        .waitWouldBlockForever, .fuelExhausted,
    ]
    static let hostErrorCode: UInt32 = 0xFFFF

    static func code(_ reason: Trap.Reason) -> UInt32 {
        UInt32(reasons.firstIndex(of: reason)! + 1)
    }
}

/// The native engine could not run a call.
public struct NativeEngineError: Error, Equatable, CustomStringConvertible {
    /// Why.
    public enum Reason: Equatable, Sendable {
        /// The host is not x86-64 Linux, the only target of the native tier.
        case unsupportedHost
        /// The processor lacks an extension compiled code uses (LZCNT, BMI1, POPCNT or SSE4.1).
        case missingProcessorFeature(String)
        /// The host refused executable memory (see the message).
        case executableMemory(String)
    }

    /// Why the engine could not run.
    public var reason: Reason

    /// What went wrong and what to do about it.
    public var description: String {
        switch reason {
        case .unsupportedHost:
            "the native engine runs only on x86-64 Linux; use Store.Configuration(engine: .interpreter) or .automatic"
        case .executableMemory(let message): message
        case .missingProcessorFeature(let name):
            "the native engine needs the \(name) processor extension, which this CPU lacks; use the interpreter"
        }
    }
}

/// The native tier of one store: its context and entry trampoline.
final class NativeEngine {
    let context: UnsafeMutablePointer<NativeContext>
    let trampoline: CodeMemory
    /// A Swift error thrown by a host function, carried past compiled code.
    var pendingError: (any Error)?

    typealias Entry =
        @convention(c) (UnsafeMutableRawPointer, UnsafeMutablePointer<UInt64>, UnsafeRawPointer)
        -> UInt32
    let enter: Entry

    init(exec: UnsafeMutablePointer<ExecutionState>) throws(NativeEngineError) {
        #if arch(x86_64) && os(Linux)
            context = .allocate(capacity: 1)
            context.initialize(to: NativeContext(stackEnd: exec.pointee.stackEnd, exec: exec))
            let (code, exitOffset) = NativeEngine.trampolineCode()
            do {
                trampoline = try CodeMemory(code)
            } catch {
                context.deallocate()
                throw NativeEngineError(reason: .executableMemory(error.description))
            }
            context.pointee.exitStub = UInt(bitPattern: trampoline.address(exitOffset))
            enter = unsafeBitCast(trampoline.base, to: Entry.self)
            if let missing = NativeEngine.missingFeature() {
                context.deallocate()
                throw NativeEngineError(reason: .missingProcessorFeature(missing))
            }
        #else
            throw NativeEngineError(reason: .unsupportedHost)
        #endif
    }

    deinit { context.deallocate() }

    /// `enter(context, fp, code)`: saves the callee-saved registers and the
    /// previous exit stack pointer (host re-entry nests), runs `code` with
    /// the frame at `fp`, and returns 0; compiled code that traps jumps to the
    /// exit path with a code in eax instead.
    static func trampolineCode() -> ([UInt8], Int) {
        var a = X86Assembler()
        for r: Reg in [.rbp, .rbx, .r12, .r13, .r14, .r15] { a.push(r) }
        a.mov(.r14, .rdi)
        a.mov(.r15, Mem(.r14, Layout.depthLeft))
        // Seven pushes plus the return address: rsp is 16-byte aligned at the call.
        a.mov(.rax, Mem(.r14, Layout.exitRsp))
        a.push(.rax)
        a.mov(Mem(.r14, Layout.exitRsp), .rsp)
        a.mov(.rbx, .rsi)
        a.call(.rdx)
        a.mov(.rax, imm: 0)
        let exit = a.position
        a.mov(.rsp, Mem(.r14, Layout.exitRsp))
        a.pop(.rcx)
        a.mov(Mem(.r14, Layout.exitRsp), .rcx)
        for r: Reg in [.r15, .r14, .r13, .r12, .rbx, .rbp] { a.pop(r) }
        a.ret()
        return (a.finish(), exit)
    }

    /// The first processor extension compiled code needs that `cpuid` does
    /// not report (without LZCNT/TZCNT the same bytes would run as BSR/BSF and
    /// compute wrong counts), or nil.
    static func missingFeature() -> String? {
        var a = X86Assembler()
        // (leaf, subleaf) -> ebx << 32 | ecx
        a.push(.rbx)
        a.mov(.rax, .rdi, q: false)
        a.mov(.rcx, .rsi, q: false)
        a.cpuid()
        a.mov(.rax, .rcx, q: false)
        a.shift(.shl, .rbx, imm: 32)
        a.alu(.or, .rax, .rbx)
        a.pop(.rbx)
        a.ret()
        guard let code = try? CodeMemory(a.finish()) else { return "executable memory" }
        let cpuid = unsafeBitCast(code.base, to: (@convention(c) (UInt64, UInt64) -> UInt64).self)
        let leaf1 = cpuid(1, 0)
        let leaf7 = cpuid(7, 0)
        let extended = cpuid(0x8000_0001, 0)
        if leaf1 & (1 << 19) == 0 { return "SSE4.1" }
        if leaf1 & (1 << 23) == 0 { return "POPCNT" }
        if (leaf7 >> 32) & (1 << 3) == 0 { return "BMI1 (TZCNT)" }
        if extended & (1 << 5) == 0 { return "LZCNT" }
        return nil
    }

    /// Field offsets compiled code uses.
    enum Layout {
        static let exitRsp = Int32(MemoryLayout<NativeContext>.offset(of: \.exitRsp)!)
        static let exitStub = Int32(MemoryLayout<NativeContext>.offset(of: \.exitStub)!)
        static let depthLeft = Int32(MemoryLayout<NativeContext>.offset(of: \.depthLeft)!)
        static let stackLimit = Int32(MemoryLayout<NativeContext>.offset(of: \.stackLimit)!)
        static let stackEnd = Int32(MemoryLayout<NativeContext>.offset(of: \.stackEnd)!)
        static let callee = Int32(MemoryLayout<NativeContext>.offset(of: \.callee)!)
        static let memoryBase = Int32(MemoryLayout<MemoryState>.offset(of: \.base)!)
        static let memorySize = Int32(MemoryLayout<MemoryState>.offset(of: \.byteCount)!)
        static let entryNative = Int32(MemoryLayout<FunctionEntry>.offset(of: \.native)!)
        static let fuel = MemoryLayout<ExecutionState>.offset(of: \.fuel)!
        static let tableElements = Int32(MemoryLayout<TableState>.offset(of: \.elements)!)
        static let tableCount = Int32(MemoryLayout<TableState>.offset(of: \.count)!)
    }

    /// Stack bytes kept free below compiled code for the Swift helpers it calls.
    static let stackReserve: UInt = 256 * 1024

    /// Native stack a Wasm-to-Wasm call may take: its return address (bodies push
    /// nothing else across calls; a helper call's alignment is in `stackReserve`),
    /// with a margin of one more word.
    static let stackBytesPerCall: UInt = 16

    /// Native stack above the Swift frame that enters compiled code, for the
    /// trampoline's saved registers and the first function.
    static let entrySlack: UInt = 1024

    /// Runs the Wasm function `entry` (compiled on demand) on the frame at `fp`.
    func invoke(
        _ entry: UnsafeMutablePointer<FunctionEntry>, _ fp: UnsafeMutablePointer<UInt64>, store: Store
    )
        throws
    {
        if entry.pointee.native == nil { try NativeCompiler.compileInstance(of: entry, store: store) }
        let ctx = context
        let savedDepth = ctx.pointee.depthLeft
        let savedLimit = ctx.pointee.stackLimit
        if ctx.pointee.stackLimit == 0 {
            // The outermost entry on this thread: measure the stack once.
            ctx.pointee.depthLeft = Swift.max(store.configuration.maximumCallDepth, 1)
            let left = cns_stack_bytes_left()
            if left == UInt.max {
                ctx.pointee.stackLimit = 1
            } else {
                let low = cns_frame_address() &- left
                ctx.pointee.stackLimit = low &+ Swift.min(NativeEngine.stackReserve, left / 2)
            }
        }
        defer {
            ctx.pointee.depthLeft = savedDepth
            ctx.pointee.stackLimit = savedLimit
        }
        // The prologues count calls only, so the count must also stop the native
        // stack: allow no more calls than fit above the limit (both trap with
        // `call stack exhausted`; the exact depth limit wins where the stack is large).
        let limit = ctx.pointee.stackLimit
        let here = cns_frame_address()
        if limit > 1 {
            let room = here > limit &+ NativeEngine.entrySlack ? here - limit - NativeEngine.entrySlack : 0
            let calls = Int(room / NativeEngine.stackBytesPerCall)
            ctx.pointee.depthLeft = Swift.min(ctx.pointee.depthLeft, calls)
        }
        // As in the interpreter, the limit counts Wasm-to-Wasm calls: a function
        // entered from Swift (first, or re-entered by a host function) is not a
        // call, but re-entry at the limit traps. (The prologue counts every entry.)
        if savedLimit != 0 && ctx.pointee.depthLeft <= 0 { throw Trap(.callStackExhausted) }
        ctx.pointee.depthLeft += 1
        let code = enter(UnsafeMutableRawPointer(ctx), fp, entry.pointee.native.unsafelyUnwrapped)
        if code == 0 { return }
        try NativeEngine.raise(code, self)
    }

    static func raise(_ code: UInt32, _ engine: NativeEngine) throws {
        if code == NativeExit.hostErrorCode, let error = engine.pendingError {
            engine.pendingError = nil
            throw error
        }
        let index = Int(code) - 1
        throw Trap(index >= 0 && index < NativeExit.reasons.count ? NativeExit.reasons[index] : .unreachable)
    }

    /// Turns an error thrown in a helper into the code compiled code returns.
    static func exitCode(for error: any Error, _ ctx: UnsafeMutablePointer<NativeContext>) -> UInt32 {
        if let trap = error as? Trap { return NativeExit.code(trap.reason) }
        ctx.pointee.exec.pointee.store.takeUnretainedValue().nativeEngine?.pendingError = error
        return NativeExit.hostErrorCode
    }
}

/// The Swift functions compiled code calls, as C function pointers:
/// `(context, argument, fp, calling instance's context) -> exit code` (0 to continue).
enum NativeHelpers {
    typealias Helper =
        @convention(c) (
            UnsafeMutableRawPointer, UnsafeMutableRawPointer, UnsafeMutablePointer<UInt64>,
            UnsafeMutableRawPointer
        ) -> UInt32

    /// Runs an instruction whose work is a runtime service (argument: a copy
    /// of it), with the same Swift function the interpreter calls for it:
    /// memory.grow, memory.copy/fill, the segment and table instructions
    /// `NativeCompiler.compileTable` leaves, and atomic notify and wait (one
    /// thread: nobody to wake, and a wait that would block traps).
    static let runtime: Helper = { rawContext, argument, fp, rawCaller in
        let ctx = rawContext.assumingMemoryBound(to: NativeContext.self)
        let caller = rawCaller.assumingMemoryBound(to: InstanceContext.self)
        let i = argument.assumingMemoryBound(to: Inst.self).pointee
        let memory = caller.pointee.memory
        do {
            switch i.op {
            case .memoryGrow: fp[Int(i.a)] = Interpreter.memoryGrow(memory, fp[Int(i.b)])
            case .memoryCopy: try Interpreter.memoryCopy(memory, fp + Int(i.b))
            case .memoryFill: try Interpreter.memoryFill(memory, fp + Int(i.b))
            case .instanceOperation: try Interpreter.instanceOperation(i, fp, caller)
            case .tableOperation: try Interpreter.tableOperation(i, fp)
            case .atomic: try Interpreter.atomic(i, fp, memory)
            default: preconditionFailure("native tier: \(i.op) is not a runtime instruction")
            }
            return 0
        } catch {
            return NativeEngine.exitCode(for: error, ctx)
        }
    }

    /// Calls a host function (argument: its entry; fp: the callee's frame).
    static let callHost: Helper = { rawContext, argument, fp, rawCaller in
        let ctx = rawContext.assumingMemoryBound(to: NativeContext.self)
        let caller = rawCaller.assumingMemoryBound(to: InstanceContext.self)
        let callee = argument.assumingMemoryBound(to: FunctionEntry.self)
        let exec = ctx.pointee.exec
        do {
            try Interpreter.callHost(exec, callee, fp, caller, exec.pointee.frameCount)
            return 0
        } catch {
            return NativeEngine.exitCode(for: error, ctx)
        }
    }

    /// Compiles the instance of a Wasm function about to be called (argument: its entry).
    static let compile: Helper = { rawContext, argument, _, _ in
        let ctx = rawContext.assumingMemoryBound(to: NativeContext.self)
        let callee = argument.assumingMemoryBound(to: FunctionEntry.self)
        do {
            try NativeCompiler.compileInstance(
                of: callee, store: ctx.pointee.exec.pointee.store.takeUnretainedValue())
            return 0
        } catch {
            return NativeEngine.exitCode(for: error, ctx)
        }
    }

    /// Resolves a `call_indirect` (argument: the instruction): leaves the
    /// callee's code in the context, or makes the call itself when the callee
    /// is a host function (and leaves 0).
    static let resolveIndirect: Helper = { rawContext, argument, fp, rawCaller in
        let ctx = rawContext.assumingMemoryBound(to: NativeContext.self)
        let caller = rawCaller.assumingMemoryBound(to: InstanceContext.self)
        let inst = argument.assumingMemoryBound(to: Inst.self).pointee
        do {
            let callee = try Interpreter.indirectCallee(inst, fp)
            let newFp = fp + Int(inst.b)
            if callee.pointee.hostIndex >= 0 {
                let exec = ctx.pointee.exec
                // The host may re-enter Wasm: its frames start above this call's arguments.
                try Interpreter.callHost(exec, callee, newFp, caller, exec.pointee.frameCount)
                ctx.pointee.callee = 0
                return 0
            }
            if callee.pointee.native == nil {
                try NativeCompiler.compileInstance(
                    of: callee, store: ctx.pointee.exec.pointee.store.takeUnretainedValue())
            }
            ctx.pointee.callee = UInt(bitPattern: callee.pointee.native)
            return 0
        } catch {
            return NativeEngine.exitCode(for: error, ctx)
        }
    }

    static func address(_ helper: Helper) -> UInt64 {
        UInt64(UInt(bitPattern: unsafeBitCast(helper, to: UnsafeRawPointer.self)))
    }
}

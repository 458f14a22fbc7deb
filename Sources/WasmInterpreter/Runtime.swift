// The plain-data structures the interpreter loop works on. They live in raw
// allocations owned by the Store, so the loop reaches them through pointers
// without reference counting.

import WasmBinary

/// One instruction of the internal code: an opcode and up to three frame
/// slot operands plus a 64-bit immediate. Slots are indices relative to the
/// frame pointer: locals first, then the operand stack positions (whose
/// heights the translator knows statically).
struct Inst {
    var op: Op
    var x: UInt16 = 0
    var a: UInt32 = 0
    var b: UInt32 = 0
    var c: UInt32 = 0
    var imm: UInt64 = 0
}

/// A function in the store: a translated Wasm function or a host function.
/// Its address is its identity: funcref values and `call` immediates hold it.
struct FunctionEntry {
    /// The translated code, or nil until the first call (Wasm) / always (host).
    var code: UnsafeMutablePointer<Inst>?
    /// Slots the function needs above its frame pointer.
    var frameSize: Int
    /// Number of parameters.
    var parameterCount: Int
    /// Number of declared locals (zeroed at entry).
    var localCount: Int
    /// Number of results.
    var resultCount: Int
    /// The store-wide identity of the function's type.
    var typeID: Int
    /// The instance the function belongs to (host functions: the store's empty context).
    var context: UnsafeMutablePointer<InstanceContext>
    /// Index into the store's host functions, or -1 for a Wasm function.
    var hostIndex: Int
    /// The host function (owned by the store), for host entries.
    var host: Unmanaged<HostFunction>? = nil
    /// Index of the function among its module's defined functions.
    var definedIndex: Int
    /// The number of instructions at ``code``.
    var codeCount = 0
    /// The function's machine code in the native tier, once its instance is compiled.
    var native: UnsafeRawPointer? = nil
}

/// The state of a linear memory.
@usableFromInline
struct MemoryState {
    @usableFromInline var base: UnsafeMutableRawPointer
    @usableFromInline var byteCount: UInt64
    var maximumPages: UInt64
    var isShared: Bool
    var is64: Bool
}

/// The state of a table: references as slots (0 is null).
struct TableState {
    var elements: UnsafeMutablePointer<UInt64>
    var count: Int
    var capacity: Int
    var maximum: UInt64
    var elementType: ReferenceType
}

/// Per-instance data the loop needs when it enters one of its functions.
struct InstanceContext {
    var memory: UnsafeMutablePointer<MemoryState>
    var instance: Unmanaged<InstanceStorage>?
}

/// A saved caller frame.
struct Frame {
    var pc: UnsafeMutablePointer<Inst>
    var fp: UnsafeMutablePointer<UInt64>
    var context: UnsafeMutablePointer<InstanceContext>
}

/// The execution stacks of a store.
struct ExecutionState {
    var stack: UnsafeMutablePointer<UInt64>
    var stackEnd: UnsafeMutablePointer<UInt64>
    /// First free slot (set before leaving the loop for a host call).
    var stackTop: UnsafeMutablePointer<UInt64>
    var frames: UnsafeMutablePointer<Frame>
    var frameCount: Int
    var frameLimit: Int
    /// Host functions currently running (called from Wasm), and their limit:
    /// Wasm -> host -> Wasm -> ... recursion uses the host stack, so it is bounded too.
    var hostDepth: Int = 0
    var hostDepthLimit: Int = 1000
    /// The native frame address of the outermost host call from Wasm: nested
    /// host calls measure from it how much native stack one re-entry takes.
    var hostStackBase: UInt = 0
    /// Fuel left for metered code (see ``Store/fuel``); `Int64.max` when unlimited.
    var fuel: Int64 = .max
    /// Whether ``fuel`` is a limit the embedder set (rather than unlimited).
    var fuelIsLimited = false
    var store: Unmanaged<Store>
}

// Field access through the code pointer: the interpreter loop reads only the
// fields an opcode uses, after dispatching on `op`, instead of copying the
// whole instruction into registers before the jump.
extension UnsafeMutablePointer where Pointee == Inst {
    @inline(__always) var op: Op { pointee.op }
    @inline(__always) var x: UInt16 { pointee.x }
    @inline(__always) var a: UInt32 { pointee.a }
    @inline(__always) var b: UInt32 { pointee.b }
    @inline(__always) var c: UInt32 { pointee.c }
    @inline(__always) var imm: UInt64 { pointee.imm }
}

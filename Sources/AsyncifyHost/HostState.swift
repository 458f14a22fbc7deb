// The part of the host's state a fiber swap reads and writes, kept in one raw
// allocation owned by the AsyncifyInstance. Reached through a `let` pointer,
// it costs no exclusivity checks (which every access to a class's `var`
// property pays) and no reference counting.

import WasmInterpreter

/// The Asyncify and fiber state of an ``AsyncifyInstance`` (Emscripten's
/// `Asyncify` and `Fibers` objects), plus the scratch the swap path needs.
struct HostState {
    /// Emscripten's `Asyncify.state`.
    var state: AsyncifyInstance.State = .normal
    /// Emscripten's `Asyncify.currData`: the data header in flight (0: none).
    var currData: UInt64 = 0
    /// Emscripten's `Fibers.nextFiber` (0: none).
    var nextFiber: UInt64 = 0
    /// Emscripten's `Fibers.trampolineRunning`.
    var trampolineRunning = false
    /// Emscripten's `Asyncify.exportCallStack`: rewind ids of the exports running.
    var exportCallStack = CallStack()
    /// What the host knows about each fiber record.
    var fibers = FiberStatusTable()
    /// The module's memory, if it exports one.
    var memory: Memory?
    /// The same memory, reached without reference counting.
    var memoryView: UnownedMemoryView?
    /// What the host can call and call again to rewind, by rewind id.
    var callables: [AsyncifyInstance.Callable] = []
    /// Export bodies the host performs itself.
    var direct = DirectExports()
    /// Slots for raw calls into the module (arguments in, results out).
    let slots: UnsafeMutableBufferPointer<UInt64>

    static let slotCount = 16

    init() {
        slots = .allocate(capacity: Self.slotCount)
        slots.initialize(repeating: 0)
    }

    /// Frees the buffers (the instance's deinit).
    func deallocate() {
        slots.deallocate()
        exportCallStack.deallocate()
        fibers.deallocate()
    }
}

/// A stack of rewind ids in a growable raw buffer.
struct CallStack {
    private var base: UnsafeMutablePointer<Int32>
    private var capacity = 16
    /// Ids on the stack.
    private(set) var count = 0

    init() { base = .allocate(capacity: 16) }

    var isEmpty: Bool { count == 0 }
    /// The outermost id (Emscripten's `exportCallStack[0]`).
    var first: Int? { count > 0 ? Int(base[0]) : nil }
    /// The innermost id.
    var last: Int? { count > 0 ? Int(base[count - 1]) : nil }

    mutating func append(_ id: Int) {
        if count == capacity {
            let grown = UnsafeMutablePointer<Int32>.allocate(capacity: capacity * 2)
            grown.moveInitialize(from: base, count: count)
            base.deallocate()
            base = grown
            capacity *= 2
        }
        base[count] = Int32(truncatingIfNeeded: id)
        count += 1
    }

    mutating func removeLast() {
        precondition(count > 0, "export call stack underflow")
        count -= 1
    }

    mutating func removeAll() { count = 0 }

    func deallocate() { base.deallocate() }
}

/// What the host knows about fiber records, by address: an open-addressing
/// hash table (linear probing, backward-shift deletion) in raw buffers, so a
/// swap's three look-ups cost a multiply and a compare or two each.
struct FiberStatusTable {
    private var keys: UnsafeMutablePointer<UInt64>
    /// 0 marks an empty bucket; otherwise the status's raw value + 1.
    private var values: UnsafeMutablePointer<UInt8>
    private var mask = 15
    private(set) var count = 0

    init() {
        keys = .allocate(capacity: 16)
        values = .allocate(capacity: 16)
        values.initialize(repeating: 0, count: 16)
    }

    private func bucket(_ key: UInt64) -> Int {
        // Fibonacci hashing: fiber records are aligned, so the low bits vary little.
        Int(truncatingIfNeeded: (key &* 0x9E37_79B9_7F4A_7C15) >> 32) & mask
    }

    subscript(fiber: UInt64) -> FiberStatus? {
        get {
            var k = bucket(fiber)
            while values[k] != 0 {
                if keys[k] == fiber { return FiberStatus(rawValue: values[k] &- 1) }
                k = (k + 1) & mask
            }
            return nil
        }
        set {
            if let newValue { insert(fiber, newValue) } else { remove(fiber) }
        }
    }

    private mutating func insert(_ fiber: UInt64, _ status: FiberStatus) {
        var k = bucket(fiber)
        while values[k] != 0 {
            if keys[k] == fiber {
                values[k] = status.rawValue &+ 1
                return
            }
            k = (k + 1) & mask
        }
        keys[k] = fiber
        values[k] = status.rawValue &+ 1
        count += 1
        if count * 2 > mask + 1 { grow() }
    }

    private mutating func remove(_ fiber: UInt64) {
        var k = bucket(fiber)
        while values[k] != 0 && keys[k] != fiber { k = (k + 1) & mask }
        guard values[k] != 0 else { return }
        values[k] = 0
        count -= 1
        // Move later entries of the run back so that no look-up stops early.
        var hole = k
        var j = (k + 1) & mask
        while values[j] != 0 {
            let home = bucket(keys[j])
            // Entry j may fill the hole if its home is not cyclically in (hole, j].
            let distanceToJ = (j &- home) & mask
            let distanceToHole = (j &- hole) & mask
            if distanceToJ >= distanceToHole {
                keys[hole] = keys[j]
                values[hole] = values[j]
                values[j] = 0
                hole = j
            }
            j = (j + 1) & mask
        }
    }

    private mutating func grow() {
        let (oldKeys, oldValues, oldCapacity) = (keys, values, mask + 1)
        let capacity = oldCapacity * 2
        keys = .allocate(capacity: capacity)
        values = .allocate(capacity: capacity)
        values.initialize(repeating: 0, count: capacity)
        mask = capacity - 1
        count = 0
        for k in 0..<oldCapacity where oldValues[k] != 0 {
            insert(oldKeys[k], FiberStatus(rawValue: oldValues[k] &- 1).unsafelyUnwrapped)
        }
        oldKeys.deallocate()
        oldValues.deallocate()
    }

    func deallocate() {
        keys.deallocate()
        values.deallocate()
    }
}

/// How the `emscripten_fiber_swap` import reaches its host. The store owns
/// the import's closure, and the host owns the store: a strong reference from
/// the closure to the host would be a cycle, and an `unowned` one costs
/// atomic reference counting on every swap. The closure holds this link
/// instead; the host clears it in its deinit, so a swap after that is an
/// error, not a crash.
final class HostLink {
    @exclusivity(unchecked) var host: Unmanaged<AsyncifyInstance>?
}

extension AsyncifyInstance {
    /// The body of the `emscripten_fiber_swap(old, new)` import.
    static func swapImport(_ link: HostLink, is64: Bool) -> (Caller, HostSlots) throws -> Void {
        { _, slots in
            guard let host = link.host else {
                throw AsyncifyHostError(
                    .invalidState, "emscripten_fiber_swap was called after its AsyncifyInstance was released")
            }
            let (old, new) =
                is64 ? (slots.i64(0), slots.i64(1)) : (UInt64(slots.i32(0)), UInt64(slots.i32(1)))
            // The host is alive: it clears the link before it goes.
            try host._withUnsafeGuaranteedRef { try $0.fiberSwap(old, new) }
        }
    }
}

/// The function a fiber starts in, and the shape of every export the runtime calls.
///
/// Mirrors `em_arg_callback_func` (`void (*)(void *)`). The trampoline calls it
/// with the fiber's user data on first entry; when the fiber is rewound the same
/// function is called again (with the same argument, which instrumented code
/// would ignore) and must restore its frame, see ``AsyncifyFrame``.
public typealias FiberEntry = (FiberContext, UnsafeMutableRawPointer?) throws -> Void

/// An export's function, boxed (see ``FiberCore/exports``).
@usableFromInline
final class ExportBox {
    @usableFromInline let function: FiberEntry
    init(_ function: @escaping FiberEntry) { self.function = function }
}

/// The runtime's mutable state, kept in one unsafe allocation so the hot path
/// reaches it without ARC, exclusivity checks or class property access.
///
/// Emscripten keeps these in its JS `Asyncify` and `Fibers` objects and in Wasm
/// globals (`Asyncify.state`, `Asyncify.currData`, `Asyncify.exportCallStack`,
/// `Fibers.nextFiber`, `Fibers.trampolineRunning`, the C stack globals).
@usableFromInline
struct FiberCore {
    /// `Asyncify.state`.
    @usableFromInline var state: AsyncifyState = .normal
    /// `Asyncify.currData`: the buffer being unwound into or rewound from, by
    /// address as in Emscripten: a fiber record's header, ``sleepData``, or
    /// ``noData``. Frames push and pop through it directly, so starting or
    /// stopping an unwind or rewind copies no header and writes nothing back.
    @usableFromInline var data: UnsafeMutablePointer<AsyncifyDataStack>
    /// The fiber whose code runs (or unwinds) now, or -1.
    @usableFromInline var current: Int32 = -1
    /// The handle bits (``Fiber/bits``) of `current` while its code runs in state
    /// normal inside its export, else 0 (no fiber has runtime id 0): the one fiber
    /// a swap may start from without further checks. Cleared when it unwinds,
    /// sleeps, finishes or fails and whenever the runtime stops driving fibers,
    /// so one compare says "an export is running, the state is normal, `from` is
    /// the running fiber of this runtime, and its record holds the C stack
    /// globals" (``stackOwner``).
    @usableFromInline var swappable: UInt64 = 0
    /// `Fibers.nextFiber`, or -1.
    @usableFromInline var next: Int32 = -1
    /// `Fibers.trampolineRunning`.
    @usableFromInline var trampolineRunning = false

    /// `Asyncify.exportCallStack`: export ids, bottom first.
    @usableFromInline var exportStack: UnsafeMutablePointer<Int32>
    @usableFromInline var exportDepth = 0
    @usableFromInline let exportStackCapacity: Int

    /// The fiber records, indexed by `Fiber.index`.
    @usableFromInline var records: UnsafeMutablePointer<FiberRecord>
    @usableFromInline var recordCount = 0
    @usableFromInline var recordCapacity: Int

    /// The export table: an export's id is its index. Each function sits in a box
    /// so the trampoline can call it through an unretained reference.
    @usableFromInline var exports: UnsafeMutablePointer<Unmanaged<ExportBox>>
    @usableFromInline var exportCount = 0
    @usableFromInline var exportCapacity: Int

    @usableFromInline let runtimeID: UInt32

    /// The simulated C stack globals (`__stack_base`, `__stack_end`, `__stack_pointer`)
    /// live in the record of fiber `stackOwner`, loaded there by the last switch; for
    /// -1 (no switch yet) they are the runtime's main stack in the three fields
    /// below. Swift code never moves the C stack pointer, so a switch only names
    /// the record instead of copying three words, and a swap out of that fiber has
    /// nothing to save. Read them with ``cStackGlobals``.
    @usableFromInline var stackOwner: Int32 = -1
    @usableFromInline var stackBase: UInt64
    @usableFromInline var stackLimit: UInt64
    @usableFromInline var stackPointer: UInt64
    /// Where the next simulated C stack is placed.
    var nextSimulatedStack: UInt64

    /// The buffer `handleSleep` unwinds into (Emscripten's `Asyncify.allocateData`).
    @usableFromInline let sleepData: UnsafeMutablePointer<AsyncifyDataStack>
    /// An empty buffer `data` points at when no unwind or rewind owns one: a
    /// stray push fails with an overflow instead of writing anywhere.
    @usableFromInline let noData: UnsafeMutablePointer<AsyncifyDataStack>
    @usableFromInline var sleepPending = false
    @usableFromInline var sleepFiber: Int32 = -1
    @usableFromInline var sleepRewindID: Int32 = -1
    @usableFromInline var sleepValue = 0
    /// The index of ``FiberRuntime/mainFiber`` once it is allocated, else -1:
    /// the fiber ``FiberContext/swap(to:)`` swaps out of in an export that runs
    /// outside any fiber.
    var mainFiber: Int32 = -1

    @usableFromInline static let noOwner: Int32 = -1
    @usableFromInline static let sleepOwner: Int32 = -2

    init(runtimeID: UInt32, exportStackCapacity: Int, sleepArea: UnsafeMutableRawBufferPointer) {
        self.runtimeID = runtimeID
        self.exportStackCapacity = exportStackCapacity
        exportStack = .allocate(capacity: exportStackCapacity)
        recordCapacity = 8
        records = .allocate(capacity: recordCapacity)
        exportCapacity = 8
        exports = .allocate(capacity: exportCapacity)
        sleepData = .allocate(capacity: 1)
        sleepData.initialize(to: AsyncifyDataStack(area: sleepArea))
        noData = .allocate(capacity: 1)
        noData.initialize(to: AsyncifyDataStack(area: UnsafeMutableRawBufferPointer(start: nil, count: 0)))
        data = noData
        // The main C stack of the simulated address space: 1 MiB below 0x200000.
        stackBase = 0x20_0000
        stackLimit = 0x10_0000
        stackPointer = stackBase
        nextSimulatedStack = 0x20_0000
    }
}

extension FiberCore {
    /// The simulated C stack globals: base (high end), limit (low end), pointer.
    var cStackGlobals: (base: UInt64, limit: UInt64, pointer: UInt64) {
        guard stackOwner >= 0 else { return (stackBase, stackLimit, stackPointer) }
        let record = records[Int(stackOwner)]
        return (record.cStackBase, record.cStackLimit, record.cStackPointer)
    }

    /// Copies the C stack globals out of fiber `index`'s record into the runtime's
    /// own fields if they live there, before the record is reinitialised.
    mutating func detachCStack(from index: Int) {
        guard Int(stackOwner) == index else { return }
        (stackBase, stackLimit, stackPointer) = cStackGlobals
        stackOwner = -1
    }

    /// Whose buffer ``data`` points at: a fiber index, ``sleepOwner`` or ``noOwner``.
    /// Worked out from the address (only error paths and bookkeeping ask).
    var dataOwner: Int32 {
        if data == sleepData { return FiberCore.sleepOwner }
        let stride = MemoryLayout<FiberRecord>.stride
        let offset = UnsafeRawPointer(data) - UnsafeRawPointer(records) - FiberRecord.dataOffset
        guard offset >= 0, offset % stride == 0, offset / stride < recordCount else {
            return FiberCore.noOwner
        }
        return Int32(offset / stride)
    }

    /// The display name of a fiber index or buffer owner.
    func ownerName(_ owner: Int32) -> String {
        if owner >= 0 && Int(owner) < recordCount { return records[Int(owner)].name }
        if owner == FiberCore.sleepOwner { return "the sleep buffer" }
        return "no fiber"
    }

    /// The handle of a fiber index, or nil for -1.
    func handle(_ index: Int32) -> Fiber? {
        index >= 0 ? Fiber(runtimeID: runtimeID, index: UInt32(index)) : nil
    }

    /// Adds an export and returns its id.
    mutating func register(_ function: @escaping FiberEntry) -> Int32 {
        if exportCount == exportCapacity {
            let grown = UnsafeMutablePointer<Unmanaged<ExportBox>>.allocate(capacity: exportCapacity * 2)
            grown.moveInitialize(from: exports, count: exportCount)
            exports.deallocate()
            exports = grown
            exportCapacity *= 2
        }
        (exports + exportCount).initialize(to: .passRetained(ExportBox(function)))
        exportCount += 1
        return Int32(exportCount - 1)
    }

    /// Drops export `id` if it is the newest and nothing can call it again (no
    /// fiber will rewind it, no sleep waits in it), so that repeated `run` calls do
    /// not grow the export table.
    mutating func unregisterIfUnused(_ id: Int32) {
        guard Int(id) == exportCount - 1, !(sleepPending && sleepRewindID == id) else {
            return
        }
        for index in 0..<recordCount {
            let record = records[index]
            let waiting = record.status == .suspended || record.status == .sleeping
            if record.entry == id || (waiting && record.rewindID == id) { return }
        }
        exports[Int(id)].release()
        exportCount -= 1
    }

    /// Adds a fiber record and returns its index.
    mutating func append(_ record: FiberRecord) -> Int32 {
        if recordCount == recordCapacity {
            let grown = UnsafeMutablePointer<FiberRecord>.allocate(capacity: recordCapacity * 2)
            let owner = dataOwner
            grown.moveInitialize(from: records, count: recordCount)
            records.deallocate()
            records = grown
            // `data` may point into the moved records (a fiber is creating fibers).
            if owner >= 0 { data = FiberRecord.data(records + Int(owner)) }
            recordCapacity *= 2
        }
        (records + recordCount).initialize(to: record)
        recordCount += 1
        return Int32(recordCount - 1)
    }

    /// Reserves a simulated C stack of `size` bytes and returns its low end.
    mutating func simulatedCStack(size: Int) -> UInt64 {
        let low = nextSimulatedStack
        nextSimulatedStack &+= (UInt64(max(size, 0)) &+ 15) & ~15
        return low
    }
}

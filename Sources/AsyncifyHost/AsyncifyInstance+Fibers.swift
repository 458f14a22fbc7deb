import WasmInterpreter

/// What the host knows about a fiber record, to refuse swaps Emscripten
/// leaves undefined.
enum FiberStatus: UInt8 {
    /// Initialised with an entry function that has not run yet.
    case fresh
    /// Made by `init_from_current_context`; no swap has completed it yet.
    case incomplete
    /// Unwound by a swap; can be resumed.
    case suspended
    /// Running now.
    case running
}

extension AsyncifyInstance {
    // Fiber record (emscripten_fiber_t): stack base, stack limit, stack
    // pointer, entry, user data, then asyncify_data_t. wasm32: offsets
    // 0, 4, 8, 12, 16, header at 20 (32 bytes); wasm64: 0, 8, 16, 24, 32,
    // header at 40 (64 bytes).
    func fiberField(_ fiber: UInt64, _ index: UInt64) -> UInt64 { fiber + index * pointerSize }
    func fiberData(_ fiber: UInt64) -> UInt64 { fiber + 5 * pointerSize }

    /// `emscripten_fiber_init(fiber, entry, arg, cStack, cSize, aStack, aSize)`.
    func fiberInit(
        _ fiber: UInt64, entry: UInt64, userData: UInt64, cStack: UInt64, cStackSize: UInt64,
        asyncStack: UInt64, asyncStackSize: UInt64
    ) throws {
        let base = cStack &+ cStackSize
        try storePointer(base, at: fiberField(fiber, 0))
        try storePointer(cStack, at: fiberField(fiber, 1))
        try storePointer(base, at: fiberField(fiber, 2))
        try storePointer(entry, at: fiberField(fiber, 3))
        try storePointer(userData, at: fiberField(fiber, 4))
        try setDataHeader(fiberData(fiber), stack: asyncStack, byteCount: asyncStackSize, fiber: fiber)
        hot.pointee.fibers[fiber] = .fresh
    }

    /// `emscripten_fiber_init_from_current_context(fiber, aStack, aSize)`.
    func fiberInitFromCurrentContext(_ fiber: UInt64, asyncStack: UInt64, asyncStackSize: UInt64) throws {
        let base = try pointerResult(
            try ExportsHelper.call(exports.stackGetBase, "emscripten_stack_get_base", []))
        let end = try pointerResult(
            try ExportsHelper.call(exports.stackGetEnd, "emscripten_stack_get_end", []))
        try storePointer(base, at: fiberField(fiber, 0))
        try storePointer(end, at: fiberField(fiber, 1))
        try storePointer(0, at: fiberField(fiber, 3))
        try setDataHeader(fiberData(fiber), stack: asyncStack, byteCount: asyncStackSize, fiber: fiber)
        hot.pointee.fibers[fiber] = .incomplete
    }

    /// `emscripten_fiber_swap(old, new)`.
    func fiberSwap(_ oldFiber: UInt64, _ newFiber: UInt64) throws {
        switch state {
        case .normal:
            guard let target = hot.pointee.fibers[newFiber] else {
                throw AsyncifyHostError(
                    .invalidState, "swap into \(hex(newFiber)), which is not an initialised fiber",
                    fiber: newFiber)
            }
            guard newFiber != oldFiber, target == .fresh || target == .suspended else {
                let why = target == .incomplete ? "whose context no swap has completed" : "which is running"
                throw AsyncifyHostError(
                    .invalidState, "swap into fiber \(hex(newFiber)), \(why)", fiber: newFiber)
            }
            guard hot.pointee.fibers[oldFiber] != nil else {
                throw AsyncifyHostError(
                    .invalidState, "swap from \(hex(oldFiber)), which is not an initialised fiber",
                    fiber: oldFiber)
            }
            state = .unwinding
            let data = fiberData(oldFiber)
            try setDataRewindFunc(data)
            currData = data
            try startUnwind(data)
            try storePointer(try stackSave(), at: fiberField(oldFiber, 2))
            hot.pointee.fibers[oldFiber] = .suspended
            nextFiber = newFiber
        case .rewinding:
            state = .normal
            try stopRewind()
            currData = 0
        case .unwinding:
            throw AsyncifyHostError(
                .invalidState, "emscripten_fiber_swap called while unwinding (invalid state: 1)")
        }
    }

    /// Emscripten's `Fibers.trampoline`: finishes context switches one after
    /// another, so the host stack stays flat however many swaps happen.
    func trampoline() throws {
        guard !trampolineRunning, nextFiber != 0 else { return }
        trampolineRunning = true
        defer { trampolineRunning = false }
        repeat {
            let fiber = nextFiber
            nextFiber = 0
            try finishContextSwitch(fiber)
        } while nextFiber != 0
    }

    /// Emscripten's `Fibers.finishContextSwitch`.
    func finishContextSwitch(_ fiber: UInt64) throws {
        let (base, limit) = try loadPointerPair(fiberField(fiber, 0))
        try stackSetLimits(base: base, end: limit)
        try stackRestore(try loadPointer(fiberField(fiber, 2)))
        let entry = try loadPointer(fiberField(fiber, 3))
        hot.pointee.fibers[fiber] = .running
        let unwound: Bool
        if entry != 0 {
            currData = 0
            try storePointer(0, at: fiberField(fiber, 3))
            let userData = try loadPointer(fiberField(fiber, 4))
            let id = try callableID(tableElement: entry)
            if callables[id].parameters == [is64 ? .i64 : .i32] {
                let slots = hot.pointee.slots
                unwound = try callWrapped(id) { function in
                    slots[0] = userData
                    try function.callRaw(slots)
                }.unwound
            } else {
                // A wrong type: the checked call reports it.
                let argument = pointerValue(userData)
                unwound = try callWrapped(id) { try $0.call([argument]) }.unwound
            }
        } else {
            let data = fiberData(fiber)
            currData = data
            state = .rewinding
            try startRewind(data)
            unwound = try rewindFiber(data)
        }
        // A fiber's entry function returned (it neither swapped away nor exited).
        if !unwound, try isEntryOfFiber(fiber, entry: entry) {
            hot.pointee.fibers[fiber] = nil
            throw AsyncifyHostError(
                .fiberEntryReturned, "the entry function of fiber \(hex(fiber)) returned", fiber: fiber)
        }
    }

    /// Whether the code that just returned in `fiber` was its entry function
    /// (fresh entry, or a rewound table element) rather than the main context's export.
    func isEntryOfFiber(_ fiber: UInt64, entry: UInt64) throws -> Bool {
        if entry != 0 { return true }
        let id = Int(try memoryView.load(UInt32.self, at: fiberData(fiber) + 2 * pointerSize))
        return id < callables.count && callables[id].isFiberEntry
    }

    /// A pointer from an export's first result.
    func pointerResult(_ results: [Value]) throws -> UInt64 {
        switch results.first {
        case .i32(let p)?: return UInt64(p)
        case .i64(let p)?: return p
        default: throw AsyncifyHostError(.missingExport, "a stack export returned no pointer")
        }
    }
}

/// Calls a fiber helper export, failing with a typed error when it is missing.
enum ExportsHelper {
    static func call(_ function: Function?, _ name: String, _ arguments: [Value]) throws -> [Value] {
        try RequiredExports.require(function, name).call(arguments)
    }
}

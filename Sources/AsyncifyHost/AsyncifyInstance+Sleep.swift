import WasmInterpreter

/// The handle an async import gets from ``AsyncifyInstance/handleSleep(_:)``:
/// calling it wakes the sleeping code up with a value (Emscripten's `wakeUp`).
///
/// Called synchronously, inside the starter, it makes the import return at
/// once without unwinding. Called later, with no Wasm on the stack, it starts
/// the rewind and returns the results of the rewound export.
public final class WakeUp {
    unowned let host: AsyncifyInstance
    var reachedCallback = false
    var reachedAfterCallback = false
    var isUsed = false

    init(host: AsyncifyInstance) { self.host = host }

    /// Wakes the sleeper: its import returns `value`, and the export it slept in
    /// is rewound and runs on.
    ///
    /// Call it from the host (no Wasm code running), once. Called inside the
    /// `startAsync` closure of ``AsyncifyInstance/handleSleep(_:)`` instead, it
    /// makes the import return `value` at once without unwinding.
    ///
    /// - Parameter value: What the sleeping import's `handleSleep` returns.
    /// - Returns: How the rewound export ended: ``AsyncifyCallResult/returned(_:)``
    ///   with its results, or ``AsyncifyCallResult/suspended`` if it slept again;
    ///   nil for a wake-up inside `startAsync` (no export ran).
    /// - Throws: ``AsyncifyHostError`` with `wakeUpReused` for a second call,
    ///   `rewindWithWasmOnStack` when called while Wasm code runs, and what the
    ///   rewound code throws.
    @discardableResult
    public func resume(with value: UInt64 = 0) throws -> AsyncifyCallResult? {
        guard let (results, unwound) = try wake(value) else { return nil }
        return unwound ? .suspended : .returned(results)
    }

    /// Wakes the sleeper, like ``resume(with:)``.
    ///
    /// - Returns: the results of the export that was rewound (zeros if it
    ///   suspended again: ``resume(with:)`` tells the two apart), or `[]` for a
    ///   synchronous wake-up.
    @discardableResult
    public func callAsFunction(_ value: UInt64 = 0) throws -> [Value] {
        try wake(value)?.results ?? []
    }

    /// Both wake-ups: nil when synchronous, else the rewound export's outcome.
    private func wake(_ value: UInt64) throws -> (results: [Value], unwound: Bool)? {
        guard !isUsed else {
            throw AsyncifyHostError(.wakeUpReused, "this sleep was already woken up")
        }
        isUsed = true
        host.handleSleepReturnValue = value
        reachedCallback = true
        if !reachedAfterCallback { return nil }
        return try host.startRewindAfterSleep()
    }
}

extension AsyncifyInstance {
    /// Emscripten's `handleSleep`: called by an async import.
    ///
    /// In state normal it runs `startAsync` with a ``WakeUp``; unless that
    /// wakes up at once, it starts unwinding the stack into a fresh data
    /// buffer. When the import is re-entered during the rewind, it stops the
    /// rewind. Either way it returns the wake-up value, which the import
    /// returns to Wasm.
    ///
    /// - Throws: ``AsyncifyHostError`` with `sleepInFlight` if a sleep is
    ///   already in flight.
    @discardableResult
    public func handleSleep(_ startAsync: (WakeUp) throws -> Void) throws -> UInt64 {
        switch state {
        case .normal:
            if pendingWakeUp != nil {
                throw AsyncifyHostError(
                    .sleepInFlight, "a sleep was started while another one is in flight")
            }
            let wakeUp = WakeUp(host: self)
            try startAsync(wakeUp)
            wakeUp.reachedAfterCallback = true
            if !wakeUp.reachedCallback {
                state = .unwinding
                currData = try allocateData()
                pendingWakeUp = wakeUp
                try callAsyncify(
                    exports.startUnwind, [pointerValue(currData)], during: "asyncify_start_unwind")
            }
        case .rewinding:
            state = .normal
            try callAsyncify(exports.stopRewind, [], during: "asyncify_stop_rewind")
            try freeData(currData)
            currData = 0
        case .unwinding:
            let previous = sleepingImport.map { "import \($0)" } ?? "the import that slept before"
            throw AsyncifyHostError(
                .sleepInFlight,
                "a sleep was started while the stack is unwinding (invalid state: 1); likely cause: "
                    + "\(previous) is missing from the list the module was instrumented with "
                    + "(`wasm-opt --asyncify --pass-arg=asyncify-imports@env.NAME`, Emscripten's "
                    + "ASYNCIFY_IMPORTS), so the code after its call kept running instead of unwinding")
        }
        return handleSleepReturnValue
    }

    /// Whether a sleep is waiting for its wake-up.
    public var isSleeping: Bool { pendingWakeUp != nil }

    /// The second half of a wake-up: start the rewind and call the export again.
    func startRewindAfterSleep() throws -> (results: [Value], unwound: Bool) {
        guard hot.pointee.exportCallStack.isEmpty else {
            throw AsyncifyHostError(
                .rewindWithWasmOnStack,
                "a wake-up started a rewind while Wasm code is on the stack (export "
                    + "\(callables[hot.pointee.exportCallStack.last ?? 0].name)); wake up from the host only"
            )
        }
        pendingWakeUp = nil
        state = .rewinding
        do {
            try callAsyncify(exports.startRewind, [pointerValue(currData)], during: "asyncify_start_rewind")
        } catch {
            abortReset()
            throw error
        }
        return try doRewind(currData)
    }

    /// Emscripten's `allocateData`: a header and `asyncifyStackSize` bytes,
    /// from the module's `malloc` (or ``sleepDataArea``).
    func allocateData() throws -> UInt64 {
        let size = UInt64(options.asyncifyStackSize)
        let header: UInt64
        let stackBytes: UInt64
        if let malloc = exports.malloc {
            guard let result = try malloc.call([pointerValue(dataHeaderSize + size)]).first else { return 0 }
            switch result {
            case .i32(let p): header = UInt64(p)
            case .i64(let p): header = p
            default: header = 0
            }
            guard header != 0 else {
                throw AsyncifyHostError(.badPointer, "malloc could not allocate the sleep's Asyncify data")
            }
            currDataIsMalloced = true
            stackBytes = size
        } else if let area = sleepDataArea, area.byteCount > dataHeaderSize {
            header = area.address
            stackBytes = area.byteCount - dataHeaderSize
            currDataIsMalloced = false
        } else {
            let area = try defaultSleepDataArea(byteCount: dataHeaderSize + size)
            sleepDataArea = area
            header = area.address
            stackBytes = area.byteCount - dataHeaderSize
            currDataIsMalloced = false
        }
        try setDataHeader(header, stack: header + dataHeaderSize, byteCount: stackBytes, fiber: nil)
        try setDataRewindFunc(header)
        return header
    }

    /// A sleep data area for a module with no `malloc` and no ``sleepDataArea``:
    /// new pages grown at the end of its memory, which its own code does not
    /// know about and so never touches.
    func defaultSleepDataArea(byteCount: UInt64) throws -> (address: UInt64, byteCount: UInt64) {
        let memory = try memory
        let pages = (byteCount + 65535) / 65536
        guard let oldPages = memory.grow(by: pages) else {
            throw AsyncifyHostError(
                .missingExport,
                "a sleep needs \(byteCount) bytes of Asyncify data, but the module exports no malloc, no "
                    + "sleepDataArea was set, and its memory cannot grow by \(pages) pages for one: set "
                    + "sleepDataArea to a free area of its memory")
        }
        return (oldPages * 65536, pages * 65536)
    }

    func freeData(_ header: UInt64) throws {
        dataAreas[header] = nil
        if currDataIsMalloced, let free = exports.free { _ = try free.call([pointerValue(header)]) }
        currDataIsMalloced = false
    }

    // MARK: Simulated time

    /// Runs `action` once the simulated clock reaches `delay` milliseconds from now.
    public func schedule(after delay: UInt64, _ action: @escaping () throws -> Void) {
        timers.append((currentTime &+ delay, timerSequence, action))
        timerSequence += 1
    }

    /// Runs timers in time order, advancing the simulated clock, until none is left.
    public func runPendingTimers() throws {
        while let next = timers.indices.min(by: {
            (timers[$0].time, timers[$0].sequence) < (timers[$1].time, timers[$1].sequence)
        }) {
            let timer = timers.remove(at: next)
            currentTime = max(currentTime, timer.time)
            try timer.action()
        }
    }

    /// Emscripten's `emscripten_sleep(ms)`: suspends for `ms` simulated milliseconds.
    func emscriptenSleep(_ milliseconds: UInt64) throws {
        try handleSleep { wakeUp in
            schedule(after: milliseconds) { try wakeUp(0) }
        }
    }
}

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

    /// Wakes the sleeper: its import returns `value`.
    ///
    /// - Returns: the results of the export that was rewound (zeros if it
    ///   suspended again), or `[]` for a synchronous wake-up.
    @discardableResult
    public func callAsFunction(_ value: UInt64 = 0) throws -> [Value] {
        guard !isUsed else {
            throw AsyncifyHostError(.wakeUpReused, "this sleep was already woken up")
        }
        isUsed = true
        host.handleSleepReturnValue = value
        reachedCallback = true
        if !reachedAfterCallback { return [] }
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
            throw AsyncifyHostError(
                .sleepInFlight, "a sleep was started while the stack is unwinding (invalid state: 1)")
        }
        return handleSleepReturnValue
    }

    /// Whether a sleep is waiting for its wake-up.
    public var isSleeping: Bool { pendingWakeUp != nil }

    /// The second half of a wake-up: start the rewind and call the export again.
    func startRewindAfterSleep() throws -> [Value] {
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
        return try doRewind(currData).results
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
            throw AsyncifyHostError(
                .missingExport, "the module exports no malloc and no sleepDataArea was set for a sleep's data"
            )
        }
        try setDataHeader(header, stack: header + dataHeaderSize, byteCount: stackBytes, fiber: nil)
        try setDataRewindFunc(header)
        return header
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

import WasmInterpreter

/// A function import written in Swift for a module run by ``AsyncifyInstance``.
///
/// Its type is the one the module declares for `module.name`. An import that
/// may suspend (call ``AsyncifyInstance/handleSleep(_:)``) must be declared
/// async, exactly as Emscripten needs it in `ASYNCIFY_IMPORTS` and Binaryen in
/// `asyncify-imports`; a synchronous import that changes the Asyncify state
/// fails with ``AsyncifyHostError/Reason-swift.enum/importChangedState``.
///
/// An async import's body runs **twice** for each sleep: once when the sleep
/// starts (``AsyncifyInstance/handleSleep(_:)`` starts the unwind and returns
/// 0, and the result written then is ignored), and once more when the
/// ``WakeUp`` rewinds the module, which calls the import again (then
/// `handleSleep` returns the wake-up value). So put side effects, such as
/// queueing the request or keeping the wake-up, inside the `startAsync`
/// closure, which runs once, and only read arguments and write results outside
/// it:
///
/// ```swift
/// HostImport(name: "next_value", isAsync: true) { host, slots in
///     let value = try host.handleSleep { wakeUp in
///         pending.append(wakeUp)  // runs once, when the sleep starts
///     }
///     slots.setI32(0, UInt32(truncatingIfNeeded: value))  // the result, on the rewind
/// }
/// ```
///
/// The body reads its arguments with ``HostSlots/i32(_:)``, ``HostSlots/i64(_:)``,
/// ``HostSlots/f32(_:)`` and ``HostSlots/f64(_:)`` (argument 0, 1, ...) and writes
/// its results with ``HostSlots/setI32(_:_:)`` ... (result 0, 1, ...) over them,
/// so read every argument before writing the first result.
public struct HostImport {
    /// The import's module name, e.g. `env`.
    public var module: String
    /// The import's field name, e.g. `yield_value`.
    public var name: String
    /// Whether the import may unwind the stack (suspend).
    public var isAsync: Bool
    /// The body: reads arguments from and writes results into `slots`. For an
    /// async import it runs again on the rewind (see above).
    public var body: (AsyncifyInstance, HostSlots) throws -> Void

    /// Creates an import.
    public init(
        module: String = "env", name: String, isAsync: Bool = false,
        body: @escaping (AsyncifyInstance, HostSlots) throws -> Void
    ) {
        self.module = module
        self.name = name
        self.isAsync = isAsync
        self.body = body
    }
}

import WasmInterpreter

/// What a call into an Asyncify-instrumented module ended in: the export
/// returned, or it unwound (slept or swapped away) and has no results yet.
///
/// Emscripten's wrapped exports return `undefined`-like zeros when they unwind,
/// which look like a result; this says which it was.
///
/// ```swift
/// var outcome = try host.invoke("sum", [.i32(3)])
/// while case .suspended = outcome, let wakeUp = pending.popLast() {
///     outcome = try wakeUp.resume(with: 10)
/// }
/// guard case .returned(let results) = outcome else { ... }
/// ```
public enum AsyncifyCallResult: Equatable, CustomStringConvertible {
    /// The export returned these results.
    case returned([Value])
    /// The export unwound: an import slept (``AsyncifyInstance/isSleeping`` is true
    /// and a ``WakeUp`` continues it) or the code swapped to another fiber. The
    /// results of the call, if it finishes later, come from the wake-up that
    /// rewinds it.
    case suspended

    /// The results, or nil when suspended.
    public var results: [Value]? {
        if case .returned(let values) = self { return values }
        return nil
    }

    /// Whether the call unwound instead of returning.
    public var isSuspended: Bool { self == .suspended }

    /// `returned [i32:6]` or `suspended`.
    public var description: String {
        switch self {
        case .returned(let values): "returned [\(values.map(\.description).joined(separator: ", "))]"
        case .suspended: "suspended"
        }
    }
}

extension AsyncifyInstance {
    /// Calls the export `name` like ``call(_:_:)`` and says whether it returned
    /// or suspended.
    ///
    /// - Parameters:
    ///   - name: The export.
    ///   - arguments: Its arguments.
    /// - Returns: ``AsyncifyCallResult/returned(_:)`` with the results, or
    ///   ``AsyncifyCallResult/suspended`` if the call unwound (an import slept, or
    ///   the code swapped fibers).
    /// - Throws: ``AsyncifyHostError`` for misuse or an Asyncify stack overflow,
    ///   `Trap` if the code trapped, `InvocationError` for an unknown export or
    ///   arguments that do not fit it.
    public func invoke(_ name: String, _ arguments: [Value] = []) throws -> AsyncifyCallResult {
        let id = try callableID(export: name)
        let (results, unwound) = try callWrapped(id) { try $0.call(arguments) }
        return unwound ? .suspended : .returned(results)
    }
}

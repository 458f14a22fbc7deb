/// The state of the Asyncify machine, as the small integer Binaryen's
/// instrumentation stores (`asyncify_get_state`).
@frozen
public enum AsyncifyState: Int32, Sendable, CustomStringConvertible {
    /// Code runs as usual (0).
    case normal = 0
    /// Frames are saving their live values and returning (1).
    case unwinding = 1
    /// Frames are restoring their live values and jumping to the interrupted call (2).
    case rewinding = 2

    /// The state's name, as Emscripten's JS glue prints it.
    public var description: String {
        switch self {
        case .normal: "normal"
        case .unwinding: "unwinding"
        case .rewinding: "rewinding"
        }
    }
}

/// The four legal transitions of the Asyncify state machine.
///
/// Each one mirrors a Binaryen export: `asyncify_start_unwind`,
/// `asyncify_stop_unwind`, `asyncify_start_rewind` and `asyncify_stop_rewind`.
@frozen
public enum AsyncifyTransition: Sendable, CustomStringConvertible {
    /// normal -> unwinding. Mirrors `asyncify_start_unwind`.
    case startUnwind
    /// unwinding -> normal. Mirrors `asyncify_stop_unwind`.
    case stopUnwind
    /// normal -> rewinding. Mirrors `asyncify_start_rewind`.
    case startRewind
    /// rewinding -> normal. Mirrors `asyncify_stop_rewind`.
    case stopRewind

    /// The state the transition starts from.
    @inlinable
    public var from: AsyncifyState {
        switch self {
        case .startUnwind, .startRewind: .normal
        case .stopUnwind: .unwinding
        case .stopRewind: .rewinding
        }
    }

    /// The state the transition leads to.
    @inlinable
    public var to: AsyncifyState {
        switch self {
        case .startUnwind: .unwinding
        case .startRewind: .rewinding
        case .stopUnwind, .stopRewind: .normal
        }
    }

    /// The Binaryen export the transition mirrors.
    public var description: String {
        switch self {
        case .startUnwind: "asyncify_start_unwind"
        case .stopUnwind: "asyncify_stop_unwind"
        case .startRewind: "asyncify_start_rewind"
        case .stopRewind: "asyncify_stop_rewind"
        }
    }
}

/// The Asyncify state machine on its own: a state and its legal transitions.
///
/// The fiber core checks the same rules inline on its hot paths (and throws the
/// same ``FiberError/Reason/invalidStateTransition``); this type states them in
/// one place so the tests can check every legal and illegal transition. Every
/// illegal transition throws and leaves the state unchanged.
@frozen @usableFromInline
package struct AsyncifyStateMachine: Sendable {
    /// The current state.
    @usableFromInline package var state: AsyncifyState

    /// A machine in state ``AsyncifyState/normal``.
    @inlinable
    package init() { state = .normal }

    /// Performs `transition`, or throws if the machine is not in its `from` state.
    ///
    /// - Parameter transition: The transition to perform.
    /// - Throws: ``FiberError/Reason/invalidStateTransition`` naming the current state
    ///   and the transition's source and target states.
    @inlinable
    package mutating func perform(_ transition: AsyncifyTransition) throws(FiberError) {
        guard state == transition.from else {
            throw FiberError.invalidTransition(transition, in: state)
        }
        state = transition.to
    }
}

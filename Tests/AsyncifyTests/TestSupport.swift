import Asyncify

/// Text the fibers print, captured for comparison.
final class Output {
    var text = ""
}

/// A mutable box the fibers of a test share.
final class Box<Value> {
    var value: Value
    init(_ value: Value) { self.value = value }
}

/// What a ping-pong between a fresh main context and one peer fiber saw.
struct PingPong {
    /// Rounds the peer counted, in a counter kept in its own frame.
    var peerRounds: Int
    /// Rounds main counted, in a counter kept in its own frame.
    var mainRounds: Int
    /// The peer fiber, left suspended after its last swap back to main.
    var peer: Fiber
}

/// Runs a fiber that ping-pongs with a fresh main context `rounds` times
/// (two swaps per round); each side counts rounds in a local that lives across
/// its swaps only through its Asyncify frame.
func pingPong(on runtime: FiberRuntime, rounds: Int) throws -> PingPong {
    let seen = Box(0)
    let mainSeen = Box(0)
    let main = runtime.makeFiberFromCurrentContext(name: "check main")
    let peer = runtime.allocateFiber(name: "check peer")
    try runtime.initialize(peer) { cx, _ in
        var count = 0
        var frame = cx.enter()
        if frame.isRewinding { count = try frame.restore() }
        while true {
            if frame.isNormal {
                count += 1
                seen.value = count
            }
            try cx.swap(from: peer, to: main)
            if try frame.unwinding(at: 1, saving: count) { return }
        }
    }
    try runtime.run { cx, _ in
        var i = 0
        var frame = cx.enter()
        if frame.isRewinding { i = try frame.restore() }
        while i < rounds {
            try cx.swap(from: main, to: peer)
            if try frame.unwinding(at: 1, saving: i) { return }
            i += 1
            mainSeen.value = i
        }
    }
    return PingPong(peerRounds: seen.value, mainRounds: mainSeen.value, peer: peer)
}

/// Runs a main export that swaps from `main` into `target` `times` times (so
/// `target` is rewound `times - 1` times), counting in a local that lives
/// across the swaps only through main's frame.
func swapRepeatedly(on runtime: FiberRuntime, from main: Fiber, into target: Fiber, times: Int) throws {
    try runtime.run { cx, _ in
        var i = 0
        var frame = cx.enter()
        if frame.isRewinding { i = try frame.restore() }
        while i < times {
            try cx.swap(from: main, to: target)
            if try frame.unwinding(at: 1, saving: i) { return }
            i += 1
        }
    }
}

/// How many rounds the peer saw in ``pingPong(on:rounds:)``: used after an
/// error to show that the runtime still switches fibers correctly.
func pingPongRounds(on runtime: FiberRuntime, rounds: Int) throws -> Int {
    try pingPong(on: runtime, rounds: rounds).peerRounds
}

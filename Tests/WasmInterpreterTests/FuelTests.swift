import TestSupport
import Testing
import WasmBinary

@testable import WasmInterpreter

// Fuel metering: an embedder bounds a runaway Wasm loop with Store.fuel.
// By the documented rule, entering a function body and starting each loop
// iteration use one unit each.

/// `loop br 0 end`: never returns on its own.
let spinForever: [Instruction] = [.loop(.empty), .br(depth: 0), .end]

/// `i = n; loop { i -= 1; br_if loop (i != 0) }`: n iterations for n >= 1.
let countDown: [Instruction] = [
    .loop(.empty),
    .localGet(0), .i32Const(1), .numeric(.i32Sub), .localTee(0), .brIf(depth: 0),
    .end,
]

func meteredStore(fuel: UInt64?) -> Store {
    let store = Store(configuration: .init(fuelMetering: true))
    store.fuel = fuel
    return store
}

@Test func infiniteLoopStopsWithFuelExhaustedAndTheStoreStaysUsable() throws {
    let module = makeModule([
        ("spin", FunctionType(parameters: [], results: []), [], spinForever),
        ("count", FunctionType(parameters: [.i32], results: []), [], countDown),
    ])
    let store = meteredStore(fuel: 10_000)
    let instance = try Instance(module: module, store: store)
    let spin = try instance.exportedFunction("spin")
    #expect(throws: Trap(.fuelExhausted)) { try spin() }
    #expect(try #require(store.fuel) == 0)
    #expect(Trap(.fuelExhausted).description.hasPrefix("fuel exhausted"))

    // More fuel: other code runs again, and the runaway loop stops again.
    store.fuel = 1000
    _ = try instance.exportedFunction("count")(.i32(10))
    #expect(try #require(store.fuel) == 1000 - 11)
    #expect(throws: Trap(.fuelExhausted)) { try spin() }
}

@Test func fuelCountsFunctionEntriesAndLoopIterations() throws {
    let module = makeModule([("count", FunctionType(parameters: [.i32], results: []), [], countDown)])
    let store = meteredStore(fuel: 101)
    let count = try Instance(module: module, store: store).exportedFunction("count")
    // One entry and 100 iterations use exactly the 101 units.
    _ = try count(.i32(100))
    #expect(try #require(store.fuel) == 0)
    store.fuel = 100
    #expect(throws: Trap(.fuelExhausted)) { try count(.i32(100)) }
}

@Test func fuelCountsRecursiveCalls() throws {
    // fib(n) makes fib(n+1)*2-1 calls in all: fib(10) = 55 makes 177.
    let module = makeModule([("fib", FunctionType(parameters: [.i64], results: [.i64]), [], fibBody)])
    let store = meteredStore(fuel: 177)
    let fib = try Instance(module: module, store: store).exportedFunction("fib")
    #expect(try fib(.i64(10)) == [.i64(55)])
    #expect(try #require(store.fuel) == 0)
    store.fuel = 176
    #expect(throws: Trap(.fuelExhausted)) { try fib(.i64(10)) }
}

@Test func unlimitedFuelIsTheDefaultAndRunsUnbounded() throws {
    let module = makeModule([("count", FunctionType(parameters: [.i32], results: []), [], countDown)])
    let store = meteredStore(fuel: nil)
    #expect(store.fuel == nil)
    _ = try Instance(module: module, store: store).exportedFunction("count")(.i32(100_000))
    #expect(store.fuel == nil)
}

@Test func unmeteredStoreEmitsNoFuelChecks() throws {
    let module = makeModule([("count", FunctionType(parameters: [.i32], results: []), [], countDown)])
    #expect(!(try translatedCode(module).contains { $0.op == .fuel }))
    // Fuel set on an unmetered store has no effect.
    let store = Store()
    store.fuel = 1
    _ = try Instance(module: module, store: store).exportedFunction("count")(.i32(1000))
    #expect(try #require(store.fuel) == 1)
}

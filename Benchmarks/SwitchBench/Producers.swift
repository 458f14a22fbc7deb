/// Every measurement switch-bench makes, in report order. Rows for new
/// implementations (our fibers, TB Wasm frames, instrumented modules) join by
/// adding a producer here.
enum Producers {
    static let all: [MeasurementProducer] = [
        FiberSwitch.producer,
        NativeBaselines.assembly,
        NativeBaselines.ucontext,
        AsyncHandoff.producer,
        PlainCall.producer,
        EmscriptenFibers.producer,
        InstrumentedModule.producer,
        InstrumentedModule.interpreterProducer,
        HostRows.producer,
        HostRows.interpreterProducer,
        TBRows.producer,
        TBRows.instanceGlobalsProducer,
        TBRows.interpreterProducer,
    ]
}

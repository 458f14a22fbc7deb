import NativeSwitch

/// Native baselines from the `NativeSwitch` C target (never used by the product).
enum NativeBaselines {
    /// The hand-written assembly switch (callee-saved registers + stack pointer).
    static let assembly = MeasurementProducer(
        name: "native-asm",
        kind: .probes { config in
            guard native_asm_switch_available() != 0 else {
                printProgress("native-asm: no assembly switch for this architecture; skipped")
                return []
            }
            return config.depths.map { depth in
                Probe(implementation: "native-asm", depth: depth, swapsPerIteration: 2) { iterations in
                    let ns = native_asm_switch_ns(Int32(depth), iterations)
                    // Warm-up plus one per round trip, or the switch did not happen.
                    return ns < 0 || native_last_worker_switches() != iterations + 1 ? nil : ns
                }
            }
        })

    /// ucontext `swapcontext` (saves the signal mask with a system call).
    static let ucontext = MeasurementProducer(
        name: "ucontext",
        kind: .probes { config in
            config.depths.map { depth in
                Probe(implementation: "ucontext", depth: depth, swapsPerIteration: 2) { iterations in
                    let ns = native_ucontext_switch_ns(Int32(depth), iterations)
                    return ns < 0 || native_last_worker_switches() != iterations + 1 ? nil : ns
                }
            }
        })
}

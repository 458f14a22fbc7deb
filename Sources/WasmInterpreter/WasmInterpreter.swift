import WasmBinary

// `asyncify validate <file.wasm>`: decodes and validates one module.

import Foundation
import WasmBinary

enum ValidateCommand {
    static func main(_ arguments: [String]) -> Int32 {
        guard arguments.count == 1, let path = arguments.first, !path.hasPrefix("-") else {
            return Usage.fail("usage: asyncify validate <file.wasm>")
        }
        let bytes: [UInt8]
        do {
            bytes = try CommandLineSupport.readModule(path)
        } catch {
            return Usage.error("validate: \(error)")
        }
        do {
            let module = try Module(decoding: bytes)
            try module.validate()
        } catch {
            return Usage.error("\(path): \(error)")
        }
        print("valid")
        return 0
    }
}

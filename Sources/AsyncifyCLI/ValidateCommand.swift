// `asyncify validate <file.wasm>`: decodes and validates one module.

import Foundation
import WasmBinary

enum ValidateCommand {
    static func main(_ arguments: [String]) -> Int32 {
        guard arguments.count == 1, let path = arguments.first else {
            return Usage.fail("usage: asyncify validate <file.wasm>")
        }
        guard let data = FileManager.default.contents(atPath: path) else {
            return Usage.error("cannot read \(path)")
        }
        do {
            let module = try Module(decoding: [UInt8](data))
            try module.validate()
        } catch {
            return Usage.error("\(path): \(error)")
        }
        print("valid")
        return 0
    }
}

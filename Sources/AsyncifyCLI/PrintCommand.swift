// `asyncify print <file.wasm>`: prints a module in the text format.

import Foundation
import WasmBinary

enum PrintCommand {
    static func main(_ arguments: [String]) -> Int32 {
        guard arguments.count == 1, let path = arguments.first else {
            return Usage.fail("usage: asyncify print <file.wasm>")
        }
        guard let data = FileManager.default.contents(atPath: path) else {
            return Usage.error("cannot read \(path)")
        }
        let module: Module
        do {
            module = try Module(decoding: [UInt8](data))
        } catch {
            return Usage.error("\(path): \(error)")
        }
        print(WatPrinter.print(module), terminator: "")
        return 0
    }
}

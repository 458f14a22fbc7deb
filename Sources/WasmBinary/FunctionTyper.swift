// Operand-stack types inside a function body, for code transformations in
// this package (the Asyncify pass spills the operand stack around calls and
// needs to know what is on it). It runs the validator's typing algorithm
// with recording switched on, so a transformation sees exactly the types
// validation assigns.

/// Types the bodies of a module's defined functions and reports operand
/// stack contents and heights.
package struct FunctionTyper {
    /// What typing one function body recorded.
    package struct Typing {
        /// The operand stack height before each instruction (all control frames together).
        package var heights: [Int32]
        /// The lowest operand stack height reached while each instruction executes.
        package var lowWater: [Int32]
        /// The whole operand stack before each probed position, bottom first;
        /// `nil` entries are unknown (only in unreachable code).
        package var stacks: [[ValueType?]]
    }

    private let module: Module
    private var validator: FunctionValidator
    private let importedFunctionCount: Int

    /// Prepares to type `module`'s functions.
    ///
    /// - Throws: ``ValidationError`` if the module's definitions are malformed.
    package init(_ module: Module) throws(ValidationError) {
        self.module = module
        let context = try ValidationContext(module)
        validator = FunctionValidator(context: context)
        validator.recording = true
        importedFunctionCount = context.functionTypeIndices.count - module.functions.count
    }

    /// Types defined function `index` (0 = the first body in the code section).
    ///
    /// - Parameter probes: Instruction positions (ascending) whose operand stack to report.
    /// - Throws: ``ValidationError`` if the body does not validate.
    package mutating func type(definedFunction index: Int, probes: [Int]) throws(ValidationError) -> Typing {
        validator.probePositions = probes
        let type = module.types[Int(module.functions[index])]
        try validator.validate(
            module.codes[index], type: type, functionIndex: UInt32(importedFunctionCount + index))
        let stacks = validator.probedStacks.map { stack in stack.map { ValueType(rawValue: $0) } }
        return Typing(
            heights: validator.recordedHeights, lowWater: validator.recordedLowWater, stacks: stacks)
    }
}

import Foundation

// `--flag=value` is `--flag value` for every command.
let arguments = CommandLineSupport.splittingEqualsOptions(Array(CommandLine.arguments.dropFirst()))
let rest = Array(arguments.dropFirst())
if let command = arguments.first, CommandLineSupport.asksForHelp(rest),
    let usage = CommandLineSupport.usage(of: command)
{
    print(usage)
    exit(0)
}
switch arguments.first {
case "spec": exit(SpecSuiteCommand.main(rest))
case "validate": exit(ValidateCommand.main(rest))
case "instrument": exit(InstrumentCommand.main(rest))
case "print": exit(PrintCommand.main(rest))
case "tb": exit(TBCommand.main(rest))
case "run": exit(RunCommand.main(rest))
case "bench-interp": exit(BenchInterpCommand.main(rest))
default: exit(Usage.main(arguments))
}

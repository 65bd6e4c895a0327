import BerthCLI

BerthCommand.run(arguments: Array(CommandLine.arguments.dropFirst()))

import BerthCLI

BerthCommand.main()

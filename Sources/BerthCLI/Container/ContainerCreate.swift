import ArgumentParser
import BerthAPI

/// `berth create`: a container from an image, not started; prints its id.
struct ContainerCreate: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "create", abstract: "Create a new container")

    @OptionGroup var global: GlobalOptions
    @OptionGroup var options: ContainerCreateOptions
    @Argument(help: "Image.")
    var image: String
    @Argument(parsing: .captureForPassthrough, help: "Command and arguments.")
    var command: [String] = []

    func run() throws {
        do {
            Console.out(try options.create(client: try global.client(), image: image, command: command, attached: false, code: 1))
        } catch let e as CLIError {
            throw Console.fail(e)
        }
    }
}

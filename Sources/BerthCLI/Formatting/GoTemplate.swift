/// A parsed Go `text/template`, the language of the docker CLI's `--format` flag.
///
/// Supported: text and `{{ }}` actions with `{{-`/`-}}` trimming and comments; fields and
/// chains (`.A.B`, `$x.A`, `(pipeline).A`); variables (`$x :=`, `$x =`, `range $k, $v :=`);
/// `if`/`else if`/`else`/`with`/`else with`/`range`/`break`/`continue`/`end`; pipelines;
/// string, raw string, number, char, bool and `nil` literals; Go's builtins (`and`, `or`, `not`,
/// `len`, `index`, `slice`, `eq`, `ne`, `lt`, `le`, `gt`, `ge`, `print`, `printf`, `println`,
/// `html`, `js`, `urlquery`) and docker's (`json`, `split`, `join`, `title`, `lower`, `upper`,
/// `pad`, `truncate`). `define`, `template`, `block` and `call` are rejected at parse time.
///
/// ```swift
/// let template = try GoTemplate("{{.Name}}: {{index .Options \"com.docker.network.driver.mtu\"}}")
/// let line = try template.execute(network)
/// ```
public struct GoTemplate: Sendable {
    /// A parse or execution error, worded exactly as Go's (`template: :1: unclosed action`,
    /// `template: :1:2: executing "" at <.Foo>: can't evaluate field Foo in type …`).
    public struct Error: Swift.Error, CustomStringConvertible, Equatable, Sendable {
        /// Go's message.
        public var message: String
        public var description: String { message }

        public init(message: String) {
            self.message = message
        }
    }

    /// The template text as given.
    public let source: String
    let root: [TemplateNode]

    /// Parses `source`. Functions are checked against ``TemplateFunctions/docker``.
    public init(_ source: String) throws(Error) {
        self.source = source
        self.root = try TemplateParser.parse(source, functions: TemplateFunctions.docker.names)
    }

    /// Runs the template over `data` and returns what it printed.
    public func execute(_ data: TemplateValue, functions: TemplateFunctions = .docker) throws(Error) -> String {
        var output = ""
        try execute(data, into: &output, functions: functions)
        return output
    }

    /// Runs the template, appending to `output`. On error, what was printed before the failing
    /// action stays in `output`, as with Go's `Execute` into a writer.
    public func execute(
        _ data: TemplateValue, into output: inout String, functions: TemplateFunctions = .docker
    ) throws(Error) {
        var executor = TemplateExecutor(source: source, functions: functions, data: data)
        defer { output += executor.output }
        try executor.run(root)
    }
}

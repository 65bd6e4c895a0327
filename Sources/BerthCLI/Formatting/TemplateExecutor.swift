/// Walks a parsed template over a value, mirroring Go's `text/template` `exec.go`: the same
/// field, method and function resolution, the same truthiness, variable scoping, and errors.
///
/// Values are `TemplateValue?`: `nil` is Go's invalid `reflect.Value` (a missing map key,
/// printed `<no value>`), while `.null` is a nil interface (a JSON `null` inside data).
struct TemplateExecutor {
    private enum Flow {
        case normal, breakLoop, continueLoop
    }

    /// The value piped in from the previous command, if any (Go's `final` / `missingVal`).
    private enum Final {
        case missing
        case value(TemplateValue?)
    }

    private typealias Callable = (parameters: [TemplateMethod.Parameter], variadic: TemplateMethod.Parameter?)

    private let source: String
    private let functions: TemplateFunctions
    private var vars: [(name: String, value: TemplateValue?)]
    /// The node being evaluated, for error locations: byte offset and Go's `Node.String()`.
    private var at: (pos: Int, text: String)?
    private(set) var output = ""

    init(source: String, functions: TemplateFunctions, data: TemplateValue) {
        self.source = source
        self.functions = functions
        self.vars = [(name: "$", value: data)]
    }

    mutating func run(_ root: [TemplateNode]) throws(GoTemplate.Error) {
        _ = try walk(vars[0].value, root)
    }

    // MARK: Errors

    private func error(_ message: String) -> GoTemplate.Error {
        guard let at else { return GoTemplate.Error(message: "template: : \(message)") }
        let prefix = source.utf8.prefix(at.pos)
        let line = 1 + prefix.filter { $0 == UInt8(ascii: "\n") }.count
        let column = prefix.lastIndex(of: UInt8(ascii: "\n")).map { prefix.distance(from: $0, to: prefix.endIndex) - 1 } ?? at.pos
        return GoTemplate.Error(message: "template: :\(line):\(column): executing \"\" at <\(at.text)>: \(message)")
    }

    private mutating func setAt(_ operand: TemplateOperand) {
        at = (operand.pos, operand.description)
    }

    // MARK: Walking

    private mutating func walk(_ dot: TemplateValue?, _ nodes: [TemplateNode]) throws(GoTemplate.Error) -> Flow {
        for node in nodes {
            let flow = try walk(dot, node)
            if case .normal = flow { continue }
            return flow
        }
        return .normal
    }

    private mutating func walk(_ dot: TemplateValue?, _ node: TemplateNode) throws(GoTemplate.Error) -> Flow {
        switch node {
        case .text(let text):
            output += text
        case .action(let pipe):
            at = (pipe.pos, node.description)
            let value = try evalPipeline(dot, pipe)
            if pipe.declarations.isEmpty { output += value.map(GoFormat.print) ?? "<no value>" }
        case .ifNode(let branch), .with(let branch):
            let mark = vars.count
            defer { vars.removeSubrange(mark...) }
            let value = try evalPipeline(dot, branch.pipeline)
            if value?.isTruthy ?? false {
                if case .with = node { return try walk(value, branch.list) }
                return try walk(dot, branch.list)
            } else if let elseList = branch.elseList {
                return try walk(dot, elseList)
            }
        case .range(let branch):
            return try walkRange(dot, branch, description: node.description)
        case .breakNode:
            return .breakLoop
        case .continueNode:
            return .continueLoop
        }
        return .normal
    }

    private mutating func walkRange(_ dot: TemplateValue?, _ branch: TemplateBranch, description: String) throws(GoTemplate.Error) -> Flow {
        at = (branch.pipeline.pos, description)
        let outer = vars.count
        defer { vars.removeSubrange(outer...) }
        let value = try evalPipeline(dot, branch.pipeline)
        let mark = vars.count
        let declared = branch.pipeline.declarations.count
        var iterations: [(key: TemplateValue, element: TemplateValue)] = []
        switch value {
        case .array(let items)?:
            iterations = items.enumerated().map { (key: .int($0.offset), element: $0.element) }
        case .object(let pairs)?:
            iterations = pairs.sorted { $0.key.utf8.lexicographicallyPrecedes($1.key.utf8) }
                .map { (key: .string($0.key), element: $0.value) }
        case .int(let n)?:
            if declared > 1 { throw error("can't use \(n) to iterate over more than one variable") }
            iterations = (0..<max(n, 0)).map { (key: .int($0), element: .int($0)) }
        case nil:
            break
        case let other?:
            throw error("range can't iterate over \(GoFormat.print(other))")
        }
        for (key, element) in iterations {
            if declared > 0 { vars[vars.count - 1].value = element }
            if declared > 1 { vars[vars.count - 2].value = key }
            let flow = try walk(element, branch.list)
            vars.removeSubrange(mark...)
            if case .breakLoop = flow { break }
        }
        if iterations.isEmpty, let elseList = branch.elseList {
            return try walk(dot, elseList)
        }
        return .normal
    }

    // MARK: Pipelines and commands

    private mutating func evalPipeline(_ dot: TemplateValue?, _ pipe: TemplatePipeline) throws(GoTemplate.Error) -> TemplateValue? {
        at = (pipe.pos, pipe.description)
        var final = Final.missing
        var value: TemplateValue?
        for command in pipe.commands {
            value = try evalCommand(dot, command, final: final)
            // Go digs a value of type interface{} out of its box: a nil interface becomes invalid.
            if case .null? = value { value = nil }
            final = .value(value)
        }
        for name in pipe.declarations {
            if pipe.isAssign {
                guard let i = vars.lastIndex(where: { $0.name == name }) else { throw error("undefined variable: \(name)") }
                vars[i].value = value
            } else {
                vars.append((name: name, value: value))
            }
        }
        return value
    }

    private mutating func notAFunction(_ args: [TemplateOperand], _ final: Final) throws(GoTemplate.Error) {
        if args.count > 1 || { if case .value = final { true } else { false } }() {
            throw error("can't give argument to non-function \(args[0].description)")
        }
    }

    private mutating func evalCommand(_ dot: TemplateValue?, _ cmd: TemplateCommand, final: Final) throws(GoTemplate.Error) -> TemplateValue? {
        let first = cmd.args[0]
        switch first.kind {
        case .field(let idents):
            setAt(first)
            return try evalFieldChain(dot, receiver: dot, node: first, idents, args: cmd.args, final: final)
        case .chain(let head, let idents):
            setAt(first)
            let receiver = try evalArg(dot, .any, head)
            return try evalFieldChain(dot, receiver: receiver, node: first, idents, args: cmd.args, final: final)
        case .function(let name):
            return try evalFunction(dot, name, node: first, command: cmd, args: cmd.args, final: final)
        case .pipeline(let pipe):
            try notAFunction(cmd.args, final)
            return try evalPipeline(dot, pipe)
        case .variable(let name, let idents):
            return try evalVariable(dot, first, name, idents, args: cmd.args, final: final)
        default:
            break
        }
        setAt(first)
        try notAFunction(cmd.args, final)
        switch first.kind {
        case .bool(let b): return .bool(b)
        case .dot: return dot
        case .nilLiteral: throw error("nil is not a command")
        case .number(let n): return try idealConstant(n)
        case .string(let s, _): return .string(s)
        default: throw error("can't evaluate command \(GoFormat.quote(first.description))")
        }
    }

    private mutating func idealConstant(_ n: TemplateNumber) throws(GoTemplate.Error) -> TemplateValue {
        if n.isFloatSyntax, let d = n.double { return .double(d) }
        if let i = n.int { return .int(i) }
        throw error("\(n.text) overflows int")
    }

    private mutating func evalVariable(
        _ dot: TemplateValue?, _ node: TemplateOperand, _ name: String, _ idents: [String],
        args: [TemplateOperand], final: Final
    ) throws(GoTemplate.Error) -> TemplateValue? {
        setAt(node)
        guard let variable = vars.last(where: { $0.name == name }) else { throw error("undefined variable: \(name)") }
        if idents.isEmpty {
            try notAFunction(args, final)
            return variable.value
        }
        return try evalFieldChain(dot, receiver: variable.value, node: node, idents, args: args, final: final)
    }

    private mutating func evalFieldChain(
        _ dot: TemplateValue?, receiver: TemplateValue?, node: TemplateOperand, _ idents: [String],
        args: [TemplateOperand], final: Final
    ) throws(GoTemplate.Error) -> TemplateValue? {
        var receiver = receiver
        // Values read out of JSON objects are `interface {}` to Go, which its errors name.
        var boxed = false
        for ident in idents.dropLast() {
            let next = try evalField(dot, ident, node: node, args: [], final: .missing, receiver: receiver, boxed: boxed)
            boxed = if case .object = receiver { true } else { false }
            receiver = next
        }
        return try evalField(
            dot, idents[idents.count - 1], node: node, args: args, final: final, receiver: receiver, boxed: boxed)
    }

    private mutating func evalField(
        _ dot: TemplateValue?, _ name: String, node: TemplateOperand, args: [TemplateOperand],
        final: Final, receiver: TemplateValue?, boxed: Bool
    ) throws(GoTemplate.Error) -> TemplateValue? {
        guard let receiver else { return nil }
        let hasArgs = args.count > 1 || { if case .value = final { true } else { false } }()
        switch receiver {
        case .null:
            throw error("nil pointer evaluating interface {}.\(name)")
        case .context(let context):
            switch context.member(named: name) {
            case nil:
                throw error("can't evaluate field \(name) in type \(context.typeName)")
            case .value(let value)?:
                if hasArgs { throw error("\(name) is not a method but has arguments") }
                return value
            case .method(let method)?:
                let result = try evalCall(
                    dot, (method.parameters, nil), node: (node.pos, node.description), name: name,
                    args: args, final: final
                ) { argv throws(TemplateFunctions.Failure) in
                    do {
                        return try method.body(argv.map { $0 ?? .null })
                    } catch {
                        throw TemplateFunctions.Failure(message: "\(error)")
                    }
                }
                return result
            }
        case .object:
            if hasArgs { throw error("\(name) is not a method but has arguments") }
            return receiver[name]
        default:
            throw error("can't evaluate field \(name) in type \(boxed ? "interface {}" : receiver.goTypeName)")
        }
    }

    private mutating func evalFunction(
        _ dot: TemplateValue?, _ name: String, node: TemplateOperand, command: TemplateCommand?,
        args: [TemplateOperand], final: Final
    ) throws(GoTemplate.Error) -> TemplateValue? {
        setAt(node)
        guard let function = functions.table[name] else { throw error("\(GoFormat.quote(name)) is not a defined function") }
        let callNode = command.map { ($0.pos, $0.description) } ?? (node.pos, node.description)
        if name == "and" || name == "or" {
            return try evalLogic(dot, isOr: name == "or", args: args, final: final)
        }
        return try evalCall(dot, (function.parameters, function.variadic), node: callNode, name: name, args: args, final: final) {
            argv throws(TemplateFunctions.Failure) in try function.body(argv)
        }
    }

    /// `and`/`or` evaluate their arguments lazily and return the deciding one.
    private mutating func evalLogic(_ dot: TemplateValue?, isOr: Bool, args: [TemplateOperand], final: Final) throws(GoTemplate.Error) -> TemplateValue? {
        let operands = args.dropFirst()
        let hasFinal = if case .value = final { true } else { false }
        if operands.isEmpty && !hasFinal {
            throw error("wrong number of args for \(isOr ? "or" : "and"): want at least 1 got 0")
        }
        var value: TemplateValue?
        for operand in operands {
            value = try evalArg(dot, .any, operand)
            if (value?.isTruthy ?? false) == isOr { return value }
        }
        if case .value(let v) = final { value = v }
        return value
    }

    private mutating func evalCall(
        _ dot: TemplateValue?, _ signature: Callable, node: (pos: Int, text: String), name: String,
        args: [TemplateOperand], final: Final,
        body: ([TemplateValue?]) throws(TemplateFunctions.Failure) -> TemplateValue?
    ) throws(GoTemplate.Error) -> TemplateValue? {
        let operands = Array(args.dropFirst())
        var finalValue: TemplateValue??
        if case .value(let v) = final { finalValue = .some(v) }
        let count = operands.count + (finalValue == nil ? 0 : 1)
        let fixed = signature.parameters.count
        if signature.variadic != nil {
            if count < fixed { throw error("wrong number of args for \(name): want at least \(fixed) got \(operands.count)") }
        } else if count != fixed {
            throw error("wrong number of args for \(name): want \(fixed) got \(count)")
        }
        var argv: [TemplateValue?] = []
        for (i, operand) in operands.enumerated() {
            let type = i < fixed ? signature.parameters[i] : signature.variadic ?? .any
            argv.append(try evalArg(dot, type, operand))
        }
        if let finalValue {
            let type = count - 1 < fixed ? signature.parameters[count - 1] : signature.variadic ?? .any
            argv.append(try validate(finalValue, type))
        }
        do {
            return try body(argv)
        } catch {
            at = node
            throw self.error("error calling \(name): \(error.message)")
        }
    }

    // MARK: Arguments

    private mutating func evalArg(_ dot: TemplateValue?, _ type: TemplateMethod.Parameter, _ operand: TemplateOperand) throws(GoTemplate.Error) -> TemplateValue? {
        setAt(operand)
        switch operand.kind {
        case .dot:
            return try validate(dot, type)
        case .nilLiteral:
            guard type == .any else { throw error("cannot assign nil to \(Self.goName(type))") }
            return nil
        case .field(let idents):
            return try validate(try evalFieldChain(dot, receiver: dot, node: operand, idents, args: [operand], final: .missing), type)
        case .variable(let name, let idents):
            return try validate(try evalVariable(dot, operand, name, idents, args: [], final: .missing), type)
        case .pipeline(let pipe):
            return try validate(try evalPipeline(dot, pipe), type)
        case .function(let name):
            return try validate(try evalFunction(dot, name, node: operand, command: nil, args: [], final: .missing), type)
        case .chain(let head, let idents):
            let receiver = try evalArg(dot, .any, head)
            setAt(operand)
            return try validate(try evalFieldChain(dot, receiver: receiver, node: operand, idents, args: [], final: .missing), type)
        case .bool(let b):
            guard type == .any else { throw error("expected \(Self.goName(type)); found \(operand.description)") }
            return .bool(b)
        case .number(let n):
            switch type {
            case .any: return try idealConstant(n)
            case .int:
                guard let i = n.int else { throw error("expected integer; found \(operand.description)") }
                return .int(i)
            case .string: throw error("expected string; found \(operand.description)")
            }
        case .string(let s, _):
            guard type != .int else { throw error("expected integer; found \(operand.description)") }
            return .string(s)
        }
    }

    private func validate(_ value: TemplateValue?, _ type: TemplateMethod.Parameter) throws(GoTemplate.Error) -> TemplateValue? {
        guard let value else {
            if type == .any { return nil }
            throw error("invalid value; expected \(Self.goName(type))")
        }
        switch (type, value) {
        case (.any, _), (.string, .string), (.int, .int): return value
        default: throw error("wrong type for value; expected \(Self.goName(type)); got \(value.goTypeName)")
        }
    }

    private static func goName(_ type: TemplateMethod.Parameter) -> String {
        switch type {
        case .string: "string"
        case .int: "int"
        case .any: "interface {}"
        }
    }
}

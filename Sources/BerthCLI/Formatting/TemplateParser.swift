/// Builds a ``TemplateNode`` tree from tokens, following Go's `text/template/parse` grammar and
/// reporting errors in its words (`template: :1: function "foo" not defined`).
struct TemplateParser {
    private enum Item {
        case node(TemplateNode)
        case end
        case elseItem
    }

    private let tokens: [TemplateToken]
    private let functions: Set<String>
    private var index = 0
    private var furthest = 0
    private var vars = ["$"]
    private var rangeDepth = 0
    private var actionLine = 0

    private init(tokens: [TemplateToken], functions: Set<String>) {
        self.tokens = tokens
        self.functions = functions
    }

    /// Parses `source`; identifiers must name one of `functions`.
    static func parse(_ source: String, functions: Set<String>) throws(GoTemplate.Error) -> [TemplateNode] {
        var parser = TemplateParser(tokens: TemplateLexer.tokenize(source), functions: functions)
        return try parser.parseRoot()
    }

    // MARK: Token access

    private mutating func next() -> TemplateToken {
        let token = tokens[min(index, tokens.count - 1)]
        furthest = max(furthest, index)
        index += 1
        return token
    }

    private mutating func backup() { index -= 1 }

    private mutating func peek() -> TemplateToken {
        furthest = max(furthest, index)
        return tokens[min(index, tokens.count - 1)]
    }

    private mutating func nextNonSpace() -> TemplateToken {
        var token = next()
        while token.kind == .space { token = next() }
        return token
    }

    private mutating func peekNonSpace() -> TemplateToken {
        let token = nextNonSpace()
        backup()
        return token
    }

    // MARK: Errors

    private func error(_ message: String) -> GoTemplate.Error {
        let line = tokens[min(furthest, tokens.count - 1)].line
        return GoTemplate.Error(message: "template: :\(line): \(message)")
    }

    private func unexpected(_ token: TemplateToken, _ context: String) -> GoTemplate.Error {
        guard token.kind == .error else { return error("unexpected \(token.description) in \(context)") }
        var extra = ""
        if actionLine != 0 && actionLine != token.line {
            extra = " in action started at :\(actionLine)"
            if token.value.hasSuffix(" action") { extra = String(extra.dropFirst(" in action".count)) }
        }
        return error(token.value + extra)
    }

    // MARK: Structure

    private mutating func parseRoot() throws(GoTemplate.Error) -> [TemplateNode] {
        var root: [TemplateNode] = []
        while peek().kind != .eof {
            switch try textOrAction() {
            case .node(let node): root.append(node)
            case .end: throw error("unexpected {{end}}")
            case .elseItem: throw error("unexpected {{else}}")
            }
        }
        return root
    }

    private mutating func textOrAction() throws(GoTemplate.Error) -> Item {
        let token = nextNonSpace()
        switch token.kind {
        case .text:
            return .node(.text(token.value))
        case .leftDelim:
            actionLine = token.line
            defer { actionLine = 0 }
            return try action()
        default:
            throw unexpected(token, "input")
        }
    }

    private mutating func itemList() throws(GoTemplate.Error) -> ([TemplateNode], Item) {
        var list: [TemplateNode] = []
        while peekNonSpace().kind != .eof {
            let item = try textOrAction()
            guard case .node(let node) = item else { return (list, item) }
            list.append(node)
        }
        throw error("unexpected EOF")
    }

    private mutating func action() throws(GoTemplate.Error) -> Item {
        let token = nextNonSpace()
        switch token.kind {
        case .block, .define, .template:
            throw error("{{\(token.value)}} is not supported in --format templates")
        case .breakKeyword, .continueKeyword:
            let closing = nextNonSpace()
            guard closing.kind == .rightDelim else { throw unexpected(closing, "{{\(token.value)}}") }
            guard rangeDepth > 0 else { throw error("{{\(token.value)}} outside {{range}}") }
            return .node(token.kind == .breakKeyword ? .breakNode(pos: token.pos) : .continueNode(pos: token.pos))
        case .elseKeyword:
            let following = peekNonSpace().kind
            if following == .ifKeyword || following == .with { return .elseItem }
            let closing = nextNonSpace()
            guard closing.kind == .rightDelim else { throw unexpected(closing, "else") }
            return .elseItem
        case .end:
            let closing = nextNonSpace()
            guard closing.kind == .rightDelim else { throw unexpected(closing, "end") }
            return .end
        case .ifKeyword:
            return .node(.ifNode(try control("if")))
        case .range:
            return .node(.range(try control("range")))
        case .with:
            return .node(.with(try control("with")))
        default:
            backup()
            return .node(.action(try pipeline("command", end: .rightDelim)))
        }
    }

    private mutating func control(_ context: String) throws(GoTemplate.Error) -> TemplateBranch {
        let mark = vars.count
        defer { vars.removeSubrange(mark...) }
        let pipe = try pipeline(context, end: .rightDelim)
        if context == "range" { rangeDepth += 1 }
        let (list, next) = try itemList()
        if context == "range" { rangeDepth -= 1 }
        var elseList: [TemplateNode]?
        if case .elseItem = next {
            let following = peek().kind
            if context == "if" && following == .ifKeyword {
                _ = self.next()
                elseList = [.ifNode(try control("if"))]
            } else if context == "with" && following == .with {
                _ = self.next()
                elseList = [.with(try control("with"))]
            } else {
                let (list, end) = try itemList()
                guard case .end = end else { throw error("expected end; found {{else}}") }
                elseList = list
            }
        }
        return TemplateBranch(pipeline: pipe, list: list, elseList: elseList)
    }

    // MARK: Pipelines

    private mutating func pipeline(_ context: String, end: TemplateToken.Kind) throws(GoTemplate.Error) -> TemplatePipeline {
        var pipe = TemplatePipeline(pos: peekNonSpace().pos)
        try declarations(into: &pipe, context: context)
        while true {
            let token = nextNonSpace()
            switch token.kind {
            case end:
                guard !pipe.commands.isEmpty else { throw error("missing value for \(context)") }
                for (i, cmd) in pipe.commands.enumerated().dropFirst() where cmd.args[0].isLiteral {
                    throw error("non executable command in pipeline stage \(i + 1)")
                }
                return pipe
            case .bool, .charConstant, .complex, .dot, .field, .identifier, .number, .nilKeyword,
                .rawString, .string, .variable, .leftParen:
                backup()
                pipe.commands.append(try command())
            default:
                throw unexpected(token, context)
            }
        }
    }

    private mutating func declarations(into pipe: inout TemplatePipeline, context: String) throws(GoTemplate.Error) {
        while true {
            let start = index
            let v = nextNonSpace()
            guard v.kind == .variable else {
                index = start
                return
            }
            let next = nextNonSpace()
            switch next.kind {
            case .assign, .declare:
                pipe.isAssign = next.kind == .assign
                pipe.declarations.append(v.value)
                vars.append(v.value)
                return
            case .char where next.value == ",":
                pipe.declarations.append(v.value)
                vars.append(v.value)
                guard context == "range" && pipe.declarations.count < 2 else {
                    throw error("too many declarations in \(context)")
                }
                switch peekNonSpace().kind {
                case .variable, .rightDelim, .rightParen: continue
                default: throw error("range can only initialize variables")
                }
            default:
                index = start
                return
            }
        }
    }

    private mutating func command() throws(GoTemplate.Error) -> TemplateCommand {
        var cmd = TemplateCommand(pos: peekNonSpace().pos, args: [])
        loop: while true {
            _ = peekNonSpace()
            if let op = try operand() { cmd.args.append(op) }
            let token = next()
            switch token.kind {
            case .space: continue
            case .rightDelim, .rightParen: backup()
            case .pipe: break
            default: throw unexpected(token, "operand")
            }
            break loop
        }
        guard !cmd.args.isEmpty else { throw error("empty command") }
        return cmd
    }

    private mutating func operand() throws(GoTemplate.Error) -> TemplateOperand? {
        guard let node = try term() else { return nil }
        guard peek().kind == .field else { return node }
        let pos = peek().pos
        var idents: [String] = []
        while peek().kind == .field { idents.append(String(next().value.dropFirst())) }
        switch node.kind {
        case .field(let head): return TemplateOperand(kind: .field(head + idents), pos: pos)
        case .variable(let name, let head): return TemplateOperand(kind: .variable(name, head + idents), pos: pos)
        case .bool, .string, .number, .nilLiteral, .dot:
            throw error("unexpected . after term \(GoFormat.quote(node.description))")
        default: return TemplateOperand(kind: .chain(node, idents), pos: pos)
        }
    }

    private mutating func term() throws(GoTemplate.Error) -> TemplateOperand? {
        let token = nextNonSpace()
        let kind: TemplateOperand.Kind
        switch token.kind {
        case .identifier:
            if token.value == "call" {
                throw error("function \"call\" is not supported in --format templates")
            }
            guard functions.contains(token.value) else {
                throw error("function \(GoFormat.quote(token.value)) not defined")
            }
            kind = .function(token.value)
        case .dot: kind = .dot
        case .nilKeyword: kind = .nilLiteral
        case .variable:
            guard vars.contains(token.value) else { throw error("undefined variable \(GoFormat.quote(token.value))") }
            kind = .variable(token.value, [])
        case .field: kind = .field([String(token.value.dropFirst())])
        case .bool: kind = .bool(token.value == "true")
        case .charConstant, .complex, .number: kind = .number(try number(token))
        case .leftParen:
            let pipe = try pipeline("parenthesized pipeline", end: .rightParen)
            return TemplateOperand(kind: .pipeline(pipe), pos: pipe.pos)
        case .string, .rawString:
            guard let text = GoLiteral.unquote(token.value) else { throw error("invalid syntax") }
            kind = .string(text, quoted: token.value)
        default:
            backup()
            return nil
        }
        return TemplateOperand(kind: kind, pos: token.pos)
    }

    private func number(_ token: TemplateToken) throws(GoTemplate.Error) -> TemplateNumber {
        let text = token.value
        if token.kind == .complex || text.hasSuffix("i") {
            throw error("complex constant \(text) is not supported in --format templates")
        }
        if token.kind == .charConstant {
            guard let rune = GoLiteral.unquoteChar(text) else { throw error("malformed character constant: \(text)") }
            return TemplateNumber(text: text, int: Int(rune.value), double: Double(rune.value), isFloatSyntax: false)
        }
        if let value = GoLiteral.parseInt(text) {
            return TemplateNumber(text: text, int: value, double: Double(value), isFloatSyntax: false)
        }
        if let unsigned = GoLiteral.parseUInt(text) {
            return TemplateNumber(text: text, int: nil, double: Double(unsigned), isFloatSyntax: false)
        }
        guard let value = GoLiteral.parseFloat(text) else {
            throw error("illegal number syntax: \(GoFormat.quote(text))")
        }
        let lower = text.lowercased()
        let isHex = lower.hasPrefix("0x") || lower.hasPrefix("-0x") || lower.hasPrefix("+0x")
        guard text.contains(where: { ".eEpP".contains($0) }) else {
            throw error("integer overflow: \(GoFormat.quote(text))")
        }
        let int = value.rounded() == value && abs(value) < 9.2e18 ? Int(value) : nil
        return TemplateNumber(
            text: text, int: int, double: value,
            isFloatSyntax: !(isHex && !text.contains(where: { "pP".contains($0) })))
    }
}

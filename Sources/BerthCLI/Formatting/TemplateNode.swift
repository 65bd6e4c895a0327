/// The parse tree of a Go template (Go's `text/template/parse` nodes, reduced to what Berth runs).
indirect enum TemplateNode: Sendable {
    case text(String)
    case action(TemplatePipeline)
    case ifNode(TemplateBranch)
    case with(TemplateBranch)
    case range(TemplateBranch)
    case breakNode(pos: Int)
    case continueNode(pos: Int)

    /// Go's `Node.String()` for the error context of `range` and actions.
    var description: String {
        switch self {
        case .text(let s): return s
        case .action(let p): return "{{\(p.description)}}"
        case .ifNode(let b): return b.description(keyword: "if")
        case .with(let b): return b.description(keyword: "with")
        case .range(let b): return b.description(keyword: "range")
        case .breakNode: return "{{break}}"
        case .continueNode: return "{{continue}}"
        }
    }
}

/// `{{if|with|range pipeline}} list {{else}} elseList {{end}}`.
struct TemplateBranch: Sendable {
    var pipeline: TemplatePipeline
    var list: [TemplateNode]
    var elseList: [TemplateNode]?

    func description(keyword: String) -> String {
        var s = "{{\(keyword) \(pipeline.description)}}" + list.map(\.description).joined()
        if let elseList { s += "{{else}}" + elseList.map(\.description).joined() }
        return s + "{{end}}"
    }
}

/// `$x := cmd | cmd`.
struct TemplatePipeline: Sendable {
    var pos: Int
    var declarations: [String] = []
    var isAssign = false
    var commands: [TemplateCommand] = []

    var description: String {
        var s = ""
        if !declarations.isEmpty {
            s = declarations.joined(separator: ", ") + (isAssign ? " = " : " := ")
        }
        return s + commands.map(\.description).joined(separator: " | ")
    }
}

/// One pipeline stage: an operand followed by arguments.
struct TemplateCommand: Sendable {
    var pos: Int
    var args: [TemplateOperand]

    var description: String {
        args.map { arg in
            if case .pipeline = arg.kind { return "(\(arg.description))" }
            return arg.description
        }.joined(separator: " ")
    }
}

/// A number literal with the interpretations Go's parser found for it.
struct TemplateNumber: Sendable {
    var text: String
    var int: Int?
    var double: Double?
    /// Go treats literals spelled with `.`, `e` or `p` (and not hex ints or runes) as floats.
    var isFloatSyntax: Bool
}

/// An operand with its source position (byte offset, for `template: :1:5:` locations).
struct TemplateOperand: Sendable {
    indirect enum Kind: Sendable {
        /// `.A.B`
        case field([String])
        /// `(pipeline).A.B` or `fn.A` — the head evaluated, then the fields.
        case chain(TemplateOperand, [String])
        /// `$x.A.B`; `$` is the data passed to execute.
        case variable(String, [String])
        case function(String)
        case dot
        case nilLiteral
        case bool(Bool)
        case number(TemplateNumber)
        /// The unquoted text and the source spelling.
        case string(String, quoted: String)
        case pipeline(TemplatePipeline)
    }

    var kind: Kind
    var pos: Int

    var description: String {
        switch kind {
        case .field(let idents): return idents.map { "." + $0 }.joined()
        case .chain(let head, let idents):
            let h = if case .pipeline = head.kind { "(\(head.description))" } else { head.description }
            return h + idents.map { "." + $0 }.joined()
        case .variable(let name, let idents): return ([name] + idents).joined(separator: ".")
        case .function(let name): return name
        case .dot: return "."
        case .nilLiteral: return "nil"
        case .bool(let b): return b ? "true" : "false"
        case .number(let n): return n.text
        case .string(_, let quoted): return quoted
        case .pipeline(let p): return p.description
        }
    }

    /// Literals cannot start a later pipeline stage or receive a piped value.
    var isLiteral: Bool {
        switch kind {
        case .bool, .dot, .nilLiteral, .number, .string: true
        default: false
        }
    }
}

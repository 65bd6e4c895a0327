/// Renders a list command's rows with the user's `--format`, as the docker CLI's
/// `formatter.Context.Write` does.
///
/// - `table` (or no format) uses the command's default table format, or `quietFormat`
///   with `--quiet`; `json` means `{{json .}}`; `raw` uses the command's raw format if it
///   has one; anything else is a custom template.
/// - A format starting with `table` is a table: the prefix is dropped, and the header line
///   is the same template executed over the ``TableHeader`` with docker's header functions.
///   Rows and header go through ``TableWriter/docker``.
/// - Surrounding spaces are trimmed and the two-character sequences `\t` and `\n` become a
///   tab and a newline (shells pass them literally).
/// - Each row is followed by a newline. A failing row fails the whole command with
///   `template parsing error: …`, before anything is printed.
///
/// ```swift
/// let formatter = try ListFormatter(
///     options.format, defaultTable: "table {{.ID}}\t{{.Name}}\t{{.Driver}}\t{{.Scope}}",
///     quiet: options.quiet)
/// print(try formatter.render(rows, header: TableHeader(["ID": "NETWORK ID", "Name": "NAME"])),
///       terminator: "")
/// ```
public struct ListFormatter: Sendable {
    /// docker's format keywords.
    public static let tableKey = "table"
    public static let jsonKey = "json"
    public static let rawKey = "raw"

    /// The resolved format (after `table`/`json`/`raw` substitution, before preprocessing).
    public let format: String
    /// The parsed template, without the `table` prefix.
    public let template: GoTemplate

    /// Whether rows are aligned in a table with a header line.
    public var isTable: Bool { format.hasPrefix(Self.tableKey) }

    /// Resolves and parses the user's `--format`.
    ///
    /// - Parameters:
    ///   - userFormat: the `--format` value; `nil` or empty means `table`.
    ///   - defaultTable: the command's default, e.g. `table {{.ID}}\t{{.Name}}`.
    ///   - quiet: `--quiet`; only changes what `table` means (a custom format wins, as in docker).
    ///   - quietFormat: the format for `--quiet`, docker's `{{.ID}}`.
    ///   - rawFormat: what `raw` means for this command, if anything.
    /// - Throws: `template parsing error: template: :1: …` when the template does not parse.
    public init(
        _ userFormat: String?, defaultTable: String, quiet: Bool = false,
        quietFormat: String = "{{.ID}}", rawFormat: String? = nil
    ) throws(GoTemplate.Error) {
        let source = userFormat.flatMap { $0.isEmpty ? nil : $0 } ?? Self.tableKey
        let resolved: String
        switch source {
        case Self.tableKey: resolved = quiet ? quietFormat : defaultTable
        case Self.rawKey: resolved = rawFormat ?? source
        default: resolved = source
        }
        format = resolved
        do {
            template = try GoTemplate(Self.templateText(resolved))
        } catch {
            throw GoTemplate.Error(message: "template parsing error: \(error.message)")
        }
    }

    /// docker's `Format.templateString`: drop `table`, trim spaces, expand `\t` and `\n`.
    static func templateText(_ format: String) -> String {
        switch format {
        case tableKey: return ""
        case jsonKey: return "{{json .}}"
        default: break
        }
        var text = Substring(format)
        if text.hasPrefix(tableKey) { text = text.dropFirst(tableKey.count) }
        while text.first == " " { text = text.dropFirst() }
        while text.last == " " { text = text.dropLast() }
        var out = ""
        var iterator = text.unicodeScalars.makeIterator()
        var pending: Unicode.Scalar? = iterator.next()
        while let scalar = pending {
            pending = iterator.next()
            if scalar == "\\", let next = pending, next == "t" || next == "n" {
                out += next == "t" ? "\t" : "\n"
                pending = iterator.next()
            } else {
                out.unicodeScalars.append(scalar)
            }
        }
        return out
    }

    /// Renders `rows` (usually ``TemplateValue/context(_:)`` values), one per line.
    ///
    /// - Parameter header: the column titles, used when the format is a table.
    /// - Returns: the complete output, ending with a newline after each row.
    /// - Throws: `template parsing error: template: :1:2: executing "" at <.Foo>: …`.
    public func render(_ rows: [TemplateValue], header: TableHeader) throws(GoTemplate.Error) -> String {
        var body = ""
        for row in rows {
            do {
                try template.execute(row, into: &body)
            } catch {
                throw GoTemplate.Error(message: "template parsing error: \(error.message)")
            }
            body += "\n"
        }
        guard isTable else { return body }
        // docker ignores header errors and keeps whatever was printed before the failure.
        var headerLine = ""
        try? template.execute(.context(header), into: &headerLine, functions: .dockerHeader)
        var writer = TableWriter.docker
        writer.write(headerLine)
        writer.write("\n")
        writer.write(body)
        return writer.flush()
    }
}

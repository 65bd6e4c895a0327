import BerthAPI

/// How the `inspect` commands (`network inspect`, `inspect`) print, as the docker CLI does.
enum InspectFormatting {
    /// The output of `inspect` commands: an indented JSON array, or one template result per object.
    static func render(_ items: [JSONValue], format: String?) throws -> [String] {
        guard let format, !format.isEmpty else {
            return [JSONValue.array(items).rendered(indent: "    ")]
        }
        // `inspect` takes the template as given (no `table`, no `\t` expansion); `json` is the array.
        if format == "json" { return [JSONValue.array(items).rendered()] }
        let template: GoTemplate
        do { template = try GoTemplate(format) } catch { throw CLIError("template parsing error: \(error.message)") }
        var lines: [String] = []
        for item in items {
            do {
                let value = try TemplateValue(json: Array(item.rendered().utf8))
                lines.append(try template.execute(value))
            } catch let e as GoTemplate.Error {
                throw CLIError("template parsing error: \(e.message)")
            } catch {
                throw CLIError("\(error)")
            }
        }
        return lines
    }
}

/// Aligns tab-terminated cells into columns with Go's elastic-tabstop algorithm
/// (`text/tabwriter`, as vendored by the docker CLI in `cli/command/formatter/tabwriter`).
///
/// The docker CLI renders every `table` format through
/// `tabwriter.NewWriter(out, 10, 1, 3, ' ', 0)`, which is ``docker``: columns are at least
/// 10 wide, cells get 3 spaces of padding, and the last cell of a line (the text after the
/// last tab) is never padded. A column is a run of consecutive lines that have a cell there;
/// a line with fewer cells ends the column block.
///
/// ```swift
/// var writer = TableWriter.docker
/// writer.write("NETWORK ID\tNAME\n8c52a0a187eb\talpine-net\n")
/// let text = writer.flush()
/// ```
public struct TableWriter: Sendable {
    private struct Cell {
        /// Bytes of text in the cell.
        var size = 0
        /// Display width (terminal columns).
        var width = 0
        /// Terminated by a horizontal tab (rather than a line break).
        var htab = false
    }

    /// Minimal cell width, padding included.
    public let minWidth: Int
    /// Width of a tab character when padding with tabs.
    public let tabWidth: Int
    /// Padding added to a cell's width before computing the column width.
    public let padding: Int
    /// The padding byte (ASCII); `\t` pads with tabs.
    public let padChar: UInt8

    private var buffer: [UInt8] = []
    /// Position in `buffer` up to which the current cell's width has been computed.
    private var position = 0
    private var cell = Cell()
    private var lines: [[Cell]] = [[]]
    private var widths: [Int] = []
    private var output: [UInt8] = []

    /// The docker CLI's table settings: minwidth 10, tabwidth 1, padding 3, pad with spaces.
    public static let docker = TableWriter(minWidth: 10, tabWidth: 1, padding: 3, padChar: " ")

    /// A writer with Go's `tabwriter.Writer.Init` parameters (flags are always 0).
    public init(minWidth: Int, tabWidth: Int, padding: Int, padChar: Character) {
        self.minWidth = max(0, minWidth)
        self.tabWidth = max(0, tabWidth)
        self.padding = max(0, padding)
        self.padChar = padChar.asciiValue ?? UInt8(ascii: " ")
    }

    /// Aligns `text` in one go with the docker settings.
    public static func format(_ text: String) -> String {
        var writer = TableWriter.docker
        writer.write(text)
        return writer.flush()
    }

    /// Buffers `text`; cells end at `\t` or `\v`, lines at `\n` or `\f` (`\f` also ends
    /// every column, like a flush).
    public mutating func write(_ text: String) {
        let bytes = Array(text.utf8)
        var start = 0
        for (i, byte) in bytes.enumerated() {
            switch byte {
            case 0x09, 0x0B, 0x0A, 0x0C:
                append(bytes[start..<i])
                updateWidth()
                start = i + 1
                let cellCount = terminateCell(htab: byte == 0x09)
                if byte == 0x0A || byte == 0x0C {
                    lines.append([])
                    // A line of one cell cannot affect later columns, so it can be flushed.
                    if byte == 0x0C || cellCount == 1 { flushBuffered() }
                }
            default:
                continue
            }
        }
        append(bytes[start...])
    }

    /// Formats everything buffered and returns the text produced since the last flush.
    public mutating func flush() -> String {
        flushBuffered()
        let text = String(decoding: output, as: UTF8.self)
        output = []
        return text
    }

    // MARK: Cells

    private mutating func append(_ bytes: ArraySlice<UInt8>) {
        buffer.append(contentsOf: bytes)
        cell.size += bytes.count
    }

    private mutating func updateWidth() {
        cell.width += Self.displayWidth(String(decoding: buffer[position...], as: UTF8.self))
        position = buffer.count
    }

    private mutating func terminateCell(htab: Bool) -> Int {
        cell.htab = htab
        lines[lines.count - 1].append(cell)
        cell = Cell()
        return lines[lines.count - 1].count
    }

    private mutating func flushBuffered() {
        if cell.size > 0 { _ = terminateCell(htab: false) }
        _ = format(from: 0, lines: 0..<lines.count)
        buffer = []
        position = 0
        cell = Cell()
        lines = [[]]
        widths = []
    }

    // MARK: Formatting

    /// Formats `lines`, whose text starts at `start` in the buffer; returns the buffer
    /// position after them. Column widths are found block by block, recursively.
    private mutating func format(from start: Int, lines range: Range<Int>) -> Int {
        var position = start
        var line0 = range.lowerBound
        let column = widths.count
        var this = range.lowerBound
        while this < range.upperBound {
            defer { this += 1 }
            // The last cell of a line is not part of a column (it is not tab-terminated).
            if column >= lines[this].count - 1 { continue }
            position = writeLines(from: position, lines: line0..<this)
            line0 = this

            var width = minWidth
            while this < range.upperBound, column < lines[this].count - 1 {
                width = max(width, lines[this][column].width + padding)
                this += 1
            }
            widths.append(width)
            position = format(from: position, lines: line0..<this)
            widths.removeLast()
            line0 = this
        }
        return writeLines(from: position, lines: line0..<range.upperBound)
    }

    private mutating func writeLines(from start: Int, lines range: Range<Int>) -> Int {
        var position = start
        for i in range {
            for (j, c) in lines[i].enumerated() {
                if c.size > 0 {
                    output.append(contentsOf: buffer[position..<(position + c.size)])
                    position += c.size
                }
                if j < widths.count { writePadding(textWidth: c.width, cellWidth: widths[j]) }
            }
            if i + 1 == lines.count {
                // The last buffered line has no newline yet: write the pending partial cell.
                output.append(contentsOf: buffer[position..<(position + cell.size)])
                position += cell.size
            } else {
                output.append(0x0A)
            }
        }
        return position
    }

    private mutating func writePadding(textWidth: Int, cellWidth: Int) {
        if padChar == 0x09 {
            guard tabWidth > 0 else { return }
            let rounded = (cellWidth + tabWidth - 1) / tabWidth * tabWidth
            let tabs = (rounded - textWidth + tabWidth - 1) / tabWidth
            output.append(contentsOf: repeatElement(0x09, count: max(0, tabs)))
            return
        }
        output.append(contentsOf: repeatElement(padChar, count: max(0, cellWidth - textWidth)))
    }
}

extension TableWriter {
    /// Terminal columns taken by `text`, like `go-runewidth`'s `StringWidth` (which the docker
    /// CLI's tabwriter uses): per grapheme cluster, the width of its first non-zero-width
    /// scalar; East Asian wide and emoji-presentation characters count 2, combining marks,
    /// format and control characters 0.
    static func displayWidth(_ text: String) -> Int {
        var width = 0
        for character in text {
            var characterWidth = 0
            for scalar in character.unicodeScalars {
                characterWidth = scalarWidth(scalar)
                if characterWidth > 0 { break }
            }
            width += characterWidth
        }
        return width
    }

    private static let wideRanges: [ClosedRange<UInt32>] = [
        0x1100...0x115F, 0x231A...0x231B, 0x2329...0x232A, 0x23E9...0x23EC, 0x23F0...0x23F0,
        0x23F3...0x23F3, 0x2E80...0x303E, 0x3041...0x33FF, 0x3400...0x4DBF, 0x4E00...0x9FFF,
        0xA000...0xA4CF, 0xA960...0xA97F, 0xAC00...0xD7A3, 0xF900...0xFAFF, 0xFE10...0xFE19,
        0xFE30...0xFE6F, 0xFF00...0xFF60, 0xFFE0...0xFFE6, 0x16FE0...0x18CFF, 0x1B000...0x1B2FF,
        0x1F200...0x1F2FF, 0x20000...0x2FFFD, 0x30000...0x3FFFD,
    ]

    private static func scalarWidth(_ scalar: Unicode.Scalar) -> Int {
        let v = scalar.value
        if v < 0x20 || (0x7F...0x9F).contains(v) || v == 0xAD { return 0 }
        if v < 0x300 { return 1 }
        switch scalar.properties.generalCategory {
        case .nonspacingMark, .enclosingMark, .format, .control, .surrogate: return 0
        default: break
        }
        if (0x1160...0x11FF).contains(v) { return 0 }
        if scalar.properties.isEmojiPresentation { return 2 }
        return wideRanges.contains { $0.contains(v) } ? 2 : 1
    }
}

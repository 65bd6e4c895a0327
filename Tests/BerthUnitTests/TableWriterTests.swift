import Testing

@testable import BerthCLI

@Suite("TableWriter (Go text/tabwriter, docker settings)")
struct TableWriterTests {
    @Test("docker network ls layout: min width 10, 3-space gutters, last column unpadded")
    func dockerNetworkLs() {
        let input = """
            NETWORK ID\tNAME\tDRIVER\tSCOPE
            8c52a0a187eb\talpine-net\tbridge\tlocal
            43c8062298b8\tbridge\tbridge\tlocal

            """
        let expected = """
            NETWORK ID     NAME         DRIVER    SCOPE
            8c52a0a187eb   alpine-net   bridge    local
            43c8062298b8   bridge       bridge    local

            """
        #expect(TableWriter.format(input) == expected)
    }

    @Test("columns narrower than the minimum width are padded to 10")
    func minimumWidth() {
        #expect(TableWriter.format("a\tb\nc\td\n") == "a         b\nc         d\n")
    }

    @Test("a trailing tab makes the last cell part of a column, so it is padded")
    func trailingTabPads() {
        #expect(TableWriter.format("ID\t\nabc\t\n") == "ID        \nabc       \n")
    }

    @Test("a line with fewer cells ends the column block")
    func columnBlocks() {
        let input = "aaaaaaaaaaaaaaaa\tx\nno tabs here\nb\ty\n"
        let expected = "aaaaaaaaaaaaaaaa   x\nno tabs here\nb         y\n"
        #expect(TableWriter.format(input) == expected)
    }

    @Test("cells may be empty and text may arrive in pieces")
    func piecewiseWrites() {
        var writer = TableWriter.docker
        writer.write("NAME\tDRI")
        writer.write("VER\n\tbridge\n")
        #expect(writer.flush() == "NAME      DRIVER\n          bridge\n")
    }

    @Test("text without a final newline is written on flush")
    func noFinalNewline() {
        #expect(TableWriter.format("a\tb") == "a         b")
        #expect(TableWriter.format("") == "")
    }

    @Test("wide characters count two columns, combining marks none")
    func displayWidth() {
        #expect(TableWriter.displayWidth("abc") == 3)
        #expect(TableWriter.displayWidth("日本") == 4)
        #expect(TableWriter.displayWidth("e\u{301}") == 1)
        #expect(TableWriter.displayWidth("🐳") == 2)
        #expect(TableWriter.format("日本語のネットワーク\tx\nab\ty\n") == "日本語のネットワーク   x\nab                     y\n")
    }

    @Test("custom settings: padding, minimum width and pad character")
    func customSettings() {
        var writer = TableWriter(minWidth: 0, tabWidth: 8, padding: 1, padChar: ".")
        writer.write("a\tbb\tc\naaa\tb\tc\n")
        #expect(writer.flush() == "a...bb.c\naaa.b..c\n")
        var tabs = TableWriter(minWidth: 0, tabWidth: 8, padding: 1, padChar: "\t")
        tabs.write("a\tb\naaaaaaaaa\tb\n")
        #expect(tabs.flush() == "a\t\tb\naaaaaaaaa\tb\n")
    }
}

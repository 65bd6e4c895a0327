import BerthImage
import Foundation
import Testing

/// SHA-256 against FIPS 180-4 / NIST CAVS vectors, padding boundaries, streaming splits, and
/// (where the tool exists) `sha256sum` on a large random buffer.
@Suite("SHA-256")
struct SHA256Tests {
    @Test("NIST vectors", arguments: [
        ("", "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"),
        ("abc", "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"),
        ("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq",
         "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1"),
        ("abcdefghbcdefghicdefghijdefghijkefghijklfghijklmghijklmnhijklmnoijklmnopjklmnopqklmnopqrlmnopqrsmnopqrstnopqrstu",
         "cf5b16a778af8380036ce59e7b0492370b249b11e8f07a51afac45037afee9d1"),
    ])
    func nist(input: String, expected: String) {
        #expect(SHA256.hex(Array(input.utf8)) == expected)
    }

    @Test("one million 'a' (NIST long message)")
    func millionA() {
        #expect(SHA256.hex([UInt8](repeating: 0x61, count: 1_000_000))
            == "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0")
    }

    // Lengths around the 56-byte padding boundary and the 64-byte block size.
    @Test("padding boundaries", arguments: [
        (55, "9f4390f8d30c2dd92ec9f095b65e2b9ae9b0a925a5258e241c9f1e910f734318"),
        (56, "b35439a4ac6f0948b6d6f9e3c6af0f5f590ce20f1bde7090ef7970686ec6738a"),
        (63, "7d3e74a05d7db15bce4ad9ec0658ea98e3f06eeecf16b4c6fff2da457ddc2f34"),
        (64, "ffe054fe7ae0cb6dc65c3af9b61d5209f439851db43d0ba5997337df154668eb"),
        (65, "635361c48bb9eab14198e76ea8ab7f1a41685d6ad62aa9146d301d4f17eb0ae0"),
        (119, "31eba51c313a5c08226adf18d4a359cfdfd8d2e816b13f4af952f7ea6584dcfb"),
        (120, "2f3d335432c70b580af0e8e1b3674a7c020d683aa5f73aaaedfdc55af904c21c"),
    ])
    func boundaries(count: Int, expected: String) {
        #expect(SHA256.hex([UInt8](repeating: 0x61, count: count)) == expected)
    }

    @Test("streaming in uneven pieces equals one-shot hashing")
    func streaming() {
        let data = (0..<1000).flatMap { _ in (0...255).map { UInt8($0) } }
        let expected = "b57b64b198d5d59ce5a22a9b9f25e72a7d081476d432051aa923f3dbebb90934"
        #expect(SHA256.hex(data) == expected)
        for pieceSize in [1, 7, 63, 64, 65, 4096, 100_003] {
            var h = SHA256()
            var i = 0
            while i < data.count {
                let end = min(i + pieceSize, data.count)
                h.update(Array(data[i..<end]))
                i = end
            }
            #expect(h.finalizeHex() == expected, "piece size \(pieceSize)")
        }
    }

    @Test("a large random buffer matches sha256sum",
          .enabled(if: FileManager.default.isExecutableFile(atPath: "/usr/bin/sha256sum")))
    func matchesCoreutils() throws {
        var g = SystemRandomNumberGenerator()
        let data = (0..<(3 << 20) + 17).map { _ in UInt8.random(in: 0...255, using: &g) }
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("sha-\(UUID().uuidString)").path
        try Data(data).write(to: URL(fileURLWithPath: path))
        defer { try? FileManager.default.removeItem(atPath: path) }
        let p = Process()
        p.executableURL = URL(fileURLWithPath: "/usr/bin/sha256sum")
        p.arguments = [path]
        let out = Pipe()
        p.standardOutput = out
        try p.run()
        let text = String(decoding: out.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        p.waitUntilExit()
        let expected = String(text.prefix(64))
        var h = SHA256()
        var i = 0
        while i < data.count {
            let end = min(i + 1_000_003, data.count)
            h.update(Array(data[i..<end]))
            i = end
        }
        #expect(h.finalizeHex() == expected)
    }
}

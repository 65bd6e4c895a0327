import CBerth

#if canImport(Glibc)
    import Glibc
#endif

/// Extracts one layer tar into a directory with `/bin/tar`, computing its diff id (SHA-256 of
/// the uncompressed tar) from the bytes it feeds tar's stdin, then converts whiteouts to
/// overlayfs form and measures the result.
///
/// Compressed input (gzip, bzip2, xz, zstd; recognised by magic number, as `docker import`
/// accepts) is piped through the system decompressor first, since the diff id is the digest of
/// the uncompressed stream. Blocking: run it on a thread Berth owns.
struct LayerUnpacker: Sendable {
    /// What an unpacked layer is.
    struct Result: Equatable, Sendable {
        /// `sha256:<hex>` of the uncompressed tar.
        var diffID: String
        /// dockerd's layer size: bytes of the extracted non-directory entries.
        var size: Int64
    }

    enum Compression: Equatable, Sendable {
        case none, gzip, bzip2, xz, zstd

        /// Recognises a compressed stream by its first bytes.
        init(magic: [UInt8]) {
            if magic.starts(with: [0x1f, 0x8b]) {
                self = .gzip
            } else if magic.starts(with: [0x42, 0x5a, 0x68]) {
                self = .bzip2
            } else if magic.starts(with: [0xfd, 0x37, 0x7a, 0x58, 0x5a, 0x00]) {
                self = .xz
            } else if magic.starts(with: [0x28, 0xb5, 0x2f, 0xfd]) {
                self = .zstd
            } else {
                self = .none
            }
        }

        /// The decompressor to pipe through (reads stdin, writes stdout).
        var decompressor: (program: String, arguments: [String])? {
            switch self {
            case .none: nil
            case .gzip: (Subprocess.locate(["/usr/bin/gzip", "/bin/gzip"]), ["-dc"])
            case .bzip2: (Subprocess.locate(["/usr/bin/bzip2", "/bin/bzip2"]), ["-dc"])
            case .xz: (Subprocess.locate(["/usr/bin/xz", "/bin/xz"]), ["-dc"])
            case .zstd: (Subprocess.locate(["/usr/bin/zstd", "/bin/zstd"]), ["-dc"])
            }
        }
    }

    /// Where helper programs' stderr scratch files go.
    var scratchDirectory: String
    var tarProgram = Subprocess.locate(["/bin/tar", "/usr/bin/tar"])

    // Owners and modes as recorded (we are root), file capabilities kept; other xattrs (and
    // above all trusted.*, which overlayfs reads) are never taken from an archive.
    private var tarArguments: [String] {
        [
            "-x", "--numeric-owner", "--same-owner", "--same-permissions", "--xattrs",
            "--xattrs-include=security.capability", "-f", "-", "-C",
        ]
    }

    /// Extracts the tar at `source` into the existing, empty directory `destination`.
    func unpack(source: String, into destination: String) throws -> Result {
        let input = open(source, O_RDONLY | O_CLOEXEC)
        guard input >= 0 else { throw FileSystem.Error(call: "open", path: source, errno: errno) }
        defer { close(input) }
        var magic = [UInt8](repeating: 0, count: 6)
        let got = magic.withUnsafeMutableBytes { pread(input, $0.baseAddress, $0.count, 0) }
        let compression = Compression(magic: Array(magic.prefix(max(0, got))))

        // Decompressor (if any): source file → decompressor → pipe we read.
        var decompressor: Subprocess?
        var stream = input
        var decompressedRead: Int32 = -1
        defer { if decompressedRead >= 0 { close(decompressedRead) } }
        if let (program, arguments) = compression.decompressor {
            let (r, w) = try Self.pipe()
            decompressedRead = r
            defer { close(w) }
            decompressor = try Subprocess.spawn(program, arguments, stdin: input, stdout: w, scratchDirectory: scratchDirectory)
            stream = r
        }

        // tar: pipe we write → tar -x.
        let (tarIn, feed) = try Self.pipe()
        var feedOpen = true
        defer { if feedOpen { close(feed) } }
        let devNull = open("/dev/null", O_WRONLY | O_CLOEXEC)
        defer { if devNull >= 0 { close(devNull) } }
        let tar: Subprocess
        do {
            defer { close(tarIn) }
            tar = try Subprocess.spawn(
                tarProgram, tarArguments + [destination], stdin: tarIn, stdout: devNull, scratchDirectory: scratchDirectory)
        }

        let digest = try Self.feed(from: stream, to: feed, source: source)
        close(feed)
        feedOpen = false
        let tarResult = Swift.Result { () throws(Subprocess.Error) in try tar.wait() }
        try decompressor?.wait()
        try tarResult.get()

        try Whiteouts.convert(in: destination)
        return Result(diffID: "sha256:" + digest, size: try FileSystem.diskUsage(destination))
    }

    /// Copies `input` to `output` until EOF, hashing every byte; keeps reading (and hashing)
    /// when tar stops early (it may leave trailing padding unread), so the digest always
    /// covers the whole stream. SIGPIPE is blocked on this thread meanwhile.
    private static func feed(from input: Int32, to output: Int32, source: String) throws(FileSystem.Error) -> String {
        var blocked = sigset_t()
        sigemptyset(&blocked)
        sigaddset(&blocked, SIGPIPE)
        var previous = sigset_t()
        pthread_sigmask(SIG_BLOCK, &blocked, &previous)
        var sawEPIPE = false
        defer {
            // Consume the SIGPIPE our own write raised before unblocking, or it would kill us.
            if sawEPIPE {
                var pending = sigset_t()
                sigpending(&pending)
                if sigismember(&pending, SIGPIPE) == 1 {
                    var signal: Int32 = 0
                    sigwait(&blocked, &signal)
                }
            }
            pthread_sigmask(SIG_SETMASK, &previous, nil)
        }

        var hasher = SHA256()
        var buffer = [UInt8](repeating: 0, count: 1 << 20)
        var writing = true
        while true {
            let n = buffer.withUnsafeMutableBytes { read(input, $0.baseAddress, $0.count) }
            if n < 0 {
                if errno == EINTR { continue }
                throw FileSystem.Error(call: "read", path: source, errno: errno)
            }
            if n == 0 { break }
            buffer.withUnsafeBytes { hasher.update(UnsafeRawBufferPointer(rebasing: $0[0..<n])) }
            guard writing else { continue }
            var offset = 0
            while offset < n {
                let w = buffer.withUnsafeBytes { write(output, $0.baseAddress.map { $0 + offset }, n - offset) }
                if w < 0 {
                    if errno == EINTR { continue }
                    if errno == EPIPE {
                        sawEPIPE = true
                        writing = false
                        break
                    }
                    throw FileSystem.Error(call: "write", path: "tar stdin", errno: errno)
                }
                offset += w
            }
        }
        return hasher.finalizeHex()
    }

    /// A close-on-exec pipe: (read end, write end).
    private static func pipe() throws(FileSystem.Error) -> (Int32, Int32) {
        var fds: [Int32] = [-1, -1]
        guard pipe2(&fds, O_CLOEXEC) == 0 else { throw FileSystem.Error(call: "pipe2", path: "", errno: errno) }
        return (fds[0], fds[1])
    }
}

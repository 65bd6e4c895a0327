/// An image's config JSON, the document whose SHA-256 is the image id (Docker's image spec
/// v1.2, which OCI image configs also satisfy). Decoding ignores fields Berth does not use; the
/// store keeps the original bytes, so ids never depend on how this type re-encodes.
public struct ImageConfig: Codable, Equatable, Sendable {
    /// `amd64`, `arm64`, … (Go's GOARCH names).
    public var architecture: String
    public var variant: String?
    /// `linux`.
    public var os: String
    public var osVersion: String?
    /// RFC 3339 creation time as written in the config; nil when absent.
    public var created: String?
    public var author: String?
    public var comment: String?
    public var dockerVersion: String?
    /// How containers of this image run by default.
    public var config: ImageRunConfig?
    public var rootfs: RootFS
    public var history: [History]?

    /// `rootfs`: the layers, bottom first, by diff id (`sha256:` of the uncompressed tar).
    public struct RootFS: Codable, Equatable, Sendable {
        /// Always `layers`.
        public var type: String
        public var diffIDs: [String]

        public init(type: String = "layers", diffIDs: [String]) {
            self.type = type
            self.diffIDs = diffIDs
        }

        private enum CodingKeys: String, CodingKey {
            case type, diffIDs = "diff_ids"
        }

        public init(from decoder: any Decoder) throws {
            let c = try decoder.container(keyedBy: CodingKeys.self)
            type = try c.decodeIfPresent(String.self, forKey: .type) ?? ""
            diffIDs = try c.decodeIfPresent([String].self, forKey: .diffIDs) ?? []
        }
    }

    /// One `history` entry: how a layer (or an empty step) was made.
    public struct History: Codable, Equatable, Sendable {
        public var created: String?
        public var createdBy: String?
        public var author: String?
        public var comment: String?
        public var emptyLayer: Bool?

        public init(created: String? = nil, createdBy: String? = nil, author: String? = nil, comment: String? = nil, emptyLayer: Bool? = nil) {
            self.created = created
            self.createdBy = createdBy
            self.author = author
            self.comment = comment
            self.emptyLayer = emptyLayer
        }

        private enum CodingKeys: String, CodingKey {
            case created, createdBy = "created_by", author, comment, emptyLayer = "empty_layer"
        }
    }

    public init(
        architecture: String, os: String, created: String?, comment: String? = nil, config: ImageRunConfig?,
        rootfs: RootFS, history: [History]? = nil
    ) {
        self.architecture = architecture
        self.os = os
        self.created = created
        self.comment = comment
        self.config = config
        self.rootfs = rootfs
        self.history = history
    }

    private enum CodingKeys: String, CodingKey {
        case architecture, variant, os, osVersion = "os.version", created, author, comment
        case dockerVersion = "docker_version", config, rootfs, history
    }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        architecture = try c.decodeIfPresent(String.self, forKey: .architecture) ?? ""
        variant = try c.decodeIfPresent(String.self, forKey: .variant)
        os = try c.decodeIfPresent(String.self, forKey: .os) ?? ""
        osVersion = try c.decodeIfPresent(String.self, forKey: .osVersion)
        created = try c.decodeIfPresent(String.self, forKey: .created)
        author = try c.decodeIfPresent(String.self, forKey: .author)
        comment = try c.decodeIfPresent(String.self, forKey: .comment)
        dockerVersion = try c.decodeIfPresent(String.self, forKey: .dockerVersion)
        config = try c.decodeIfPresent(ImageRunConfig.self, forKey: .config)
        rootfs = try c.decodeIfPresent(RootFS.self, forKey: .rootfs) ?? RootFS(type: "", diffIDs: [])
        history = try c.decodeIfPresent([History].self, forKey: .history)
    }

    /// The GOARCH name of the machine Berth runs on (`uname -m` translated).
    public static var hostArchitecture: String {
        #if arch(x86_64)
            "amd64"
        #elseif arch(arm64)
            "arm64"
        #elseif arch(arm)
            "arm"
        #elseif arch(i386)
            "386"
        #elseif arch(powerpc64le)
            "ppc64le"
        #elseif arch(s390x)
            "s390x"
        #elseif arch(riscv64)
            "riscv64"
        #else
            "unknown"
        #endif
    }
}

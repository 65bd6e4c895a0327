/// Go's `units.HumanDuration`, which dockerd and the docker CLI print (`Up 3 seconds`,
/// `2 minutes ago`).
public enum HumanDuration {
    public static func describe(seconds s: Int64) -> String {
        let m = s / 60
        let h = m / 60
        switch true {
        case s < 1: return "Less than a second"
        case s == 1: return "1 second"
        case s < 60: return "\(s) seconds"
        case m == 1: return "About a minute"
        case m < 60: return "\(m) minutes"
        case h == 1: return "About an hour"
        case h < 48: return "\(h) hours"
        case h < 24 * 7 * 2: return "\(h / 24) days"
        case h < 24 * 30 * 2: return "\(h / 24 / 7) weeks"
        case h < 24 * 365 * 2: return "\(h / 24 / 30) months"
        default: return "\(h / 24 / 365) years"
        }
    }
}

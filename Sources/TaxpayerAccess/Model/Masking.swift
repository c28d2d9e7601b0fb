/// Masking of what the portal shows partially (RULES T4, A5).
public enum Masking {
    /// `***-**-6789` for an SSN or ITIN, `**-***6789` for a FEIN (RULES T4).
    public static func taxIdentifier(_ id: TaxIdentifier) -> String {
        let last4 = String(id.number.suffix(4))
        switch id.type {
        case .ssn, .itin: return "***-**-\(last4)"
        case .fein: return "**-***\(last4)"
        }
    }

    /// An email with every character but the first of the local part and of each domain label masked, the last
    /// label kept: `elmo@dor.state.ma.us` → `e***@d**.s****.m*.us` (RULES A5).
    public static func email(_ email: String) -> String {
        guard let at = email.lastIndex(of: "@") else { return mask(email) }
        let local = String(email[..<at])
        let labels = email[email.index(after: at)...].split(separator: ".", omittingEmptySubsequences: false)
        let masked = labels.enumerated().map { index, label in
            index == labels.count - 1 && labels.count > 1 ? String(label) : mask(String(label))
        }
        return mask(local) + "@" + masked.joined(separator: ".")
    }

    /// `(***) ***-1111`: only the last four digits show (RULES A5).
    /// An account number with all but its last four characters hidden (RULES X2): `A0012345678` → `*******5678`;
    /// a number of four characters or fewer shows only its last one.
    public static func accountNumber(_ number: String) -> String {
        let shown = number.count > 4 ? 4 : 1
        return String(repeating: "*", count: max(0, number.count - shown)) + number.suffix(shown)
    }

    public static func phone(_ phone: PhoneNumber) -> String {
        "(***) ***-\(String(phone.number.filter(\.isNumber).suffix(4)))"
    }

    private static func mask(_ text: String) -> String {
        guard let first = text.first else { return "" }
        return String(first) + String(repeating: "*", count: text.count - 1)
    }
}

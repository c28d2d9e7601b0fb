#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// Words for ``AccessResolver/explain(logon:account:)``: every path of RULES L4 and S6 that grants, and why each
/// other one gives nothing.
extension ResolverWorld {
    func explain(_ logon: LogonID, _ account: AccountID) -> AccessExplanation {
        var granting: [String] = []
        var reasons: [String] = []
        func answer(_ level: AccessLevel) -> AccessExplanation {
            AccessExplanation(logon: logon, account: account, level: level, grantingPaths: granting, reasons: reasons)
        }
        guard let l = logonIndex.index(of: logon), logons[Int(l)].status != nil else {
            reasons.append("This logon is not known.")
            return answer(.none)
        }
        guard let a = accountIndex.index(of: account), accounts[Int(a)].known else {
            reasons.append("This account is not known.")
            return answer(.none)
        }
        let entry = accounts[Int(a)]
        if let why = inactivity(l, subject: "The logon") { reasons.append(why) }
        if !entry.active { reasons.append("The account is closed, and a closed account gives no access to anyone.") }
        guard reasons.isEmpty else { return answer(.none) }

        let t = entry.taxpayer
        ownPaths(l, t, a, owner: nil, granting: &granting, reasons: &reasons)
        let logonEntry = logons[Int(l)]
        if logonEntry.isSecondary {
            secondaryPath(l, logonEntry, t, a, type: entry.type, granting: &granting, reasons: &reasons)
        }
        if granting.isEmpty && reasons.isEmpty {
            reasons.append("No role, third-party grant or parent logon reaches this account.")
        }
        return answer(level(l, a))
    }

    private func inactivity(_ l: Int32, subject: String) -> String? {
        switch logons[Int(l)].status {
        case .active: nil
        case .deactivated: "\(subject) is deactivated."
        case .deleted: "\(subject) is deleted."
        case .pendingApproval: "\(subject) is waiting for the agency's approval."
        case nil: "\(subject) is not known."
        }
    }

    private func name(ofTaxpayer t: Int32) -> String {
        legalNames[t] ?? taxpayerIDs[Int(t)].rawValue
    }

    private func name(ofLogon l: Int32) -> String {
        let username = usernames[Int(l)]
        return username.isEmpty ? logonIDs[Int(l)].rawValue : username
    }

    /// The direct role (RULES L3) and third-party grant (RULES X5–X8) of `l`; `owner` names the parent when these are
    /// a parent's paths seen from its secondary.
    private func ownPaths(
        _ l: Int32, _ t: Int32, _ a: Int32, owner: String?, granting: inout [String], reasons: inout [String]
    ) {
        let key = Self.pair(l, t)
        let taxpayer = name(ofTaxpayer: t)
        let who = owner.map { "The parent logon \($0)" } ?? "This logon"
        let whose = owner.map { " of the parent logon \($0)" } ?? ""
        if let role = roles[key] {
            let kind: Role = role.isMasterAdministrator ? .masterAdministrator : .taxAdministrator
            if !role.active {
                let cancellation = cancellations[OverflowKey(kind: .role, pair: key)]
                reasons.append(
                    Self.cancelled(cancellation, what: "the \(kind.displayName) role\(whose) on \(taxpayer)"))
            } else if role.isMasterAdministrator {
                granting.append(
                    "\(who) is a Master Administrator of \(taxpayer), which gives All Access on every account.")
            } else if let level = level(in: role.levels, a, kind: .role, pair: key), level > .none {
                granting.append(
                    "\(who) is a Tax Administrator of \(taxpayer) with \(level.displayName) on this account.")
            } else {
                reasons.append("\(who) is a Tax Administrator of \(taxpayer) but was given no access to this account.")
            }
        }
        if let grant = grants[key] {
            if !grant.active {
                let cancellation = cancellations[OverflowKey(kind: .grant, pair: key)]
                reasons.append(Self.cancelled(cancellation, what: "third-party access\(whose) to \(taxpayer)"))
            } else if let level = level(in: grant.levels, a, kind: .grant, pair: key), level > .none {
                granting.append(
                    "\(taxpayer) gave \(who.lowercasedFirst) third-party access with \(level.displayName) on this account."
                )
            } else {
                reasons.append(
                    "The third-party access \(taxpayer) gave \(who.lowercasedFirst) does not include this account.")
            }
        }
    }

    private static func cancelled(_ cancellation: Cancellation?, what: String) -> String {
        guard let cancellation else { return "Access was cancelled (\(what))." }
        return "Access was cancelled by \(cancellation.capacity) on \(CalendarDay(cancellation.at)) (\(what))."
    }

    /// The path through a parent logon (RULES S4–S7).
    private func secondaryPath(
        _ l: Int32, _ secondary: LogonEntry, _ t: Int32, _ a: Int32, type: Int32,
        granting: inout [String], reasons: inout [String]
    ) {
        let parent = name(ofLogon: secondary.parent)
        let taxpayer = name(ofTaxpayer: t)
        if !isActive(secondary.parent) {
            let status = logons[Int(secondary.parent)].status.map { "\($0)" } ?? "unknown"
            reasons.append(
                "The parent logon \(parent) is not active (\(status)), so this logon has no access through it.")
            return
        }
        if let types = typeSet(secondary, l), !applies(secondary, l, type: type) {
            let names = types.map { typeNames[Int($0)] }.sorted().map { Self.words($0.rawValue) }
            let list = names.isEmpty ? "no" : names.joined(separator: ", ")
            reasons.append("This logon applies only to \(list) accounts.")
            return
        }
        let target = taxpayerGroup(parent: secondary.parent, taxpayer: t)
        let groupName = target < 0 ? "Default" : groupNames[Int(target)]
        guard isMember(secondary, l, taxpayer: t) else {
            reasons.append(
                "\(taxpayer) sits in security group \"\(groupName)\" of the parent logon \(parent), which this logon is not in."
            )
            return
        }
        let parentLevel = ownLevel(secondary.parent, t, a)
        guard parentLevel > .none else {
            reasons.append("The parent logon \(parent) has no access to this account.")
            var parentGranting: [String] = []
            ownPaths(secondary.parent, t, a, owner: parent, granting: &parentGranting, reasons: &reasons)
            return
        }
        let refined = refinements[Self.pair(l, t)].flatMap {
            level(in: $0, a, kind: .refinement, pair: Self.pair(l, t))
        }
        let cap = refined ?? secondary.cap
        if cap == .none {
            reasons.append("The parent logon \(parent) took this account of \(taxpayer) away from this logon.")
            return
        }
        let source =
            refined != nil
            ? "as the parent set for this client"
            : "as its access type, \(secondary.isMasterAdministrator ? "Master Administrator" : "Tax Administrator with \(secondary.cap.displayName)")"
        granting.append(
            "Through the parent logon \(parent): \(taxpayer) sits in security group \"\(groupName)\", which this logon is in; "
                + "the parent has \(parentLevel.displayName) on this account and this logon is capped at \(cap.displayName) "
                + "\(source), so \(min(parentLevel, cap).displayName).")
    }

    /// `salesAndUse` → `sales and use`.
    static func words(_ camelCase: String) -> String {
        var result = ""
        for character in camelCase {
            if character.isUppercase {
                result += " " + character.lowercased()
            } else {
                result.append(character)
            }
        }
        return result
    }
}

extension String {
    fileprivate var lowercasedFirst: String { prefix(1).lowercased() + dropFirst() }
}

/// A date as `yyyy-MM-dd` in UTC, for explanations.
struct CalendarDay: CustomStringConvertible {
    let year: Int, month: Int, day: Int

    init(_ date: Date) {
        // Days since 1970-01-01 to a civil date (Howard Hinnant's algorithm).
        let days = Int((date.timeIntervalSince1970 / 86_400).rounded(.down)) + 719_468
        let era = (days >= 0 ? days : days - 146_096) / 146_097
        let dayOfEra = days - era * 146_097
        let yearOfEra = (dayOfEra - dayOfEra / 1460 + dayOfEra / 36_524 - dayOfEra / 146_096) / 365
        let dayOfYear = dayOfEra - (365 * yearOfEra + yearOfEra / 4 - yearOfEra / 100)
        let mp = (5 * dayOfYear + 2) / 153
        day = dayOfYear - (153 * mp + 2) / 5 + 1
        month = mp < 10 ? mp + 3 : mp - 9
        year = yearOfEra + era * 400 + (month <= 2 ? 1 : 0)
    }

    var description: String {
        func pad(_ value: Int, _ width: Int) -> String {
            let text = String(value)
            return String(repeating: "0", count: max(0, width - text.count)) + text
        }
        return "\(pad(year, 4))-\(pad(month, 2))-\(pad(day, 2))"
    }
}

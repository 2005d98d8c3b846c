#!/usr/bin/env python3
"""Generate Outpost's JetStream API error table from nats-server's server/errors.json.

    python3 generate_errors.py [--ref v2.10.22] [--also v2.9.10] [--out PATH]

Reads errors.json from the nats-server mirror (git show REF:server/errors.json) and writes
Sources/JetStream/API/JetStreamAPIError.swift: the JetStreamAPIError type, ONE table of every
entry (sorted by err_code, which errors_gen.go keeps contiguous), and one static constructor per
entry, named after the Go constant without the `JS` prefix and the `Err`/`ErrF`/`F` suffixes.

Template substitution follows server/errors_gen.go + jetstream_errors.go exactly:
  * tags are `{name}`, found with the regexp `\\{(.+?)}`, sorted by name -> that is the Go
    parameter order (`err error`, `seq uint64`, anything else `interface{}` printed with %v);
  * the description is the template run through ONE strings.NewReplacer pass (no re-expansion
    of tags inside substituted text);
  * an entry with no tags returns the shared ApiErrors value unchanged.
Each entry of the older release given with --also must exist unchanged in --ref (checked).
"""
import argparse
import json
import re
import subprocess
import sys

MIRROR = "/work/.mirror/nats-io+nats-server/repo"
DEFAULT_OUT = "/work/main/Sources/JetStream/API/JetStreamAPIError.swift"
TAG_RE = re.compile(r"\{(.+?)}")

# Interim names used by the engine before the table existed -> generated name. Kept as aliases so
# existing call sites compile; new code should use the generated (Go-derived) names.
ALIASES = {
    "consumerHeartbeatRequiresPush": "consumerHBRequiresPush",
    "consumerFlowControlRequiresPush": "consumerFCRequiresPush",
    "consumerWorkQueueRequiresExplicitAck": "consumerWQRequiresExplicitAck",
    "consumerWorkQueueMultipleUnfiltered": "consumerWQMultipleUnfiltered",
    "consumerWorkQueueNotUnique": "consumerWQConsumerNotUnique",
    "consumerWorkQueueNotDeliverAll": "consumerWQConsumerNotDeliverAll",
    "consumerMaxRequestExpiresTooSmall": "consumerMaxRequestExpiresToSmall",
}

# Swift parameter label/type for each Go template tag.
TAG_PARAM = {
    "err": ("error", "String"),  # Go: err error, substituted with err.Error()
    "seq": ("sequence", "UInt64"),  # Go: seq uint64
}


# The hand-written part of the generated file: the type, its Codable form and helpers.
PRELUDE = r'''/// A JetStream API error as nats-server sends it in the `error` member of an API response (and
/// of a PubAck): `{"code":400,"err_code":10058,"description":"stream name already in use with
/// a different configuration"}`.
///
/// Go: `ApiError` in server/jetstream_errors.go, `Code int json:"code"`,
/// `ErrCode uint16 json:"err_code,omitempty"`, `Description string json:"description,omitempty"`.
/// A few replies carry no `err_code` (nats-server builds them as literals, e.g. the restore temp
/// storage failure); `errorCode` is then 0 and is left out of the JSON, as Go's omitempty does.
public struct JetStreamAPIError: Error, Sendable, Equatable, Codable, CustomStringConvertible {
    /// HTTP-like status: 400, 404, 408, 500, 503.
    public var code: Int
    /// The JetStream error number (10xxx), JSON `err_code`; 0 when absent.
    public var errorCode: Int
    /// The text, with template tags already substituted.
    public var description: String

    public init(code: Int, errorCode: Int = 0, description: String) {
        self.code = code
        self.errorCode = errorCode
        self.description = description
    }

    enum CodingKeys: String, CodingKey {
        case code
        case errorCode = "err_code"
        case description
    }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        code = try container.decode(Int.self, forKey: .code)
        errorCode = try container.decodeIfPresent(Int.self, forKey: .errorCode) ?? 0
        description = try container.decodeIfPresent(String.self, forKey: .description) ?? ""
    }

    /// Field order and omissions as Go's encoding/json writes `ApiError`.
    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(code, forKey: .code)
        if errorCode != 0 { try container.encode(errorCode, forKey: .errorCode) }
        if !description.isEmpty { try container.encode(description, forKey: .description) }
    }

    /// The exact bytes Go's encoding/json writes for this `ApiError` (field order code, err_code,
    /// description; omitempty; HTML-safe escaping of `<`, `>`, `&` as `\u003c`, `\u003e`, `\u0026`).
    /// Foundation's JSONEncoder gives the same document but neither this key order nor these escapes.
    public var goJSON: String {
        var json = "{\"code\":\(code)"
        if errorCode != 0 { json += ",\"err_code\":\(errorCode)" }
        if !description.isEmpty { json += ",\"description\":" + Self.goQuoted(description) }
        return json + "}"
    }

    /// A JSON string literal as Go's encoding/json writes it with HTML escaping on (its default):
    /// `\"` `\\` `\n` `\r` `\t`, other controls and `<>&`, U+2028, U+2029 as `\u00XX`/`\u20XX`.
    public static func goQuoted(_ string: String) -> String {
        let hex: [Character] = Array("0123456789abcdef")
        var out = "\""
        for scalar in string.unicodeScalars {
            switch scalar {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            case "\r": out += "\\r"
            case "\t": out += "\\t"
            case "<", ">", "&", "\u{2028}", "\u{2029}", "\u{0}"..."\u{1F}":
                let v = Int(scalar.value)
                out += "\\u"
                out.append(hex[(v >> 12) & 0xF]); out.append(hex[(v >> 8) & 0xF])
                out.append(hex[(v >> 4) & 0xF]); out.append(hex[v & 0xF])
            default: out.unicodeScalars.append(scalar)
            }
        }
        return out + "\""
    }

    /// Go's `IsNatsErr`: the same error kind (same `err_code`), whatever the substituted text.
    public func isSameKind(as other: JetStreamAPIError) -> Bool {
        errorCode != 0 && errorCode == other.errorCode
    }

    /// Go's `Unless(err)` option, which nearly every wrapping call site in nats-server passes:
    /// `error` itself when it already is a JetStreamAPIError, otherwise `wrap` applied to its text
    /// (e.g. `JetStreamAPIError.unless(error, else: JetStreamAPIError.streamCreate)`).
    public static func unless(_ error: any Error, else wrap: (String) -> JetStreamAPIError) -> JetStreamAPIError {
        if let apiError = error as? JetStreamAPIError { return apiError }
        return wrap(String(describing: error))
    }
}

'''


def load(ref):
    text = subprocess.run(
        ["git", "-C", MIRROR, "show", f"{ref}:server/errors.json"],
        check=True, capture_output=True, text=True,
    ).stdout
    return json.loads(text)


def swift_name(constant):
    name = constant
    assert name.startswith("JS"), constant
    name = name[2:]
    for suffix in ("ErrF", "Err", "F"):
        if name.endswith(suffix):
            name = name[: -len(suffix)]
            break
    return name[0].lower() + name[1:]


def swift_string(s):
    out = []
    for ch in s:
        if ch == "\\":
            out.append("\\\\")
        elif ch == '"':
            out.append('\\"')
        elif ch == "\n":
            out.append("\\n")
        elif ord(ch) < 0x20:
            out.append("\\u{%x}" % ord(ch))
        else:
            out.append(ch)
    return '"' + "".join(out) + '"'


def tags_of(description):
    return sorted(TAG_RE.findall(description))


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--ref", default="v2.10.22")
    ap.add_argument("--also", default="v2.9.10")
    ap.add_argument("--out", default=DEFAULT_OUT)
    args = ap.parse_args()

    entries = sorted(load(args.ref), key=lambda e: e["error_code"])
    codes = [e["error_code"] for e in entries]
    first = codes[0]
    assert codes == list(range(first, first + len(codes))), "err_codes not contiguous"
    older = {e["constant"]: e for e in load(args.also)}
    current = {e["constant"]: e for e in entries}
    for constant, e in older.items():
        n = current.get(constant)
        assert n is not None, f"{constant} of {args.also} missing in {args.ref}"
        for key in ("code", "error_code", "description"):
            assert n[key] == e[key], f"{constant}.{key} differs between {args.also} and {args.ref}"
    names = [swift_name(e["constant"]) for e in entries]
    assert len(set(names)) == len(names), "duplicate Swift names"
    for alias, target in ALIASES.items():
        assert target in names and alias not in names, (alias, target)

    L = []
    w = L.append
    w(f"// Generated by generate_errors.py from nats-server {args.ref} server/errors.json")
    w(f"// ({len(entries)} entries; every entry of {args.also} is included unchanged). Do not edit by hand:")
    w("// change the generator and run it again.")
    w("")
    L.extend(PRELUDE.rstrip("\n").split("\n"))
    w("")
    w("extension JetStreamAPIError {")
    w("    /// One row of nats-server's server/errors.json.")
    w("    public struct Entry: Sendable, Equatable {")
    w("        /// The Go constant, e.g. `JSStreamNotFoundErr`.")
    w("        public let constant: String")
    w("        public let code: Int")
    w("        public let errorCode: Int")
    w("        /// The template: `{err}`, `{seq}`, `{subject}`... are substituted by the constructors.")
    w("        public let template: String")
    w("    }")
    w("")
    w(f"    /// Every entry of errors.json ({args.ref}), sorted by `errorCode`, which is contiguous from")
    w(f"    /// {first} to {codes[-1]} (nats-server's generator refuses gaps).")
    w("    public static let table: [Entry] = [")
    for e in entries:
        w(f"        Entry(constant: {swift_string(e['constant'])}, code: {e['code']}, errorCode: {e['error_code']}, "
          f"template: {swift_string(e['description'])}),")
    w("    ]")
    w("")
    w("    /// The table entry for an `err_code`, or nil.")
    w("    public static func entry(errorCode: Int) -> Entry? {")
    w(f"        let index = errorCode - {first}")
    w("        return table.indices.contains(index) ? table[index] : nil")
    w("    }")
    w("")
    w("    /// The table entry named by its Go constant (`JSStreamNotFoundErr`), or nil.")
    w("    public static func entry(constant: String) -> Entry? {")
    w("        table.first { $0.constant == constant }")
    w("    }")
    w("")
    w("    /// The error of an entry, its template run through one pass of replacements (Go's")
    w("    /// `strings.NewReplacer(\"{tag}\", value, ...).Replace`: leftmost match first, substituted")
    w("    /// text is not scanned again).")
    w("    public init(_ entry: Entry, _ replacements: [(tag: String, value: String)] = []) {")
    w("        self.init(code: entry.code, errorCode: entry.errorCode, description: Self.replace(entry.template, replacements))")
    w("    }")
    w("")
    w("    static func replace(_ template: String, _ replacements: [(tag: String, value: String)]) -> String {")
    w("        if replacements.isEmpty { return template }")
    w("        var result = \"\"")
    w("        var rest = Substring(template)")
    w("        scan: while let open = rest.firstIndex(of: \"{\") {")
    w("            result += rest[..<open]")
    w("            let candidate = rest[open...]")
    w("            for (tag, value) in replacements where candidate.hasPrefix(tag) {")
    w("                result += value")
    w("                rest = candidate.dropFirst(tag.count)")
    w("                continue scan")
    w("            }")
    w("            result.append(\"{\")")
    w("            rest = candidate.dropFirst()")
    w("        }")
    w("        return result + rest")
    w("    }")
    w("")
    w(f"    private static func make(_ errorCode: Int, _ replacements: [(tag: String, value: String)] = []) -> JetStreamAPIError {{")
    w("        JetStreamAPIError(table[errorCode - " + str(first) + "], replacements)")
    w("    }")
    w("")
    w("    // MARK: One constructor per entry, in table order. Template tags become parameters in Go's")
    w("    // order (sorted by tag name): {err} -> String (Go passes err.Error()), {seq} -> UInt64,")
    w("    // anything else -> a value printed like Go's %v (pass durations already in Go's form).")
    for e, name in zip(entries, names):
        w("")
        comment = e["comment"] or ""
        desc = e["description"]
        w(f"    /// {e['constant']} ({e['code']}, {e['error_code']}): \"{desc}\"" + (f" — {comment}" if comment else ""))
        if e["deprecates"]:
            w(f"    /// Replaces Go's older `{e['deprecates']}`.")
        tags = tags_of(desc)
        if not tags:
            w(f"    public static let {name} = make({e['error_code']})")
            continue
        params = []
        pairs = []
        for tag in tags:
            label, typ = TAG_PARAM.get(tag, (tag, "some CustomStringConvertible"))
            params.append((label, typ))
            value = label if typ == "String" else f"String(describing: {label})"
            pairs.append(f"(\"{{{tag}}}\", {value})")
        if len(params) == 1:
            sig = f"_ {params[0][0]}: {params[0][1]}"
        else:
            sig = ", ".join(f"{label}: {typ}" for label, typ in params)
        w(f"    public static func {name}({sig}) -> JetStreamAPIError {{")
        w(f"        make({e['error_code']}, [{', '.join(pairs)}])")
        w("    }")
    w("")
    w("    // MARK: Replies nats-server builds without an errors.json entry (no err_code).")
    w("")
    w("    /// jetstream_api.go, snapshot restore: `&ApiError{Code: 503, Description: ...}`.")
    w("    public static let restoreTempStorageFailed = JetStreamAPIError(")
    w("        code: 503, description: \"JetStream unable to create temp storage for restore\")")
    w("")
    w("    // MARK: Names the engine used before this table existed (same values).")
    by_name = dict(zip(names, entries))
    for alias, target in ALIASES.items():
        tags = tags_of(by_name[target]["description"])
        assert not tags, alias
        w("")
        w(f"    /// Same as `{target}`.")
        w(f"    public static var {alias}: JetStreamAPIError {{ {target} }}")
    w("}")
    w("")
    with open(args.out, "w") as f:
        f.write("\n".join(L))
    print(f"wrote {args.out}: {len(entries)} entries, {len(ALIASES)} aliases", file=sys.stderr)


if __name__ == "__main__":
    main()

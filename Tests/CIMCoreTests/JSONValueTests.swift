import CIMCore
import Foundation
import Testing

@Suite("JSONValue: strict parsing and tree decoding")
struct JSONValueTests {
    @Test("numbers keep their text and decode to the double that text denotes")
    func numbers() throws {
        let texts = ["0.1", "0.549", "38.68", "1.7976931348623157e308", "5e-324", "-0", "2.2250738585072011e-308", "70", "1E2"]
        let v = try JSONValue.parse(Array(("[" + texts.joined(separator: ",") + "]").utf8))
        #expect(v == .array(texts.map { .number($0) }))
        var d = JSONTreeDecoder()
        let xs = try d.decode([Double].self, from: v)
        #expect(xs.map(\.bitPattern) == texts.map { Double($0)!.bitPattern })
        #expect(xs[5].sign == .minus)
        #expect(try d.decode([Int].self, from: .array([.number("64"), .number("64.0"), .number("-1e2")])) == [64, 64, -100])
        #expect(throws: DecodingError.self) { try d.decode(Int.self, from: .number("9223372036854775808")) }
        #expect(throws: DecodingError.self) { try d.decode(UInt8.self, from: .number("256")) }
        #expect(throws: DecodingError.self) { try d.decode(Double.self, from: .number("1e309")) }
    }

    @Test("strings: escapes, surrogate pairs and raw UTF-8; invalid input is refused with its position",
          arguments: [
            (#""a\"b\\c\/d\n\u00e9\ud83d\ude00 µ""#, "a\"b\\c/d\né😀 µ", ""),
            (#""\ud83d""#, nil, "line 1, column 8: unpaired surrogate"),
            ("\"a\nb\"", nil, "line 1, column 3: control character in a string"),
            (#""\x""#, nil, "invalid escape '\\x'"),
            ("[1,]", nil, "line 1, column 4: unexpected character ']'"),
            ("01", nil, "line 1, column 2: unexpected text after the JSON value"),
            ("NaN", nil, "unexpected character 'N'"),
            ("tru", nil, "invalid literal (expected true)"),
            ("\"abc", nil, "unterminated string"),
          ] as [(String, String?, String)])
    func strings(text: String, value: String?, expected: String) {
        do {
            let v = try JSONValue.parse(Array(text.utf8))
            #expect(v == .string(value ?? "<error expected>"))
        } catch {
            #expect(value == nil && error.description.contains(expected), "\(error.description)")
        }
    }

    @Test("invalid UTF-8 is refused")
    func invalidUTF8() {
        #expect(throws: JSONValue.SyntaxError.self) { try JSONValue.parse([0x22, 0xFF, 0x22]) }
    }

    @Test("the decoder reports the keys a type did not read, and paths in its errors")
    func unread() throws {
        struct Inner: Decodable { var a: Int; var b: Double? }
        struct Outer: Decodable { var inner: Inner; var list: [Inner] }
        let v = try JSONValue.parse(Array(#"{"inner": {"a": 1, "c": 2}, "list": [{"a": 2, "b": 0.5, "d": true}], "e": null}"#.utf8))
        var d = JSONTreeDecoder()
        let o = try d.decode(Outer.self, from: v)
        #expect(o.inner.a == 1 && o.list[0].b == 0.5)
        #expect(d.unreadKeyPaths(in: v) == [["e"], ["inner", "c"], ["list", "0", "d"]])
        let bad = try JSONValue.parse(Array(#"{"inner": {"a": "1"}, "list": []}"#.utf8))
        do {
            _ = try d.decode(Outer.self, from: bad)
            Issue.record("no error")
        } catch {
            #expect(JSONTreeDecoder.describe(error) == #"inner.a: expected an integer, found "1""#)
        }
    }

    @Test("replacing and removing values at key paths")
    func replacing() throws {
        let v = try JSONValue.parse(Array(#"{"a": {"b": 1}, "c": [1, {"d": 2}]}"#.utf8))
        #expect(v.replacing(["a", "b"], with: .number("3"))?[["a", "b"]] == .number("3"))
        #expect(v.replacing(["a", "b"], with: nil)?[["a"]] == .object([:]))
        #expect(v.replacing(["c", "1", "d"], with: .bool(true))?[["c", "1", "d"]] == .bool(true))
        #expect(v.replacing(["x", "y"], with: .null) == nil)
        #expect(v.text == #"{"a":{"b":1},"c":[1,{"d":2}]}"#)
    }
}

import Foundation
import Testing
import SluiceCore

/// Each kind of configuration value: unset and empty give the default, a good value is read, a
/// bad one is an error that names the variable, the value and what is accepted.
@Suite struct ConfigurationTests {
    enum Colour: String, CaseIterable, Sendable { case red, green, blue }

    @Test func stringsAndPathsTreatEmptyAsUnset() {
        let env = Configuration(["A": "x", "EMPTY": "", "DIR": "/var/tmp"])
        #expect(env.string("A") == "x")
        #expect(env.string("EMPTY") == nil)
        #expect(env.string("MISSING") == nil)
        #expect(env.string("EMPTY", default: "d") == "d")
        #expect(env.path("DIR") == URL(fileURLWithPath: "/var/tmp"))
        #expect(env.path("EMPTY") == nil)
    }

    @Test func wholeNumbersInTheirRange() throws {
        let env = Configuration(["N": "7", "EMPTY": "", "WORD": "two", "BIG": "65", "NEG": "-1", "FRACTION": "2.5"])
        #expect(try env.integer("N", default: 2, in: 1...64) == 7)
        #expect(try env.integer("EMPTY", default: 2, in: 1...64) == 2)
        #expect(try env.integer("MISSING", default: Int32(3), in: 1...Int32.max) == 3)
        #expect(throws: ConfigurationError(variable: "WORD", value: "two", expected: "a whole number from 1 to 64")) {
            try env.integer("WORD", default: 2, in: 1...64)
        }
        for name in ["BIG", "NEG", "FRACTION"] {
            #expect(throws: ConfigurationError.self) { try env.integer(name, default: 2, in: 1...64) }
        }
        let error = ConfigurationError(variable: "SLUICE_WRITERS", value: "two", expected: "a whole number from 1 to 64")
        #expect(error.description == "SLUICE_WRITERS=two: expected a whole number from 1 to 64")
    }

    @Test func choicesByName() throws {
        let env = Configuration(["C": "green", "BAD": "Green", "EMPTY": ""])
        #expect(try env.choice("C", default: Colour.red) == .green)
        #expect(try env.choice("EMPTY", default: Colour.blue) == .blue)
        #expect(throws: ConfigurationError(variable: "BAD", value: "Green", expected: "red, green or blue")) {
            try env.choice("BAD", default: Colour.red)
        }
        #expect(throws: ConfigurationError(variable: "C", value: "green", expected: "red or blue")) {
            try env.choice("C", default: Colour.red, of: [.red, .blue])
        }
    }

    @Test func valuesThroughTheirOwnParser() throws {
        let env = Configuration(["RATIO": "0.5", "BAD": "half"])
        let ratio = { (text: String) in Double(text).flatMap { (0...1).contains($0) ? $0 : nil } }
        #expect(try env.value("RATIO", default: 1.0, expected: "a number from 0 to 1", parse: ratio) == 0.5)
        #expect(try env.value("MISSING", default: 1.0, expected: "a number from 0 to 1", parse: ratio) == 1.0)
        #expect(throws: ConfigurationError(variable: "BAD", value: "half", expected: "a number from 0 to 1")) {
            try env.value("BAD", default: 1.0, expected: "a number from 0 to 1", parse: ratio)
        }
    }
}

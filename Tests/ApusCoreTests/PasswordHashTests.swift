import ApusCore
import Testing

/// htpasswd hashes as `htpasswd` and `openssl passwd` write them (made with
/// `openssl passwd -apr1/-1/-5/-6 -salt ...` and Python's crypt for bcrypt and DES).
@Suite struct PasswordHashTests {
    static let vectors: [(hash: String, password: String)] = [
        ("$apr1$rP8Xc0Ue$fwBJI2YnUtEnPOMUNnua1.", "secret1"),
        ("$5$abcdefgh$wWSyPlKTzFUHfIwkmGM/hIlQGeKknJQ5dNUaz3L1J91", "secret2"),
        ("$6$abcdefgh$86JQsu66XRhBIE.0uFgbn45x0HK7Qvobn1BS1SjvDeQ9EqnAKIqORDUVL9wwCUyhQjkf/CRrOYN1Pct/aiwqI1", "secret3"),
        ("$1$abcdefgh$D1/9FtXjLJcawBUTlVWUR1", "secret4"),
        ("$2b$05$0VjcntZqvaEeZ0TFQL3Qreg/W1hlvJiHrM908dhgI2.fN/qaCca/S", "secret5"),
        // htpasswd -B writes $2y$, the same algorithm.
        ("$2y$05$0VjcntZqvaEeZ0TFQL3Qreg/W1hlvJiHrM908dhgI2.fN/qaCca/S", "secret5"),
        ("{SHA}NSIKr+5ZMMKFCatHd+QmGlIwagA=", "secret6"),
        ("ab3jmfW1.4OAY", "secret7"),
    ]

    func verifies(_ hash: PasswordHash, _ password: String) -> Bool {
        Array(password.utf8).withUnsafeBytes { hash.verifies($0) }
    }

    @Test func everyKindVerifiesItsPasswordAndNoOther() throws {
        for (text, password) in Self.vectors {
            let hash = try PasswordHash.parse(text).get()
            #expect(verifies(hash, password), "\(text)")
            #expect(!verifies(hash, password + "x"), "\(text)")
            #expect(!verifies(hash, ""), "\(text)")
            #expect(!verifies(hash, String(password.dropLast())), "\(text)")
        }
    }

    @Test func aPasswordWithANulByteNeverMatchesACryptHash() throws {
        let hash = try PasswordHash.parse("$5$abcdefgh$wWSyPlKTzFUHfIwkmGM/hIlQGeKknJQ5dNUaz3L1J91").get()
        #expect(!verifies(hash, "secret2\u{0}tail"))
    }

    @Test func unusableHashesAreNamed() {
        #expect(PasswordHash.parse("") == .failure(.empty))
        #expect(PasswordHash.parse("{PLAIN}secret") == .failure(.unsupported("{PLAIN}")))
        #expect(PasswordHash.parse("{SHA}notbase64!") == .failure(.malformed("{SHA}")))
        #expect(PasswordHash.parse("$apr1$toolongsalt$fwBJI2YnUtEnPOMUNnua1.") == .failure(.malformed("$apr1$")))
        #expect(PasswordHash.parse("$apr1$rP8Xc0Ue$short") == .failure(.malformed("$apr1$")))
        if case .success = PasswordHash.parse("$5$abcdefgh$") { Issue.record("a setting without its hash was taken for a hash") }
        if case .success = PasswordHash.parse("$9$whatever") { Issue.record("an unknown method was accepted") }
        if case .success = PasswordHash.parse("plain-text-password") { Issue.record("plain text was taken for DES") }
    }

    @Test func htpasswdLinesSkipWhatCannotBeUsed() {
        let text = """
        # staff
        alice:$apr1$rP8Xc0Ue$fwBJI2YnUtEnPOMUNnua1.\r
        bob:{PLAIN}secret

        nocolon
        :$1$abcdefgh$D1/9FtXjLJcawBUTlVWUR1
        alice:{SHA}NSIKr+5ZMMKFCatHd+QmGlIwagA=
        carol:$1$abcdefgh$D1/9FtXjLJcawBUTlVWUR1:comment
        """
        let (users, problems) = Htpasswd.parse(text)
        #expect(Set(users.keys) == ["alice", "carol"])
        // The first line for a name wins.
        if let alice = users["alice"] { #expect(verifies(alice, "secret1")) }
        if let carol = users["carol"] { #expect(verifies(carol, "secret4")) }
        #expect(problems.map(\.line) == [3, 5, 6])
        #expect(problems[0].message.contains("bob") && !problems[0].message.contains("secret"))
    }

    @Test func strictBase64() {
        #expect(Base64.decode(Array("YWxpY2U6c2VjcmV0MQ==".utf8)) == Array("alice:secret1".utf8))
        #expect(Base64.decode(Array("YQ==".utf8)) == [0x61])
        #expect(Base64.decode(Array("YWI=".utf8)) == [0x61, 0x62])
        #expect(Base64.decode(Array("".utf8)) == [])
        #expect(Base64.decode(Array("YQ=".utf8)) == nil)
        #expect(Base64.decode(Array("YR==".utf8)) == nil)
        #expect(Base64.decode(Array("Y===".utf8)) == nil)
        #expect(Base64.decode(Array("YQ==YQ==".utf8)) == nil)
        #expect(Base64.decode(Array("YW Jj".utf8)) == nil)
    }
}

extension PasswordHashTests {
    /// A hash that would block a worker (or the controller) for seconds is refused up front.
    @Test func tooCostlyHashesAreRefused() {
        let costly = "$2b$13$0VjcntZqvaEeZ0TFQL3Qreg/W1hlvJiHrM908dhgI2.fN/qaCca/S"
        #expect(PasswordHash.parse(costly) == .failure(.tooCostly("$2b$")))
        let rounds = "$6$rounds=5000000$abcdefgh$86JQsu66XRhBIE.0uFgbn45x0HK7Qvobn1BS1SjvDeQ9EqnAKIqORDUVL9wwCUyhQjkf/CRrOYN1Pct/aiwqI1"
        #expect(PasswordHash.parse(rounds) == .failure(.tooCostly("$6$")))
        if case .failure(let problem) = PasswordHash.parse("$6$rounds=6000$abcdefgh$86JQsu66XRhBIE.0uFgbn45x0HK7Qvobn1BS1SjvDeQ9EqnAKIqORDUVL9wwCUyhQjkf/CRrOYN1Pct/aiwqI1") {
            Issue.record("a modest round count was refused: \(problem)")
        }
    }
}

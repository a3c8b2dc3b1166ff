package broker

import (
	"bytes"
	"crypto/pbkdf2"
	"crypto/rand"
	"crypto/sha512"
	"encoding/base64"
	"fmt"
	"strings"
)

// Mosquitto 2.0's password hash: "$7$" is PBKDF2 with HMAC-SHA512, here with
// mosquitto_passwd's default iteration count and salt length. Mosquitto
// drops an entry whose hash is not 64 bytes or whose salt is not 12 (or 64).
const (
	pwIterations = 101
	pwSaltLen    = 12
	pwHashLen    = 64
)

// MosquittoACL writes the access rules of the accounts as a Mosquitto
// acl_file: a "user" block per account with the topic lines that Allowed
// applies. Mosquitto checks these lines when a message is published and when
// it is delivered, not when a client subscribes (see the package doc).
//
// An invalid account, or a second account with the same username, gets no
// block but a comment saying why, so it may do nothing; MosquittoPasswords
// refuses the same list with an error.
func MosquittoACL(accounts []Account) []byte {
	var b bytes.Buffer
	b.WriteString("# Mosquitto acl_file written by controller/broker.MosquittoACL.\n")
	b.WriteString("# Regenerate it from the centre's accounts rather than editing it.\n")
	seen := make(map[string]bool, len(accounts))
	for i, a := range accounts {
		if err := a.Validate(); err != nil {
			fmt.Fprintf(&b, "\n# account %d left out: %s\n", i, commentSafe(err.Error()))
			continue
		}
		if seen[a.Username] {
			fmt.Fprintf(&b, "\n# account %d left out: username %s used twice\n", i, a.Username)
			continue
		}
		seen[a.Username] = true
		fmt.Fprintf(&b, "\nuser %s\n", a.Username)
		for _, r := range a.rules() {
			access := "read"
			switch {
			case r.read && r.write:
				access = "readwrite"
			case r.write:
				access = "write"
			}
			fmt.Fprintf(&b, "topic %s %s\n", access, r.filter)
		}
	}
	return b.Bytes()
}

// commentSafe keeps an error message on one comment line: an invalid account
// may carry a newline in its username.
func commentSafe(s string) string {
	return strings.Map(func(r rune) rune {
		if r == '\n' || r == '\r' {
			return ' '
		}
		return r
	}, s)
}

// MosquittoPasswords writes the accounts as a Mosquitto 2.0 password_file,
// one "username:$7$101$<salt>$<hash>" line each, the format mosquitto_passwd
// writes: PBKDF2-HMAC-SHA512 with 101 iterations, a random 12-byte salt and a
// 64-byte hash, both in standard base64. Every call draws new salts.
func MosquittoPasswords(accounts []Account) ([]byte, error) {
	if err := checkAccounts(accounts); err != nil {
		return nil, fmt.Errorf("MosquittoPasswords: %w", err)
	}
	var b bytes.Buffer
	for _, a := range accounts {
		salt := make([]byte, pwSaltLen)
		if _, err := rand.Read(salt); err != nil {
			return nil, fmt.Errorf("MosquittoPasswords: rand.Read: %w", err)
		}
		hash, err := pbkdf2.Key(sha512.New, a.Password, salt, pwIterations, pwHashLen)
		if err != nil {
			return nil, fmt.Errorf("MosquittoPasswords: pbkdf2.Key: %w", err)
		}
		fmt.Fprintf(&b, "%s:$7$%d$%s$%s\n", a.Username, pwIterations,
			base64.StdEncoding.EncodeToString(salt), base64.StdEncoding.EncodeToString(hash))
	}
	return b.Bytes(), nil
}

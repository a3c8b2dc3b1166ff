package broker

import (
	"errors"
	"fmt"
	"strings"

	"github.com/sothutu/sothutu/protocol"
)

// ErrAccount is wrapped by every error about an account or a list of
// accounts: a missing or malformed field, or a username used twice.
var ErrAccount = errors.New("invalid broker account")

// Account is a username and password the broker accepts, and the part of the
// topic tree it opens.
type Account struct {
	Username string
	Password string
	// Centre is the centre id: the account reaches only qs/v1/<Centre>/.
	Centre string
	// Device is the device id of a kiosk, counter terminal or display, and
	// must equal Username. It is empty for the controller.
	Device string
}

// Validate checks that the account can be written to a Mosquitto password
// and ACL file unchanged and that its ids are valid topic levels, so that no
// id can smuggle a wildcard or another level into a rule.
func (a Account) Validate() error {
	if err := protocol.CheckID("username", a.Username); err != nil {
		return fmt.Errorf("%w: %w", ErrAccount, err)
	}
	if err := protocol.CheckID("centre", a.Centre); err != nil {
		return fmt.Errorf("%w: %s: %w", ErrAccount, a.Username, err)
	}
	if a.Device != "" {
		if err := protocol.CheckID("device", a.Device); err != nil {
			return fmt.Errorf("%w: %s: %w", ErrAccount, a.Username, err)
		}
		if a.Device != a.Username {
			return fmt.Errorf("%w: %s: device %q must use its device id as username", ErrAccount, a.Username, a.Device)
		}
	}
	if a.Password == "" {
		return fmt.Errorf("%w: %s: empty password", ErrAccount, a.Username)
	}
	if strings.ContainsRune(a.Password, 0) {
		// Mosquitto compares passwords as C strings.
		return fmt.Errorf("%w: %s: password contains a NUL byte", ErrAccount, a.Username)
	}
	return nil
}

// checkAccounts validates every account and refuses a username used twice: a
// Mosquitto ACL merges the rules of blocks with the same username.
func checkAccounts(accounts []Account) error {
	seen := make(map[string]bool, len(accounts))
	for _, a := range accounts {
		if err := a.Validate(); err != nil {
			return err
		}
		if seen[a.Username] {
			return fmt.Errorf("%w: username %q used twice", ErrAccount, a.Username)
		}
		seen[a.Username] = true
	}
	return nil
}

// rule is one line of an account's access list: a topic filter and what the
// account may do with the topics it matches.
type rule struct {
	filter      string
	read, write bool
}

// rules is the access list of a valid account, the one source of both
// Allowed and MosquittoACL.
func (a Account) rules() []rule {
	c := a.Centre
	if a.Device == "" {
		return []rule{{filter: centreFilter(c), read: true, write: true}}
	}
	d := a.Device
	return []rule{
		{filter: protocol.RequestTopic(c, d), write: true},
		{filter: protocol.PresenceTopic(c, d), read: true, write: true},
		{filter: protocol.ReplyTopic(c, d), read: true},
		{filter: protocol.StatePrefix(c) + "#", read: true},
		{filter: protocol.EventPrefix(c) + "#", read: true},
	}
}

// centreFilter matches the whole tree of a centre, qs/v1/<centre>/#. The
// protocol package exports the prefixes of the state/ and event/ trees but
// not the centre's own, the parent of both.
func centreFilter(centre string) string {
	return strings.TrimSuffix(protocol.StatePrefix(centre), "state/") + "#"
}

// Allowed reports whether the account may publish to topic (write) or
// subscribe to it and receive messages published on it (read). For a read,
// topic may be a filter with wildcards: it is allowed only if every topic it
// can match is readable, so qs/v1/<centre>/state/counter/+ is allowed for a
// device and qs/v1/<centre>/# is not. A write needs a topic name without
// wildcards. An invalid account is allowed nothing.
func (a Account) Allowed(topic string, write bool) bool {
	if a.Validate() != nil || !validFilter(topic) {
		return false
	}
	if write && strings.ContainsAny(topic, "+#") {
		return false
	}
	for _, r := range a.rules() {
		if (write && r.write || !write && r.read) && covers(r.filter, topic) {
			return true
		}
	}
	return false
}

// validFilter reports whether f is a well-formed MQTT topic filter: not
// empty, no NUL, and wildcards only as whole levels, '#' only last. Filters
// starting with '$' ($SYS, $share) are never in the protocol tree.
func validFilter(f string) bool {
	if f == "" || strings.ContainsRune(f, 0) || f[0] == '$' {
		return false
	}
	levels := strings.Split(f, "/")
	for i, l := range levels {
		if strings.ContainsAny(l, "+#") && len(l) != 1 {
			return false
		}
		if l == "#" && i != len(levels)-1 {
			return false
		}
	}
	return true
}

// covers reports whether every topic matched by filter f is also matched by
// filter p, with MQTT matching: '+' matches one level, '#' any number of
// levels including none, so a/# matches a.
func covers(p, f string) bool {
	pl, fl := strings.Split(p, "/"), strings.Split(f, "/")
	for i, l := range pl {
		if l == "#" {
			return true
		}
		if i == len(fl) {
			return false
		}
		switch {
		case fl[i] == "#":
			return false
		case l == "+":
			// Matches any single level, a '+' of f included.
		case fl[i] == "+" || fl[i] != l:
			return false
		}
	}
	return len(fl) == len(pl)
}

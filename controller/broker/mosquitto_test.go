package broker_test

import (
	"bufio"
	"bytes"
	"crypto/pbkdf2"
	"crypto/sha512"
	"encoding/base64"
	"errors"
	"os"
	"os/user"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/sothutu/sothutu/controller/broker"
	"github.com/sothutu/sothutu/protocol"
)

func TestMosquittoACL(t *testing.T) {
	got := string(broker.MosquittoACL([]broker.Account{
		ctl,
		kiosk,
		{Username: "kiosk2", Password: "pw", Centre: hcm, Device: "kiosk9"},
		{Username: "kiosk1", Password: "other", Centre: hn, Device: "kiosk1"},
	}))
	want := `# Mosquitto acl_file written by controller/broker.MosquittoACL.
# Regenerate it from the centre's accounts rather than editing it.

user controller
topic readwrite qs/v1/hcm01/#

user kiosk1
topic write qs/v1/hcm01/dev/kiosk1/req
topic readwrite qs/v1/hcm01/dev/kiosk1/presence
topic read qs/v1/hcm01/dev/kiosk1/reply
topic read qs/v1/hcm01/state/#
topic read qs/v1/hcm01/event/#

# account 2 left out: invalid broker account: kiosk2: device "kiosk9" must use its device id as username

# account 3 left out: username kiosk1 used twice
`
	if got != want {
		t.Errorf("MosquittoACL:\n%s\nwant:\n%s", got, want)
	}
}

// TestMosquittoACLMatchesAllowed reads the generated acl_file the way
// Mosquitto applies it to published and delivered topics, and checks that it
// allows exactly what Allowed allows, for every topic of the protocol tree of
// every account.
func TestMosquittoACLMatchesAllowed(t *testing.T) {
	acl := parseACL(t, broker.MosquittoACL(accounts))
	var topics []string
	for _, c := range []string{hcm, hn, "other"} {
		topics = append(topics,
			protocol.BoardTopic(c), protocol.ControllerTopic(c), protocol.CallTopic(c),
			protocol.CounterTopic(c, "1"), protocol.ServiceTopic(c, "a"),
			"qs/v1/"+c, "qs/v1/"+c+"/state", "qs/v1/"+c+"/dev/x")
		for _, d := range []string{"kiosk1", "counter3", "kiosk-hn", "stranger", "controller"} {
			topics = append(topics,
				protocol.RequestTopic(c, d), protocol.ReplyTopic(c, d),
				protocol.PresenceTopic(c, d), protocol.DevicePrefix(c, d)+"other")
		}
	}
	topics = append(topics, "qs", "qs/v1", "other/topic", "$SYS/broker/uptime")
	for _, a := range accounts {
		for _, topic := range topics {
			for _, write := range []bool{false, true} {
				if got, want := acl.allows(a.Username, topic, write), a.Allowed(topic, write); got != want {
					t.Errorf("acl_file allows %s write=%v on %s: %v, Allowed says %v", a.Username, write, topic, got, want)
				}
			}
		}
	}
}

// acl is an acl_file's topic lines by user.
type acl map[string][]aclLine

type aclLine struct {
	access string // read, write or readwrite
	filter string
}

func parseACL(t *testing.T, data []byte) acl {
	t.Helper()
	a := make(acl)
	user := ""
	s := bufio.NewScanner(bytes.NewReader(data))
	for s.Scan() {
		f := strings.Fields(s.Text())
		switch {
		case len(f) == 0 || strings.HasPrefix(f[0], "#"):
		case len(f) == 2 && f[0] == "user":
			user = f[1]
		case len(f) == 3 && f[0] == "topic" && user != "":
			a[user] = append(a[user], aclLine{access: f[1], filter: f[2]})
		default:
			t.Fatalf("acl_file line %q: not a user or topic line", s.Text())
		}
	}
	return a
}

func (a acl) allows(user, topic string, write bool) bool {
	for _, l := range a[user] {
		ok := l.access == "readwrite" || l.access == "write" && write || l.access == "read" && !write
		if ok && matches(l.filter, topic) {
			return true
		}
	}
	return false
}

// matches is MQTT's matching of a topic name against a filter.
func matches(filter, topic string) bool {
	if strings.HasPrefix(topic, "$") && !strings.HasPrefix(filter, "$") {
		return false
	}
	fl, tl := strings.Split(filter, "/"), strings.Split(topic, "/")
	for i, f := range fl {
		if f == "#" {
			return true
		}
		if i >= len(tl) || f != "+" && f != tl[i] {
			return false
		}
	}
	return len(fl) == len(tl)
}

var passwordLine = regexp.MustCompile(`^([^:]+):\$7\$101\$([A-Za-z0-9+/=]+)\$([A-Za-z0-9+/=]+)$`)

func TestMosquittoPasswords(t *testing.T) {
	data, err := broker.MosquittoPasswords(accounts)
	if err != nil {
		t.Fatalf("MosquittoPasswords: %v", err)
	}
	lines := strings.Split(strings.TrimSuffix(string(data), "\n"), "\n")
	if len(lines) != len(accounts) {
		t.Fatalf("%d lines, want %d:\n%s", len(lines), len(accounts), data)
	}
	salts := make(map[string]bool)
	for i, line := range lines {
		m := passwordLine.FindStringSubmatch(line)
		if m == nil {
			t.Fatalf("line %q is not username:$7$101$salt$hash", line)
		}
		a := accounts[i]
		if m[1] != a.Username {
			t.Errorf("line %d: username %q, want %q", i, m[1], a.Username)
		}
		salt, err := base64.StdEncoding.DecodeString(m[2])
		if err != nil || len(salt) != 12 {
			t.Fatalf("line %d: salt %q: %d bytes, %v; want 12 bytes", i, m[2], len(salt), err)
		}
		if salts[m[2]] {
			t.Errorf("line %d: salt %q used twice", i, m[2])
		}
		salts[m[2]] = true
		hash, err := base64.StdEncoding.DecodeString(m[3])
		if err != nil || len(hash) != 64 {
			t.Fatalf("line %d: hash %q: %d bytes, %v; want 64 bytes", i, m[3], len(hash), err)
		}
		want, err := pbkdf2.Key(sha512.New, a.Password, salt, 101, 64)
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(hash, want) {
			t.Errorf("line %d: hash is not PBKDF2-SHA512 of the password", i)
		}
	}

	again, err := broker.MosquittoPasswords(accounts)
	if err != nil {
		t.Fatalf("MosquittoPasswords: %v", err)
	}
	if bytes.Equal(data, again) {
		t.Errorf("two calls wrote the same file: salts are not random")
	}
}

func TestMosquittoPasswordsRefuses(t *testing.T) {
	cases := []struct {
		name     string
		accounts []broker.Account
	}{
		{"invalid account", []broker.Account{ctl, {Username: "a:b", Password: "pw", Centre: hcm}}},
		{"username twice", []broker.Account{ctl, kiosk, ctl}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			if data, err := broker.MosquittoPasswords(tc.accounts); !errors.Is(err, broker.ErrAccount) {
				t.Fatalf("MosquittoPasswords = %q, %v; want ErrAccount", data, err)
			}
		})
	}
}

func TestMosquittoConfigListener(t *testing.T) {
	cases := []struct {
		listen, want string
		err          bool
	}{
		{listen: "", want: "\nlistener 1883\n"},
		{listen: ":1883", want: "\nlistener 1883\n"},
		{listen: "127.0.0.1:18830", want: "\nlistener 18830 127.0.0.1\n"},
		{listen: "[::1]:1883", want: "\nlistener 1883 ::1\n"},
		{listen: "1883", err: true},
		{listen: ":0", err: true},
		{listen: ":65536", err: true},
		{listen: "host:mqtt", err: true},
	}
	for _, tc := range cases {
		t.Run(tc.listen, func(t *testing.T) {
			got, err := broker.MosquittoConfig(broker.MosquittoOptions{Dir: "/etc/mosquitto/sothutu", Listen: tc.listen})
			if tc.err {
				if !errors.Is(err, broker.ErrMosquittoOptions) {
					t.Fatalf("error %v, want ErrMosquittoOptions", err)
				}
				return
			}
			if err != nil || !strings.Contains(string(got), tc.want) {
				t.Fatalf("config (%v) lacks %q:\n%s", err, tc.want, got)
			}
		})
	}
	got, err := broker.MosquittoConfig(broker.MosquittoOptions{Dir: "/etc/mosquitto/sothutu"})
	if err != nil {
		t.Fatal(err)
	}
	for _, line := range []string{"per_listener_settings false", "allow_anonymous false",
		"password_file /etc/mosquitto/sothutu/passwords", "acl_file /etc/mosquitto/sothutu/acl",
		"use_username_as_clientid true", "set_tcp_nodelay true", "persistence true",
		"persistence_location /var/lib/mosquitto/", "user mosquitto"} {
		if !strings.Contains(string(got), "\n"+line+"\n") {
			t.Errorf("config lacks the line %q:\n%s", line, got)
		}
	}
	if _, err := broker.MosquittoConfig(broker.MosquittoOptions{Dir: "/etc/a\nb"}); !errors.Is(err, broker.ErrMosquittoOptions) {
		t.Errorf("a folder with a line break: %v, want ErrMosquittoOptions", err)
	}
}

// The passwords and acl files go to Mosquitto's group with mode 0640, or,
// without that group, stay private to their owner with a problem that
// says what to run.
func TestWriteMosquitto(t *testing.T) {
	own, err := user.LookupGroupId(strconv.Itoa(os.Getgid()))
	if err != nil {
		t.Skipf("this process's group has no name: %v", err)
	}
	cases := []struct {
		name, group    string
		existing       os.FileMode // 0: the folder is made by WriteMosquitto
		passwords, acl os.FileMode
		dir            os.FileMode
		problems       []string
	}{
		{name: "group", group: own.Name, passwords: 0o640, acl: 0o640, dir: 0o750},
		{name: "no group", group: "no-such-group-sothutu", passwords: 0o600, acl: 0o644, dir: 0o755,
			problems: []string{"there is no group no-such-group-sothutu", "chmod 0640"}},
		{name: "closed folder", group: "no-such-group-sothutu", existing: 0o700, passwords: 0o600, acl: 0o644, dir: 0o700,
			problems: []string{"there is no group", "may not enter", "chmod o+x"}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			dir := filepath.Join(t.TempDir(), "etc", "sothutu")
			if tc.existing != 0 {
				if err := os.MkdirAll(dir, tc.existing); err != nil {
					t.Fatal(err)
				}
			}
			files, err := broker.WriteMosquitto(accounts, broker.MosquittoOptions{Dir: dir, Group: tc.group})
			if err != nil {
				t.Fatal(err)
			}
			problems := strings.Join(files.Problems, "\n")
			for _, want := range tc.problems {
				if !strings.Contains(problems, want) {
					t.Errorf("problems %q lack %q", files.Problems, want)
				}
			}
			if len(tc.problems) == 0 && len(files.Problems) > 0 {
				t.Errorf("problems %q, want none", files.Problems)
			}
			for path, want := range map[string]os.FileMode{files.Passwords: tc.passwords, files.ACL: tc.acl, dir: tc.dir,
				files.Config: 0o644} {
				info, err := os.Stat(path)
				if err != nil {
					t.Fatal(err)
				}
				if got := info.Mode().Perm(); got != want {
					t.Errorf("%s: mode %04o, want %04o", path, got, want)
				}
			}
			if tc.passwords == 0o640 && files.Group != tc.group {
				t.Errorf("Group %q, want %q", files.Group, tc.group)
			}
			conf, _ := os.ReadFile(files.Config)
			if !strings.Contains(string(conf), "\npassword_file "+files.Passwords+"\n") {
				t.Errorf("mosquitto.conf does not name %s:\n%s", files.Passwords, conf)
			}
			entries, _ := os.ReadDir(dir)
			if len(entries) != 3 {
				t.Errorf("%d files in %s, want mosquitto.conf, passwords and acl only", len(entries), dir)
			}
		})
	}
}

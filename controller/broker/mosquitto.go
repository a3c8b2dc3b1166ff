package broker

import (
	"bytes"
	"crypto/pbkdf2"
	"crypto/rand"
	"crypto/sha512"
	"encoding/base64"
	"errors"
	"fmt"
	"io/fs"
	"net"
	"os"
	"os/user"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
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

// MosquittoOptions says where WriteMosquitto writes and how Mosquitto is
// run.
type MosquittoOptions struct {
	// Dir receives mosquitto.conf, passwords and acl; it is created if
	// missing. The configuration names the files by absolute path.
	Dir string
	// Listen is Mosquitto's listener as host:port: ":1883" listens on every
	// interface, "127.0.0.1:1883" on loopback only. ":1883" if empty.
	Listen string
	// User is the user Mosquitto, started as root, runs as; Group is the
	// group given the passwords and acl files so that it can read them.
	// Both "mosquitto" (Debian's package) if empty.
	User, Group string
	// PersistenceDir keeps retained messages and queued QoS 1 messages
	// across restarts; "/var/lib/mosquitto/" (Debian's, the mosquitto
	// user's) if empty.
	PersistenceDir string
}

// MosquittoFiles is what WriteMosquitto wrote.
type MosquittoFiles struct {
	Config, Passwords, ACL string // absolute paths
	// Group is the group the passwords and acl files belong to, and may
	// read them; empty when it could not be given.
	Group string
	// Problems say what keeps Mosquitto's user from reading the files and
	// what to do about it; none when it can.
	Problems []string
}

func (o *MosquittoOptions) defaults() {
	if o.Listen == "" {
		o.Listen = ":1883"
	}
	if o.User == "" {
		o.User = "mosquitto"
	}
	if o.Group == "" {
		o.Group = "mosquitto"
	}
	if o.PersistenceDir == "" {
		o.PersistenceDir = "/var/lib/mosquitto/"
	}
}

// MosquittoConfig is a complete mosquitto.conf for a centre: the listener,
// no anonymous clients, the password_file and acl_file in dir, client ids
// replaced by usernames, Nagle off and persistence on. Mosquitto 2.0 takes
// it as is: mosquitto -c <dir>/mosquitto.conf.
func MosquittoConfig(opts MosquittoOptions) ([]byte, error) {
	opts.defaults()
	dir, err := filepath.Abs(opts.Dir)
	if err != nil {
		return nil, fmt.Errorf("MosquittoConfig: %w", err)
	}
	listener, err := mosquittoListener(opts.Listen)
	if err != nil {
		return nil, fmt.Errorf("MosquittoConfig: %w", err)
	}
	for what, value := range map[string]string{"folder": dir, "persistence folder": opts.PersistenceDir,
		"user": opts.User} {
		if strings.ContainsAny(value, "\n\r") || strings.TrimSpace(value) != value {
			return nil, fmt.Errorf("MosquittoConfig: %w: the %s %q has a line break or spaces at an end, which mosquitto.conf cannot hold",
				ErrMosquittoOptions, what, value)
		}
	}
	var b strings.Builder
	fmt.Fprintf(&b, `# Mosquitto configuration of a centre, written by controller -write-mosquitto
# with the password_file and acl_file beside it. Write the three again after
# changing the centre's devices; Mosquitto reads the files again on SIGHUP.
# Start Mosquitto as root, which then runs as the user below:
#
#   mosquitto -c %[1]s
#
# or as Debian's service, with deploy/mosquitto/sothutu.conf.

# One set of rules for every listener.
per_listener_settings false
listener %[2]s
allow_anonymous false
password_file %[3]s
acl_file %[4]s
# A client's id becomes its username: no device can take over another
# device's session (the acl_file cannot check client ids).
use_username_as_clientid true
# Mosquitto leaves Nagle on by default: a request and its reply on loopback
# then take about 44 ms instead of a fraction of a millisecond.
set_tcp_nodelay true
# Retained states and the messages queued for offline devices survive a
# restart of Mosquitto.
persistence true
persistence_location %[5]s
user %[6]s
log_dest stderr
`, filepath.Join(dir, "mosquitto.conf"), listener, filepath.Join(dir, "passwords"), filepath.Join(dir, "acl"),
		opts.PersistenceDir, opts.User)
	return []byte(b.String()), nil
}

// ErrMosquittoOptions is wrapped by MosquittoConfig's and WriteMosquitto's
// errors for options Mosquitto cannot be configured with.
var ErrMosquittoOptions = errors.New("invalid Mosquitto options")

// mosquittoListener turns host:port into mosquitto.conf's "port [host]".
func mosquittoListener(listen string) (string, error) {
	host, port, err := net.SplitHostPort(listen)
	if err != nil {
		return "", fmt.Errorf("%w: listener %q: %v; want host:port such as :1883 or 127.0.0.1:1883", ErrMosquittoOptions, listen, err)
	}
	if n, err := strconv.Atoi(port); err != nil || n < 1 || n > 65535 {
		return "", fmt.Errorf("%w: listener %q: port %q is not a number from 1 to 65535", ErrMosquittoOptions, listen, port)
	}
	if host == "" {
		return port, nil
	}
	if strings.ContainsAny(host, " \t\n\r") {
		return "", fmt.Errorf("%w: listener %q: the host has spaces", ErrMosquittoOptions, listen)
	}
	return port + " " + host, nil
}

// WriteMosquitto writes mosquitto.conf (MosquittoConfig), passwords
// (MosquittoPasswords) and acl (MosquittoACL) into opts.Dir, each through a
// temporary file renamed into place, so that a Mosquitto reloading them
// never reads half a file.
//
// Mosquitto reads the passwords and acl files after it has switched to its
// own user, so they are given opts.Group with mode 0640 (the folder, when
// made here, too, with 0750); the passwords are hashes, never readable by
// all. When the group does not exist or cannot be given, the passwords
// file is 0600 and the acl 0644, and Problems says what to run.
func WriteMosquitto(accounts []Account, opts MosquittoOptions) (MosquittoFiles, error) {
	opts.defaults()
	var files MosquittoFiles
	conf, err := MosquittoConfig(opts)
	if err != nil {
		return files, fmt.Errorf("WriteMosquitto: %w", err)
	}
	passwords, err := MosquittoPasswords(accounts)
	if err != nil {
		return files, fmt.Errorf("WriteMosquitto: %w", err)
	}
	dir, err := filepath.Abs(opts.Dir)
	if err != nil {
		return files, fmt.Errorf("WriteMosquitto: %w", err)
	}
	gid := -1
	if g, err := user.LookupGroup(opts.Group); err == nil {
		gid, _ = strconv.Atoi(g.Gid)
	} else {
		files.Problems = append(files.Problems, fmt.Sprintf(
			"there is no group %s here (is Mosquitto installed? apt-get install -y mosquitto): make %s and %s readable by the user Mosquitto runs as, for example chgrp <its group> %[2]s %[3]s && chmod 0640 %[2]s %[3]s",
			opts.Group, filepath.Join(dir, "passwords"), filepath.Join(dir, "acl")))
	}
	if err := os.MkdirAll(filepath.Dir(dir), 0o755); err != nil {
		return files, fmt.Errorf("WriteMosquitto: %w", err)
	}
	switch err := os.Mkdir(dir, 0o750); {
	case err == nil:
		if gid < 0 || os.Chown(dir, -1, gid) != nil {
			// The files inside keep their own modes.
			if err := os.Chmod(dir, 0o755); err != nil {
				return files, fmt.Errorf("WriteMosquitto: %w", err)
			}
		}
	case errors.Is(err, fs.ErrExist):
		if p := enterable(dir, gid); p != "" {
			files.Problems = append(files.Problems, p)
		}
	default:
		return files, fmt.Errorf("WriteMosquitto: %w", err)
	}
	files.Config = filepath.Join(dir, "mosquitto.conf")
	files.Passwords = filepath.Join(dir, "passwords")
	files.ACL = filepath.Join(dir, "acl")
	if err := writeFile(files.Config, conf, 0o644, -1); err != nil {
		return files, fmt.Errorf("WriteMosquitto: %w", err)
	}
	acl := MosquittoACL(accounts)
	grouped := gid >= 0
	if grouped {
		err := writeFile(files.Passwords, passwords, 0o640, gid)
		if err == nil {
			err = writeFile(files.ACL, acl, 0o640, gid)
		}
		switch {
		case errors.Is(err, errChown):
			grouped = false
			files.Problems = append(files.Problems, fmt.Sprintf(
				"%v: run this as root (sudo), or give the files to group %s yourself: chgrp %[2]s %s %s && chmod 0640 %[3]s %[4]s",
				err, opts.Group, files.Passwords, files.ACL))
		case err != nil:
			return files, fmt.Errorf("WriteMosquitto: %w", err)
		default:
			files.Group = opts.Group
		}
	}
	if !grouped {
		if err := writeFile(files.Passwords, passwords, 0o600, -1); err != nil {
			return files, fmt.Errorf("WriteMosquitto: %w", err)
		}
		if err := writeFile(files.ACL, acl, 0o644, -1); err != nil {
			return files, fmt.Errorf("WriteMosquitto: %w", err)
		}
	}
	return files, nil
}

// errChown marks writeFile's failure to give a file its group.
var errChown = errors.New("cannot give the file its group")

// writeFile writes data to a temporary file beside path, gives it the
// group gid (unless negative) and mode, and renames it to path.
func writeFile(path string, data []byte, mode os.FileMode, gid int) error {
	f, err := os.CreateTemp(filepath.Dir(path), "."+filepath.Base(path)+".*")
	if err != nil {
		return err
	}
	defer os.Remove(f.Name()) // after the rename, nothing is there
	if _, err := f.Write(data); err != nil {
		_ = f.Close()
		return err
	}
	if err := f.Close(); err != nil {
		return err
	}
	if gid >= 0 {
		if err := os.Chown(f.Name(), -1, gid); err != nil {
			return fmt.Errorf("%w %d: %w", errChown, gid, err)
		}
	}
	if err := os.Chmod(f.Name(), mode); err != nil {
		return err
	}
	return os.Rename(f.Name(), path)
}

// enterable says what keeps Mosquitto's user (of group gid, -1 unknown)
// out of an existing folder, or "" when nothing does.
func enterable(dir string, gid int) string {
	info, err := os.Stat(dir)
	if err != nil {
		return fmt.Sprintf("%s: %v", dir, err)
	}
	mode := info.Mode().Perm()
	if mode&0o001 != 0 {
		return ""
	}
	if st, ok := info.Sys().(*syscall.Stat_t); ok && gid >= 0 && int(st.Gid) == gid && mode&0o010 != 0 {
		return ""
	}
	return fmt.Sprintf("Mosquitto's user may not enter %s (mode %04o): chmod o+x %[1]s, or chgrp it to Mosquitto's group with g+x", dir, mode)
}

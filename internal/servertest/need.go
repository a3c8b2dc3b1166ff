package servertest

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
)

// Missing skips the test for want of a tool, or fails it when the
// environment variable CI is "true": CI installs every tool (.ci/run), so
// there a missing one is a broken machine, not a reason to pass. message
// says what is missing and how to install it.
func Missing(t testing.TB, message string) {
	t.Helper()
	if os.Getenv("CI") == "true" {
		t.Fatal(message)
	}
	t.Skip(message)
}

// Program finds a program in PATH, then in /usr/sbin and /usr/local/sbin
// (Debian installs servers there, often outside a user's PATH), and calls
// Missing with install, the command that installs it, when it is in none.
func Program(t testing.TB, name, install string) string {
	t.Helper()
	if path, err := exec.LookPath(name); err == nil {
		return path
	}
	for _, dir := range []string{"/usr/sbin", "/usr/local/sbin"} {
		path := filepath.Join(dir, name)
		if info, err := os.Stat(path); err == nil && !info.IsDir() && info.Mode()&0o111 != 0 {
			return path
		}
	}
	Missing(t, name+" not found in PATH, /usr/sbin or /usr/local/sbin: "+install)
	return ""
}

// File calls Missing with install, the command that installs it, when the
// file at path (a font, a clip pack) cannot be read.
func File(t testing.TB, path, install string) {
	t.Helper()
	if _, err := os.Stat(path); err != nil {
		Missing(t, fmt.Sprintf("%s missing (%v): %s", path, err, install))
	}
}

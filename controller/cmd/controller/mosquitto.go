package main

import (
	"fmt"
	"io"
	"os"
	"os/user"
	"path/filepath"
	"strconv"
	"syscall"

	"github.com/sothutu/sothutu/controller/broker"
	"github.com/sothutu/sothutu/controller/centre"
	"github.com/sothutu/sothutu/controller/config"
)

// dropIn is the systemd drop-in that runs Debian's Mosquitto service on the
// files -write-mosquitto writes into defaultMosquittoDir.
const (
	dropIn              = "deploy/mosquitto/sothutu.conf"
	defaultMosquittoDir = "/etc/mosquitto/sothutu"
)

// writeMosquitto writes the files of an external Mosquitto for the centre
// (-write-mosquitto, with -listen as its listener) and tells the technician
// what to do next: on out the files and the commands, on problems what
// keeps Mosquitto from reading them.
func writeMosquitto(out, problems io.Writer, f flags, cfg *config.Centre) error {
	accounts := centre.Accounts(cfg)
	files, err := broker.WriteMosquitto(accounts, broker.MosquittoOptions{Dir: f.mosquitto, Listen: f.listen})
	if err != nil {
		return fmt.Errorf("-write-mosquitto: %w", err)
	}
	fmt.Fprintf(out, "Mosquitto's files for centre %s (%d accounts):\n", cfg.ID, len(accounts))
	for _, path := range []string{files.Config, files.Passwords, files.ACL} {
		fmt.Fprintf(out, "  %s\t%s\n", path, ownership(path))
	}
	for _, p := range files.Problems {
		fmt.Fprintf(problems, "controller: Mosquitto may not read its files: %s\n", p)
	}
	fmt.Fprintf(out, "Next, start Mosquitto on them as root (it then runs as user mosquitto):\n  mosquitto -c %s\n", files.Config)
	if filepath.Clean(f.mosquitto) == defaultMosquittoDir {
		fmt.Fprintf(out, "or as Debian's service, with the drop-in %s:\n"+
			"  sudo install -D -m 644 %[1]s /etc/systemd/system/mosquitto.service.d/sothutu.conf\n"+
			"  sudo systemctl daemon-reload && sudo systemctl restart mosquitto\n", dropIn)
	} else {
		fmt.Fprintf(out, "or as Debian's service, with the drop-in %s naming %s rather than %s.\n",
			dropIn, files.Config, filepath.Join(defaultMosquittoDir, "mosquitto.conf"))
	}
	fmt.Fprintf(out, "Then run the controller on it:\n  controller -config %s -broker tcp://%s\n", f.config, loopback(f.listen))
	return nil
}

// ownership is a file's owner, group and mode, "root:mosquitto 0640".
func ownership(path string) string {
	info, err := os.Stat(path)
	if err != nil {
		return err.Error()
	}
	st, ok := info.Sys().(*syscall.Stat_t)
	if !ok {
		return fmt.Sprintf("%04o", info.Mode().Perm())
	}
	owner, group := strconv.Itoa(int(st.Uid)), strconv.Itoa(int(st.Gid))
	if u, err := user.LookupId(owner); err == nil {
		owner = u.Username
	}
	if g, err := user.LookupGroupId(group); err == nil {
		group = g.Name
	}
	return fmt.Sprintf("%s:%s %04o", owner, group, info.Mode().Perm())
}

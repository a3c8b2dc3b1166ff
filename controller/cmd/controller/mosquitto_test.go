package main

import (
	"bufio"
	"bytes"
	"fmt"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	paho "github.com/eclipse/paho.mqtt.golang"

	"github.com/sothutu/sothutu/controller/broker"
	"github.com/sothutu/sothutu/controller/centre"
	"github.com/sothutu/sothutu/controller/config"
	"github.com/sothutu/sothutu/internal/servertest"
)

// readmeMosquitto is the block of README.md that sets up an external
// Mosquitto: the sh block after this paragraph's first words.
const readmeMosquitto = "To use an external Mosquitto instead"

// TestREADMEMosquitto runs the README's commands for an external Mosquitto
// as written, with four substitutions a test needs: a temporary folder for
// /etc/mosquitto/sothutu, the test's own centre.yaml, the test binary as
// ./controller, and a reserved port added as -listen (the README's
// default, 1883, is checked against the -broker URL instead). The install
// of the systemd drop-in is replaced by its ExecStart command, and
// systemctl is not run. Mosquitto starts as root and switches to the
// user mosquitto, as the service does: a device and the controller's
// account connect with their passwords, anonymous and wrong passwords are
// refused.
func TestREADMEMosquitto(t *testing.T) {
	if os.Geteuid() != 0 {
		// The files' group and Mosquitto's switch of user can only be
		// seen as root; CI runs as root, so there a missing root is a
		// broken machine, as a missing tool is.
		servertest.Missing(t, "runs mosquitto as root, as the service does, to see it switch to the user mosquitto: run the test as root")
	}
	mosquittoUser, err := user.Lookup("mosquitto")
	if err != nil {
		servertest.Missing(t, fmt.Sprintf("no user mosquitto (%v): apt-get install -y mosquitto", err))
	}
	servertest.Program(t, "mosquitto", "apt-get install -y mosquitto")
	block := readmeBlock(t, "../../../README.md", readmeMosquitto)

	// A folder the user mosquitto may enter, as /etc/mosquitto is.
	base, err := os.MkdirTemp("", "sothutu-mosquitto-")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(base) })
	if err := os.Chmod(base, 0o755); err != nil {
		t.Fatal(err)
	}
	dir := filepath.Join(base, "sothutu")
	cfgPath := filepath.Join(base, "centre.yaml")
	if err := os.WriteFile(cfgPath, config.Example(), 0o600); err != nil {
		t.Fatal(err)
	}
	substitute := func(arg string) string {
		switch {
		case arg == "centre.yaml":
			return cfgPath
		case strings.HasPrefix(arg, defaultMosquittoDir):
			return dir + strings.TrimPrefix(arg, defaultMosquittoDir)
		}
		return arg
	}

	var write, serve []string // the commands, substituted
	var brokerURL string
	for _, command := range block {
		switch {
		case command[0] == "./controller" && slices.Index(command, "-write-mosquitto") > 0:
			write = command[1:]
		case command[0] == "install" && slices.Index(command, dropIn) > 0:
			serve = dropInCommand(t, "../../../"+dropIn)
		case command[0] == "systemctl":
			// No systemd here: the drop-in's command is run instead.
		case command[0] == "./controller" && slices.Index(command, "-broker") > 0:
			brokerURL = command[slices.Index(command, "-broker")+1]
		default:
			t.Fatalf("README.md: a command this test does not know, change the test with the README: %q", command)
		}
	}
	if write == nil || serve == nil || brokerURL == "" {
		t.Fatalf("README.md's block lacks the write, the drop-in or the controller's -broker: %q", block)
	}
	if want := "tcp://127.0.0.1" + flagDefault(t, "listen"); brokerURL != want {
		t.Errorf("README.md's controller connects to %s, want %s, the listener -write-mosquitto writes by default", brokerURL, want)
	}
	for i := range write {
		write[i] = substitute(write[i])
	}
	for i := range serve {
		serve[i] = substitute(serve[i])
	}

	var printed string
	m, err := servertest.Start(t, servertest.Options{Name: "mosquitto", Command: func(ports []int) (*exec.Cmd, error) {
		controller := exec.Command(os.Args[0], append(write, "-listen", fmt.Sprintf("127.0.0.1:%d", ports[0]))...)
		controller.Env = append(os.Environ(), "SOTHUTU_RUN_CONTROLLER=1")
		out, err := controller.CombinedOutput()
		printed = string(out)
		if err != nil {
			return nil, fmt.Errorf("controller %q: %w\n%s", write, err, out)
		}
		return exec.Command(serve[0], serve[1:]...), nil
	}})
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("-write-mosquitto printed:\n%s", printed)
	for _, want := range []string{"root:mosquitto 0640", "mosquitto -c " + filepath.Join(dir, "mosquitto.conf")} {
		if !strings.Contains(printed, want) {
			t.Errorf("-write-mosquitto printed no %q", want)
		}
	}
	if strings.Contains(printed, "may not read") {
		t.Errorf("-write-mosquitto reports a problem")
	}
	if uid := processUID(t, m.Pid()); uid != mosquittoUser.Uid {
		t.Errorf("mosquitto runs as uid %s, want the user mosquitto's, %s", uid, mosquittoUser.Uid)
	}

	cfg, err := config.Parse(cfgPath, config.Example())
	if err != nil {
		t.Fatal(err)
	}
	var device, controller broker.Account
	for _, a := range centre.Accounts(cfg) {
		if a.Device != "" && device.Username == "" {
			device = a
		}
		if a.Device == "" {
			controller = a
		}
	}
	cases := []struct {
		name, username, password string
		ok                       bool
	}{
		{"device " + device.Username, device.Username, device.Password, true},
		{"controller", controller.Username, controller.Password, true},
		{"wrong password", device.Username, controller.Password, false},
		{"anonymous", "", "", false},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			c := paho.NewClient(paho.NewClientOptions().AddBroker("tcp://" + m.Addr(0)).SetClientID(tc.username).
				SetUsername(tc.username).SetPassword(tc.password).SetProtocolVersion(4).
				SetConnectTimeout(5 * time.Second).SetAutoReconnect(false).SetConnectRetry(false))
			tok := c.Connect()
			if !tok.WaitTimeout(10 * time.Second) {
				t.Fatal("no answer in 10 s")
			}
			err := tok.Error()
			if err == nil {
				c.Disconnect(0)
			}
			if tc.ok != (err == nil) {
				t.Errorf("connect: %v, want accepted %v; mosquitto printed:\n%s", err, tc.ok, m.Output())
			}
		})
	}
}

// readmeBlock is the first sh block after the paragraph that starts with
// lead, as commands: sudo dropped, "a && b" split, comments gone.
func readmeBlock(t *testing.T, path, lead string) [][]string {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	at := bytes.Index(data, []byte("\n"+lead))
	if at < 0 {
		t.Fatalf("%s: no paragraph starting %q", path, lead)
	}
	rest := data[at:]
	start := bytes.Index(rest, []byte("\n```sh\n"))
	if start < 0 {
		t.Fatalf("%s: no sh block after %q", path, lead)
	}
	rest = rest[start+len("\n```sh\n"):]
	end := bytes.Index(rest, []byte("\n```"))
	if end < 0 {
		t.Fatalf("%s: the sh block after %q does not end", path, lead)
	}
	var commands [][]string
	lines := bufio.NewScanner(bytes.NewReader(rest[:end]))
	for lines.Scan() {
		line, _, _ := strings.Cut(lines.Text(), "#")
		for part := range strings.SplitSeq(line, "&&") {
			fields := strings.Fields(part)
			if len(fields) > 0 && fields[0] == "sudo" {
				fields = fields[1:]
			}
			if len(fields) > 0 {
				commands = append(commands, fields)
			}
		}
	}
	return commands
}

// dropInCommand is the command of the drop-in's last ExecStart line.
func dropInCommand(t *testing.T, path string) []string {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("the README's drop-in: %v", err)
	}
	var command []string
	for line := range strings.Lines(string(data)) {
		if value, ok := strings.CutPrefix(strings.TrimSpace(line), "ExecStart="); ok && value != "" {
			command = strings.Fields(value)
		}
	}
	if command == nil {
		t.Fatalf("%s has no ExecStart= with a command", path)
	}
	return command
}

// flagDefault is a flag's default as the controller's -h prints it.
func flagDefault(t *testing.T, name string) string {
	t.Helper()
	help := exec.Command(os.Args[0], "-h")
	help.Env = append(os.Environ(), "SOTHUTU_RUN_CONTROLLER=1")
	out, _ := help.CombinedOutput() // -h exits with status 2
	_, rest, ok := strings.Cut(string(out), "\n  -"+name+" ")
	if !ok {
		t.Fatalf("controller -h lists no -%s:\n%s", name, out)
	}
	usage, _, _ := strings.Cut(rest, "\n  -")
	_, value, ok := strings.Cut(usage, `(default "`)
	if !ok {
		t.Fatalf("controller -h gives -%s no default:\n%s", name, usage)
	}
	value, _, _ = strings.Cut(value, `"`)
	return value
}

// processUID is the real user id of a running process.
func processUID(t *testing.T, pid int) string {
	t.Helper()
	data, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/status")
	if err != nil {
		t.Fatal(err)
	}
	for line := range strings.Lines(string(data)) {
		if rest, ok := strings.CutPrefix(line, "Uid:"); ok {
			return strings.Fields(rest)[0]
		}
	}
	t.Fatalf("no Uid line in /proc/%d/status", pid)
	return ""
}

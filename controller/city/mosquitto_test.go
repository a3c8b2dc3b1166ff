package city_test

import (
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/sothutu/sothutu/controller/broker"
	"github.com/sothutu/sothutu/protocol"
)

// cityPassword is the password of every city account in these tests.
const cityPassword = "city-secret"

// startBroker runs a real Mosquitto on a free loopback port, configured as
// the city's broker: each centre an account "centre-<id>" (password
// "pw-<id>") reaching only its own tree, as controller/broker writes it,
// and each city account reading every centre's figures and writing every
// centre's acknowledgements, which broker.Account cannot express.
// mosquittotest.Start does the same for one centre; this differs only in
// the acl_file.
func startBroker(t *testing.T, centres, cities []string) *testBroker {
	t.Helper()
	bin, err := exec.LookPath("mosquitto")
	if err != nil {
		bin = "/usr/sbin/mosquitto"
		if _, err := os.Stat(bin); err != nil {
			msg := "mosquitto not found: apt-get install -y mosquitto"
			if os.Getenv("CI") == "true" {
				t.Fatal(msg)
			}
			t.Skip(msg)
		}
	}
	var all, centreAccounts []broker.Account
	for _, c := range centres {
		centreAccounts = append(centreAccounts, broker.Account{Username: "centre-" + c, Password: "pw-" + c, Centre: c})
	}
	all = append(all, centreAccounts...)
	var acl strings.Builder
	acl.Write(broker.MosquittoACL(centreAccounts))
	figures := protocol.AllFigures
	acks := strings.TrimSuffix(figures, protocol.KindFigures) + protocol.KindAck
	for _, c := range cities {
		// Centre only to pass Validate: the city's rules are below.
		all = append(all, broker.Account{Username: c, Password: cityPassword, Centre: "city"})
		fmt.Fprintf(&acl, "\nuser %s\ntopic read %s\ntopic write %s\n", c, figures, acks)
	}
	passwords, err := broker.MosquittoPasswords(all)
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	_, port, _ := net.SplitHostPort(addr)
	ln.Close()
	conf := fmt.Sprintf("listener %s 127.0.0.1\nallow_anonymous false\npassword_file %s\nacl_file %s\n"+
		"use_username_as_clientid true\nset_tcp_nodelay true\npersistence false\nlog_dest stderr\nlog_type all\n",
		port, filepath.Join(dir, "passwd"), filepath.Join(dir, "acl"))
	if os.Geteuid() == 0 {
		conf += "user root\n"
	}
	for name, data := range map[string]string{"passwd": string(passwords), "acl": acl.String(), "mosquitto.conf": conf} {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(data), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	logf, err := os.Create(filepath.Join(dir, "mosquitto.log"))
	if err != nil {
		t.Fatal(err)
	}
	b := &testBroker{t: t, addr: addr, bin: bin, conf: filepath.Join(dir, "mosquitto.conf"), log: logf}
	t.Cleanup(func() {
		b.stop()
		logf.Close()
		if t.Failed() {
			data, _ := os.ReadFile(filepath.Join(dir, "mosquitto.log"))
			t.Logf("mosquitto log:\n%s", data)
		}
	})
	b.start()
	return b
}

// testBroker is a mosquitto process; its methods are for the test's
// goroutine.
type testBroker struct {
	t         *testing.T
	addr, bin string
	conf      string
	log       *os.File
	cmd       *exec.Cmd
	exited    chan struct{}
}

func (b *testBroker) start() {
	b.t.Helper()
	b.cmd = exec.Command(b.bin, "-c", b.conf)
	b.cmd.Stdout, b.cmd.Stderr = b.log, b.log
	if err := b.cmd.Start(); err != nil {
		b.t.Fatal(err)
	}
	exited := make(chan struct{})
	b.exited = exited
	go func() { b.cmd.Wait(); close(exited) }()
	deadline := time.Now().Add(5 * time.Second)
	for {
		c, err := net.DialTimeout("tcp", b.addr, 100*time.Millisecond)
		if err == nil {
			c.Close()
			return
		}
		select {
		case <-exited:
			b.t.Fatalf("mosquitto exited")
		default:
		}
		if time.Now().After(deadline) {
			b.t.Fatalf("mosquitto not listening: %v", err)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// stop kills the broker, as a crash would.
func (b *testBroker) stop() {
	if b.cmd == nil {
		return
	}
	b.cmd.Process.Kill()
	<-b.exited
	b.cmd = nil
}

// restart stops the broker and starts it again on the same port.
func (b *testBroker) restart() {
	b.t.Helper()
	b.stop()
	b.start()
}

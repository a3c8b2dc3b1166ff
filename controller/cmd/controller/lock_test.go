package main

import (
	"bytes"
	"errors"
	"fmt"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/sothutu/sothutu/controller/config"
)

// A second controller started on the database of a running one exits at
// once, non-zero, naming the file and the first one's process; the first
// goes on serving, and stops cleanly on SIGTERM.
func TestSecondControllerRefused(t *testing.T) {
	dir := t.TempDir()
	cfgPath := filepath.Join(dir, "centre.yaml")
	if err := os.WriteFile(cfgPath, config.Example(), 0o644); err != nil {
		t.Fatal(err)
	}
	dbPath := filepath.Join(dir, "centre.db")
	logFile, err := os.Create(filepath.Join(dir, "first.log"))
	if err != nil {
		t.Fatal(err)
	}
	defer logFile.Close()
	httpAddr := fmt.Sprintf("127.0.0.1:%d", freePort(t))
	first := &process{t: t, log: logFile, args: []string{"-config", cfgPath, "-db", dbPath,
		"-listen", fmt.Sprintf("127.0.0.1:%d", freePort(t)), "-http", httpAddr}}
	first.start()
	defer func() {
		if t.Failed() {
			b, _ := os.ReadFile(logFile.Name())
			t.Logf("first controller's log:\n%s", b)
		}
	}()
	status := func() error {
		resp, err := http.Get("http://" + httpAddr + "/status")
		if err != nil {
			return err
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusOK {
			return fmt.Errorf("status %d", resp.StatusCode)
		}
		return nil
	}
	// A real process: there is no clock to fake while it starts.
	for deadline := time.Now().Add(20 * time.Second); status() != nil; {
		if time.Now().After(deadline) {
			first.signal(syscall.SIGKILL)
			t.Fatalf("first controller not serving after 20s: %v", status())
		}
		<-time.After(20 * time.Millisecond)
	}

	var out bytes.Buffer
	second := exec.Command(os.Args[0], "-config", cfgPath, "-db", dbPath,
		"-listen", fmt.Sprintf("127.0.0.1:%d", freePort(t)), "-http", fmt.Sprintf("127.0.0.1:%d", freePort(t)))
	second.Env = append(os.Environ(), "SOTHUTU_RUN_CONTROLLER=1")
	second.Stdout, second.Stderr = &out, &out
	began := time.Now()
	if err := second.Start(); err != nil {
		t.Fatal(err)
	}
	exited := make(chan error, 1)
	go func() { exited <- second.Wait() }()
	select {
	case err = <-exited:
	case <-time.After(10 * time.Second):
		second.Process.Kill()
		<-exited
		t.Fatalf("second controller still running after 10s:\n%s", out.String())
	}
	took := time.Since(began)
	var exit *exec.ExitError
	if !errors.As(err, &exit) || exit.ExitCode() == 0 {
		t.Errorf("second controller: %v, want a non-zero exit", err)
	}
	want := "controller: " + dbPath + " is in use by another controller (process " +
		strconv.Itoa(first.cmd.Process.Pid) + "); stop it first, or give this one another -db"
	if !strings.Contains(out.String(), want) {
		t.Errorf("second controller printed:\n%s\nwant a line\n%s", out.String(), want)
	}
	t.Logf("second controller exited in %v: %s", took.Round(time.Millisecond), strings.TrimSpace(out.String()))

	if err := status(); err != nil {
		t.Errorf("first controller after the second one's start: %v", err)
	}
	first.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case err := <-first.waitc:
		if err != nil {
			t.Errorf("first controller on SIGTERM: %v, want a clean exit", err)
		}
	case <-time.After(20 * time.Second):
		first.cmd.Process.Kill()
		t.Fatal("first controller did not stop on SIGTERM")
	}
}

package main

import (
	"bytes"
	"context"
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
	"github.com/sothutu/sothutu/internal/servertest"
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
	status := func(ctx context.Context, addr string) error {
		req, err := http.NewRequestWithContext(ctx, http.MethodGet, "http://"+addr+"/status", nil)
		if err != nil {
			return err
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			return err
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusOK {
			return fmt.Errorf("status %d", resp.StatusCode)
		}
		return nil
	}
	// servertest's runner: its wait for the pages ends as soon as the
	// first controller exits, and its log is shown if the test fails.
	first, err := servertest.Start(t, servertest.Options{Name: "first-controller", Ports: 2,
		Timeout: 20 * time.Second, Signal: syscall.SIGTERM,
		Command: func(ports []int) (*exec.Cmd, error) {
			cmd := exec.Command(os.Args[0], "-config", cfgPath, "-db", dbPath,
				"-listen", fmt.Sprintf("127.0.0.1:%d", ports[0]), "-http", fmt.Sprintf("127.0.0.1:%d", ports[1]))
			cmd.Env = append(os.Environ(), "SOTHUTU_RUN_CONTROLLER=1")
			return cmd, nil
		},
		Ready: func(ctx context.Context, ports []int) error {
			return status(ctx, fmt.Sprintf("127.0.0.1:%d", ports[1]))
		}})
	if err != nil {
		t.Fatal(err)
	}
	firstPid := first.Pid()

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
		strconv.Itoa(firstPid) + "); stop it first, or give this one another -db"
	if !strings.Contains(out.String(), want) {
		t.Errorf("second controller printed:\n%s\nwant a line\n%s", out.String(), want)
	}
	t.Logf("second controller exited in %v: %s", took.Round(time.Millisecond), strings.TrimSpace(out.String()))

	select {
	case <-first.Exited():
		t.Fatalf("first controller exited after the second one's start:\n%s", first.Output())
	default:
	}
	if err := status(context.Background(), first.Addr(1)); err != nil {
		t.Errorf("first controller after the second one's start: %v", err)
	}
	if !first.Stop(syscall.SIGTERM, 20*time.Second) {
		t.Fatal("first controller did not stop on SIGTERM within 20 s")
	}
	if state := first.Ended(); !state.Success() {
		t.Errorf("first controller on SIGTERM: %v, want a clean exit", state)
	}
}

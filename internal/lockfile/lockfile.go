// Package lockfile keeps a database to one process: the first process to
// open it takes an exclusive lock on a file beside it, and any other is
// refused with the holder's process id. The lock is flock(2) on
// <path>.lock, so the kernel releases it when its process ends, however it
// ends: a controller killed with SIGKILL does not block its restart.
package lockfile

import (
	"errors"
	"fmt"
	"os"
	"strconv"
	"strings"

	"golang.org/x/sys/unix"
)

// ErrHeld is wrapped by Acquire's error when another process holds the lock.
var ErrHeld = errors.New("held by another process")

// HeldError is Acquire's error when another process holds the lock.
type HeldError struct {
	// Path is the file the lock keeps, not the lock file.
	Path string
	// PID is the holder's process id, 0 when it has not written it yet.
	PID int
	// Holder and Flag name the kind of program holding it and the flag
	// that gives this one another file, for the message.
	Holder, Flag string
}

func (e *HeldError) Error() string {
	process := "process id unknown"
	if e.PID > 0 {
		process = "process " + strconv.Itoa(e.PID)
	}
	return fmt.Sprintf("%s is in use by another %s (%s); stop it first, or give this one another %s",
		e.Path, e.Holder, process, e.Flag)
}

func (e *HeldError) Unwrap() error { return ErrHeld }

// Lock is a lock held by this process until Release.
type Lock struct {
	file *os.File
}

// Acquire takes the lock of path (the file <path>.lock, made if missing)
// without waiting, and writes this process's id into it. holder and flag
// word the error when another process holds it: "controller", "-db".
func Acquire(path, holder, flag string) (*Lock, error) {
	name := path + ".lock"
	f, err := os.OpenFile(name, os.O_RDWR|os.O_CREATE, 0o644)
	if err != nil {
		return nil, fmt.Errorf("lockfile.Acquire: open %s: %w", name, err)
	}
	if err := unix.Flock(int(f.Fd()), unix.LOCK_EX|unix.LOCK_NB); err != nil {
		f.Close()
		if errors.Is(err, unix.EWOULDBLOCK) {
			return nil, &HeldError{Path: path, PID: holderPID(name), Holder: holder, Flag: flag}
		}
		return nil, fmt.Errorf("lockfile.Acquire: flock %s: %w", name, err)
	}
	if err := f.Truncate(0); err != nil {
		f.Close()
		return nil, fmt.Errorf("lockfile.Acquire: truncate %s: %w", name, err)
	}
	if _, err := f.WriteAt([]byte(strconv.Itoa(os.Getpid())+"\n"), 0); err != nil {
		f.Close()
		return nil, fmt.Errorf("lockfile.Acquire: write %s: %w", name, err)
	}
	return &Lock{file: f}, nil
}

// holderPID reads the process id the holder wrote; 0 if unreadable.
func holderPID(name string) int {
	b, err := os.ReadFile(name)
	if err != nil {
		return 0
	}
	pid, err := strconv.Atoi(strings.TrimSpace(string(b)))
	if err != nil || pid <= 0 {
		return 0
	}
	return pid
}

// Release gives the lock up. The file stays: removing it would let a
// process that opened it before the removal lock a file nobody else sees.
// Calling it again does nothing.
func (l *Lock) Release() error {
	if l == nil || l.file == nil {
		return nil
	}
	err := l.file.Close()
	l.file = nil
	if err != nil {
		return fmt.Errorf("lockfile.Release: %w", err)
	}
	return nil
}

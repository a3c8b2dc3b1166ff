// Package servertest starts the servers tests need (Mosquitto, NATS,
// PostgreSQL, the controller's own process, an in-process broker) on
// loopback ports that cannot collide, and waits for them to serve. It
// also holds the tests' scaffolding that every package would otherwise
// write again: the one "needs tool X" check (Missing, Program, File: skip
// locally, fail under CI=true) and the one wait for a condition on real
// parts (Eventually).
//
// # Ports
//
// A port from Port is never handed out twice while the process that took
// it lives, neither within one test process nor across the test processes
// that `go test ./...` runs side by side:
//
//   - It lies outside the kernel's ephemeral range
//     (/proc/sys/net/ipv4/ip_local_port_range, below it when there is room),
//     so the kernel never gives it to a listener on port 0 or to an
//     outgoing connection's source port. Listen-then-close pickers and
//     restartable servers on ephemeral ports collide on exactly that: a
//     client reconnecting to a killed server may be given the server's own
//     port as its source port.
//   - It is reserved by an exclusive flock(2) on a file per port in a folder
//     of the temporary directory (os.TempDir()/sothutu-test-ports), held
//     until the process ends, however it ends: the kernel releases the lock
//     of a killed process. Other test processes skip a locked port; this
//     process keeps a set of its own.
//   - A port something else listens on right now is skipped.
//
// So a port stays the test's across a server's kill and restart: nobody
// else is given it in between. A start that still fails with "address
// already in use" (a program outside the tests took the port) is retried
// on new ports by Start and Bind, and on the same port, until a timeout,
// by Restart and Rebind.
//
// # Processes
//
// Start runs a command, keeps what it prints in a log file, watches
// cmd.Wait in a goroutine of its own, and waits for the server to be ready:
// the wait ends as soon as the process exits, with an error that quotes
// what it printed.
//
//	s, err := servertest.Start(t, servertest.Options{Name: "mosquitto",
//		Command: func(ports []int) (*exec.Cmd, error) { ... }})
//	url := "tcp://" + s.Addr(0)
//
// Launch starts a server for the rest of the test process instead, for
// one that many tests (or the -count runs of one) share because its start
// takes seconds; TestMain closes it. Every server's process is started
// with the kernel's parent-death signal, so it dies with the test process
// even when no cleanup runs, as on a test's time-out.
package servertest

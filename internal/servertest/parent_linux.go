package servertest

import "syscall"

// dieWithParent has the kernel kill the server when the test process
// dies, as on a test's time-out, when no cleanup runs.
func dieWithParent(attr *syscall.SysProcAttr) { attr.Pdeathsig = syscall.SIGKILL }

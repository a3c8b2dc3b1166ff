package mosquittotest

import (
	"strings"
	"testing"
)

func TestConfig(t *testing.T) {
	got := string(config("18830", "/tmp/x/passwd", "/tmp/x/acl", nil))
	for _, line := range []string{
		"listener 18830 127.0.0.1",
		"allow_anonymous false",
		"password_file /tmp/x/passwd",
		"acl_file /tmp/x/acl",
		"use_username_as_clientid true",
		"set_tcp_nodelay true",
		"persistence false",
		"log_dest stderr",
	} {
		if !strings.Contains(got, "\n"+line+"\n") {
			t.Errorf("config lacks %q:\n%s", line, got)
		}
	}
}
